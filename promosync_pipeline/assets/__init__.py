"""Software-defined assets: the feed (unpartitioned) and each supplier's catalog (partitioned)."""

import warnings

import dagster as dg

# The index assets give each output a data version (the index slice's hash), so that a
# supplier whose slice did not change is not marked stale; Dagster 1.13 marks the parameter
# "beta" and would say so in every run's log.
warnings.filterwarnings(
    "ignore",
    message="Parameter `data_version` of initializer `Output.__init__` is currently in beta",
    category=dg.BetaWarning,
)
