"""Helpers shared by the capture tests (imported by name: the tests directory is on sys.path)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hookmux.testing import CliRun, HookmuxCLI, hookmux_executable

DATA = Path(__file__).parent / "data"


def real_payloads() -> list[dict[str, Any]]:
    """Hook inputs captured from a real Claude Code 2.1.330 session."""
    lines = (DATA / "cc-2.1.330-events.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def wait_for(predicate: Any, timeout: float = 20.0, what: str = "condition") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not met within {timeout} s")


class CaptureCLI:
    """The real console script (``hookmux run`` and the other commands), capture only."""

    def __init__(self, cli: HookmuxCLI, runtime: Path) -> None:
        self.cli = cli
        self.runtime = runtime
        self.home = cli.home
        self.capture_dir = cli.home / "capture"

    def env(self, **extra: str) -> dict[str, str]:
        return self.cli.env(HOOKMUX_PLUGINS="capture", XDG_RUNTIME_DIR=str(self.runtime), **extra)

    def run(self, payload: Mapping[str, Any], env: Mapping[str, str] | None = None) -> CliRun:
        return self.cli.run(
            payload, env={"HOOKMUX_PLUGINS": "capture", "XDG_RUNTIME_DIR": str(self.runtime), **(env or {})}
        )

    def command(self, *args: str, env: Mapping[str, str] | None = None, check: bool = True) -> Any:
        proc = subprocess.run(
            [hookmux_executable(), *args],
            env={**self.env(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check:
            assert proc.returncode == 0, (
                f"hookmux {' '.join(args)}: {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def json(self, *args: str, env: Mapping[str, str] | None = None) -> Any:
        return json.loads(self.command(*args, "--json", env=env).stdout)

    def lines(self, session: str) -> list[dict[str, Any]]:
        path = self.capture_dir / f"{session}.ndjson"
        return [json.loads(line) for line in path.read_text().splitlines()]

    def workers_done(self) -> bool:
        from hookmux.state import background

        return background.live_workers(str(self.home), 4) == 0
