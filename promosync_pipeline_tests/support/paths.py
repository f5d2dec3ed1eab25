"""Where things are: the repository and its instance files, the installed commands."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository."""
DEPLOY_YAML = ROOT / "deploy" / "dagster.yaml"
"""The production instance's configuration."""
EMBEDDED_YAML = ROOT / "dagster.yaml"
"""The embedded instance's configuration (``promosync demo``, ``dg dev``)."""
BIN = Path(sys.executable).parent
"""The virtual environment's commands."""
PROMOSYNC = str(BIN / "promosync")
DG = BIN / "dg"
DAGSTER = BIN / "dagster"
