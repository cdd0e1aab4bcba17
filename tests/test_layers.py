"""The core's layers: a module imports only its own layer or the ones below, and
no chain of imports leads back to where it started.

Imports are read with :mod:`ast`, those inside functions included (a lazy import is
a dependency all the same), and so are imports under ``if TYPE_CHECKING:``: they may
neither reach a layer above nor close a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hookmux

CORE = Path(hookmux.__file__).parent

#: bottom to top; a top-level module is placed by what it is, a package by its folder
LAYERS: tuple[tuple[str, ...], ...] = (
    ("hookmux", "hookmux.markers"),
    ("hookmux.protocol",),
    ("hookmux.state",),
    ("hookmux.config",),
    ("hookmux.routing", "hookmux.hookspecs"),
    ("hookmux.agents",),
    ("hookmux.entry",),
    ("hookmux.daemon",),
    ("hookmux.commands",),
    ("hookmux.cli", "hookmux.testing", "hookmux.__main__"),
)


def layer_of(module: str) -> int:
    best, where = "", -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, where = prefix, index
    assert where >= 0, f"{module} is in no layer: add it to LAYERS"
    return where


def module_name(path: Path) -> str:
    parts = list(path.relative_to(CORE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported hookmux module, whether it runs) for each import in ``path``."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, runs: bool) -> None:
        if isinstance(node, ast.If) and _type_checking(node.test):
            for child in node.body:
                visit(child, False)
            for child in node.orelse:
                visit(child, runs)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, runs) for alias in node.names if alias.name.split(".")[0] == "hookmux")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "hookmux":
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    is_module = (CORE.parent / sub.replace(".", "/")).with_suffix(".py").exists() or (
                        CORE.parent / sub.replace(".", "/")
                    ).is_dir()
                    found.append((sub if is_module else target, runs))
        for child in ast.iter_child_nodes(node):
            visit(child, runs)

    visit(ast.parse(path.read_text(encoding="utf-8")), True)
    return found


def graph() -> dict[str, list[tuple[str, bool]]]:
    return {
        module_name(p): imports(p) for p in sorted(CORE.rglob("*.py")) if "_template" not in p.parts
    }  # the template


def test_every_module_has_a_layer_and_imports_only_down() -> None:
    upward = [
        f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
        for module, targets in graph().items()
        for target, _runs in targets
        if layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_no_import_circle() -> None:
    # Imports for annotations count too: two modules that name each other are one piece.
    edges = {m: sorted({t for t, _runs in ts if t != m}) for m, ts in graph().items()}
    # A package's own ``__init__`` is imported with each of its modules: not a dependency to follow.
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def walk(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node, [])
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


def test_package_inits_import_nothing() -> None:
    """The hot path pays nothing for the layer packages: their ``__init__`` imports nothing."""
    for init in CORE.rglob("__init__.py"):
        if "_template" in init.parts:
            continue  # the plugin template, shipped inside the wheel
        name = module_name(init)
        if name in ("hookmux", "hookmux.protocol.answers", "hookmux.protocol.eventmodels"):
            continue  # the root's lazy hookimpl, and the models' lazy per-event modules
        tree = ast.parse(init.read_text(encoding="utf-8"))
        found = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert all(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in found), name


def test_the_checker_sees_upward_and_circular_imports(tmp_path: Path) -> None:
    """The rules above would pass on a checker that finds nothing: show that it finds both."""
    fake = CORE / "state" / "_layer_probe.py"
    assert layer_of("hookmux.state._layer_probe") < layer_of("hookmux.daemon.lifecycle")
    source = "def f():\n    from hookmux.daemon import lifecycle\n"
    tree_imports = _imports_of(source, fake)
    assert ("hookmux.daemon.lifecycle", True) in tree_imports
    typed = "TYPE_CHECKING = False\nif TYPE_CHECKING:\n    from hookmux.entry.route import Outcome\n"
    assert _imports_of(typed, fake) == [("hookmux.entry.route", False)]


def _imports_of(source: str, path: Path) -> list[tuple[str, bool]]:
    probe = path.with_name(f"_probe_{abs(hash(source))}.py")
    probe.write_text(source, encoding="utf-8")
    try:
        return imports(probe)
    finally:
        probe.unlink()
