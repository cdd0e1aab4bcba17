"""One behaviour, three paths: the same events through ``hookmux run`` in-process, through
``hookmux run`` relaying to ``hookmux serve``, and posted to ``hookmux serve`` as
Claude Code's http hooks do. The answers must be identical.

The corpus: every payload of a real Claude Code 2.1.330 session, plus synthetic edge
cases (deny, context from two plugins, a rewrite, a crash, a wrong answer type,
fail-closed crash and hang, a malformed event, bad input, a 5 MB payload, non-UTF-8).
Besides the test plugins, a "mirror" plugin answers every event with a digest of
the payload it received, so a payload changed on the way would show.

Inherent differences of the http transport (Claude Code reads them differently):

* stderr does not exist over http (the daemon logs it);
* WorktreeCreate: the command transport prints the path as a plain line, http
  answers ``hookSpecificOutput.worktreePath``;
* exit code 2 (TaskCompleted/TeammateIdle blocks) does not exist over http: the
  body is empty; ``hookmux install --transport http`` keeps those events on the
  command transport (relayed), which is identical.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import real_payloads
from daemon_support import served
from plugin_site import install_plugin

from hookmux.testing import HookmuxCLI, hookmux_executable, make_event

MIRROR = """
import hashlib, json
from hookmux import hookimpl
from hookmux.protocol.answers import answer_class
from hookmux.protocol.events import EVENT_NAMES, hookspec_name

def _answer(event):
    raw = json.dumps(event.raw, sort_keys=True, ensure_ascii=False)
    text = f"mirror {event.hook_event_name} {hashlib.blake2b(raw.encode(), digest_size=6).hexdigest()}"
    cls = answer_class(event.hook_event_name)
    if cls is None:
        return None
    names = {a.name for a in cls.__attrs_attrs__}
    for field in ("additional_context", "system_message", "display_content"):
        if field in names:
            return cls(**{field: text})
    if "worktree_path" in names:
        return cls(worktree_path="/tmp/mirror-worktree")
    return None

for _event in EVENT_NAMES:
    def _handler(event, _name=_event):
        return _answer(event)
    _handler.__name__ = hookspec_name(_event)
    globals()[_handler.__name__] = hookimpl(priority=10)(_handler)
"""

#: (id, payload bytes) built in ``corpus``; the cwd is filled in per test.
SYNTHETIC = {
    "deny": ("PreToolUse", "hmtest-deny now"),
    "context-of-two-plugins": ("PostToolUse", "echo hmtest-context"),
    "rewrite": ("PreToolUse", "hmtest-rewrite me"),
    "crash": ("PreToolUse", "hmtest-crash"),
    "wrong-answer-type": ("PreToolUse", "hmtest-garbage"),
    "fail-closed-crash": ("PreToolUse", "hmtest-closed crash"),
    "fail-closed-hang": ("PreToolUse", "hmtest-closed hang"),
    "crash-and-deny": ("PreToolUse", "hmtest-deny; hmtest-crash"),
}
BAD = {
    "empty": b"",
    "invalid-json": b'{"hook_event_name": ',
    "not-an-object": b'["PreToolUse"]',
    "unknown-event": b'{"hook_event_name": "BrandNewEvent", "session_id": "s", "cwd": "/"}',
    "non-utf-8": b'{"hook_event_name": "Stop", "session_id": "s", "cwd": "/", "x": "\xff\xfe"}',
}


def corpus(cwd: Path) -> dict[str, bytes]:
    cases: dict[str, bytes] = {}
    for i, payload in enumerate(real_payloads()):
        cases[f"real-{i:02d}-{payload['hook_event_name']}"] = json.dumps(payload).encode()
    for name, (event, command) in SYNTHETIC.items():
        payload = make_event(event, cwd=cwd, tool_name="Bash", tool_input={"command": command},
                             tool_use_id=f"toolu_{name}")  # fmt: skip
        cases[name] = json.dumps(payload).encode()
    cases["prompt-context"] = json.dumps(
        make_event("UserPromptSubmit", cwd=cwd, prompt="hmtest-prompt")
    ).encode()
    cases["task-blocked-exit-2"] = json.dumps(
        make_event("TaskCompleted", cwd=cwd, task_subject="hmtest-unfinished")
    ).encode()
    cases["worktree-create"] = json.dumps(make_event("WorktreeCreate", cwd=cwd)).encode()
    malformed = make_event("PreToolUse", cwd=cwd, tool_name="Bash", tool_input={"command": "hmtest-closed x"})
    malformed["tool_use_id"] = 12345  # not a string: the event cannot be modelled
    cases["malformed-event"] = json.dumps(malformed).encode()
    big = make_event("PostToolUse", cwd=cwd, tool_name="Bash", tool_input={"command": "echo hmtest-context"},
                     tool_response={"stdout": "é" * (2_500_000), "stderr": "", "interrupted": False})  # fmt: skip
    cases["large-5MB"] = json.dumps(big, ensure_ascii=False).encode()
    for name, data in BAD.items():
        cases[f"bad-{name}"] = data
    return cases


def run(env: dict[str, str], data: bytes, **extra: str) -> tuple[int, bytes, str]:
    proc = subprocess.run([hookmux_executable(), "run"], input=data, env={**env, **extra}, capture_output=True,
                          timeout=120, check=False)  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")


@pytest.fixture
def env(hookmux_cli: HookmuxCLI, tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    install_plugin(site, "mirror", MIRROR)
    # Breakers off: a crash repeated on every path must not open one mid-corpus.
    return hookmux_cli.env(PYTHONPATH=str(site), HOOKMUX_BREAKER_THRESHOLD="100000",
                           HOOKMUX_BREAKER_MAX_FAILURE_RATE="1.0")  # fmt: skip


def test_in_process_relay_and_http_answer_alike(env: dict[str, str], tmp_path: Path) -> None:
    cases = corpus(tmp_path)
    cold = {name: run(env, data, HOOKMUX_SERVE="0") for name, data in cases.items()}
    # the corpus exercises what it claims to
    assert b"alpha refuses" in cold["deny"][1] and b"mirror PreToolUse" in cold["deny"][1]
    assert (
        b"alpha-context" in cold["context-of-two-plugins"][1]
        and b"beta-context" in cold["context-of-two-plugins"][1]
    )
    assert b"echo rewritten-by-beta" in cold["rewrite"][1]
    assert "faulty.hookmux_pre_tool_use error: raised RuntimeError" in cold["crash"][2]
    assert b'"deny"' in cold["fail-closed-hang"][1] and b'"deny"' in cold["malformed-event"][1]
    assert cold["task-blocked-exit-2"][0] == 2 and cold["task-blocked-exit-2"][1] == b""
    assert cold["worktree-create"][1] == b"/tmp/mirror-worktree\n"
    assert b"mirror PostToolUse" in cold["large-5MB"][1]
    real = [name for name in cases if name.startswith("real-")]
    assert sum(b"mirror " in cold[name][1] for name in real) >= 20
    assert all(cold[f"bad-{name}"][:2] == (0, b"") for name in BAD)

    with served(env) as daemon:
        relayed = {name: run(env, data, HOOKMUX_SERVE="1") for name, data in cases.items()}
        posted = {name: daemon.post(data) for name, data in cases.items()}
        health = daemon.health()
    # Every event went through the daemon (hookmux run relays before it parses), bad input too.
    assert health["requests_relay"] == len(cases)
    assert health["requests_http"] == len(cases)
    differences = [name for name in cases if relayed[name] != cold[name]]
    assert not differences, {n: (cold[n], relayed[n]) for n in differences}

    for name in cases:
        code, stdout, _ = cold[name]
        status, body = posted[name]
        assert status == 200, name
        if name == "worktree-create":
            assert json.loads(body) == {
                "hookSpecificOutput": {
                    "hookEventName": "WorktreeCreate",
                    "worktreePath": "/tmp/mirror-worktree",
                }
            }
        elif code == 2:
            assert body == b"", name  # http cannot block by exit code: install keeps these on `hookmux run`
        else:
            assert _json(body) == _json(stdout), name


def _json(data: bytes) -> Any:
    return json.loads(data) if data else None
