"""The ``promosync`` command."""

from promosync_pipeline.cli.main import main, run

__all__ = ["main", "run"]
