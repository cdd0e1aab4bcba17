"""``hookmux explain``: which plugins matched, what each answered, how the merge decided."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from hookmux.state import store
from hookmux.testing import HookmuxCLI, hookmux_executable, make_event


def explain(cli: HookmuxCLI, *args: str) -> Any:
    proc = subprocess.run([hookmux_executable(), "explain", *args], env=cli.env(), capture_output=True,
                          text=True, check=True)  # fmt: skip
    return json.loads(proc.stdout) if "--json" in args else proc.stdout


def bash(command: str, cwd: Path, event: str = "PreToolUse", session: str = "s1") -> dict[str, Any]:
    return make_event(event, cwd=cwd, tool_name="Bash", tool_input={"command": command}, session_id=session)


def test_explain_shows_each_handler_in_priority_order_and_the_decision(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    hookmux_cli.run(bash("hmtest-deny; hmtest-crash; hmtest-rewrite", tmp_path))
    (event,) = explain(hookmux_cli, "--json")
    assert (event["event"], event["tool_name"], event["outcome"]) == ("PreToolUse", "Bash", "answered")
    handlers = [(h["plugin"], h["status"]) for h in event["handlers"]]
    assert handlers == [("alpha", "ok"), ("faulty", "error"), ("beta", "ok")]  # priorities 80, 60, 20
    assert json.loads(event["handlers"][0]["answer"])["permission"] == "deny"
    assert event["handlers"][1]["error"] == "raised RuntimeError: faulty handler exploded"
    assert json.loads(event["handlers"][2]["answer"])["updated_input"] == {
        "command": "echo rewritten-by-beta"
    }
    assert (
        "permission: deny wins (deny > defer > ask > allow): alpha='deny', beta='allow'" in event["decisions"]
    )
    assert any(
        d.startswith("updated_input: not applied, as the merged permission is deny")
        for d in event["decisions"]
    )
    output = json.loads(event["output"])
    assert output["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "updatedInput" not in output["hookSpecificOutput"]
    text = explain(hookmux_cli)
    assert "alpha.hookmux_pre_tool_use" in text and "decided: permission: deny wins" in text


def test_explain_filters_by_session_and_count(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    for session in ("a", "b", "a"):
        hookmux_cli.run(bash("echo hmtest-context", tmp_path, "PostToolUse", session))
    assert [e["session_id"] for e in explain(hookmux_cli, "--json", "--session", "a")] == ["a", "a"]
    (last,) = explain(hookmux_cli, "--json", "--last", "1")
    assert last["session_id"] == "a"
    assert last["decisions"] == ["additional_context: joined in priority order: alpha, beta"]
    assert last["notes"] is None


def test_explain_records_fail_closed_refusals_and_exit_code_blocks(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    hookmux_cli.run(bash("hmtest-closed-crash", tmp_path))
    hookmux_cli.run(make_event("TaskCompleted", cwd=tmp_path, task_id="1", task_subject="hmtest-unfinished"))
    closed, blocked = explain(hookmux_cli, "--json")
    assert closed["handlers"][0]["status"] == "error"
    assert json.loads(closed["handlers"][0]["answer"])["permission"] == "deny"
    assert blocked["outcome"] == "blocked" and blocked["exit_code"] == 2
    assert json.loads(blocked["output"]) == {
        "exit_code": 2,
        "stderr": "alpha: the tests for this task do not pass yet",
    }


#: The tables as hookmux 0.1.0's first store wrote them.
OLD_SCHEMA = """
create table events(id text primary key, ts real not null, correlation_id text, trace_id text, session_id text,
    event text not null, tool_name text, tool_use_id text, payload_size integer, duration_ms real,
    handlers integer, outcome text, payload text, payload_encoding text);
create table executions(id text primary key, ts real not null, correlation_id text, session_id text,
    event text not null, tool_use_id text, plugin text not null, handler text not null, status text not null,
    duration_ms real, error text, payload_size integer, dedupe_hits integer default 0,
    background integer default 0);
create table meta(key text primary key, value);
insert into executions(id, ts, event, plugin, handler, status) values('x', 1, 'Stop', 'p', 'h', 'ok');
"""


def test_a_store_from_an_older_hookmux_is_migrated_in_place(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / store.DB_NAME)
    conn.executescript(OLD_SCHEMA)
    conn.close()
    with store.opened(str(tmp_path)) as migrated:
        columns = {r[1] for r in migrated.execute("pragma table_info(executions)")}
        assert {"answer", "event_id", "seq"} <= columns
        assert {"output", "exit_code", "notes"} <= {
            r[1] for r in migrated.execute("pragma table_info(events)")
        }
        assert migrated.execute("select count(*) from executions").fetchone()[0] == 1
        assert migrated.execute("select count(*) from jobs").fetchone()[0] == 0  # tables added since exist
