"""The public plugin API listed in docs/plugins.md: every name there imports, and the
five plugins and the template import nothing else of ``hookmux``."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "plugins.md"


def public_names() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- plugin-api:start -->")[1].split("<!-- plugin-api:end -->")[0]
    return set(re.findall(r"^\| `(hookmux[\w.*]*)` \|", table, flags=re.M))


def allowed(module: str, name: str, names: set[str]) -> bool:
    return f"{module}.{name}" in names or f"{module}.*" in names


def plugin_sources() -> list[Path]:
    sources = sorted(ROOT.glob("plugins/*/src/**/*.py"))
    sources += sorted(ROOT.glob("plugin-template/**/src/**/*.py"))
    sources += sorted(ROOT.glob("plugin-template/**/tests/**/*.py"))
    return sources


def test_the_table_is_there() -> None:
    names = public_names()
    assert "hookmux.hookimpl" in names and "hookmux.routing.context.HookContext" in names
    assert plugin_sources(), "no plugin sources found"


@pytest.mark.parametrize("name", sorted(public_names()))
def test_every_public_name_imports(name: str) -> None:
    module, _, attr = name.rpartition(".")
    if attr == "*":
        assert importlib.import_module(module)
        return
    assert getattr(importlib.import_module(module), attr) is not None


def parsed(path: Path) -> ast.Module:
    """The module's syntax tree; of a template file (Jinja, not Python yet), its import lines."""
    text = path.read_text(encoding="utf-8")
    if "plugin-template" in path.parts:
        text = "\n".join(re.findall(r"^(?:from|import) [\w.]+(?: import [\w, ]+)?$", text, flags=re.M))
    return ast.parse(text)


def test_plugins_and_template_use_only_the_public_api() -> None:
    names = public_names()
    outside = []
    for path in plugin_sources():
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                top = node.module.split(".")[0]
                if top != "hookmux":
                    continue
                outside += [
                    f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if not allowed(node.module, alias.name, names)
                ]
            elif isinstance(node, ast.Import):
                outside += [
                    f"{path.relative_to(ROOT)}: import {alias.name}"
                    for alias in node.names
                    if alias.name.split(".")[0] == "hookmux"
                ]
    assert outside == []
