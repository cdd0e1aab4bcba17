"""Helpers shared by the ghap tests (a module of its own: a name no other plugin's tests use)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from hookmux.testing import hookmux_executable

PLUGIN = "ghap"
DATA = Path(__file__).parent / "data"
#: Real journal files from emmilco/clams @ 22e9499e (.claude/journal) and its hooks config
#: (clams_scripts/hooks/config.yaml @ 1c9f086^); see tests/data/README.md.
CLAMS_DATA = DATA / "clams"
#: The GHAP active in CLAMS_DATA/current_ghap.json, and the session it belongs to.
SEED_GHAP_ID = "ghap_20251207_054457_8f2516"
SEED_SESSION = "session_20251206_175530_8992c6"


def cli_env(**extra: str) -> dict[str, str]:
    """The test's environment (private homes, HOOKMUX_PLUGINS=ghap) plus ``extra``."""
    env = dict(os.environ)
    env.update(extra)
    return env


def user_config(text: str) -> Path:
    """Write the user's own config file ($XDG_CONFIG_HOME/hookmux/config.toml): where a user
    points ghap at their Qdrant (a project file's destinations need `hookmux trust`)."""
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "hookmux" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def trust(project: Path) -> None:
    """``hookmux trust`` for ``project``'s hookmux files, as the user would."""
    subprocess.run(
        [hookmux_executable(), "trust", "--project-dir", str(project)],
        env=cli_env(),
        check=True,
        capture_output=True,
        timeout=60,
    )


def ghap(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``hookmux ghap ...`` console script in ``project``."""
    return subprocess.run(
        [hookmux_executable(), "ghap", *args],
        cwd=project,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def ghap_json(project: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    proc = ghap(project, *args, "--json", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


START = (
    "start",
    "--domain",
    "debugging",
    "--strategy",
    "read-the-error",
    "--goal",
    "Make the flaky login test pass",
    "--hypothesis",
    "The session cookie expires during the test",
    "--action",
    "Freeze the clock in the fixture",
    "--prediction",
    "The test will pass ten times in a row",
)


class QdrantStandIn:
    """A loopback HTTP server answering ``POST /collections/values/points/scroll`` as
    Qdrant's REST API does, recording each request body."""

    def __init__(self, points: list[dict[str, Any]], status: int = 200) -> None:
        self.points = points
        self.status = status
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                stand_in.requests.append((self.path, dict(self.headers), body))
                if self.path != "/collections/values/points/scroll":
                    self._answer(404, {"status": {"error": "Not found"}})
                    return
                limit = body.get("limit", 10) if isinstance(body, dict) else 10
                result = {"points": stand_in.points[:limit], "next_page_offset": None}
                self._answer(stand_in.status, {"result": result, "status": "ok", "time": 0.0001})

            def _answer(self, status: int, data: Any) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> QdrantStandIn:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def value_point(text: str, created_at: str, label: int = 0) -> dict[str, Any]:
    """A point of the original's ``values`` collection (values/store.py payload)."""
    return {
        "id": f"value_full_{label}_0123abcd",
        "payload": {
            "text": text,
            "cluster_id": f"full_{label}",
            "axis": "full",
            "cluster_label": label,
            "cluster_size": 23,
            "created_at": created_at,
            "validation": {
                "candidate_distance": 0.21,
                "mean_distance": 0.25,
                "threshold": 0.3,
                "similarity": 0.79,
            },
        },
    }


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Blackhole:
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __enter__(self) -> Blackhole:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.sock.close()
