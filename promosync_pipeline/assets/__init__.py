"""Software-defined assets: the feed (unpartitioned) and each supplier's catalog (partitioned)."""
