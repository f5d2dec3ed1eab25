"""The parsing layer stays pure: no Dagster, no database, no network, no files."""

import ast
import pkgutil
from pathlib import Path

import promosync_pipeline.promidata as promidata

FORBIDDEN = {
    "dagster",
    "httpx",
    "sqlalchemy",
    "psycopg",
    "boto3",
    "PIL",
    "socket",
    "requests",
    "urllib.request",
    "pathlib",
    "os",
    "subprocess",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
            names.add("open()")
    return names


def test_promidata_modules_import_nothing_that_does_io():
    root = Path(promidata.__file__).parent
    modules = [root / f"{m.name}.py" for m in pkgutil.iter_modules([str(root)])]
    assert len(modules) >= 5
    offenders = {
        path.name: sorted(
            name
            for name in _imports(path)
            if name == "open()" or name in FORBIDDEN or name.split(".")[0] in FORBIDDEN
        )
        for path in modules
    }
    assert {k: v for k, v in offenders.items() if v} == {}
