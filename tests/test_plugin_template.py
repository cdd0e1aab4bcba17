"""The plugin template and ``hookmux new-plugin``.

One fresh virtual environment per module gets the core from this checkout (a
real wheel, so the template comes from the package data); ``hookmux new-plugin
--no-input`` bakes the template there, pip installs the result next to the core,
and the generated project's own tests run with that environment's pytest. Then
the installed ``hookmux`` must list the plugin and route events to it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import runpy
import subprocess
import sys
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from hookmux.testing import hookmux_executable, make_event

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "plugin-template"
DEFAULT_NAME = "my-plugin"  # cookiecutter.json's plugin_name

#: Every file ``hookmux new-plugin --no-input`` creates, and nothing else.
EXPECTED_FILES = {
    "hookmux-my-plugin/.github/workflows/publish.yml",
    "hookmux-my-plugin/.github/workflows/test.yml",
    "hookmux-my-plugin/.gitignore",
    "hookmux-my-plugin/README.md",
    "hookmux-my-plugin/pyproject.toml",
    "hookmux-my-plugin/src/hookmux_my_plugin/__init__.py",
    "hookmux-my-plugin/src/hookmux_my_plugin/py.typed",
    "hookmux-my-plugin/tests/conftest.py",
    "hookmux-my-plugin/tests/test_my_plugin.py",
    "hookmux-my-plugin/tox.ini",
}


def clean_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment without the caller's hookmux, Claude Code and Python path settings,
    with hookmux's state, the user config and cookiecutter's replay files in ``root/.state``."""
    drop = ("HOOKMUX", "CLAUDE_", "PYTHONPATH", "VIRTUAL_ENV", "COOKIECUTTER")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    state = root / ".state"
    cookiecutter_config = state / "cookiecutter.yaml"
    if not cookiecutter_config.exists():
        state.mkdir(parents=True, exist_ok=True)
        cookiecutter_config.write_text(
            f"replay_dir: {json.dumps(str(state / 'cc-replay'))}\n"
            f"cookiecutters_dir: {json.dumps(str(state / 'cc-templates'))}\n"
        )
    env.update(
        HOOKMUX_HOME=str(state / "hookmux-home"),
        XDG_CONFIG_HOME=str(state / "config"),
        COOKIECUTTER_CONFIG=str(cookiecutter_config),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PYTHONDONTWRITEBYTECODE="1",
        HOOKMUX_SERVE="0",  # no `hookmux serve` outliving the test
    )
    env.update(extra)
    return env


def run(
    args: list[str],
    env: Mapping[str, str],
    *,
    cwd: Path | None = None,
    stdin: str = "",
    check: bool = True,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        args,
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(env),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def tree(root: Path) -> dict[str, bytes]:
    """Relative path -> content of every file under ``root``."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class Fresh:
    """A new virtual environment holding the core (from this checkout) and the baked plugin."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "venv" / "bin"
        self.cookiecutter_lib = root / "cookiecutter-lib"
        self.baked = root / "baked"
        self.bake: subprocess.CompletedProcess[str] | None = None

    @property
    def project(self) -> Path:
        return self.baked / f"hookmux-{DEFAULT_NAME}"

    def env(self, **extra: str) -> dict[str, str]:
        return clean_env(self.root, **extra)

    def hookmux(
        self, *args: str, stdin: str = "", check: bool = True, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return run(
            [str(self.bin / "hookmux"), *args], self.env(**extra), cwd=self.root, stdin=stdin, check=check
        )


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Fresh:
    env = Fresh(tmp_path_factory.mktemp("fresh"))
    base = env.env()
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    # cookiecutter goes to a directory of its own, put on PYTHONPATH only to bake: the
    # environment itself stays without it, as it is when the 'template' extra is not installed.
    cookiecutter = subprocess.Popen(
        [*pip, "--target", str(env.cookiecutter_lib), "cookiecutter>=2.5"],
        env=base,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    run([sys.executable, "-m", "venv", str(env.root / "venv")], base)
    run([str(env.bin / "python"), "-m", "pip", "install", "-q", str(REPO), "pytest>=8"], base)
    output, _ = cookiecutter.communicate(timeout=300)
    assert cookiecutter.returncode == 0, output

    env.bake = env.hookmux(
        "new-plugin", "--no-input", "--output-dir", str(env.baked), PYTHONPATH=str(env.cookiecutter_lib)
    )
    run([str(env.bin / "python"), "-m", "pip", "install", "-q", str(env.project)], base)
    return env


# -- the baked project ----------------------------------------------------------------------------


def test_new_plugin_bakes_the_exact_file_set_from_the_installed_package(fresh: Fresh) -> None:
    assert fresh.bake is not None
    assert fresh.bake.stdout.startswith(f"Created {fresh.project}:")
    assert set(tree(fresh.baked)) == EXPECTED_FILES
    located = run(
        [
            str(fresh.bin / "python"),
            "-c",
            "from hookmux.commands.newplugin import template_dir; print(template_dir())",
        ],
        fresh.env(),
    )
    site = run(
        [str(fresh.bin / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        fresh.env(),
    )
    assert Path(located.stdout.strip()) == Path(site.stdout.strip()) / "hookmux" / "_template"


def test_packaged_template_renders_like_the_checkout(fresh: Fresh, tmp_path: Path) -> None:
    """This environment's hookmux (a checkout or a wheel) bakes the very same bytes."""
    run([hookmux_executable(), "new-plugin", "--no-input", "-o", str(tmp_path / "here")], clean_env(tmp_path))
    assert tree(tmp_path / "here") == tree(fresh.baked)


def test_generated_pyproject_names_and_entry_point(fresh: Fresh) -> None:
    meta = tomllib.loads((fresh.project / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "hookmux-my-plugin"
    assert meta["project"]["dependencies"] == ["hookmux>=0.1"]
    assert meta["project"]["entry-points"]["hookmux"] == {"my-plugin": "hookmux_my_plugin"}
    assert meta["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["src/hookmux_my_plugin"]
    assert "authors" not in meta["project"]  # no author given: none invented


def test_generated_tests_pass_with_plain_pytest(fresh: Fresh) -> None:
    result = run(
        [str(fresh.bin / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfEs"],
        fresh.env(),
        cwd=fresh.project,
    )
    summary = result.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed is not None and int(passed.group(1)) >= 8, result.stdout
    assert not re.search(r"failed|error|skipped", summary), result.stdout


def test_hookmux_plugins_lists_the_new_plugin(fresh: Fresh) -> None:
    listing = {p["name"]: p for p in json.loads(fresh.hookmux("plugins", "--json").stdout)}
    plugin = listing[DEFAULT_NAME]
    assert (plugin["distribution"], plugin["version"], plugin["target"]) == (
        "hookmux-my-plugin",
        "0.1.0",
        "hookmux_my_plugin",
    )
    assert (plugin["error"], plugin["problems"], plugin["enabled"]) == (None, [], True)
    assert plugin["events"] == {
        "PreToolUse": [
            {"function": "hookmux_pre_tool_use", "priority": 60, "matcher": "Bash", "commands": ["git push*"]}
        ]
    }
    assert plugin["hooks"] == ["hookmux_config_schema", "hookmux_pre_tool_use"]


def test_hookmux_run_routes_a_matching_event_to_the_new_plugin(fresh: Fresh, tmp_path: Path) -> None:
    def bash(command: str) -> str:
        return json.dumps(
            make_event("PreToolUse", cwd=tmp_path, tool_name="Bash", tool_input={"command": command})
        )

    asked = fresh.hookmux("run", stdin=bash("git push --force origin main"))
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout) == {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "ask",
            "permissionDecisionReason": "--force rewrites the remote branch's history; "
            "push without it, or use --force-with-lease",
        }
    }
    # The plugin's config section, here from the environment: deny instead of ask.
    denied = fresh.hookmux("run", stdin=bash("git push -f"), HOOKMUX__MY_PLUGIN__DECISION="deny")
    assert json.loads(denied.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"

    for quiet in ("git status", "git push origin main"):  # not matched / matched but silent
        result = fresh.hookmux("run", stdin=bash(quiet))
        assert (result.returncode, result.stdout) == (0, ""), result.stderr


# -- hookmux new-plugin's errors and options ------------------------------------------------------


def test_new_plugin_without_cookiecutter_says_how_to_get_it(fresh: Fresh) -> None:
    result = fresh.hookmux("new-plugin", "other", "--no-input", "-o", str(fresh.root / "none"), check=False)
    assert result.returncode == 1
    assert "needs cookiecutter" in result.stderr and "pip install 'hookmux[template]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (fresh.root / "none").exists()
    requires = run(
        [
            str(fresh.bin / "python"),
            "-c",
            "import importlib.metadata as m; print(*m.requires('hookmux'), sep='\\n')",
        ],
        fresh.env(),
    )
    assert 'cookiecutter>=2.5; extra == "template"' in requires.stdout.replace("'", '"').splitlines()


def new_plugin(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run(
        [hookmux_executable(), "new-plugin", *args],
        clean_env(tmp_path),
        cwd=tmp_path,
        stdin=stdin,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("hookmux-guard", "drop the 'hookmux-' prefix (use 'guard')"),
        ("Guard", "use lowercase letters, digits and single hyphens"),
        ("9lives", "starting with a letter"),
        ("force_guard", "use lowercase letters, digits and single hyphens"),
    ],
)
def test_new_plugin_rejects_an_invalid_name(tmp_path: Path, name: str, message: str) -> None:
    result = new_plugin(tmp_path, name, "--no-input")
    assert result.returncode == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.glob("hookmux-*")) == []


def test_new_plugin_refuses_an_existing_directory(tmp_path: Path) -> None:
    (tmp_path / "hookmux-guard").mkdir()
    (tmp_path / "hookmux-guard" / "keep.txt").write_text("mine")
    result = new_plugin(tmp_path, "guard", "--no-input")
    assert result.returncode == 1
    assert "hookmux-guard already exists" in result.stderr
    assert [p.name for p in (tmp_path / "hookmux-guard").iterdir()] == ["keep.txt"]


def test_new_plugin_name_sets_distribution_module_entry_point_and_env_prefix(tmp_path: Path) -> None:
    result = new_plugin(tmp_path, "push-guard2", "--no-input", "--output-dir", "out")
    assert result.returncode == 0, result.stderr
    project = tmp_path / "out" / "hookmux-push-guard2"
    assert set(tree(project)) == {
        f.removeprefix("hookmux-my-plugin/").replace("my_plugin", "push_guard2") for f in EXPECTED_FILES
    }
    meta = tomllib.loads((project / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "hookmux-push-guard2"
    assert meta["project"]["entry-points"]["hookmux"] == {"push-guard2": "hookmux_push_guard2"}
    tests = (project / "tests" / "test_push_guard2.py").read_text()
    assert 'NAME = "push-guard2"' in tests and "HOOKMUX__PUSH_GUARD2__FLAGS" in tests
    assert "import hookmux_push_guard2 as plugin" in tests


def test_new_plugin_asks_with_the_name_as_default(tmp_path: Path) -> None:
    """Interactive: cookiecutter's prompts, NAME offered as the default, answers escaped for TOML."""
    answers = "\n".join(["", "Guards 'pushes' \\ \"forced\"", 'Ann "Q" O\'Neil', "ann@example.com", ""])
    result = new_plugin(tmp_path, "asked", stdin=answers)
    assert result.returncode == 0, result.stderr
    meta = tomllib.loads((tmp_path / "hookmux-asked" / "pyproject.toml").read_text())["project"]
    assert meta["description"] == "Guards 'pushes' \\ \"forced\""
    assert meta["authors"] == [{"name": 'Ann "Q" O\'Neil', "email": "ann@example.com"}]
    module = (tmp_path / "hookmux-asked" / "src" / "hookmux_asked" / "__init__.py").read_text()
    compile(module, "__init__.py", "exec")  # the description in the docstring stays valid Python


def test_a_name_typed_at_the_prompt_is_checked_too(tmp_path: Path) -> None:
    result = new_plugin(tmp_path, stdin="Bad Name\n\n\n\n")
    assert result.returncode == 1
    assert "invalid plugin name 'Bad Name'" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.glob("hookmux-*")) == []


# -- the template used directly with cookiecutter -------------------------------------------------


@pytest.fixture(scope="module")
def name_problem() -> Callable[[str], str | None]:
    namespace: dict[str, Any] = runpy.run_path(str(TEMPLATE / "hooks" / "pre_gen_project.py"), run_name="t")
    checker: Callable[[str], str | None] = namespace["name_problem"]
    return checker


@pytest.mark.parametrize("name", ["a", "guard", "push-guard", "x2", "a1-b2-c3", "hookmuxer"])
def test_valid_names(name_problem: Callable[[str], str | None], name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize(
    "name", ["", "-a", "a-", "a--b", "A", "a_b", "1a", "a b", "a.b", "ä", "hookmux", "hookmux-a", "hookmux_a"]
)
def test_invalid_names(name_problem: Callable[[str], str | None], name: str) -> None:
    assert name_problem(name)


@pytest.mark.skipif(importlib.util.find_spec("cookiecutter") is None, reason="needs cookiecutter")
@pytest.mark.parametrize(
    ("name", "message"),
    [("hookmux-guard", "drop the 'hookmux-' prefix"), ('it\'s "quoted"', "invalid plugin name")],
)
def test_pre_generation_hook_stops_cookiecutter(tmp_path: Path, name: str, message: str) -> None:
    result = run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(tmp_path / "out"), str(TEMPLATE),
         f"plugin_name={name}"],
        clean_env(tmp_path),
        check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert f"hookmux: invalid plugin name {name!r}" in result.stderr and message in result.stderr
    assert not any((tmp_path / "out").glob("*"))


# -- the generated code meets the project's own standards -----------------------------------------


@pytest.mark.skipif(
    importlib.util.find_spec("ruff") is None or importlib.util.find_spec("mypy") is None,
    reason="needs ruff and mypy in this environment",
)
def test_generated_project_is_ruff_and_mypy_strict_clean(fresh: Fresh, tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    project = fresh.project
    run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], env, cwd=project)
    run([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], env, cwd=project)
    result = run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy")], env, cwd=project)
    assert "Success: no issues found in 3 source files" in result.stdout
