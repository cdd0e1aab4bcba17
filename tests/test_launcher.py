"""The hook launcher `hookmux install` wires: private, kept current, as fast whatever pip wrote
the console script (pip < 25.2's scripts import `re` before hookmux starts)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from test_doctor import fake_claude
from test_install import Env, console_script_python

from hookmux.entry import nativelauncher
from hookmux.testing import HookmuxCLI, make_event

REPO = Path(__file__).resolve().parents[1]
OLDEST_PYTHON = (3, 11)


@pytest.fixture
def hm(hookmux_cli: HookmuxCLI, tmp_path: Path) -> Env:
    return Env(hookmux_cli, tmp_path)


def wired_commands(settings_file: Path) -> set[str]:
    settings = json.loads(settings_file.read_text())
    return {h["command"] for groups in settings["hooks"].values() for g in groups for h in g["hooks"]}


def python_launcher(wired: str) -> Path:
    """The Python launcher behind the wired program (itself, or what the native launcher
    hands over to where a C compiler built one)."""
    behind = nativelauncher.python_launcher_of(wired)
    if nativelauncher.compiler() is not None:
        assert behind is not None, f"a compiler is here, but {wired} is not the native launcher"
    return Path(behind or wired)


def doctor_problems(hm: Env, project: Path, tmp_path: Path, **env: str) -> list[str]:
    claude = fake_claude(tmp_path, "2.1.330")
    proc = hm("doctor", "--project-dir", str(project), "--json", "--claude", claude, **env)
    return [c["message"] for c in json.loads(proc.stdout)["checks"] if c["status"] == "problem"]


def test_install_writes_a_private_launcher_and_keeps_it_current(
    hm: Env, project: Path, tmp_path: Path
) -> None:
    proc = hm("install", "--scope", "project", "--project-dir", str(project))
    assert proc.returncode == 0, proc.stderr
    [launcher] = wired_commands(project / ".claude" / "settings.json")
    assert Path(launcher).name == "hookmux"
    path = python_launcher(launcher)
    assert path.name == "hookmux" and path.parent.parent == hm.cli.home / "launchers"
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert "import re" not in text and "from hookmux.__main__ import main" in text
    assert not doctor_problems(hm, project, tmp_path)

    # The same venv through another name of its interpreter: the same launcher, nothing to do.
    console_python = console_script_python()
    other = next(
        str(p)
        for name in ("python3", "python", f"python3.{sys.version_info[1]}")
        if (p := Path(console_python).with_name(name)).exists() and str(p) != console_python
    )
    again = subprocess.run([other, "-m", "hookmux", "install", "--scope", "project", "--project-dir", str(project)],
                           env=hm.env(), capture_output=True, text=True, check=False)  # fmt: skip
    assert "already up to date" in again.stdout, again.stdout + again.stderr
    assert not doctor_problems(hm, project, tmp_path)
    assert text == path.read_text()

    # An older or damaged launcher is named by doctor and rewritten by install.
    path.write_text(text.replace("sys.exit(main())", "main()"))
    [problem] = doctor_problems(hm, project, tmp_path)
    assert f"{path} was written by another version of hookmux" in problem and "hookmux install" in problem
    assert hm("install", "--scope", "project", "--project-dir", str(project)).returncode == 0
    assert path.read_text() == text and not doctor_problems(hm, project, tmp_path)

    # The launcher of an environment that is gone is removed by the next install.
    dead = hm.cli.home / "launchers" / "deadbeef" / "hookmux"
    dead.parent.mkdir()
    dead.write_text(text.replace(text.splitlines()[0], f"#!{tmp_path}/gone/bin/python"))
    assert hm("install", "--scope", "project", "--project-dir", str(project)).returncode == 0
    assert not dead.parent.exists() and path.exists()


def test_the_wired_command_imports_nothing_heavy_on_an_unmatched_event(hm: Env, project: Path) -> None:
    """This environment, whatever pip it has: what Claude Code runs costs no `re`, `runpy` or plugin."""
    hm("install", "--scope", "project", "--project-dir", str(project))
    settings = json.loads((project / ".claude" / "settings.json").read_text())
    handler = settings["hooks"]["PreToolUse"][0]["hooks"][0]
    event = json.dumps(make_event("PreToolUse", cwd=project, tool_name="Bash", tool_input={"command": "ls"}))

    def run() -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([handler["command"], *handler["args"]], input=event.encode(), capture_output=True,
                              env=hm.env(PYTHONPROFILEIMPORTTIME="1", HOOKMUX_PLUGINS="alpha"), check=True,
                              timeout=60)  # fmt: skip

    run()  # builds the manifest
    proc = run()
    modules = _imported(proc)
    assert proc.stdout == b"" and "hookmux.entry.route" in modules
    assert not {"re", "runpy", "json", "pluggy", "attrs", "click"} & modules, sorted(modules)


def test_doctor_names_a_launcher_whose_environment_is_gone(hm: Env, project: Path, tmp_path: Path) -> None:
    hm("install", "--scope", "project", "--project-dir", str(project))
    settings = project / ".claude" / "settings.json"
    [wired] = wired_commands(settings)
    launcher = python_launcher(wired)
    text = launcher.read_text()
    launcher.write_text(text.replace(text.splitlines()[0], f"#!{tmp_path}/moved/bin/python"))
    [problem] = doctor_problems(hm, project, tmp_path)
    assert f"starts {tmp_path}/moved/bin/python, which no longer exists" in problem


def _imported(proc: subprocess.CompletedProcess[bytes]) -> set[str]:
    return {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.fixture(scope="module")
def bundled_pip_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv of the oldest supported Python with the pip it bundles, hookmux installed into it
    by that pip from a wheel of the checkout, as `python3 -m venv .venv && .venv/bin/pip install .`
    leaves it. Offline: the wheel is built here, and the dependencies are this environment's
    (a .pth file names a directory of links to them: no plugin, no hookmux among them)."""
    if sys.version_info[:2] != OLDEST_PYTHON:
        pytest.skip(
            f"needs Python {OLDEST_PYTHON[0]}.{OLDEST_PYTHON[1]}, whose bundled pip writes slow scripts"
        )
    root = tmp_path_factory.mktemp("bundled-pip")
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "PIP_", "VIRTUAL_ENV", "PYTHON"))
    }
    env.update(HOME=str(root / "home"), PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    wheels = root / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(wheels), str(REPO)], env=env, check=True, timeout=300, capture_output=True)  # fmt: skip
    base = getattr(sys, "_base_executable", sys.executable)
    venv = root / "venv"
    subprocess.run([base, "-m", "venv", str(venv)], env=env, check=True, timeout=120)
    deps = root / "deps"
    deps.mkdir()
    purelib = Path(sysconfig.get_paths()["purelib"])
    for entry in purelib.iterdir():
        if not entry.name.startswith(
            ("hookmux", "_hookmux", "__editable__", "pip", "_distutils", "setuptools")
        ):
            (deps / entry.name).symlink_to(entry)
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          env=env, capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    (Path(site) / "test-dependencies.pth").write_text(f"{deps}\n")
    [wheel] = wheels.glob("hookmux-*.whl")
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", str(wheel)], env=env, check=True,
                   timeout=300, capture_output=True)  # fmt: skip
    return venv


def test_the_wired_command_imports_no_re_with_the_pip_python_bundles(
    bundled_pip_venv: Path, tmp_path: Path, project: Path
) -> None:
    script = bundled_pip_venv / "bin" / "hookmux"
    pip = subprocess.run([str(bundled_pip_venv / "bin" / "pip"), "--version"], capture_output=True, text=True,
                         check=True)  # fmt: skip
    version = tuple(int(p) for p in pip.stdout.split()[1].split(".")[:2])
    assert version < (25, 2) and "import re\n" in script.read_text()  # the slow console script
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE_", "PYTHON"))}
    env.update(HOME=str(tmp_path / "home"), HOOKMUX_HOME=str(tmp_path / "state"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), HOOKMUX_SERVE="0")  # fmt: skip

    def hookmux(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(script), *args], env=env, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip

    settings_file = project / ".claude" / "settings.json"
    # An install by an older hookmux wired pip's script: doctor calls it slow.
    old = {"hooks": {"SessionStart": [{"matcher": "startup", "hooks": [
        {"type": "command", "command": str(script), "args": ["run", "--wiring=0123456789ab"], "timeout": 5}]}]}}  # fmt: skip
    settings_file.write_text(json.dumps(old))
    doctor = hookmux("doctor", "--project-dir", str(project), "--claude", fake_claude(tmp_path, "2.1.330"))
    assert f"runs pip's console script {script}, a slow launcher: it imports `re`" in doctor.stdout

    proc = hookmux("install", "--scope", "project", "--project-dir", str(project))
    assert proc.returncode == 0, proc.stderr
    settings: dict[str, Any] = json.loads(settings_file.read_text())
    [group] = settings["hooks"]["SessionStart"]  # no plugin installed: the staleness check only
    [handler] = group["hooks"]
    assert handler["command"].startswith(str(tmp_path / "state" / "launchers"))

    def imports(command: str, event: dict[str, Any]) -> set[str]:
        # exec form, as Claude Code runs it; the interpreter reports its imports
        proc = subprocess.run([command, *handler["args"]], input=json.dumps(event).encode(),
                              env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True,
                              check=True, timeout=60)  # fmt: skip
        assert proc.stdout == b""  # nothing matched, nothing to say
        return _imported(proc)

    unmatched = make_event("PreToolUse", cwd=project, tool_name="Bash", tool_input={"command": "ls"})
    imports(handler["command"], unmatched)  # the first event builds the manifest
    for event in (unmatched, make_event("SessionStart", cwd=project, source="startup")):
        modules = imports(handler["command"], event)
        assert "hookmux.entry.route" in modules  # the measurement works
        assert "re" not in modules and "runpy" not in modules, sorted(modules)
        assert "re" in imports(str(script), event)  # what pip's script would have cost


def test_a_launcher_whose_venv_lost_hookmux_says_so_in_one_line(tmp_path: Path) -> None:
    from hookmux.state.launcher import launcher_text

    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True, timeout=120)
    python = str(tmp_path / "bare" / "bin" / "python")
    launcher = tmp_path / "hookmux"
    launcher.write_text(launcher_text(python))
    launcher.chmod(0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    proc = subprocess.run(
        [str(launcher), "run"], input=b"{}", capture_output=True, env=env, timeout=60, check=False
    )
    assert proc.returncode == 1 and proc.stdout == b""  # never 2: that would block the event
    [line] = proc.stderr.decode().splitlines()
    assert line.startswith("hookmux: cannot start (No module named 'hookmux')") and python in line
