"""Run one agent CLI against its loopback model API stand-in, inside the caller's network
namespace (``agent_cli`` starts this under ``unshare -n`` when it can: then only the
namespace's own loopback exists, and no packet can leave the machine).

Usage: ``python netns_driver.py SPEC.json``. The spec names the stand-in (``codex`` or
``gemini``), its request log, the environment, working directory, argv, timeout, the
files and variables in which ``__PORT__`` becomes the stand-in's port, optional
``before`` steps, and where the result JSON goes. Stdlib only.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PLACEHOLDER = "__PORT__"


def _loopback_up() -> None:
    """A fresh namespace's ``lo`` is down; up it (harmless outside one)."""
    with contextlib.suppress(OSError):
        subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True, check=False, timeout=10)


def _run(argv: list[str], env: dict[str, str], cwd: str, timeout: float) -> dict[str, Any]:
    started = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True)  # fmt: skip
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    return {"returncode": proc.returncode, "stdout": stdout, "stderr": stderr, "timed_out": timed_out,
            "duration": time.monotonic() - started}  # fmt: skip


def codex_trust(codex: str, env: dict[str, str], cwd: str) -> dict[str, Any]:
    """Trust every untrusted hook as a user does in Codex's /hooks screen: ``codex app-server``'s
    ``hooks/list`` gives each hook's current hash, ``config/batchWrite`` records it."""
    proc = subprocess.Popen([codex, "app-server"], cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, bufsize=1)  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout
    ids = iter(range(1, 1000))

    def call(method: str, params: dict[str, Any]) -> Any:
        number = next(ids)
        stdin.write(json.dumps({"jsonrpc": "2.0", "id": number, "method": method, "params": params}) + "\n")
        stdin.flush()
        while True:
            line = stdout.readline()
            if not line:
                raise RuntimeError(f"codex app-server closed during {method}")
            message = json.loads(line)
            if message.get("id") == number and ("result" in message or "error" in message):
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    try:
        call("initialize", {"clientInfo": {"name": "hookmux-tests", "version": "0"}})
        stdin.write(json.dumps({"jsonrpc": "2.0", "method": "initialized"}) + "\n")
        stdin.flush()
        listed = call("hooks/list", {"cwds": [cwd]})
        hooks = [h for entry in listed.get("data", []) for h in entry.get("hooks", [])]
        todo = [h for h in hooks if not h.get("isManaged") and h.get("trustStatus") != "trusted"]
        if todo:
            value = {h["key"]: {"trusted_hash": h["currentHash"]} for h in todo}
            call(
                "config/batchWrite",
                {"edits": [{"keyPath": "hooks.state", "mergeStrategy": "upsert", "value": value}]},
            )
        return {"trusted": [h["key"] for h in todo]}
    finally:
        stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    _loopback_up()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import importlib

    server = importlib.import_module(f"{spec['api']}_api").serve(spec["log"])
    port = str(server.server_address[1])
    env = {k: v.replace(PLACEHOLDER, port) for k, v in spec["env"].items()}
    for name in spec.get("files", []):
        path = Path(name)
        path.write_text(path.read_text().replace(PLACEHOLDER, port))
    result: dict[str, Any] = {"port": int(port), "before": []}
    for step in spec.get("before", []):
        if step[0] == "codex-trust":
            result["before"].append(codex_trust(step[1], env, spec["cwd"]))
    result.update(_run(spec["argv"], env, spec["cwd"], float(spec["timeout"])))
    time.sleep(0.3)  # hooks still writing their records
    server.shutdown()
    Path(spec["result"]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
