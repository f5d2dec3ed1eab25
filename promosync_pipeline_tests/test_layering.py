"""The layers stay apart: tests walk every module's imports (nested ones included).

- packages: a package imports only packages of its own layer or below (:data:`LAYERS`), and
  the packages' imports of each other form no cycle;
- pure: parsing, hashing and the sync decisions import neither Dagster nor anything that does
  I/O (no database, network, files or processes);
- below Dagster: the catalog, images, HTTP, sync and feed simulator packages never import
  Dagster;
- Dagster is imported only by the wiring on top (assets, checks, sensors, schedules, jobs,
  resources, IO managers, definitions) and the CLI that launches it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import promosync_pipeline

ROOT = Path(promosync_pipeline.__file__).parent
LAYERS: list[tuple[str, set[str]]] = [
    ("foundation", {"settings", "clock", "names", "redaction"}),
    ("pure", {"promidata", "automation"}),
    ("clients", {"http", "processes", "signals"}),
    ("stores", {"images", "archive", "feedsim"}),
    ("catalog", {"catalog"}),
    ("sync", {"sync"}),
    (
        "dagster resources",
        {
            "resources",
            "io_managers",
            "alerts",
            "change_webhook",
            "partitions",
            "jobs",
            "freshness",
        },
    ),
    ("dagster definitions", {"assets", "checks", "sensors", "schedules"}),
    ("code location", {"definitions"}),
    ("entry points", {"cli"}),
]
"""The packages and top-level modules of ``promosync_pipeline``, from the bottom up."""
RANK = {member: rank for rank, (_, members) in enumerate(LAYERS) for member in members}
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
    "sync/progress.py",
    "clock.py",
    "names.py",
    "redaction.py",
]
BELOW_DAGSTER = [
    "archive/*.py",
    "catalog/**/*.py",
    "images/*.py",
    "http/*.py",
    "sync/*.py",
    "feedsim/*.py",
    "processes.py",
    "signals.py",
]
CONFIGURATION = ["settings.py"]
"""The contract's environment variables, read at run time by any layer."""
DAGSTER_LAYER = [
    "assets/*.py",
    "cli/*.py",
    "alerts.py",
    "change_webhook.py",
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
    """Every module ``path`` imports, at any depth (relative imports resolved)."""
    names: set[str] = set()
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
            names.add("open()")
    return names


def package_of(module: str) -> str | None:
    """``promosync_pipeline.catalog.rows`` -> ``catalog``; None outside the project."""
    parts = module.split(".")
    if parts[0] != "promosync_pipeline" or len(parts) < 2:
        return None
    return parts[1]


def package_edges() -> dict[str, dict[str, set[str]]]:
    """Package -> package it imports -> the modules of the first that import the second."""
    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = path.relative_to(ROOT).parts[0].removesuffix(".py")
        for module in imports(path):
            target = package_of(module)
            if target is not None and target != source:
                edges[source][target].add(str(path.relative_to(ROOT)))
    return edges


def cycles(edges: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """Every strongly connected group of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_package_has_a_layer():
    packages = {
        p.stem
        for p in ROOT.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.stem != "__init__")
    }
    assert packages <= set(RANK), f"place these in LAYERS: {sorted(packages - set(RANK))}"


def test_no_package_imports_a_package_above_it():
    upward = {
        f"{source} -> {target}": sorted(modules)
        for source, targets in package_edges().items()
        for target, modules in targets.items()
        if RANK[target] > RANK[source]
    }
    assert upward == {}, "these imports run up the layers"


def test_the_packages_import_each_other_in_no_cycle():
    assert cycles(package_edges()) == []


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: a cycle of three packages is found, a chain is not."""
    edges: dict[str, dict[str, set[str]]] = {
        "a": {"b": {"a.py"}},
        "b": {"c": {"b.py"}},
        "c": {"a": {"c.py"}},
        "d": {"a": {"d.py"}},
    }
    assert cycles(edges) == [["a", "b", "c"]]
    del edges["c"]["a"]
    assert cycles(edges) == []


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
