"""Install and run the real Claude Code CLI for hookmux's end-to-end tests.

Stdlib only. Claude Code is installed from the npm registry into a cache directory
(by default ``<repo>/.cache/claude-code``) and run in print mode (``-p``) against a
loopback stand-in for the Messages API (see ``messages_api.py``), with a throw-away
``HOME`` and a clean environment, so a run is offline, non-interactive and never
touches the developer's own Claude Code files.

Project hooks are read from ``<project_dir>/.claude/settings.json`` (written by the
caller). Print mode treats the folder as trusted, so no trust dialog and no
``~/.claude.json`` seeding is needed for project hooks to run (verified on 2.1.330
with an empty HOME).

CI installs the CLI with::

    python tests/support/claude_cli.py install [--cache DIR]

which prints the executable's path, or ``skipped: node/npm not found`` (exit 0) when
npm is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.platform != "win32":
    import fcntl

__all__ = [
    "CLAUDE_CODE_VERSION",
    "RUN_ID_VAR",
    "ClaudeRun",
    "NpmNotFoundError",
    "default_cache_dir",
    "find_claude",
    "install_claude",
    "run_claude",
]

CLAUDE_CODE_VERSION = "2.1.330"
NPM_PACKAGE = "@anthropic-ai/claude-code"

_REPO_ROOT = Path(__file__).resolve().parents[2]
_VERSION_TIMEOUT = 60.0
_NPM_TIMEOUT = 900.0
_TAIL_CHARS = 4000
#: Set (to a fresh id) in the environment of every run, so the processes a run leaves
#: behind (hooks run detached from Claude Code's process group) can be found and ended.
RUN_ID_VAR = "HOOKMUX_E2E_RUN_ID"


class NpmNotFoundError(RuntimeError):
    """``npm`` (or ``node``) is not on PATH, so Claude Code cannot be installed."""


def default_cache_dir() -> Path:
    """``$HOOKMUX_CLAUDE_CACHE``, else ``<repo>/.cache/claude-code``."""
    env = os.environ.get("HOOKMUX_CLAUDE_CACHE")
    return Path(env).expanduser() if env else _REPO_ROOT / ".cache" / "claude-code"


def _tail(text: str, limit: int = _TAIL_CHARS) -> str:
    return text if len(text) <= limit else "..." + text[-limit:]


def _reported_version(executable: Path) -> str | None:
    """What ``executable --version`` prints (first line), or None if it cannot run."""
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        return None
    with tempfile.TemporaryDirectory(prefix="claude-version-") as home:
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": home,
            "DISABLE_AUTOUPDATER": "1",
        }
        try:
            proc = subprocess.run(
                [str(executable), "--version"],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=_VERSION_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
    if proc.returncode != 0:
        return None
    lines = proc.stdout.strip().splitlines()
    return lines[0].strip() if lines else None


def _has_right_version(executable: Path) -> bool:
    reported = _reported_version(executable)
    return reported is not None and reported.split()[0] == CLAUDE_CODE_VERSION


def _cached_claude(cache_dir: Path) -> Path | None:
    """The cached install's executable if it reports the pinned version."""
    modules = cache_dir / "node_modules"
    candidates = [modules / ".bin" / "claude"]
    # If npm skipped the wrapper's postinstall (which copies the native binary over
    # the bin/claude.exe placeholder), the platform package's binary still works.
    candidates += sorted((modules / "@anthropic-ai").glob("claude-code-*/claude"))
    for candidate in candidates:
        if _has_right_version(candidate):
            return candidate
    return None


def find_claude(cache_dir: Path | None = None) -> Path | None:
    """``$HOOKMUX_CLAUDE_BIN`` (taken as is), else the cached pinned-version install."""
    env = os.environ.get("HOOKMUX_CLAUDE_BIN")
    if env:
        return Path(env).expanduser()
    return _cached_claude(cache_dir if cache_dir is not None else default_cache_dir())


@contextlib.contextmanager
def _install_lock(cache_dir: Path) -> Iterator[None]:
    """Serialise concurrent installs into one cache (e.g. pytest-xdist workers)."""
    if sys.platform == "win32":  # pragma: no cover
        yield
        return
    with (cache_dir / ".install.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def install_claude(cache_dir: Path | None = None) -> Path:
    """Install the pinned Claude Code into ``cache_dir`` with npm; return its path.

    Idempotent: an install that already reports the pinned version is reused. Raises
    NpmNotFoundError if node/npm is missing and RuntimeError (with npm's stderr tail)
    if the install fails or does not yield a ``claude`` of the pinned version.
    """
    cache = (cache_dir if cache_dir is not None else default_cache_dir()).resolve()
    found = _cached_claude(cache)
    if found is not None:
        return found
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise NpmNotFoundError("node/npm not found on PATH: cannot install Claude Code")
    cache.mkdir(parents=True, exist_ok=True)
    with _install_lock(cache):
        found = _cached_claude(cache)
        if found is not None:
            return found
        cmd = [
            npm,
            "install",
            "--prefix",
            str(cache),
            f"{NPM_PACKAGE}@{CLAUDE_CODE_VERSION}",
            "--no-audit",
            "--no-fund",
        ]
        try:
            proc = subprocess.run(
                cmd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=_NPM_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(
                f"{' '.join(cmd)} timed out after {_NPM_TIMEOUT:.0f}s\n"
                f"stderr tail:\n{_tail(_as_text(exc.stderr))}"
            ) from exc
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} failed with exit code {proc.returncode}\nstderr tail:\n{_tail(proc.stderr)}"
            )
        found = _cached_claude(cache)
        if found is None:
            bin_path = cache / "node_modules" / ".bin" / "claude"
            raise RuntimeError(
                f"npm install succeeded but {bin_path} does not report version "
                f"{CLAUDE_CODE_VERSION} (it reports {_reported_version(bin_path)!r})\n"
                f"npm stdout tail:\n{_tail(proc.stdout)}\n"
                f"npm stderr tail:\n{_tail(proc.stderr)}"
            )
        return found


@dataclass
class ClaudeRun:
    """Outcome of one ``claude -p`` run."""

    returncode: int
    stdout: str
    stderr: str
    result: dict[str, Any] | None
    duration: float = 0.0
    timed_out: bool = False

    def describe(self, tail: int = 2000) -> str:
        """Exit code, duration and stdout/stderr tails, for assertion messages."""
        status = "TIMED OUT" if self.timed_out else f"exit code {self.returncode}"
        return (
            f"claude {status} after {self.duration:.1f}s\n"
            f"--- stdout tail ---\n{_tail(self.stdout, tail)}\n"
            f"--- stderr tail ---\n{_tail(self.stderr, tail)}"
        )


def require_claude() -> Path:
    """For a test fixture: the pinned Claude Code, installed into the cache on first
    use; the test is skipped when node is absent and fails when the install does."""
    import pytest  # only tests call this; `claude_cli.py install` runs without pytest

    found = find_claude()
    if found is not None:
        return found
    if shutil.which("node") is None:
        pytest.skip(f"node is not installed: cannot install Claude Code {CLAUDE_CODE_VERSION}")
    try:
        return install_claude()
    except RuntimeError as exc:
        pytest.fail(f"could not install Claude Code {CLAUDE_CODE_VERSION}: {exc}", pytrace=False)


def _as_text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _parse_result(stdout: str) -> dict[str, Any] | None:
    """The ``--output-format json`` result (whole stdout, or its last JSON line)."""
    text = stdout.strip()
    if not text:
        return None
    candidates = [text, *reversed(text.splitlines())]
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def claude_env(home_dir: Path, api_url: str, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The clean environment ``run_claude`` gives Claude Code (and so its hooks)."""
    tmp = home_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home_dir),
        "ANTHROPIC_BASE_URL": api_url,
        "ANTHROPIC_API_KEY": "sk-test",
        # Offline: no telemetry, error reports, auto-update or other side traffic.
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        # Fail fast if the stand-in errs: by default a refused connection is retried
        # for minutes; with 2 retries the run ends in about 2 s with an "API Error".
        "CLAUDE_CODE_MAX_RETRIES": "2",
        "API_TIMEOUT_MS": "60000",
        # Keep Claude Code's scratch dirs (/tmp/claude-<uid>, cc-socks) in home_dir.
        "TMPDIR": str(tmp),
        "CLAUDE_CODE_TMPDIR": str(tmp),
        # `hookmux run` answers in-process and starts no `hookmux serve` that would
        # outlive the run; tests of the warm path pass HOOKMUX_SERVE=1 in extra_env.
        "HOOKMUX_SERVE": "0",
    }
    if extra_env:
        env.update(extra_env)
    return env


def _pids_with_env(var: str, value: str) -> list[int]:
    """PIDs (Linux /proc) whose initial environment holds ``var=value``."""
    needle = f"{var}={value}".encode()
    proc_root = Path("/proc")
    if not proc_root.is_dir():
        return []
    found: list[int] = []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


def _kill_run(proc: subprocess.Popen[str], run_id: str) -> None:
    """Kill Claude Code and every process it started (hooks, Bash tool commands).

    Claude Code runs hooks outside its own process group, so besides the group the
    processes are found by the run id in their environment.
    """
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    for _ in range(5):  # a parent killed mid-spawn may still leave a child behind
        pids = _pids_with_env(RUN_ID_VAR, run_id)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def run_claude(
    claude: Path,
    project_dir: Path,
    home_dir: Path,
    api_url: str,
    prompt: str = "go",
    allowed_tools: str = "Bash Write Edit Read",
    timeout: float = 180,
    extra_env: dict[str, str] | None = None,
    extra_args: Sequence[str] | None = None,
    *,
    keep_leftovers: bool = False,
) -> ClaudeRun:
    """Run ``claude -p PROMPT --allowedTools ... --output-format json`` in project_dir.

    The environment is clean (see ``claude_env``), stdin is /dev/null and the whole
    process group is killed after ``timeout`` seconds (the run then has
    ``timed_out=True`` and returncode -9). Never raises for a failing run: inspect the
    returned ClaudeRun.

    Processes the run leaves behind (hooks still running after Claude Code exited,
    background Bash commands) are killed too, unless ``keep_leftovers`` is true.
    """
    home_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(claude),
        "-p",
        prompt,
        "--allowedTools",
        allowed_tools,
        "--output-format",
        "json",
        *(extra_args or ()),
    ]
    run_id = uuid.uuid4().hex
    env = claude_env(home_dir, api_url, extra_env)
    env[RUN_ID_VAR] = run_id
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=project_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
    )
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_run(proc, run_id)
        try:
            stdout, stderr = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # something still holds the pipes
            stdout, stderr = "", ""
        stderr += f"\n[harness] killed after {timeout:.0f}s timeout"
    except BaseException:
        _kill_run(proc, run_id)
        proc.wait()
        raise
    if not keep_leftovers:
        _kill_run(proc, run_id)
    duration = time.monotonic() - started
    returncode = -signal.SIGKILL if timed_out else proc.returncode
    return ClaudeRun(
        returncode=returncode,
        stdout=stdout,
        stderr=stderr,
        result=_parse_result(stdout),
        duration=duration,
        timed_out=timed_out,
    )


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="claude_cli.py",
        description=f"Manage the pinned Claude Code {CLAUDE_CODE_VERSION} for tests.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    install = commands.add_parser("install", help="install (if needed) and print the executable's path")
    install.add_argument(
        "--cache",
        type=Path,
        default=None,
        help=f"cache directory (default: {default_cache_dir()})",
    )
    args = parser.parse_args(argv)
    if args.command == "install":
        cache: Path = args.cache if args.cache is not None else default_cache_dir()
        try:
            path = install_claude(cache)
        except NpmNotFoundError:
            print("skipped: node/npm not found")
            return 0
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(path)
        return 0
    parser.error(f"unknown command {args.command!r}")
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(_main())
