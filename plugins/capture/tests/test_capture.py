"""Capture in-process: every event becomes one numbered, redacted, capped line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import types
from pathlib import Path
from typing import Any

import hookmux_capture as plugin
import pytest
from capture_testing import real_payloads
from hookmux_capture import writer
from hookmux_capture.config import Config

from hookmux import hookimpl
from hookmux.commands.replayer import parse_line
from hookmux.protocol.answers import PreToolUseAnswer
from hookmux.protocol.events import EVENT_NAMES, hookspec_name
from hookmux.testing import hookmux_executable, make_event, run_event

NAME = "capture"


def home() -> Path:
    return Path(os.environ["HOOKMUX_HOME"])


def capture_file(session: str) -> Path:
    return home() / "capture" / f"{session}.ndjson"


def lines(session: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capture_file(session).read_text().splitlines()]


def sidecar(session: str) -> dict[str, Any]:
    return json.loads((home() / "capture" / f"{session}.meta.json").read_text())


def run(payload: dict[str, Any], **plugins: Any) -> Any:
    return run_event(payload, plugins={NAME: plugin, **plugins})


def test_one_low_priority_matcherless_handler_per_hookspec() -> None:
    result = run(make_event("Stop", cwd="/tmp"))
    assert result.problems == []
    from hookmux.routing.discovery import build_manifest

    manifest = build_manifest([(NAME, "hookmux_capture", None, None, lambda: plugin)])
    for event in EVENT_NAMES:
        foreground = [h for h in manifest["events"][event] if not h["background"]]
        assert [(h["function"], h["hook"]) for h in foreground] == [
            (plugin.HANDLERS[event], hookspec_name(event))
        ]
        (handler,) = foreground
        assert handler["priority"] == plugin.PRIORITY < 50
        assert (handler["matcher"], handler["paths"], handler["commands"], handler["fields"]) == (
            ("all", None),
            None,
            None,
            None,
        )
    background = {h["function"]: e for e, hs in manifest["events"].items() for h in hs if h["background"]}
    assert background == {"bundle_ended_session": "SessionEnd", "clean_stale_captures": "SessionStart"}


@pytest.mark.parametrize("event", EVENT_NAMES)
def test_every_event_becomes_one_line_and_no_answer(event: str, tmp_path: Path) -> None:
    payload = make_event(event, cwd=tmp_path, session_id="sess-1")
    result = run(payload)
    assert result.statuses[f"{NAME}.{plugin.HANDLERS[event]}"] == "silent"
    assert result.output is None  # capture never changes what Claude Code is told
    (line,) = lines("sess-1")
    assert line["seq"] == 1
    assert line["event"] == event
    assert line["session_id"] == "sess-1"
    assert line["payload"] == payload
    assert line["payload_bytes"] == len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    assert isinstance(line["ts"], float) and isinstance(line["mono_ns"], int)
    assert line["run_id"] == sidecar("sess-1")["run_id"]
    assert line["tool_name"] == payload.get("tool_name")
    assert line["tool_use_id"] == payload.get("tool_use_id")


def test_lines_are_numbered_per_session_in_arrival_order(tmp_path: Path) -> None:
    for i in range(5):
        for session in ("a", "b"):
            run(make_event("PreToolUse", cwd=tmp_path, session_id=session, tool_use_id=f"toolu_{session}{i}"))
    for session in ("a", "b"):
        got = lines(session)
        assert [line["seq"] for line in got] == [1, 2, 3, 4, 5]
        assert [line["tool_use_id"] for line in got] == [f"toolu_{session}{i}" for i in range(5)]
        mono = [line["mono_ns"] for line in got]
        assert mono == sorted(mono)
        assert len({line["run_id"] for line in got}) == 1


def test_the_real_session_is_captured_line_for_line(tmp_path: Path) -> None:
    payloads = real_payloads()
    for payload in payloads:
        run(payload)
    sessions = sorted({p["session_id"] for p in payloads})
    assert len(sessions) == 2
    for session in sessions:
        mine = [p for p in payloads if p["session_id"] == session]
        got = lines(session)
        assert [line["payload"] for line in got] == mine
        assert [line["seq"] for line in got] == list(range(1, len(mine) + 1))
        meta = sidecar(session)
        assert meta["events"] == meta["seq"] == len(mine)
        assert meta["bytes"] == capture_file(session).stat().st_size
        assert meta["path"] == str(capture_file(session))
        assert meta["session_id"] == session
        assert meta["cleanup"] == {"after_bundle": "delete", "stale_hours": 24.0}
        assert meta["created"] <= meta["updated"]


def test_capture_leaves_other_plugins_answers_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOKMUX_PLUGINS", "capture,guard")
    guard = types.ModuleType("guard")

    @hookimpl(matcher="Bash", priority=80)
    def hookmux_pre_tool_use() -> PreToolUseAnswer:
        return PreToolUseAnswer(permission="deny", reason="no shell today")

    guard.hookmux_pre_tool_use = hookmux_pre_tool_use  # type: ignore[attr-defined]
    payload = make_event("PreToolUse", cwd=tmp_path, session_id="g")
    alone = run_event(payload, plugins={"guard": guard})
    both = run(payload, guard=guard)
    assert both.output == alone.output is not None
    assert list(both.statuses) == ["guard.hookmux_pre_tool_use", f"{NAME}.capture_pre_tool_use"]
    assert lines("g")[0]["event"] == "PreToolUse"


def test_secrets_are_redacted_before_they_reach_the_file(tmp_path: Path) -> None:
    key = "sk-ant-api03-" + "x" * 40
    payload = make_event(
        "PreToolUse",
        cwd=tmp_path,
        session_id="secret",
        tool_input={
            "command": f"curl -H 'Authorization: Bearer {'t' * 30}' https://x?key={key}",
            "password": "hunter22",
        },
    )
    run(payload)
    text = capture_file("secret").read_text()
    assert key not in text and "hunter22" not in text and "t" * 30 not in text
    tool_input = lines("secret")[0]["payload"]["tool_input"]
    assert tool_input["password"] == "[REDACTED]"
    assert "[REDACTED]" in tool_input["command"]


def test_max_bytes_caps_the_payload_and_keeps_it_a_replayable_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOKMUX_MAX_BYTES", "4000")
    big = "line of output\n" * 5000
    payload = make_event(
        "PostToolUse", cwd=tmp_path, session_id="big", tool_response={"stdout": big, "stderr": ""}
    )
    run(payload)
    (line,) = lines("big")
    assert line["payload_cut"] is True
    assert line["payload_bytes"] > 70_000
    stored = json.dumps(line["payload"], ensure_ascii=False, separators=(",", ":"))
    assert len(stored.encode()) <= 4000
    assert "bytes cut]" in line["payload"]["tool_response"]["stdout"]
    assert line["payload"]["tool_use_id"] == payload["tool_use_id"]
    replayed = parse_line(capture_file("big").read_text().splitlines()[0])
    assert replayed["hook_event_name"] == "PostToolUse" and replayed["tool_use_id"] == "toolu_test"


def test_payloads_too_wide_to_cut_keep_their_top_level_fields() -> None:
    payload = {
        "hook_event_name": "PostToolBatch",
        "session_id": "s",
        "tool_calls": [{"n": i} for i in range(500)],
    }
    fitted, cut = writer.fit_payload(payload, 300)
    assert cut
    assert fitted["hook_event_name"] == "PostToolBatch" and fitted["session_id"] == "s"
    assert "tool_calls" not in fitted and "did not fit" in fitted["hookmux_capture_cut"]


def test_store_payload_false_keeps_ids_and_sizes_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOKMUX__CAPTURE__STORE_PAYLOAD", "false")
    run(make_event("PreToolUse", cwd=tmp_path, session_id="lean", tool_input={"command": "ls /private"}))
    (line,) = lines("lean")
    assert "payload" not in line
    assert "/private" not in capture_file("lean").read_text()
    assert (line["event"], line["tool_name"], line["tool_use_id"]) == ("PreToolUse", "Bash", "toolu_test")
    assert line["payload_bytes"] > 0


def test_excluded_events_are_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOKMUX__CAPTURE__EXCLUDE_EVENTS", '["MessageDisplay"]')
    run(make_event("MessageDisplay", cwd=tmp_path, session_id="x"))
    run(make_event("Stop", cwd=tmp_path, session_id="x"))
    assert [line["event"] for line in lines("x")] == ["Stop"]


def test_project_config_moves_captures_once_trusted_and_sets_the_run_id(tmp_path: Path) -> None:
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "hookmux.toml").write_text(
        f'[plugins.capture]\ndirectory = "{tmp_path / "caps"}"\nrun_id = "ci-42"\nafter_bundle = "keep"\n'
    )
    run(make_event("Stop", cwd=tmp_path, session_id="untrusted"))
    # `directory` is a destination: ignored until the user trusts the file; run_id is plain
    assert json.loads(capture_file("untrusted").read_text())["run_id"] == "ci-42"
    assert not (tmp_path / "caps").exists()
    shutil.rmtree(home() / "capture")
    subprocess.run([hookmux_executable(), "trust", "--project-dir", str(tmp_path)], check=True)

    run(make_event("Stop", cwd=tmp_path, session_id="cfg"))
    path = tmp_path / "caps" / "cfg.ndjson"
    assert json.loads(path.read_text())["run_id"] == "ci-42"
    meta = json.loads((tmp_path / "caps" / "cfg.meta.json").read_text())
    assert meta["run_id"] == "ci-42" and meta["cleanup"]["after_bundle"] == "keep"
    assert meta["project_dir"] == str(tmp_path)
    assert not (home() / "capture").exists()


def test_an_invalid_config_skips_capture_and_the_hook_still_answers(tmp_path: Path) -> None:
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "hookmux" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text("[plugins.capture]\nring_size = 0\n")
    result = run(make_event("Stop", cwd=tmp_path, session_id="bad"))
    assert result.statuses == {f"{NAME}.capture_stop": "skipped"}
    assert any("ring_size" in m for m in result.result.messages)
    assert not capture_file("bad").exists()


def test_an_untrusted_project_cannot_turn_capture_off_with_an_invalid_value(tmp_path: Path) -> None:
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "hookmux.toml").write_text("[plugins.capture]\nring_size = 0\n")
    result = run(make_event("Stop", cwd=tmp_path, session_id="kept"))
    assert result.statuses == {f"{NAME}.capture_stop": "silent"}
    assert capture_file("kept").exists()


def test_session_ids_never_escape_the_capture_directory(tmp_path: Path) -> None:
    for session in ("../../escape", "/etc/passwd", ".hidden", "a b"):
        run(make_event("Stop", cwd=tmp_path, session_id=session))
    names = sorted(p.name for p in (home() / "capture").iterdir())
    assert all(n.startswith("s-") for n in names if n.endswith(".ndjson")), names
    assert len([n for n in names if n.endswith(".ndjson")]) == 4
    assert not (tmp_path.parent / "escape.ndjson").exists()
    sessions = {
        json.loads((home() / "capture" / n).read_text())["session_id"] for n in names if n.endswith(".ndjson")
    }
    assert sessions == {"../../escape", "/etc/passwd", ".hidden", "a b"}


def test_a_lost_or_stale_sidecar_is_rebuilt_from_the_file(tmp_path: Path) -> None:
    for _ in range(3):
        run(make_event("Stop", cwd=tmp_path, session_id="side"))
    run_id = sidecar("side")["run_id"]
    (home() / "capture" / "side.meta.json").unlink()
    run(make_event("Stop", cwd=tmp_path, session_id="side"))
    meta = sidecar("side")
    assert (meta["seq"], meta["events"], meta["run_id"]) == (4, 4, run_id)
    # a crash between the sidecar and the line: the sidecar runs ahead of the file
    stale = dict(meta, seq=9, events=9, bytes=meta["bytes"] + 100)
    (home() / "capture" / "side.meta.json").write_text(json.dumps(stale))
    run(make_event("Stop", cwd=tmp_path, session_id="side"))
    assert [line["seq"] for line in lines("side")] == [1, 2, 3, 4, 5]
    assert sidecar("side")["bytes"] == capture_file("side").stat().st_size


def test_a_mangled_sidecar_is_rebuilt_not_a_failure(tmp_path: Path) -> None:
    run(make_event("Stop", cwd=tmp_path, session_id="mangled"))
    path = home() / "capture" / "mangled.meta.json"
    for garbage in ('{"format": "hookmux-capture/1", "seq": "seven"}', "not json", "[]", ""):
        path.write_text(garbage)
        result = run(make_event("Stop", cwd=tmp_path, session_id="mangled"))
        assert result.statuses == {f"{NAME}.capture_stop": "silent"}
    assert [line["seq"] for line in lines("mangled")] == [1, 2, 3, 4, 5]


def test_a_new_file_after_deletion_starts_a_new_run(tmp_path: Path) -> None:
    run(make_event("Stop", cwd=tmp_path, session_id="again"))
    first = sidecar("again")["run_id"]
    capture_file("again").unlink()  # the sidecar stays behind, describing a file that is gone
    run(make_event("Stop", cwd=tmp_path, session_id="again"))
    (line,) = lines("again")
    assert line["seq"] == 1 and line["run_id"] != first


def test_config_defaults_and_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hookmux_capture.config import capture_dir, fallback_dir

    config = Config()
    assert capture_dir("/h", config) == "/h/capture"
    assert capture_dir("/h", Config(directory="caps")) == "/h/caps"
    assert capture_dir("/h", Config(directory="/abs")) == "/abs"
    assert fallback_dir(config) == os.path.join(os.environ["XDG_RUNTIME_DIR"], "hookmux-capture")
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert fallback_dir(config) == str(tmp_path / f"hookmux-capture-{os.geteuid()}")


def test_a_session_end_bundles_its_capture_in_the_background(tmp_path: Path) -> None:
    for payload in (
        make_event("PreToolUse", cwd=tmp_path, session_id="ends", tool_use_id="toolu_1"),
        make_event("PostToolUse", cwd=tmp_path, session_id="ends", tool_use_id="toolu_1"),
        make_event("SessionEnd", cwd=tmp_path, session_id="ends"),
    ):
        result = run_event(payload, plugins={NAME: plugin}, run_background=True)
    assert result.statuses == {
        f"{NAME}.bundle_ended_session": "queued",
        f"{NAME}.capture_session_end": "silent",
    }
    assert [o.status for o in result.background] == ["silent"]
    (bundle_file,) = (home() / "capture" / "bundles").glob("ends-*.json")
    summary = json.loads(bundle_file.read_text())
    assert summary["counts"]["events"] == {"PostToolUse": 1, "PreToolUse": 1, "SessionEnd": 1}
    assert summary["correlation"]["ok"] == 1
    assert not capture_file("ends").exists()


def test_auto_bundle_and_auto_clean_can_be_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOKMUX__CAPTURE__AUTO_BUNDLE", "false")
    monkeypatch.setenv("HOOKMUX__CAPTURE__AUTO_CLEAN", "false")
    run_event(make_event("Stop", cwd=tmp_path, session_id="old"), plugins={NAME: plugin})
    meta_file = home() / "capture" / "old.meta.json"
    meta = json.loads(meta_file.read_text())
    meta["updated"] -= 48 * 3600
    meta_file.write_text(json.dumps(meta))
    for event in ("SessionEnd", "SessionStart"):
        result = run_event(
            make_event(event, cwd=tmp_path, session_id="x"), plugins={NAME: plugin}, run_background=True
        )
        assert [o.status for o in result.background] == ["silent"]
    assert capture_file("old").exists() and not (home() / "capture" / "bundles").exists()
    monkeypatch.setenv("HOOKMUX__CAPTURE__AUTO_CLEAN", "true")
    run_event(
        make_event("SessionStart", cwd=tmp_path, session_id="new"),
        plugins={NAME: plugin},
        run_background=True,
    )
    assert not capture_file("old").exists()  # stale: bundled and deleted by the background clean
    assert len(list((home() / "capture" / "bundles").glob("old-*.json"))) == 1
    # at most once an hour
    meta = json.loads((home() / "capture" / "new.meta.json").read_text())
    meta["updated"] -= 48 * 3600
    (home() / "capture" / "new.meta.json").write_text(json.dumps(meta))
    run_event(
        make_event("SessionStart", cwd=tmp_path, session_id="other"),
        plugins={NAME: plugin},
        run_background=True,
    )
    assert capture_file("new").exists()
