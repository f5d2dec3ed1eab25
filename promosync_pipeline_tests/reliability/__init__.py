"""End-to-end reliability suite: source faults, our own faults, bad input, security.

Every test runs the real Dagster jobs over real HTTP against the feed simulator and ends by
checking that nothing was lost (``support/catalog_vs_feed.py::assert_nothing_lost``).
"""
