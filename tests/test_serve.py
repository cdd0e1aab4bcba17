"""``hookmux serve``: the warm daemon, through real processes, sockets and http.

Each test starts its own daemon (private ``$HOOKMUX_HOME``, a free loopback port)
and stops it; ``daemon_support.served`` kills it if it does not stop.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from daemon_support import Served, daemon_pids, free_port, served, wait_for
from plugin_site import install_plugin
from test_install import wired_launcher

from hookmux.daemon.lifecycle import AFTER_BACKLOG
from hookmux.testing import HookmuxCLI, hookmux_executable, make_event

HEAVY = ("pluggy", "attr", "attrs", "cattrs", "filelock", "importlib.metadata", "click", "json", "re",
         "typing", "hookmux.routing.dispatch", "hookmux_testplugins")  # fmt: skip


def bash(command: str, cwd: Path, event: str = "PreToolUse", **fields: Any) -> dict[str, Any]:
    return make_event(event, cwd=cwd, tool_name="Bash", tool_input={"command": command}, **fields)


@pytest.fixture
def env(hookmux_cli: HookmuxCLI, tmp_path: Path) -> dict[str, str]:
    return hookmux_cli.env()


def test_http_answers_only_with_the_token(env: dict[str, str], tmp_path: Path) -> None:
    with served(env) as daemon:
        deny = bash("hmtest-deny now", tmp_path)
        status, body = daemon.post(deny)
        assert status == 200
        assert json.loads(body)["hookSpecificOutput"] == {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": "alpha refuses 'hmtest-deny now'",
        }
        assert daemon.post(bash("ls", tmp_path)) == (200, b"")  # no plugin wants it: empty answer
        for token in (None, "wrong", daemon.token + "x", daemon.token[:-1]):
            for method, path, body in (("POST", "/hook", json.dumps(deny).encode()), ("GET", "/health", None),
                                       ("GET", "/metrics", None), ("GET", "/nothing", None)):  # fmt: skip
                code, answer, _ = daemon.request(method, path, body, token=token)
                assert (code, answer) == (401, b""), (method, path, token)
        code, _, _ = daemon.request("GET", "/nothing")
        assert code == 404
        assert daemon.request("POST", "/hook", b"{}", headers={"Transfer-Encoding": "chunked"})[0] in (
            400,
            411,
        )
        token_file = daemon.home / "daemon" / "token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert stat.S_IMODE((daemon.home / "daemon").stat().st_mode) == 0o700
        state = json.loads((daemon.home / "daemon" / "daemon.json").read_text())
        assert state["port"] == daemon.port and state["url"] == f"http://127.0.0.1:{daemon.port}/hook"
        assert stat.S_IMODE((daemon.home / "daemon" / "daemon.json").stat().st_mode) == 0o600
        modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in (daemon.home / "daemon").iterdir()}
        assert set(modes.values()) == {0o600} and {"token", "daemon.lock", "daemon.log"} <= set(modes), modes


def _raw_exchange(port: int, chunks: list[bytes], answers: int = 1) -> list[tuple[int, bytes]]:
    """Send ``chunks`` (a pause between them) on one connection; read ``answers`` answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for chunk in chunks:
            sock.sendall(chunk)
            time.sleep(0.05)
        buf, out = b"", []
        while len(out) < answers:
            while b"\r\n\r\n" not in buf:
                data = sock.recv(65536)
                if not data:
                    return out
                buf += data
            head, _, rest = buf.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(rest) < length:
                rest += sock.recv(65536)
            out.append((int(head.split()[1]), rest[:length]))
            buf = rest[length:]
        return out


def test_http_heads_in_every_shape_a_client_sends(env: dict[str, str], tmp_path: Path) -> None:
    """The head is usually parsed from the read buffer in one piece; a head that arrives
    in pieces or with bare LF line ends takes the line-by-line path: same answers."""
    with served(env) as daemon:
        body = json.dumps(bash("hmtest-deny now", tmp_path)).encode()
        fields = [b"Host: 127.0.0.1", b"Authorization: Bearer " + daemon.token.encode(),
                  b"Content-Type: application/json", b"Content-Length: %d" % len(body)]  # fmt: skip

        def request(end: bytes = b"\r\n", extra: list[bytes] | None = None) -> bytes:
            return end.join([b"POST /hook HTTP/1.1", *fields, *(extra or []), b""]) + end + body

        whole = request()
        [(status, answer)] = _raw_exchange(daemon.port, [whole])
        assert status == 200 and b"alpha refuses" in answer
        pieces = [whole[i : i + 20] for i in range(0, len(whole), 20)]  # a slow client
        assert _raw_exchange(daemon.port, pieces) == [(200, answer)]
        assert _raw_exchange(daemon.port, [request(b"\n")]) == [(200, answer)]  # bare LF
        assert _raw_exchange(daemon.port, [whole + whole], answers=2) == [(200, answer)] * 2  # pipelined
        assert _raw_exchange(daemon.port, [b"POST /hook HTTP/1.1\r\n\r\n"]) == [(401, b"")]  # no fields
        assert _raw_exchange(daemon.port, [request(extra=[b"no colon here"])]) == [(400, b"")]
        many = [b"X-Filler-%d: x" % i for i in range(120)]
        assert _raw_exchange(daemon.port, [request(extra=many)]) == [(431, b"")]
        assert daemon.post(bash("hmtest-deny now", tmp_path)) == (200, answer)  # still serving


def test_listens_on_loopback_only(env: dict[str, str]) -> None:
    with served(env) as daemon:
        out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=False).stdout
        listening = [
            line.split()[3] for line in out.splitlines() if line.split()[3].endswith(f":{daemon.port}")
        ]
        assert listening == [f"127.0.0.1:{daemon.port}"], out


def test_health_and_metrics(env: dict[str, str], tmp_path: Path) -> None:
    with served(env) as daemon:
        daemon.post(bash("hmtest-deny", tmp_path))
        daemon.run(bash("hmtest-deny", tmp_path))
        # An event stays in flight until it is recorded, just after its answer is out.
        health = wait_for(lambda: (h := daemon.health())["in_flight"] == 0 and h)
        assert health["status"] == "ok" and health["pid"] == daemon.pid()
        assert health["requests_http"] == 1 and health["requests_relay"] == 1
        assert health["hung_threads"] == 0
        assert 0 < health["rss_bytes"] < 200 * 1024 * 1024
        assert set(health["plugins_loaded"].split(",")) == {"alpha", "beta", "faulty", "guarded", "guards"}
        status, body, headers = daemon.request("GET", "/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = body.decode()
        assert 'hookmux_serve_requests_total{transport="http",outcome="answered"} 1' in text
        assert 'hookmux_serve_requests_total{transport="relay",outcome="answered"} 1' in text
        assert 'hookmux_events_total{event="PreToolUse"} 2' in text  # the store's records
        # latency in Prometheus' base unit; the _ms name stays one release (deprecated)
        seconds = [line for line in text.splitlines() if line.startswith("hookmux_handler_duration_seconds{")]
        millis = [line for line in text.splitlines() if line.startswith("hookmux_handler_duration_ms{")]
        assert len(seconds) == len(millis) > 0
        for s_line, ms_line in zip(seconds, millis, strict=True):
            assert float(s_line.split()[-1]) == pytest.approx(float(ms_line.split()[-1]) / 1000, abs=1e-6)
        for gauge in ("in_flight", "hung_threads", "uptime_seconds", "resident_memory_bytes"):
            assert f"# TYPE hookmux_serve_{gauge} gauge" in text
        status_json = json.loads(daemon.hookmux("serve", "status", "--json").stdout)
        assert status_json["running"] is True and status_json["pid"] == daemon.pid()
        assert status_json["requests_http"] == 1


def test_events_from_many_connections_at_once_are_each_counted_and_answered(
    env: dict[str, str], tmp_path: Path
) -> None:
    # Each connection's thread counts its own requests (no lock per event): none may be lost.
    per_thread, threads = 15, 6
    answers: list[tuple[int, bytes]] = []
    with served(env) as daemon:

        def client() -> None:
            for _ in range(per_thread):
                answers.append(daemon.post(bash("hmtest-deny", tmp_path)))
                answers.append(daemon.post(bash("echo nothing wants this", tmp_path, event="Notification")))

        workers = [threading.Thread(target=client) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        health = wait_for(lambda: (h := daemon.health())["in_flight"] == 0 and h)
        assert len(answers) == 2 * per_thread * threads
        denied = [body for status, body in answers if status == 200 and b'"deny"' in body]
        assert len(denied) == per_thread * threads
        assert health["requests_http"] == 2 * per_thread * threads
        _, text, _ = daemon.request("GET", "/metrics")
        assert (
            f'hookmux_serve_requests_total{{transport="http",outcome="answered"}} {per_thread * threads}'
            in (text.decode())
        )


def test_body_over_the_cap_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    with served({**env, "HOOKMUX_SERVE_MAX_BODY": "2000"}) as daemon:
        event = bash("hmtest-deny " + "x" * 3000, tmp_path)
        assert daemon.post(event)[0] == 413
        assert daemon.post(bash("hmtest-deny", tmp_path))[0] == 200  # the daemon is fine


def test_relay_answers_and_imports_no_plugin_or_heavy_library(env: dict[str, str], tmp_path: Path) -> None:
    with served(env) as daemon:
        event = json.dumps(bash("hmtest-deny x", tmp_path)).encode()
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", hookmux_executable(), "run"],
            input=event,
            capture_output=True,
            env={**daemon.env, "HOOKMUX_SERVE": "1"},
            check=True,
        )
        assert b"alpha refuses" in proc.stdout
        modules = {
            line.rsplit("|", 1)[1].strip()
            for line in proc.stderr.decode().splitlines()
            if line.startswith("import time:") and "|" in line
        }
        assert {"hookmux.entry.relay", "_socket"} <= modules  # it did relay
        assert not {m for m in modules if m in HEAVY or m.split(".")[0] in HEAVY}, sorted(modules)
        assert "socket" not in modules and "enum" not in modules
        # relayed before parsing: the daemon decodes and matches, this process does neither
        assert not {"_json", "hookmux.routing.manifest", "hookmux.routing.matching"} & modules, sorted(
            modules
        )
        assert daemon.health()["requests_relay"] == 1


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b'{"session_id": "s", "hook_event_name": "PreToolUse", "tool_name": "Bash"}', "PreToolUse"),
        (b'{"hook_event_name"\n :\t "SessionStart"}', "SessionStart"),
        (
            b'{"prompt": "say \\"hook_event_name\\": \\"Stop\\"", "hook_event_name": "UserPromptSubmit"}',
            "UserPromptSubmit",
        ),
        (b'{"hook_event_name": 3}', None),
        (b'{"hook_event_name": "Stop', None),
        (b"not json at all", None),
        (b"", None),
    ],
)
def test_the_relay_reads_the_event_name_off_the_raw_bytes(data: bytes, name: str | None) -> None:
    from hookmux.entry.sniff import event_name_hint

    assert event_name_hint(data) == name


@pytest.mark.parametrize(
    ("data", "unwanted"),
    [
        (b'{"session_id":"s","hook_event_name":"Notification","message":"a\\nb"}', True),
        (b'{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash"}', False),
        # the key twice (one nested in tool input, or a duplicate): parse it
        (b'{"tool_input":{"hook_event_name":"Stop"},"hook_event_name":"PreToolUse"}', False),
        (b'{"hook_event_name":"Stop","hook_event_name":"PreToolUse"}', False),
        # a \\u escape anywhere could spell the key (or the name) otherwise
        (b'{"hook_event_name":"Stop","hook_event\\u005fname":"PreToolUse"}', False),
        (b'{"hook_event_name":"Pre\\u0054oolUse"}', False),
        (b'{"hook_event_name":"Pre\\"x"}', False),
        (b'{"hook_event_name": 3}', False),
    ],
)
def test_the_daemon_skips_an_event_by_its_raw_name_only_when_it_can_mean_nothing_else(
    data: bytes, unwanted: bool
) -> None:
    from hookmux.entry.sniff import surely_unwanted

    assert surely_unwanted(data, {"PreToolUse"}) is unwanted


def test_an_event_no_handler_takes_is_answered_empty_over_http_and_still_checked(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The daemon answers an http event no loaded handler takes from its raw bytes; an
    event whose bytes could name another (a nested or escaped key) is routed in full."""
    with served(env) as daemon:
        notification = make_event(
            "Notification", cwd=tmp_path, message="build done", notification_type="idle"
        )
        assert daemon.post(notification) == (200, b"")
        assert daemon.post(b'{"hook_event_name":"NoSuchEvent"}') == (200, b"")
        assert daemon.post(b'{"hook_event_name":"Notification", oops}') == (200, b"")
        deny = bash("hmtest-deny now", tmp_path)
        # a Stop key nested in the tool input, and an escaped duplicate key that JSON reads
        # last: both are the PreToolUse event that alpha refuses, whatever the first key says
        nested = {**deny, "tool_input": {"command": "hmtest-deny now", "hook_event_name": "Stop"}}
        escaped = b'{"hook_event_name":"Stop",' + json.dumps(deny).encode()[1:].replace(
            b'"hook_event_name"', b'"hook_event\\u005fname"'
        )
        for payload in (nested, escaped):
            status, body = daemon.post(payload)
            assert status == 200 and b"alpha refuses" in body, payload
        assert daemon.health()["requests_http"] == 5
        log = daemon.home / "daemon" / "daemon.log"
        wait_for(
            lambda: (
                "unknown hook event 'NoSuchEvent'" in log.read_text() and "not valid JSON" in log.read_text()
            )
        )


def test_unmatched_and_bad_events_are_answered_by_the_daemon_too(env: dict[str, str], tmp_path: Path) -> None:
    with served(env) as daemon:
        assert daemon.run(bash("ls -la", tmp_path)).stdout == b""
        bad = subprocess.run([hookmux_executable(), "run"], input=b"[1, 2]", capture_output=True,
                             env={**daemon.env, "HOOKMUX_SERVE": "1"}, check=False)  # fmt: skip
        assert (bad.returncode, bad.stdout) == (0, b"")
        assert bad.stderr.decode().strip() == "hookmux: stdin holds a JSON list, expected an object"
        assert daemon.health()["requests_relay"] == 2


def test_a_caller_of_another_python_environment_routes_its_events_itself(
    env: dict[str, str], tmp_path: Path
) -> None:
    # Another import path (here one more PYTHONPATH entry) may hold other plugins:
    # the daemon must not answer with the ones it loaded, nor restart for it.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    pythonpath = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), str(elsewhere)]))
    with served(env) as daemon:
        assert b"alpha refuses" in daemon.run(bash("hmtest-deny", tmp_path)).stdout
        other = daemon.run(bash("hmtest-deny", tmp_path), PYTHONPATH=pythonpath)
        assert b"alpha refuses" in other.stdout and other.returncode == 0
        health = daemon.health()
        # answered in-process; the daemon kept its counts, so it did not restart either
        assert health["requests_relay"] == 1 and health["refused"] == 1
        log = (daemon.home / "daemon" / "daemon.log").read_text()
        assert "a hookmux of another Python environment called" in log and str(elsewhere) in log


def test_relay_carries_the_callers_environment(env: dict[str, str], tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "hookmux.toml").write_text('[plugins.alpha]\ngreeting = "from the project"\n')
    event = bash("echo hmtest-context", tmp_path, "PostToolUse")
    with served(env) as daemon:

        def context(**extra: str) -> str:
            proc = daemon.run(event, **extra)
            assert proc.returncode == 0, proc.stderr
            return str(json.loads(proc.stdout)["hookSpecificOutput"]["additionalContext"])

        assert context().startswith("alpha-context for toolu_test")
        assert context(HOOKMUX__ALPHA__GREETING="hi").startswith("hi for toolu_test")
        assert context(HOOKMUX_DISABLED="alpha") == "beta-context for toolu_test"
        assert context(HOOKMUX_PLUGINS="alpha").startswith("alpha-context") and "beta" not in context(
            HOOKMUX_PLUGINS="alpha"
        )
        assert context(CLAUDE_PROJECT_DIR=str(project)).startswith("from the project for toolu_test")
        assert daemon.health()["requests_relay"] == 6  # every one relayed, none routed in-process


def test_config_changes_need_no_restart(env: dict[str, str], tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    event = bash("hmtest-deny", project)
    with served(env) as daemon:
        pid, started = daemon.pid(), daemon.health()["uptime_s"]
        assert b"deny" in daemon.run(event).stdout
        (project / ".claude" / "hookmux.toml").write_text("[hookmux]\ndisabled = ['alpha']\n")
        assert b"deny" in daemon.run(event).stdout  # turning a plugin off takes a trusted file
        trust = [hookmux_executable(), "trust", "--project-dir", str(project)]
        subprocess.run(trust, env=env, check=True, capture_output=True)
        assert daemon.run(event).stdout == b""
        assert daemon.post(event) == (200, b"")
        (project / ".claude" / "hookmux.toml").write_text("[plugins.alpha]\nenabled = true\n")
        assert b"deny" in daemon.post(event)[1]
        health = daemon.health()
        assert daemon.pid() == pid and health["uptime_s"] > started and health["requests_relay"] == 3


def test_other_users_get_nothing(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    python = "/usr/bin/python3"
    if os.getuid() != 0 or not os.access(python, os.X_OK):
        pytest.skip("needs root (to act as another local user) and a system python3")
    nobody = 65534
    # Somewhere another user can reach: a long home puts the socket in $XDG_RUNTIME_DIR.
    base = Path(tempfile.mkdtemp(prefix="hookmux-users-", dir="/tmp"))
    base.chmod(0o711)
    env = hookmux_cli.env(HOOKMUX_HOME=str(base / ("d" * 90) / "home"), XDG_RUNTIME_DIR=str(base))
    try:
        with served(env) as daemon:
            socket_path = daemon.health()["socket"]
            assert socket_path.startswith(str(base))
            probe = f"""
import http.client, json, socket
out = {{}}
try:
    open({str(daemon.home / "daemon" / "token")!r}).read(); out["token"] = "read"
except PermissionError:
    out["token"] = "denied"
s = socket.socket(socket.AF_UNIX)
try:
    s.connect({socket_path!r}); out["relay"] = "connected"
except PermissionError:
    out["relay"] = "denied"
c = http.client.HTTPConnection("127.0.0.1", {daemon.port})
c.request("POST", "/hook", body=b"{{}}", headers={{"Authorization": "Bearer guess"}})
r = c.getresponse(); out["http"] = [r.status, r.read().decode()]
print(json.dumps(out))
"""
            proc = subprocess.run([python, "-c", probe], user=nobody, capture_output=True, text=True,
                                  check=True, cwd="/")  # fmt: skip
            assert json.loads(proc.stdout) == {"token": "denied", "relay": "denied", "http": [401, ""]}
            # Even with its directory opened up, the relay answers only its own user (SO_PEERCRED).
            directory = os.path.dirname(socket_path)
            os.chmod(directory, 0o755)
            os.chmod(socket_path, 0o777)
            try:
                relay_probe = f"""
import socket
s = socket.socket(socket.AF_UNIX); s.connect({socket_path!r})
try:
    s.sendall(b"HMXQP" + (3).to_bytes(4, "big") + b"0.1" + (0).to_bytes(4, "big"))
    print("answered" if s.recv(100) else "closed")
except (ConnectionResetError, BrokenPipeError):
    print("closed")
"""
                proc = subprocess.run([python, "-c", relay_probe], user=nobody, capture_output=True, text=True,
                                      check=True, cwd="/")  # fmt: skip
                assert proc.stdout.strip() == "closed", proc.stderr  # without an answer
            finally:
                os.chmod(directory, 0o700)
            assert daemon.health()["status"] == "ok"
            assert daemon.health()["requests_http"] == 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_crashing_and_hanging_plugins_never_take_the_daemon_down(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    install_plugin(
        site,
        "exiter",
        """
        import os
        from hookmux import hookimpl

        @hookimpl(matcher="Bash", commands=["hmtest-exit*"])
        def hookmux_pre_tool_use(event):
            if "interrupt" in event.command:
                raise KeyboardInterrupt
            raise SystemExit(3)
        """,
    )
    env = hookmux_cli.env(PYTHONPATH=str(site), HOOKMUX_BREAKER_THRESHOLD="1000")
    with served(env) as daemon:
        pid = daemon.pid()
        for command in ("hmtest-crash", "hmtest-exit", "hmtest-exit interrupt", "hmtest-closed crash"):
            relayed = daemon.run(bash(command, tmp_path))
            assert relayed.returncode == 0, relayed.stderr
            status, body = daemon.post(bash(command, tmp_path))
            assert status == 200
            if "closed" in command:
                assert json.loads(body)["hookSpecificOutput"]["permissionDecision"] == "deny"
                assert b'"deny"' in relayed.stdout
            else:
                assert body == b"" and relayed.stdout == b""
                assert b"error: raised" in relayed.stderr
        started = time.monotonic()
        status, body = daemon.post(bash("hmtest-closed hang", tmp_path))
        assert 0.4 < time.monotonic() - started < 5  # abandoned at its 0.5 s timeout
        assert json.loads(body)["hookSpecificOutput"]["permissionDecision"] == "deny"
        assert daemon.health()["hung_threads"] == 1
        assert daemon.pid() == pid and daemon_pids(daemon.home) == {pid}


def test_a_handler_overrunning_in_the_daemon_costs_its_timeout_and_the_next_handlers_still_answer(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    """The daemon runs handlers in the thread that read the event; when one overruns,
    another thread takes the event over: the next handlers run, the answer comes at the
    timeout, and the stuck thread, once its handler returns, leaves the event alone."""
    site = tmp_path / "site"
    for name, priority, body in (
        ("slowpoke", 90, "time.sleep(2.5)\n    return PreToolUseAnswer(permission='allow', reason='late')"),
        ("after", 10, "return PreToolUseAnswer(permission='ask', reason='asked after the slow one')"),
    ):
        install_plugin(
            site,
            name,
            f"""
import time
from hookmux import hookimpl
from hookmux.protocol.answers import PreToolUseAnswer

@hookimpl(matcher="Bash", commands=["hmtest-slow*"], priority={priority}, timeout=0.4)
def hookmux_pre_tool_use(event):
    {body}
""",
        )
    env = hookmux_cli.env(
        PYTHONPATH=str(site), HOOKMUX_PLUGINS="slowpoke,after", HOOKMUX_BREAKER_THRESHOLD="1000"
    )
    with served(env) as daemon:
        for transport in ("http", "relay"):
            started = time.monotonic()
            if transport == "http":
                status, body = daemon.post(bash(f"hmtest-slow {transport}", tmp_path))
                assert status == 200
            else:
                relayed = daemon.run(bash(f"hmtest-slow {transport}", tmp_path))
                body = relayed.stdout
                assert (
                    "slowpoke.hookmux_pre_tool_use timeout: did not answer within" in relayed.stderr.decode()
                )
            assert 0.35 < time.monotonic() - started < 2.0, transport  # not the handler's 2.5 s
            output = json.loads(body)["hookSpecificOutput"]
            assert (output["permissionDecision"], output["permissionDecisionReason"]) == (
                "ask",
                "asked after the slow one",
            ), transport
            assert daemon.health()["hung_threads"] >= 1
        # Both stuck threads come back: they count as hung no more, and answered nothing twice.
        wait_for(lambda: daemon.health()["hung_threads"] == 0, timeout=10)
        status, body = daemon.post(bash("hmtest-other", tmp_path))
        assert (status, body) == (200, b"")
        health = daemon.health()
        assert health["requests_http"] == 2 and health["requests_relay"] == 1
    statuses = {
        h["plugin"]: h["statuses"] for h in hookmux_json(hookmux_cli, env, "metrics", "--json")["handlers"]
    }
    assert statuses == {"slowpoke": {"timeout": 2}, "after": {"ok": 2}}


def hookmux_json(cli: HookmuxCLI, env: dict[str, str], *args: str) -> Any:
    proc = subprocess.run([hookmux_executable(), *args], env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def test_too_many_hung_handlers_restart_the_daemon(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    from hookmux.daemon.lifecycle import MAX_HUNG_THREADS

    env = hookmux_cli.env(HOOKMUX_BREAKER_THRESHOLD="1000", HOOKMUX_BREAKER_MAX_FAILURE_RATE="1.0")
    with served(env) as daemon:
        pid = daemon.pid()
        for i in range(MAX_HUNG_THREADS - 1):
            assert daemon.post(bash(f"hmtest-hang {i}", tmp_path))[0] == 200
        assert daemon.health()["hung_threads"] == MAX_HUNG_THREADS - 1
        uptime = daemon.health()["uptime_s"]
        assert daemon.post(bash("hmtest-hang last", tmp_path))[0] == 200
        # re-executed in place: same pid, same sockets, fresh process (no hung thread)
        health = wait_for(lambda: (h := _health_or_none(daemon)) and h["uptime_s"] < uptime and h)
        assert health["hung_threads"] == 0 and daemon.pid() == pid
        assert b"deny" in daemon.post(bash("hmtest-deny", tmp_path))[1]
        log = (daemon.home / "daemon" / "daemon.log").read_text()
        assert f"restarting: {MAX_HUNG_THREADS} handler threads hang" in log


def _health_or_none(daemon: Served) -> dict[str, Any] | None:
    try:
        return daemon.health()
    except (OSError, AssertionError):
        return None


def test_installed_and_upgraded_plugins_are_picked_up(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    env = hookmux_cli.env(PYTHONPATH=str(site))
    source = """
    from hookmux import hookimpl
    from hookmux.protocol.answers import PreToolUseAnswer

    @hookimpl(matcher="Bash", commands=["newcomer*"])
    def hookmux_pre_tool_use(event):
        return PreToolUseAnswer(permission="deny", reason="VERSION")
    """
    event = bash("newcomer here", tmp_path)

    def reason(answer: bytes) -> str | None:
        return json.loads(answer)["hookSpecificOutput"]["permissionDecisionReason"] if answer else None

    with served(env) as daemon:
        pid = daemon.pid()
        assert daemon.run(event).stdout == b"" and daemon.post(event) == (200, b"")
        install_plugin(site, "newcomer", source.replace("VERSION", "one"))
        # The first event after the install: routed by a fresh process, then the daemon restarts.
        assert reason(daemon.run(event).stdout) == "one"
        wait_for(lambda: "newcomer" in ((_health_or_none(daemon) or {}).get("plugins_loaded") or ""))
        assert reason(daemon.run(event).stdout) == "one"
        assert daemon.health()["requests_relay"] == 1  # the first one was routed in-process
        time.sleep(0.05)  # a new mtime for the upgraded source
        # Of another size too: a .pyc is checked against the source's size and its mtime in
        # whole seconds, and "one" would still be imported from it.
        install_plugin(site, "newcomer", source.replace("VERSION", "second"), version="2.0")
        assert reason(daemon.post(event)[1]) == "second"  # http: a fresh `hookmux run` answers it
        # The old daemon already had newcomer loaded and a relayed event counted:
        # only the restarted one has no events yet.
        wait_for(
            lambda: (
                (h := _health_or_none(daemon))
                and h["requests_relay"] == h["requests_http"] == 0
                and "newcomer" in h["plugins_loaded"]
            )
        )
        assert reason(daemon.post(event)[1]) == "second"
        assert reason(daemon.run(event).stdout) == "second"
        assert daemon.pid() == pid
        assert daemon.health()["requests_http"] == 1 and daemon.health()["requests_relay"] == 1


def test_without_a_daemon_run_answers_and_starts_one(env: dict[str, str], tmp_path: Path) -> None:
    home = Path(env["HOOKMUX_HOME"])
    daemon = Served(env, home, free_port())
    on = {**env, "HOOKMUX_SERVE": "1", "HOOKMUX_SERVE_PORT": str(daemon.port)}
    try:
        proc = subprocess.run([hookmux_executable(), "run"], input=json.dumps(bash("hmtest-deny", tmp_path)).encode(),
                              env=on, capture_output=True, check=True, timeout=60)  # fmt: skip
        assert b"alpha refuses" in proc.stdout and proc.stderr == b""
        wait_for(lambda: _health_or_none(daemon))
        assert len(daemon_pids(home)) == 1
        proc = subprocess.run([hookmux_executable(), "run"], input=json.dumps(bash("hmtest-deny", tmp_path)).encode(),
                              env=on, capture_output=True, check=True, timeout=60)  # fmt: skip
        assert b"alpha refuses" in proc.stdout and daemon.health()["requests_relay"] == 1
    finally:
        daemon.stop()


def test_serve_zero_or_config_keeps_everything_in_process(env: dict[str, str], tmp_path: Path) -> None:
    home = Path(env["HOOKMUX_HOME"])
    event = json.dumps(bash("hmtest-deny", tmp_path)).encode()
    config = Path(env["XDG_CONFIG_HOME"]) / "hookmux"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("[hookmux]\nserve = false\n")
    unset = {k: v for k, v in env.items() if k != "HOOKMUX_SERVE"}  # the config decides
    try:
        for run_env in ({**env, "HOOKMUX_SERVE": "0"}, unset):
            proc = subprocess.run([hookmux_executable(), "run"], input=event, env=run_env,
                                  capture_output=True, check=True, timeout=60)  # fmt: skip
            assert b"alpha refuses" in proc.stdout
        time.sleep(1.0)
        assert not daemon_pids(home) and not (home / "daemon" / "daemon.json").exists()
    finally:
        Served(env, home, 0).stop()
    # HOOKMUX_SERVE=0 does not relay even to a running daemon
    with served(env) as daemon:
        proc = subprocess.run([hookmux_executable(), "run"], input=event, env={**env, "HOOKMUX_SERVE": "0"},
                              capture_output=True, check=True, timeout=60)  # fmt: skip
        assert b"alpha refuses" in proc.stdout and daemon.health()["requests_relay"] == 0


def test_concurrent_autostarts_start_one_daemon(env: dict[str, str], tmp_path: Path) -> None:
    home = Path(env["HOOKMUX_HOME"])
    daemon = Served(env, home, free_port())
    on = {**env, "HOOKMUX_SERVE": "1", "HOOKMUX_SERVE_PORT": str(daemon.port)}
    event = json.dumps(bash("hmtest-deny", tmp_path)).encode()
    try:
        procs = [subprocess.Popen([hookmux_executable(), "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  env=on) for _ in range(8)]  # fmt: skip
        outputs = [p.communicate(event, timeout=60)[0] for p in procs]
        assert all(b"alpha refuses" in out for out in outputs)
        wait_for(lambda: _health_or_none(daemon))
        time.sleep(0.5)
        assert len(daemon_pids(home)) == 1
    finally:
        daemon.stop()


def test_a_second_daemon_refuses_and_a_taken_port_is_a_clear_error(env: dict[str, str]) -> None:
    with served(env) as daemon:
        second = daemon.hookmux("serve", "--foreground", f"--port={free_port()}", timeout=30)
        assert second.returncode == 1 and "already runs" in second.stderr
        other = {**env, "HOOKMUX_HOME": str(daemon.home.parent / "other-home")}
        taken = subprocess.run([hookmux_executable(), "serve", "--foreground", f"--port={daemon.port}"],
                               env=other, capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
        assert taken.returncode == 1
        assert f"port {daemon.port} on 127.0.0.1 is in use by another process" in taken.stderr
        detached = subprocess.run([hookmux_executable(), "serve", f"--port={daemon.port}"],
                                  env=other, capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
        assert detached.returncode == 1 and "in use" in detached.stdout


def test_stale_socket_and_state_after_a_kill(env: dict[str, str], tmp_path: Path) -> None:
    with served(env) as daemon:
        old = daemon.pid()
        socket_path = daemon.health()["socket"]
        os.kill(old, signal.SIGKILL)
        wait_for(lambda: not daemon_pids(daemon.home))
        assert os.path.exists(socket_path)  # left behind
        proc = daemon.run(bash("hmtest-deny", tmp_path), HOOKMUX_SERVE="0")
        assert b"alpha refuses" in proc.stdout
        status = daemon.hookmux("serve", "status", "--json")
        assert status.returncode == 1 and json.loads(status.stdout)["running"] is False
        daemon.start()
        assert daemon.pid() != old and daemon.health()["status"] == "ok"
        assert b"alpha refuses" in daemon.run(bash("hmtest-deny", tmp_path)).stdout
        assert daemon.health()["requests_relay"] == 1


def test_stop_answers_events_in_flight_then_cleans_up(env: dict[str, str], tmp_path: Path) -> None:
    with served(env) as daemon:
        socket_path = daemon.health()["socket"]
        answers: list[tuple[int, bytes]] = []
        slow = threading.Thread(
            target=lambda: answers.append(daemon.post(bash("hmtest-closed hang", tmp_path)))
        )
        slow.start()
        wait_for(lambda: daemon.health()["in_flight"] == 1)
        stop = daemon.hookmux("serve", "stop", "--json")
        slow.join(10)
        assert json.loads(stop.stdout) == {"was_running": True, "stopped": True, "home": str(daemon.home)}
        assert answers and answers[0][0] == 200 and b"deny" in answers[0][1]
        assert not os.path.exists(socket_path) and not (daemon.home / "daemon" / "daemon.json").exists()
        assert not daemon_pids(daemon.home)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", daemon.port), timeout=1)
        assert daemon.run(bash("hmtest-deny", tmp_path), HOOKMUX_SERVE="0").returncode == 0


def test_sigterm_stops_gracefully(env: dict[str, str]) -> None:
    with served(env) as daemon:
        os.kill(daemon.pid(), signal.SIGTERM)
        wait_for(lambda: not daemon_pids(daemon.home))
        assert not (daemon.home / "daemon" / "daemon.json").exists()
        assert "stopping: SIGTERM" in (daemon.home / "daemon" / "daemon.log").read_text()


def test_idle_exit(env: dict[str, str], tmp_path: Path) -> None:
    with served(env, "--idle-timeout=1") as daemon:
        daemon.run(bash("hmtest-deny", tmp_path))
        wait_for(lambda: not daemon_pids(daemon.home), timeout=10)
        assert "stopping: idle for 1 s" in (daemon.home / "daemon" / "daemon.log").read_text()


def test_ensure_starts_the_daemon_and_keeps_it_for_a_live_session(env: dict[str, str]) -> None:
    home = Path(env["HOOKMUX_HOME"])
    port = free_port()
    daemon = Served({**env, "HOOKMUX_SERVE_IDLE": "1"}, home, port)
    try:
        # Claude Code runs the hook; the session (its parent process) is alive meanwhile.
        session = subprocess.Popen(
            [sys.executable, "-c", f"import subprocess, sys; subprocess.run([{hookmux_executable()!r}, "
             f"'serve', 'ensure', '--port={port}'], input=b'{{}}'); sys.stdin.read()"],
            stdin=subprocess.PIPE, env=daemon.env,
        )  # fmt: skip
        wait_for(lambda: (h := _health_or_none(daemon)) and h["sessions"] == 1)
        time.sleep(2.5)  # longer than the idle timeout: kept for the live session
        assert _health_or_none(daemon) is not None
        session.communicate(b"", timeout=30)
        wait_for(lambda: not daemon_pids(home), timeout=10)
        # when the daemon runs, ensure exits at once without loading the command line
        daemon.start()
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", hookmux_executable(), "serve", "ensure", f"--port={port}"],
            input=b"{}", env=daemon.env, capture_output=True, check=True, timeout=30,
        )  # fmt: skip
        assert proc.stdout == b"" and b"| click" not in proc.stderr and b"| json" not in proc.stderr
        # a daemon on another port than the hooks use is a problem the user sees
        proc = subprocess.run([hookmux_executable(), "serve", "ensure", f"--port={free_port()}"],
                              input=b"{}", env=daemon.env, capture_output=True, check=True, timeout=30)  # fmt: skip
        assert "cannot take http hooks on port" in json.loads(proc.stdout)["systemMessage"]
    finally:
        daemon.stop()


def test_long_home_paths_get_a_private_socket_elsewhere(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    home = tmp_path / ("deep-" * 20) / "hookmux-home"
    env = hookmux_cli.env(HOOKMUX_HOME=str(home))
    with served(env) as daemon:
        socket_path = daemon.health()["socket"]
        assert not socket_path.startswith(str(home)) and len(socket_path) < 100
        assert stat.S_IMODE(os.stat(os.path.dirname(socket_path)).st_mode) == 0o700
        assert b"alpha refuses" in daemon.run(bash("hmtest-deny", tmp_path)).stdout
        assert daemon.health()["requests_relay"] == 1


# -- hookmux install --transport http -------------------------------------------------------


def _install(env: dict[str, str], project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [hookmux_executable(), "install", "--scope", "project", "--project-dir", str(project), *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _handlers(settings: dict[str, Any], event: str) -> list[tuple[str | None, dict[str, Any]]]:
    return [(g.get("matcher"), h) for g in settings.get("hooks", {}).get(event, []) for h in g["hooks"]]


def test_install_http_writes_http_hooks_and_keeps_the_token_out_of_the_committed_file(
    env: dict[str, str], tmp_path: Path
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    port = free_port()
    env = {**env, "HOME": str(tmp_path / "home"), "HOOKMUX_SERVE_PORT": str(port)}
    proc = _install(env, project, "--transport", "http")
    assert proc.returncode == 0, proc.stderr
    shared = json.loads((project / ".claude" / "settings.json").read_text())
    local_file = project / ".claude" / "settings.local.json"
    local = json.loads(local_file.read_text())
    token = (Path(env["HOOKMUX_HOME"]) / "daemon" / "token").read_text().strip()
    assert local == {"env": {"HOOKMUX_TOKEN": token}} and stat.S_IMODE(local_file.stat().st_mode) == 0o600
    assert token not in json.dumps(shared) and "env" not in shared and token not in proc.stdout + proc.stderr
    [(matcher, pre)] = _handlers(shared, "PreToolUse")
    assert matcher == "Bash" and pre["if"] == "Bash(hmtest-*)"
    assert pre["type"] == "http" and pre["url"].startswith(f"http://127.0.0.1:{port}/hook?deadline=")
    assert pre["headers"] == {"Authorization": "Bearer $HOOKMUX_TOKEN"} and pre["allowedEnvVars"] == [
        "HOOKMUX_TOKEN"
    ]
    launcher = wired_launcher(env["HOOKMUX_HOME"])  # what install wires
    ensure = {"type": "command", "command": launcher, "args": ["serve", "ensure", f"--port={port}"],
              "timeout": 30}  # fmt: skip
    session = _handlers(shared, "SessionStart")
    assert [m for m, _ in session] == ["startup", None] and session[1][1] == ensure
    assert session[0][1]["args"][0] == "run"  # answers even before the daemon is up
    prompt = _handlers(shared, "UserPromptSubmit")
    assert [h["type"] for _, h in prompt] == ["http", "command"] and prompt[1][1] == ensure
    [(_, task)] = _handlers(shared, "TaskCompleted")
    assert task["type"] == "command" and task["args"][0] == "run"  # blocks need exit code 2
    assert "TaskCompleted stays a command hook" in proc.stderr
    # idempotent, both files
    again = _install(env, project, "--transport", "http")
    assert "already up to date" in again.stdout and json.loads(local_file.read_text()) == local

    with served(env, port=port) as daemon:
        # What Claude Code sends: the event, the header with $HOOKMUX_TOKEN from the settings env.
        header = pre["headers"]["Authorization"].replace("$HOOKMUX_TOKEN", local["env"]["HOOKMUX_TOKEN"])
        url = pre["url"].removeprefix(f"http://127.0.0.1:{port}")
        status, body, _ = daemon.request("POST", url, json.dumps(bash("hmtest-deny", project)).encode(),
                                         token=None, headers={"Authorization": header})  # fmt: skip
        assert status == 200 and json.loads(body)["hookSpecificOutput"]["permissionDecision"] == "deny"
        ran = subprocess.run([ensure["command"], *ensure["args"]], input=b"{}", env=env, capture_output=True,
                             timeout=30, check=True)  # fmt: skip
        assert ran.stdout == b""
        doctor = subprocess.run([hookmux_executable(), "doctor", "--project-dir", str(project)], env=env,
                                capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert f"answers on 127.0.0.1:{port}" in doctor.stdout, doctor.stdout
        assert "FAIL settings:project" not in doctor.stdout, doctor.stdout

    # back to the command transport: no http hook, no token left
    proc = _install(env, project)
    assert proc.returncode == 0, proc.stderr
    shared = json.loads((project / ".claude" / "settings.json").read_text())
    assert all(
        h["type"] == "command" and h["args"][0] == "run"
        for e in shared["hooks"]
        for _, h in _handlers(shared, e)
    )
    assert json.loads(local_file.read_text()) == {}
    # and uninstall removes everything hookmux wrote, in both files
    assert _install(env, project, "--transport", "http").returncode == 0
    uninstall = subprocess.run([hookmux_executable(), "uninstall", "--scope", "project", "--project-dir",
                                str(project)], env=env, capture_output=True, text=True, check=True)  # fmt: skip
    assert "removed" in uninstall.stdout
    assert json.loads((project / ".claude" / "settings.json").read_text()) == {}
    assert json.loads(local_file.read_text()) == {}


def test_install_http_user_scope_keeps_the_token_private(env: dict[str, str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    settings = home / ".claude" / "settings.json"
    settings.write_text(json.dumps({"env": {"FOO": "bar"}, "model": "opus"}))
    settings.chmod(0o644)
    env = {**env, "HOME": str(home)}
    dry = subprocess.run([hookmux_executable(), "install", "--transport", "http", "--dry-run"], env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    token = (Path(env["HOOKMUX_HOME"]) / "daemon" / "token").read_text().strip()
    assert "HOOKMUX_TOKEN" in dry.stdout and token not in dry.stdout
    subprocess.run([hookmux_executable(), "install", "--transport", "http"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    written = json.loads(settings.read_text())
    assert written["env"] == {"FOO": "bar", "HOOKMUX_TOKEN": token} and written["model"] == "opus"
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    subprocess.run([hookmux_executable(), "uninstall"], env=env, check=True, capture_output=True)
    assert json.loads(settings.read_text()) == {"env": {"FOO": "bar"}, "model": "opus"}


def test_a_daemon_that_cannot_start_is_not_started_again_for_every_event(
    env: dict[str, str], tmp_path: Path
) -> None:
    home = Path(env["HOOKMUX_HOME"])
    (home / "daemon" / "relay.sock").mkdir(parents=True)  # a directory where the socket goes
    on = {**env, "HOOKMUX_SERVE": "1", "HOOKMUX_SERVE_PORT": str(free_port())}
    try:
        for _ in range(4):
            proc = subprocess.run([hookmux_executable(), "run"], input=json.dumps(bash("hmtest-deny", tmp_path)).encode(),
                                  env=on, capture_output=True, check=True, timeout=60)  # fmt: skip
            assert b"alpha refuses" in proc.stdout and proc.stderr == b""
            time.sleep(0.3)
        wait_for(lambda: not daemon_pids(home))
        log = (home / "daemon" / "daemon.log").read_text()
        assert log.count("cannot start") == 1, log
        status = json.loads(subprocess.run([hookmux_executable(), "serve", "status", "--json"], env=on,
                                           capture_output=True, text=True, check=False).stdout)  # fmt: skip
        assert status["running"] is False and "relay.sock" in status["last_failure"]
    finally:
        Served(env, home, 0).stop()


def test_http_port_taken_at_autostart_is_bound_when_ensure_asks(env: dict[str, str], tmp_path: Path) -> None:
    home = Path(env["HOOKMUX_HOME"])
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    daemon = Served({**env, "HOOKMUX_SERVE_PORT": str(port)}, home, port)
    try:
        proc = subprocess.run([hookmux_executable(), "run"], input=json.dumps(bash("hmtest-deny", tmp_path)).encode(),
                              env={**daemon.env, "HOOKMUX_SERVE": "1"}, capture_output=True, check=True)  # fmt: skip
        assert b"alpha refuses" in proc.stdout
        status = wait_for(
            lambda: (s := json.loads(daemon.hookmux("serve", "status", "--json").stdout))["running"] and s
        )
        assert status["http_port"] == "" and "in use" in status["http_error"]  # relay only meanwhile
        assert b"alpha refuses" in daemon.run(bash("hmtest-deny", tmp_path)).stdout
        ensure = subprocess.run([hookmux_executable(), "serve", "ensure", f"--port={port}"], input=b"{}",
                                env=daemon.env, capture_output=True, check=True)  # fmt: skip
        assert "in use" in json.loads(ensure.stdout)["systemMessage"]  # still taken: the user is told
        blocker.close()
        ensure = subprocess.run([hookmux_executable(), "serve", "ensure", f"--port={port}"], input=b"{}",
                                env=daemon.env, capture_output=True, check=True)  # fmt: skip
        assert ensure.stdout == b""
        assert b"alpha refuses" in daemon.post(bash("hmtest-deny", tmp_path))[1]
    finally:
        blocker.close()
        daemon.stop()


def test_a_stuck_daemon_costs_the_deadline_then_the_event_is_answered_in_process(
    env: dict[str, str], tmp_path: Path
) -> None:
    with served(env) as daemon:
        pid = daemon.pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            proc = daemon.run(bash("hmtest-deny", tmp_path), "--deadline=1")
            elapsed = time.monotonic() - started
        finally:
            os.kill(pid, signal.SIGCONT)
        assert b"alpha refuses" in proc.stdout and proc.stderr == b"" and proc.returncode == 0
        assert (
            1.9 < elapsed < 1.0 / 0.8 + 3
        )  # waited deadline + 1 s, answered well before Claude Code gives up
        # resumed, the daemon does not run the handlers of an event its caller gave up on
        health = wait_for(lambda: (h := daemon.health()) and h["refused"] == 1 and h)
        assert health["status"] == "ok" and health["requests_relay"] == 0


def test_a_garbled_answer_is_routed_in_process(env: dict[str, str], tmp_path: Path) -> None:
    from hookmux.entry.relay import socket_path

    home = Path(env["HOOKMUX_HOME"])
    path = socket_path(str(home))
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    impostor = socket.socket(socket.AF_UNIX)
    impostor.bind(path)
    impostor.listen()

    def answer_garbage() -> None:
        conn, _ = impostor.accept()
        conn.recv(1 << 20)
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
        conn.close()

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    try:
        proc = subprocess.run([hookmux_executable(), "run"], input=json.dumps(bash("hmtest-deny", tmp_path)).encode(),
                              env={**env, "HOOKMUX_SERVE": "1"}, capture_output=True, timeout=60, check=True)  # fmt: skip
        thread.join(10)
        assert b"alpha refuses" in proc.stdout and proc.stderr == b""
        time.sleep(0.5)
        assert not daemon_pids(home)  # something answers on the socket: no daemon is started
    finally:
        impostor.close()


def test_sighup_restarts_in_place_and_keeps_serving(env: dict[str, str], tmp_path: Path) -> None:
    with served(env) as daemon:
        pid, uptime = daemon.pid(), daemon.health()["uptime_s"]
        time.sleep(0.2)
        os.kill(pid, signal.SIGHUP)
        wait_for(
            lambda: (
                (h := _health_or_none(daemon)) and h["uptime_s"] < uptime + 0.1 and h["requests_http"] == 0
            )
        )
        assert daemon.pid() == pid and daemon_pids(daemon.home) == {pid}
        assert b"alpha refuses" in daemon.run(bash("hmtest-deny", tmp_path)).stdout
        assert b"alpha refuses" in daemon.post(bash("hmtest-deny", tmp_path))[1]
        assert "restarting: SIGHUP" in (daemon.home / "daemon" / "daemon.log").read_text()


def test_an_observer_runs_after_the_answer_and_never_answers(env: dict[str, str], tmp_path: Path) -> None:
    """``@hookimpl(observer=True)``: in the daemon it runs once the answer is out (it waits for
    a gate the test opens only after it got the answer, and saw it open); its answer is dropped."""
    log = tmp_path / "observed.log"
    gates = [tmp_path / "gate-relay", tmp_path / "gate-http"]
    events = [
        bash(f"hmtest-observe {log} {gate} hmtest-context", tmp_path, "PostToolUse", tool_use_id=f"toolu_{n}")
        for n, gate in enumerate(gates)
    ]
    with served(env) as daemon:
        relayed = daemon.run(events[0])
        assert relayed.returncode == 0 and b"alpha-context" in relayed.stdout
        gates[0].touch()
        status, body = daemon.post(events[1])
        assert status == 200 and b"alpha-context" in body
        gates[1].touch()
        wait_for(lambda: log.exists() and len(log.read_text().splitlines()) == 2, timeout=10)
    assert b"observer-context" not in relayed.stdout + body
    assert sorted(log.read_text().splitlines()) == [
        "observed toolu_0 gate=seen",
        "observed toolu_1 gate=seen",
    ]
    # recorded as any handler, once the answer was out
    metrics = subprocess.run([hookmux_executable(), "metrics", "--json"], env={**env, "HOOKMUX_SERVE": "0"},
                             capture_output=True, text=True, check=True)  # fmt: skip
    ran = {h["handler"]: h["count"] for h in json.loads(metrics.stdout)["handlers"]}
    assert ran["observer"] == 2


def test_an_event_only_observers_take_is_answered_before_any_of_its_work(
    env: dict[str, str], tmp_path: Path
) -> None:
    """No handler of the event can answer: the empty answer goes out at once (the event is
    routed only after it); the observer runs and the event is recorded once it is out."""
    log = tmp_path / "observed.log"
    gates = [tmp_path / "gate-relay", tmp_path / "gate-http"]
    events = [
        bash(f"hmtest-observe {log} {gate}", tmp_path, "PostToolUse", tool_use_id=f"toolu_only_{n}")
        for n, gate in enumerate(gates)
    ]
    with served(env) as daemon:
        relayed = daemon.run(events[0])
        assert (relayed.returncode, relayed.stdout) == (0, b"")
        assert not log.exists()
        gates[0].touch()
        assert daemon.post(events[1]) == (200, b"")
        gates[1].touch()
        wait_for(lambda: log.exists() and len(log.read_text().splitlines()) == 2, timeout=10)
        wait_for(lambda: daemon.health()["in_flight"] == 0)
    assert sorted(log.read_text().splitlines()) == [
        "observed toolu_only_0 gate=seen",
        "observed toolu_only_1 gate=seen",
    ]
    subprocess.run(
        [hookmux_executable(), "status", "--json"],
        env={**env, "HOOKMUX_SERVE": "0"},
        capture_output=True,
        check=True,
    )  # fmt: skip  (ingests the spool)
    with sqlite3.connect(Path(env["HOOKMUX_HOME"]) / "hookmux.db") as conn:
        rows = conn.execute(
            "select event, handlers, outcome from events where tool_use_id like 'toolu_only_%'"
        )
        assert rows.fetchall() == [("PostToolUse", 1, "silent")] * 2


WATCHER = """
from hookmux import hookimpl

def _log(event, text):
    with open(event.raw["hmtest_log"], "a") as fh:
        fh.write(text + "\\n")

@hookimpl(observer=True)
def hookmux_subagent_stop(event):
    _log(event, f"subagent {event.agent_id}")

@hookimpl(observer=True, matcher="Read")
def hookmux_post_tool_use(event):
    _log(event, f"read {event.tool_use_id}")
"""


def test_an_event_only_observers_take_by_its_name_or_tool_is_answered_first_and_observed_in_order(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    """No loaded handler can answer a SubagentStop, nor a PostToolUse of Read (the test
    plugins answer after Bash only): the daemon answers them empty from their raw bytes and
    routes them after the answer. Their observers still see every one, in the order the
    events came among other events' observers, and a bad one is still logged."""
    site = tmp_path / "site"
    install_plugin(site, "watcher", WATCHER)
    env = hookmux_cli.env(PYTHONPATH=str(site))
    log = tmp_path / "observed.log"
    expected = []
    with served(env) as daemon:
        for n in range(10):
            observed = bash(f"hmtest-observe {log}", tmp_path, "PostToolUse", tool_use_id=f"toolu_{n}")
            subagent = make_event("SubagentStop", cwd=tmp_path, agent_id=f"agent-{n}", hmtest_log=str(log))
            read = make_event("PostToolUse", cwd=tmp_path, tool_name="Read", tool_input={"file_path": "x"},
                              tool_response={}, tool_use_id=f"toolu_read_{n}", hmtest_log=str(log))  # fmt: skip
            for event in (observed, subagent, read):
                assert daemon.post(event) == (200, b"")
            expected += [f"observed toolu_{n} gate=none", f"subagent agent-{n}", f"read toolu_read_{n}"]
        assert daemon.post(b'{"hook_event_name":"SubagentStop", oops}') == (200, b"")
        wait_for(lambda: log.exists() and len(log.read_text().splitlines()) == len(expected), timeout=10)
        daemon_log = daemon.home / "daemon" / "daemon.log"
        wait_for(lambda: "not valid JSON" in daemon_log.read_text())
        health = daemon.health()
    assert log.read_text().splitlines() == expected
    assert health["requests_http"] == 31


SLOW_WATCHER = """
import time
from hookmux import hookimpl

@hookimpl(observer=True)
def hookmux_subagent_stop(event):
    time.sleep(0.02)
    with open(event.raw["hmtest_log"], "a") as fh:
        fh.write(event.agent_id + "\\n")
"""


def test_a_flood_of_events_is_slowed_to_the_pace_of_their_observers(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    """Answers outrun observers that take 20 ms each: events are held back once the work
    left for after the answers lags too far, so it stays bounded (and the pending log
    with it), and none of it is lost. The daemon does that work itself here, which holds
    the events' handlers meanwhile: the tightest bound (its after-answer process is
    held to the bytes it is owed: tests/test_after_process.py)."""
    site = tmp_path / "site"
    install_plugin(site, "slowwatch", SLOW_WATCHER)
    env = hookmux_cli.env(PYTHONPATH=str(site), HOOKMUX_SERVE_AFTER_PROCESS="0")
    log = tmp_path / "observed.log"
    count = 3 * AFTER_BACKLOG
    with served(env) as daemon:
        conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=60)
        headers = {"Authorization": f"Bearer {daemon.token}", "Content-Type": "application/json"}
        for n in range(count):  # one keep-alive connection, as Claude Code's
            event = make_event("SubagentStop", cwd=tmp_path, agent_id=f"agent-{n}", hmtest_log=str(log))
            conn.request("POST", "/hook", body=json.dumps(event).encode(), headers=headers)
            response = conn.getresponse()
            assert (response.status, response.read()) == (200, b"")
        conn.close()
        lagging = daemon.health()["in_flight"]
        wait_for(lambda: log.exists() and len(log.read_text().splitlines()) == count, timeout=60)
    assert lagging <= AFTER_BACKLOG + 2
    assert log.read_text().splitlines() == [f"agent-{n}" for n in range(count)]


ANSWERING = {"PreToolUse": None, "PostToolUse": frozenset({"Bash", "Edit"})}


@pytest.mark.parametrize(
    ("data", "only_observed"),
    [
        (b'{"hook_event_name":"PostToolBatch","tool_calls":[]}', True),
        (b'{"hook_event_name":"PostToolUse","tool_name":"Read"}', True),
        (b'{"hook_event_name": "PostToolUse", "tool_name" : "Read"}', True),
        (b'{"hook_event_name":"PostToolUse","tool_name":"Bash"}', False),
        (b'{"hook_event_name":"PreToolUse","tool_name":"Read"}', False),
        # the tool's name escaped, or a second tool_name key JSON reads last
        (b'{"hook_event_name":"PostToolUse","tool_name":"B\\u0061sh"}', False),
        (b'{"hook_event_name":"PostToolUse","tool_name":"Read","tool_n\\u0061me":"Bash"}', False),
        (b'{"hook_event_name":"PostToolUse","tool_input":{"tool_name":"Read"},"tool_name":"Bash"}', False),
        (b'{"hook_event_name":"PostToolUse","tool_name":"Re\\"ad"}', False),
        (b'{"hook_event_name":"PostToolUse"}', False),
        (b'{"hook_event_name":"PostToolUse","tool_name":7}', False),
        # another agent's event: its handlers were left out
        (b'{"hook_event_name":"PostToolUse","tool_name":"Read","hookmux_agent":"gemini"}', False),
        (b'{"hook_event_name":"Stop","hook_event\\u005fname":"PreToolUse"}', False),
    ],
)
def test_the_daemon_answers_an_event_before_routing_it_only_when_no_answering_handler_can_take_it(
    data: bytes, only_observed: bool
) -> None:
    from hookmux.entry.sniff import surely_only_observed

    assert surely_only_observed(data, ANSWERING) is only_observed


def test_which_events_and_tools_have_a_handler_that_may_answer() -> None:
    from hookmux.daemon.lifecycle import answering_tools

    def handler(matcher: tuple[Any, ...] = ("all", None), **kind: Any) -> dict[str, Any]:
        return {"plugin": "p", "matcher": matcher, **kind}

    events = {
        "PostToolUse": [
            handler(("exact", ("Bash",))),
            handler(("exact", ("Edit", "Write"))),
            handler(observer=True),
        ],
        "PostToolUseFailure": [handler(agents=["gemini"]), handler(background=True)],
        "PreToolUse": [handler(("exact", ("Bash",))), handler(("regex", "^mcp__"))],
        "Notification": [handler(("exact", ("idle",)))],
        "PermissionRequest": [handler(("exact", ("Bash",)), background=True, fail_closed=True)],
        "Stop": [handler(observer=True), handler(background=True)],
    }
    assert answering_tools(events) == {
        "SessionStart": None,  # always: its notices
        "PostToolUse": frozenset({"Bash", "Edit", "Write"}),
        "PreToolUse": None,
        "Notification": None,  # matched by another field than a tool's name
        "PermissionRequest": frozenset({"Bash"}),  # it fails closed: it may refuse
    }


def test_an_observer_runs_in_order_in_a_one_event_process(env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "observed.log"
    event = bash(f"hmtest-observe {log} hmtest-context", tmp_path, "PostToolUse", tool_use_id="toolu_cold")
    proc = subprocess.run([hookmux_executable(), "run"], input=json.dumps(event).encode(),
                          env={**env, "HOOKMUX_SERVE": "0"}, capture_output=True, check=True)  # fmt: skip
    assert b"alpha-context" in proc.stdout and b"observer-context" not in proc.stdout
    assert log.read_text() == "observed toolu_cold gate=none\n"  # before the process left


def test_an_observer_cannot_be_fail_closed_or_background() -> None:
    from hookmux import hookimpl

    with pytest.raises(TypeError, match="an observer handler answers nobody"):
        hookimpl(observer=True, fail_closed=True)(lambda: None)
    with pytest.raises(TypeError, match=r"background .* or an observer, not both"):
        hookimpl(observer=True, background=True)(lambda: None)
