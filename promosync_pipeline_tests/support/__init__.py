"""What tests and benchmarks share: running syncs, reading the catalog back, feeds and
deployments. Public: benchmarks import from here, never from a test module."""
