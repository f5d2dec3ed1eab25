"""No function of the package is longer than a screen: 60 lines from its ``def`` to its last
line (nested functions count in the function that holds them; migrations aside)."""

from __future__ import annotations

import ast
from pathlib import Path

import promosync_pipeline

ROOT = Path(promosync_pipeline.__file__).parent
MAX_LINES = 60


def long_functions(root: Path, limit: int) -> list[str]:
    """``path:line name (n lines)`` of every function over ``limit`` lines under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    where = path.relative_to(root.parent)
                    found.append(f"{where}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_is_longer_than_sixty_lines():
    assert long_functions(ROOT, MAX_LINES) == []


def test_the_check_sees_a_long_function(tmp_path: Path):
    """The check above can fail: a 61-line function is reported, a 60-line one is not."""
    package = tmp_path / "pkg"
    package.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(59))
    (package / "short.py").write_text(f"def short():\n{body}\n")
    (package / "long.py").write_text(f"def long():\n{body}\n    return x0\n")
    assert long_functions(package, MAX_LINES) == ["pkg/long.py:1 long (61 lines)"]
