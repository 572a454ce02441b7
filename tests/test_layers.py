"""The import rules of docs/architecture.md, checked on the code: data flows one way, so no
module imports a folder above it or beside it that it has no business with. Imports inside
functions count too (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# folder (as installed) -> the opskpi packages it may import besides itself
ALLOWED: dict[str, tuple[str, ...]] = {
    "opskpi.config": (),
    "opskpi.sql": (),
    "opskpi.simulator": (),  # it plays the outside world: it knows nothing of opskpi
    "opskpi.etl": ("opskpi.config", "opskpi.sql"),
    "opskpi.metrics": ("opskpi.config", "opskpi.sql"),
    "opskpi.grafana": ("opskpi.config", "opskpi.metrics.exporter"),
    "opskpi.app": (),  # the package's own __init__
    "opskpi.app.escaping": (),  # the rules that keep source text text, for every output
    "opskpi.app.i18n": ("opskpi.config",),
    "opskpi.app.review": (
        "opskpi.app.escaping",
        "opskpi.app.i18n",
        "opskpi.app.catalogue",
        "opskpi.metrics",
        "opskpi.config",
    ),
    "opskpi.app.catalogue": ("opskpi.app.i18n", "opskpi.metrics", "opskpi.config"),
    "opskpi.app.web": (
        "opskpi.app.escaping",
        "opskpi.app.review",
        "opskpi.app.i18n",
        "opskpi.app.catalogue",
        "opskpi.metrics",
        "opskpi.config",
        "opskpi.sql",
    ),
    "opskpi.app.cli": (
        "opskpi.app.escaping",
        "opskpi.app.review",
        "opskpi.app.i18n",
        "opskpi.app.catalogue",
        "opskpi.metrics",
        "opskpi.etl",
        "opskpi.simulator",
        "opskpi.config",
        "opskpi.sql",
    ),
}
FOLDERS = {
    "app": "opskpi.app",
    "config": "opskpi.config",
    "etl": "opskpi.etl",
    "grafana": "opskpi.grafana",
    "metrics": "opskpi.metrics",
    "simulator": "opskpi.simulator",
    "sql": "opskpi.sql",
}


def module_of(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([FOLDERS[parts[0]].rsplit(".", 1)[0], *parts])


def layer_of(module: str) -> str:
    return max(
        (layer for layer in ALLOWED if module == layer or module.startswith(layer + ".")), key=len
    )


def opskpi_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("opskpi")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "opskpi":
                found += [(node.lineno, f"opskpi.{a.name}") for a in node.names]
            elif node.module.startswith("opskpi."):
                found.append((node.lineno, node.module))
    return found


SOURCES = sorted(p for folder in FOLDERS for p in (REPO / folder).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_imports_follow_the_layers(path: Path) -> None:
    layer = layer_of(module_of(path))
    allowed = (layer, *ALLOWED[layer])
    wrong = [
        f"line {line}: {name}"
        for line, name in opskpi_imports(path)
        if not any(name == a or name.startswith(a + ".") for a in allowed)
    ]
    assert wrong == [], f"{layer} may import only {allowed}"


def test_no_bare_top_level_imports() -> None:
    """Code imports opskpi.app, never app: the bare names would load a second copy."""
    bare = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                else []
            )
            bare += [f"{path.relative_to(REPO)}: {n}" for n in names if n.split(".")[0] in FOLDERS]
    assert bare == []
