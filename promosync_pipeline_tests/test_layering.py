"""The layers stay apart: a test walks every module's imports (nested ones included).

- pure: parsing, hashing and the sync decisions import neither Dagster nor anything that does
  I/O (no database, network, files or processes);
- below Dagster: the catalog, images, HTTP, sync and feed simulator packages never import
  Dagster;
- Dagster is imported only by the wiring on top (assets, checks, sensors, schedules, jobs,
  resources, IO managers, definitions) and the CLI that launches it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import promosync_pipeline

ROOT = Path(promosync_pipeline.__file__).parent
IO = {
    "httpx",
    "sqlalchemy",
    "psycopg",
    "boto3",
    "botocore",
    "PIL",
    "socket",
    "requests",
    "urllib.request",
    "pathlib",
    "os",
    "subprocess",
    "alembic",
    "open()",
}
DAGSTER = {"dagster", "dagster_aws", "dagster_postgres", "dagster_webserver", "dagster_graphql"}
PURE = [
    "promidata/*.py",
    "automation/*.py",
    "sync/plan.py",
    "sync/removals.py",
    "sync/values.py",
    "sync/stages.py",
    "sync/progress.py",
]
BELOW_DAGSTER = [
    "archive/*.py",
    "catalog/**/*.py",
    "images/*.py",
    "http/*.py",
    "sync/*.py",
    "feedsim/*.py",
    "processes.py",
]
CONFIGURATION = ["settings.py"]
"""The contract's environment variables, read at run time by any layer."""
DAGSTER_LAYER = [
    "assets/*.py",
    "cli/*.py",
    "alerts.py",
    "checks.py",
    "definitions.py",
    "freshness.py",
    "io_managers.py",
    "jobs.py",
    "partitions.py",
    "resources.py",
    "schedules.py",
    "sensors/*.py",
]


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
            names.add("open()")
    return names


def modules(patterns: list[str]) -> list[Path]:
    return sorted({path for pattern in patterns for path in ROOT.glob(pattern)})


def offenders(patterns: list[str], forbidden: set[str]) -> dict[str, list[str]]:
    found = {}
    for path in modules(patterns):
        bad = sorted(n for n in imports(path) if n in forbidden or n.split(".")[0] in forbidden)
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


@pytest.mark.parametrize(
    ("layer", "patterns", "forbidden"),
    [
        ("pure", PURE, IO | DAGSTER),
        ("below Dagster", BELOW_DAGSTER, DAGSTER),
    ],
)
def test_layer_imports_nothing_it_must_not(layer, patterns, forbidden):
    assert len(modules(patterns)) >= len(patterns)
    assert offenders(patterns, forbidden) == {}, f"{layer} modules import what they must not"


def test_only_the_dagster_layer_imports_dagster():
    layered = set(modules(DAGSTER_LAYER))
    assert layered
    rest = [p for p in ROOT.rglob("*.py") if p not in layered and "migrations" not in p.parts]
    found = offenders([str(p.relative_to(ROOT)) for p in rest], DAGSTER)
    assert found == {}, "only the Dagster layer may import Dagster"


def test_every_module_belongs_to_a_layer():
    """A new top-level module or package must be placed in a layer above."""
    placed = set(modules(PURE + BELOW_DAGSTER + DAGSTER_LAYER + CONFIGURATION))
    unplaced = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*.py")
        if p not in placed and p.name != "__init__.py" and "migrations" not in p.parts
    ]
    assert unplaced == []
