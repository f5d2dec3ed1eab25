"""Sensors: index discovery, freshness and check alerts, run failure alerts.

Every sensor starts STOPPED: ``dg dev`` polls nothing until an operator turns it on (UI, or
``dagster sensor start <name>``). Intervals are definition-time values (Dagster needs them when
the code location loads), so :func:`load_sensors` reads them from the environment once.
"""

from collections.abc import Mapping
from typing import Any

from promosync_pipeline import settings
from promosync_pipeline.freshness import freshness_window
from promosync_pipeline.sensors.freshness import build_freshness_alert_sensor
from promosync_pipeline.sensors.index import build_promidata_index_sensor
from promosync_pipeline.sensors.run_alerts import (
    run_failure_alert_sensor,
    run_recovery_alert_sensor,
)

__all__ = [
    "build_freshness_alert_sensor",
    "build_promidata_index_sensor",
    "load_sensors",
    "run_failure_alert_sensor",
    "run_recovery_alert_sensor",
]


def load_sensors(environ: Mapping[str, str] | None = None) -> list[Any]:
    """The sensors, with intervals and the freshness window from the environment."""
    poll = settings.env_number(
        settings.INDEX_POLL_SECONDS, settings.DEFAULT_INDEX_POLL_SECONDS, 30, environ
    )
    alert_poll = settings.env_number(
        settings.ALERT_POLL_SECONDS, settings.DEFAULT_ALERT_POLL_SECONDS, 30, environ
    )
    return [
        build_promidata_index_sensor(int(poll)),
        build_freshness_alert_sensor(freshness_window(environ), int(alert_poll)),
        run_failure_alert_sensor,
        run_recovery_alert_sensor,
    ]
