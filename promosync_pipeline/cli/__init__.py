"""The ``promosync`` command."""

from promosync_pipeline.cli.main import main

__all__ = ["main"]
