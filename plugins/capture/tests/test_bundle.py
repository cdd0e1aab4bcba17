"""Post-processing: Pre/Post correlation, bundles, the cleanup policy, health."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from capture_testing import real_payloads
from hookmux_capture import bundle, writer
from hookmux_capture.config import Config

from hookmux.testing import make_event


def home() -> str:
    return os.environ["HOOKMUX_HOME"]


def capture(payload: dict[str, Any], config: Config | None = None) -> int | None:
    return writer.capture(payload, home=home(), config=config or Config(), max_bytes=200_000)


def line(
    seq: int,
    event: str,
    tool: str | None = "Bash",
    tool_use_id: str | None = None,
    ms: float = 0,
    **payload: Any,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "ts": 1000 + ms / 1000,
        "mono_ns": int(5_000_000_000 + ms * 1_000_000),
        "session_id": "s",
        "event": event,
        "tool_name": tool,
        "tool_use_id": tool_use_id,
        "payload": {"hook_event_name": event, **payload},
    }


def test_pre_and_post_pair_by_tool_use_id_in_any_order() -> None:
    calls = bundle.correlate(
        [
            line(1, "PreToolUse", "Bash", "a", 0),
            line(2, "PreToolUse", "Read", "b", 1),
            line(3, "PostToolUse", "Read", "b", 31, duration_ms=25),
            line(4, "PostToolUseFailure", "Bash", "a", 50.5, error="Exit code 1\nboom", duration_ms=44),
        ]
    )
    assert [(c["tool_use_id"], c["status"], c["hook_ref"]) for c in calls] == [
        ("a", "failed", {"pre": 1, "post": 4}),
        ("b", "ok", {"pre": 2, "post": 3}),
    ]
    assert calls[0]["observed_ms"] == 50.5 and calls[0]["duration_ms"] == 44
    assert calls[0]["error"] == "Exit code 1"
    assert calls[1]["observed_ms"] == 30.0 and calls[1]["duration_ms"] == 25


def test_missing_post_orphan_post_and_denied() -> None:
    calls = bundle.correlate(
        [
            line(1, "PreToolUse", "Bash", "never-finished"),
            line(2, "PostToolUse", "Bash", "came-from-nowhere"),
            line(3, "PreToolUse", "Write", "refused"),
            line(4, "PermissionDenied", "Write", "refused", reason="auto mode said no"),
        ]
    )
    statuses = {c["tool_use_id"]: c["status"] for c in calls}
    assert statuses == {
        "never-finished": "missing-post",
        "came-from-nowhere": "orphan-post",
        "refused": "denied",
    }
    orphan = next(c for c in calls if c["status"] == "orphan-post")
    assert orphan["hook_ref"] == {"post": 2} and "observed_ms" not in orphan
    denied = next(c for c in calls if c["status"] == "denied")
    assert denied["error"] == "auto mode said no"


def test_without_ids_calls_pair_first_in_first_out_per_session_and_tool() -> None:
    calls = bundle.correlate(
        [
            line(1, "PreToolUse", "Bash", None, 0),
            line(2, "PreToolUse", "Bash", None, 10),
            line(3, "PreToolUse", "Read", None, 11),
            line(4, "PostToolUse", "Bash", None, 20),
            line(5, "PostToolUse", "Read", None, 21),
            line(6, "PostToolUse", "Bash", None, 40),
        ]
    )
    assert [(c["tool_name"], c["hook_ref"], c["observed_ms"]) for c in calls] == [
        ("Bash", {"pre": 1, "post": 4}, 20.0),
        ("Bash", {"pre": 2, "post": 6}, 30.0),
        ("Read", {"pre": 3, "post": 5}, 10.0),
    ]


def test_lines_are_correlated_in_sequence_order_whatever_the_file_order() -> None:
    calls = bundle.correlate([line(2, "PostToolUse", "Bash", "x", 5), line(1, "PreToolUse", "Bash", "x", 0)])
    assert [c["status"] for c in calls] == ["ok"]


def test_a_permission_prompt_is_attached_to_its_call() -> None:
    calls = bundle.correlate(
        [
            line(1, "PreToolUse", "Write", "w"),
            line(2, "PermissionRequest", "Write"),
            line(3, "PostToolUse", "Write", "w"),
        ]
    )
    assert calls[0]["permission_requested"] is True and calls[0]["status"] == "ok"


def test_the_bundle_of_a_real_session(tmp_path: Path) -> None:
    payloads = [p for p in real_payloads() if p["session_id"].startswith("1652")]
    for payload in payloads:
        capture(payload)
    session = payloads[0]["session_id"]
    summary, target, deleted = bundle.bundle_session(home(), Config(), session)
    assert deleted and not (Path(home()) / "capture" / f"{session}.ndjson").exists()
    assert not (Path(home()) / "capture" / f"{session}.meta.json").exists()
    assert json.loads(Path(target).read_text()) == summary
    assert Path(target).parent == Path(home()) / "capture" / "bundles"
    events: dict[str, int] = {}
    for p in payloads:
        events[p["hook_event_name"]] = events.get(p["hook_event_name"], 0) + 1
    assert summary["counts"]["events"] == events
    assert summary["counts"]["lines"] == len(payloads)
    pre = [p for p in payloads if p["hook_event_name"] == "PreToolUse"]
    tools: dict[str, int] = {}
    for p in pre:
        tools[p["tool_name"]] = tools.get(p["tool_name"], 0) + 1
    assert summary["counts"]["tools"] == tools
    ends = {
        p["tool_use_id"]: p["hook_event_name"]
        for p in payloads
        if p["hook_event_name"] in ("PostToolUse", "PostToolUseFailure")
    }
    expected = {
        p["tool_use_id"]: {"PostToolUse": "ok", "PostToolUseFailure": "failed"}.get(
            ends.get(p["tool_use_id"], ""), "missing-post"
        )
        for p in pre
    }
    assert {c["tool_use_id"]: c["status"] for c in summary["tool_calls"]} == expected
    assert summary["correlation"]["tool_calls"] == len(pre)
    assert summary["sequence"] == {"first": 1, "last": len(payloads), "gaps": [], "duplicates": []}
    failed = [c for c in summary["tool_calls"] if c["status"] == "failed"]
    assert [f["tool_use_id"] for f in summary["failures"]] == [c["tool_use_id"] for c in failed]
    bash = summary["durations"]["Bash"]
    assert bash["duration_ms"]["count"] == sum(
        1 for c in summary["tool_calls"] if c["tool_name"] == "Bash" and "duration_ms" in c
    )
    assert bash["observed_ms"]["count"] >= 1 and bash["observed_ms"]["p50_ms"] >= 0
    assert summary["session_id"] == session and summary["run_id"]
    assert summary["capture"]["events"] == len(payloads)
    assert bundle.health(home(), Config())["bundled_captures"] == 1


def test_problems_show_in_the_bundle(tmp_path: Path) -> None:
    capture(make_event("PreToolUse", cwd=tmp_path, session_id="p", tool_use_id="lost"))
    capture(make_event("PostToolUse", cwd=tmp_path, session_id="p", tool_use_id="stray"))
    capture(make_event("StopFailure", cwd=tmp_path, session_id="p", error="rate_limit"))
    path = Path(home()) / "capture" / "p.ndjson"
    with path.open("a") as fh:
        fh.write('{"seq": 9, "event": "Stop"}\n{not json\n')
    os.unlink(Path(home()) / "capture" / "p.meta.json")
    summary, _, _ = bundle.bundle_session(home(), Config(), "p")
    assert summary["correlation"]["missing-post"] == 1 and summary["correlation"]["orphan-post"] == 1
    assert {c["tool_use_id"] for c in summary["correlation_problems"]} == {"lost", "stray"}
    assert summary["sequence"]["gaps"] == [[4, 8]]
    assert summary["counts"]["invalid_lines"] == 1
    assert {"seq": 3, "event": "StopFailure", "error": "rate_limit"} in summary["failures"]


def test_keep_policy_keeps_the_capture_and_marks_what_was_bundled(tmp_path: Path) -> None:
    config = Config(after_bundle="keep")
    for i in range(3):
        capture(make_event("Stop", cwd=tmp_path, session_id="k", n=i), config)
    summary, target, deleted = bundle.bundle_session(home(), config, "k")
    assert not deleted and Path(target).exists()
    capture(make_event("Stop", cwd=tmp_path, session_id="k"), config)  # the session goes on
    (meta,) = bundle.list_captures(home(), config)
    assert meta["bundled"]["seq"] == 3 and meta["seq"] == 4 and meta["state"] == "bundled"
    # --delete overrides the policy
    summary, _, deleted = bundle.bundle_session(home(), config, "k", keep=False)
    assert deleted and summary["counts"]["lines"] == 4
    assert bundle.list_captures(home(), config) == []


def test_bundling_at_session_end_takes_that_session_only(tmp_path: Path) -> None:
    capture(make_event("Stop", cwd=tmp_path, session_id="abc-1-and-more"))
    assert bundle.bundle_session(home(), Config(), "abc-1", missing_ok=True, exact=True) is None
    assert bundle.resolve(home(), Config(), "abc-1").endswith("abc-1-and-more.ndjson")  # a prefix, by hand
    summary = bundle.bundle_session(home(), Config(), "abc-1-and-more", exact=True)
    assert summary is not None and summary[0]["session_id"] == "abc-1-and-more"


def test_an_empty_capture_is_not_bundled(tmp_path: Path) -> None:
    """A writer creates the file, then takes its lock: a bundler may see it empty in between."""
    directory = Path(home()) / "capture"
    directory.mkdir(parents=True)
    (directory / "empty.ndjson").write_bytes(b"")
    with pytest.raises(bundle.CaptureNotFound, match="empty"):
        bundle.bundle_session(home(), Config(), "empty", keep=True)
    assert (directory / "empty.ndjson").exists()
    assert bundle.bundle_session(home(), Config(), "empty", missing_ok=True) is None
    assert not (directory / "empty.ndjson").exists() and not (directory / "bundles").exists()


def test_sessions_are_found_by_id_prefix_or_path(tmp_path: Path) -> None:
    for session in ("abc-1", "abd-2"):
        capture(make_event("Stop", cwd=tmp_path, session_id=session))
    directory = Path(home()) / "capture"
    assert bundle.resolve(home(), Config(), "abc-1") == str(directory / "abc-1.ndjson")
    assert bundle.resolve(home(), Config(), "abd") == str(directory / "abd-2.ndjson")
    assert bundle.resolve(home(), Config(), str(directory / "abc-1.ndjson")) == str(
        directory / "abc-1.ndjson"
    )
    with pytest.raises(bundle.CaptureNotFound, match="several"):
        bundle.resolve(home(), Config(), "ab")
    with pytest.raises(bundle.CaptureNotFound, match="no capture"):
        bundle.resolve(home(), Config(), "zzz")


def backdate(session: str, hours: float) -> None:
    """No event for ``hours``: what the sidecar says (consistent with the file, so it is believed)."""
    path = Path(home()) / "capture" / f"{session}.meta.json"
    meta = json.loads(path.read_text())
    meta["updated"] -= hours * 3600
    path.write_text(json.dumps(meta))


def test_clean_bundles_and_deletes_stale_captures_and_keeps_the_rest(tmp_path: Path) -> None:
    config = Config(stale_hours=1)
    directory = Path(home()) / "capture"
    capture(make_event("Stop", cwd=tmp_path, session_id="old"), config)
    capture(
        make_event("Stop", cwd=tmp_path, session_id="old-kept"), Config(stale_hours=1, after_bundle="keep")
    )
    bundle.bundle_session(home(), config, "old-kept")
    capture(make_event("Stop", cwd=tmp_path, session_id="fresh"), config)
    capture(make_event("Stop", cwd=tmp_path, session_id="abandoned"), config)
    _, fd = bundle._set_aside(str(directory / "abandoned.ndjson"))  # then the bundler died
    os.close(fd)
    (directory / "ghost.meta.json").write_text("{}")
    backdate("old", 2)
    backdate("old-kept", 2)
    states = {m["session_id"]: m["state"] for m in bundle.list_captures(home(), config)}
    assert states == {"old": "stale", "old-kept": "stale", "fresh": "live", "abandoned": "pending-bundle"}

    dry = bundle.clean(home(), config, dry_run=True)
    assert dry["dry_run"] is True and len(dry["deleted"]) == 4 and dry["kept"] == 1
    assert len(list(directory.glob("*.ndjson"))) == 4 and (directory / "ghost.meta.json").exists()

    report = bundle.clean(home(), config)
    assert report["errors"] == []
    assert {(e["session_id"], e["state"]) for e in report["bundled"]} == {
        ("old", "stale"),
        ("abandoned", "pending-bundle"),
    }  # old-kept was bundled already: deleted without a second bundle
    assert {e.get("session_id") for e in report["deleted"]} == {"old", "old-kept", "abandoned", None}
    assert report["kept"] == 1
    assert sorted(p.name for p in directory.iterdir() if p.is_file()) == [
        "fresh.meta.json",
        "fresh.ndjson",
        "retired.json",
    ]
    bundles = sorted(p.name.rsplit("-", 1)[0] for p in (directory / "bundles").glob("*.json"))
    assert bundles == ["abandoned", "old", "old-kept"]
    totals = bundle.health(home(), config)
    assert (totals["captures"], totals["events"], totals["bundled_captures"]) == (1, 4, 3)


def test_clean_leaves_a_capture_a_bundler_is_working_on(tmp_path: Path) -> None:
    capture(make_event("Stop", cwd=tmp_path, session_id="busy"))
    aside, fd = bundle._set_aside(str(Path(home()) / "capture" / "busy.ndjson"))
    try:
        report = bundle.clean(home(), Config())
        assert report["kept"] == 1 and report["deleted"] == [] and Path(aside).exists()
    finally:
        os.close(fd)
