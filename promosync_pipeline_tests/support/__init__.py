"""What tests and benchmarks share, besides fixtures (those are in the ``conftest.py`` files).

Public: benchmarks import from here, never from a test module. ``syncs`` runs syncs,
``catalog_vs_feed`` compares the catalog with the feed, ``catalog`` writes and reads catalog
rows, ``families`` builds small families; ``databases``, ``deployment``, ``backfills``,
``cli``, ``processes``, ``private_postgres``, ``webhook``, ``feed_process`` and ``ui`` stand up
what a test runs against (docs/guarantees.md has the whole map).
"""
