"""Install and run the real Codex CLI and Gemini CLI for hookmux's end-to-end tests.

Stdlib only. Each CLI is installed from the npm registry into a cache directory
(``<repo>/.cache/codex-cli``, ``<repo>/.cache/gemini-cli``) and run non-interactively
against a loopback stand-in of its model API (``codex_api.py``, ``gemini_api.py``), with
a throw-away ``HOME`` and a clean environment. When the process may (root, CI), the CLI,
its stand-in and its hooks all run in a fresh network namespace (``unshare -n``) that
has nothing but a loopback interface; in any case every outbound feature the notes
found is turned off (Codex: analytics, feedback, plugins, update check; Gemini CLI:
usage statistics, telemetry, auto-update, the model router).

CI installs both with::

    python tests/support/agent_cli.py install

which prints each executable's path, or ``skipped: node/npm not found`` (exit 0).
"""

from __future__ import annotations

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VERSIONS = {"codex": "0.171.0", "gemini": "0.61.0"}
PACKAGES = {"codex": "@openai/codex", "gemini": "@google/gemini-cli"}
BINARIES = {"codex": "codex", "gemini": "gemini"}
_REPO_ROOT = Path(__file__).resolve().parents[2]
_HERE = Path(__file__).resolve().parent
_NPM_TIMEOUT = 900.0
#: In the environment of every run, so the processes it leaves behind can be found and ended.
RUN_ID_VAR = "HOOKMUX_E2E_RUN_ID"

CODEX_CONFIG = """\
model = "gpt-5.5"
model_provider = "standin"
check_for_update_on_startup = false

[model_providers.standin]
name = "loopback stand-in"
base_url = "http://127.0.0.1:__PORT__/v1"
env_key = "STANDIN_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false
[feedback]
enabled = false
[features]
plugins = false
"""
GEMINI_OFFLINE = {
    "security": {"auth": {"selectedType": "gemini-api-key"}},
    "privacy": {"usageStatisticsEnabled": False},
    "telemetry": {"enabled": False},
    "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False},
    "ide": {"enabled": False},
}


def default_cache_dir(agent: str) -> Path:
    return _REPO_ROOT / ".cache" / f"{agent}-cli"


def _version(executable: Path) -> str | None:
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        return None
    with tempfile.TemporaryDirectory(prefix="agent-version-") as home:
        env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": home, "CODEX_HOME": home}
        try:
            proc = subprocess.run([str(executable), "--version"], env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return None
    words = proc.stdout.split()
    return words[-1] if proc.returncode == 0 and words else None


def find(agent: str) -> Path | None:
    """``$HOOKMUX_<AGENT>_BIN`` as given, else the cached install of the pinned version."""
    given = os.environ.get(f"HOOKMUX_{agent.upper()}_BIN")
    if given:
        return Path(given).expanduser()
    candidate = default_cache_dir(agent) / "node_modules" / ".bin" / BINARIES[agent]
    return candidate if _version(candidate) == VERSIONS[agent] else None


def install(agent: str) -> Path:
    """Install the pinned CLI into its cache with npm (idempotent); its executable."""
    found = find(agent)
    if found is not None:
        return found
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise RuntimeError("node/npm not found on PATH")
    cache = default_cache_dir(agent)
    cache.mkdir(parents=True, exist_ok=True)
    command = [npm, "install", "--prefix", str(cache), f"{PACKAGES[agent]}@{VERSIONS[agent]}", "--no-audit",
               "--no-fund"]  # fmt: skip
    proc = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=_NPM_TIMEOUT, check=False)  # fmt: skip
    found = find(agent)
    if proc.returncode != 0 or found is None:
        raise RuntimeError(f"{' '.join(command)} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return found


def require(agent: str) -> Path:
    """For a fixture: the pinned CLI, installed on first use; skipped only when node is absent."""
    import pytest

    found = find(agent)
    if found is not None:
        return found
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip(f"node/npm is not installed: cannot install {PACKAGES[agent]}@{VERSIONS[agent]}")
    try:
        return install(agent)
    except RuntimeError as exc:
        pytest.fail(f"could not install {PACKAGES[agent]}@{VERSIONS[agent]}: {exc}", pytrace=False)


def netns_available() -> bool:
    """True when ``unshare -n`` works here (root, or user namespaces allowed)."""
    if shutil.which("unshare") is None:
        return False
    try:
        return (
            subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10, check=False).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        return False


@dataclass
class AgentRun:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    duration: float
    #: every request the model API stand-in received, parsed
    requests: list[dict[str, Any]] = field(default_factory=list)
    isolated: bool = False
    before: list[Any] = field(default_factory=list)

    def describe(self) -> str:
        status = "TIMED OUT" if self.timed_out else f"exit code {self.returncode}"
        return (f"{status} after {self.duration:.1f}s (netns: {self.isolated})\n--- stdout ---\n"
                f"{self.stdout[-3000:]}\n--- stderr ---\n{self.stderr[-3000:]}")  # fmt: skip

    def model_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r.get("method") == "POST" and r.get("reply") != "404"]


def _pids_with_env(var: str, value: str) -> list[int]:
    needle = f"{var}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
    return found


def _end_leftovers(run_id: str) -> None:
    for _ in range(5):
        pids = _pids_with_env(RUN_ID_VAR, run_id)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def _drive(api: str, root: Path, env: dict[str, str], cwd: Path, argv: list[str], timeout: float,
           files: list[Path], before: list[list[str]]) -> AgentRun:  # fmt: skip
    run_id = uuid.uuid4().hex
    env = {**env, RUN_ID_VAR: run_id}
    work = Path(tempfile.mkdtemp(prefix=f"{api}-run-", dir=root))
    spec = {"api": api, "log": str(work / "requests.ndjson"), "env": env, "cwd": str(cwd), "argv": argv,
            "timeout": timeout, "files": [str(f) for f in files], "before": before,
            "result": str(work / "result.json")}  # fmt: skip
    (work / "spec.json").write_text(json.dumps(spec))
    isolated = netns_available()
    driver = [sys.executable, str(_HERE / "netns_driver.py"), str(work / "spec.json")]
    command = ["unshare", "-n", *driver] if isolated else driver
    driven = None
    try:
        driven = subprocess.run(command, env={**os.environ, RUN_ID_VAR: run_id}, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=timeout + 120, check=False)  # fmt: skip
    finally:
        _end_leftovers(run_id)
    try:
        result = json.loads((work / "result.json").read_text())
    except (OSError, ValueError):
        why = driven.stderr[-3000:] if driven is not None else ""
        result = {"returncode": -1, "stdout": "", "stderr": f"the driver left no result:\n{why}",
                  "timed_out": False, "duration": 0.0}  # fmt: skip
    log = work / "requests.ndjson"
    requests = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return AgentRun(result["returncode"], result["stdout"], result["stderr"], result["timed_out"],
                    result["duration"], requests, isolated, result.get("before", []))  # fmt: skip


def base_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(home), "LANG": "C.UTF-8",
           "TMPDIR": str(home / "tmp"), "HOOKMUX_SERVE": "0"}  # fmt: skip
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env.update(extra or {})
    return env


def codex_home(home: Path) -> Path:
    return home / ".codex"


def prepare_codex(home: Path) -> Path:
    """Write Codex's offline config.toml (the stand-in's port filled in at run time)."""
    config = codex_home(home) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(CODEX_CONFIG)
    return config


def run_codex(codex: Path, project: Path, home: Path, prompt: str, *, extra_env: dict[str, str] | None = None,
              trust: bool = True, timeout: float = 180) -> AgentRun:  # fmt: skip
    """``codex exec`` in ``project``; ``trust``: first trust the hooks as a user does in /hooks."""
    config = codex_home(home) / "config.toml"
    text = config.read_text() if config.exists() else ""
    if "__PORT__" not in text and "[model_providers.standin]" not in text:
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(CODEX_CONFIG + text)
    elif "[model_providers.standin]" in text:  # a previous run filled in its port
        import re

        config.write_text(re.sub(r"http://127\.0\.0\.1:\d+/v1", "http://127.0.0.1:__PORT__/v1", text))
    env = base_env(
        home, {"CODEX_HOME": str(codex_home(home)), "STANDIN_API_KEY": "sk-standin", **(extra_env or {})}
    )
    argv = [str(codex), "exec", "--skip-git-repo-check", "--json", "--dangerously-bypass-approvals-and-sandbox",
            prompt]  # fmt: skip
    before = [["codex-trust", str(codex)]] if trust else []
    return _drive("codex", home, env, project, argv, timeout, [config], before)


def prepare_gemini(home: Path, project: Path, *, trust_folder: bool = True) -> Path:
    """Gemini CLI's offline user settings, and the project trusted as a user trusts it when asked."""
    gemini_dir = home / ".gemini"
    gemini_dir.mkdir(parents=True, exist_ok=True)
    settings = gemini_dir / "settings.json"
    current = json.loads(settings.read_text()) if settings.exists() else {}
    settings.write_text(json.dumps({**GEMINI_OFFLINE, **current}, indent=2))
    if trust_folder:
        (gemini_dir / "trustedFolders.json").write_text(json.dumps({str(project): "TRUST_FOLDER"}))
    return settings


def run_gemini(gemini: Path, project: Path, home: Path, prompt: str, *, extra_env: dict[str, str] | None = None,
               timeout: float = 180) -> AgentRun:  # fmt: skip
    """``gemini -p`` in ``project`` (model pinned: no router call)."""
    env = base_env(home, {"GEMINI_API_KEY": "standin-key", "GOOGLE_GEMINI_BASE_URL": "http://127.0.0.1:__PORT__",
                          "TERM": "dumb", **(extra_env or {})})  # fmt: skip
    argv = [str(gemini), "-p", prompt, "--yolo", "--output-format", "text", "-m", "gemini-2.5-flash"]
    return _drive("gemini", home, env, project, argv, timeout, [], [])


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "install":
        print("usage: agent_cli.py install [codex|gemini|all]", file=sys.stderr)
        return 2
    wanted = argv[1] if len(argv) > 1 else "all"
    if shutil.which("npm") is None or shutil.which("node") is None:
        print("skipped: node/npm not found")
        return 0
    for agent in ("codex", "gemini"):
        if wanted in (agent, "all"):
            print(install(agent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
