"""Debian's Chromium driven by Playwright, and the screenshots the browser tests keep."""

from __future__ import annotations

import os
from pathlib import Path

from promosync_pipeline_tests.support.ci import missing

CHROMIUM = os.environ.get("PROMOSYNC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
README_PICTURES_ENV = "PROMOSYNC_README_SCREENSHOTS"
"""When set to a folder, the tests also write their README pictures there (scripts/screenshots)."""
README_PICTURE_WIDTH = 1100


def require_chromium() -> str:
    """The Chromium executable; fails under CI=true when it is missing, skips loudly otherwise."""
    problem = None
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        problem = f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (pip install -e '.[dev]')"
    if problem is None:
        return CHROMIUM
    missing("the browser tests", problem)


def save_readme_picture(source: Path, name: str) -> None:
    """Copy a screenshot into the README's picture folder, downscaled and palette-optimised,
    when ``PROMOSYNC_README_SCREENSHOTS`` names that folder."""
    folder = os.environ.get(README_PICTURES_ENV)
    if not folder:
        return
    from PIL import Image

    target = Path(folder) / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        rgb = image.convert("RGB")
        if rgb.width > README_PICTURE_WIDTH:
            height = round(rgb.height * README_PICTURE_WIDTH / rgb.width)
            rgb = rgb.resize((README_PICTURE_WIDTH, height), Image.Resampling.LANCZOS)
        # octree keeps the small coloured status dots that median cut blends into grey
        rgb.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(target, optimize=True)
