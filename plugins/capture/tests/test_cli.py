"""Through the real console script: `hookmux run`, `hookmux capture ...`, `hookmux status`,
`hookmux replay`, and the background bundle/clean runs."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from capture_testing import CaptureCLI, real_payloads, wait_for

from hookmux.testing import hookmux_executable, make_event

SESSION = "165287c6-61b7-46a7-9b5e-ac664469970d"


def real_session() -> list[dict[str, Any]]:
    return [p for p in real_payloads() if p["session_id"] == SESSION]


def feed(cli: CaptureCLI, payloads: list[dict[str, Any]], **env: str) -> None:
    for payload in payloads:
        result = cli.run(payload, env=env)
        assert (result.returncode, result.stdout, result.stderr) == (0, b"", ""), result.stderr


def test_hookmux_run_captures_and_prints_nothing(capture_cli: CaptureCLI) -> None:
    payloads = real_session()
    feed(capture_cli, payloads, HOOKMUX__CAPTURE__AUTO_BUNDLE="false", HOOKMUX__CAPTURE__AUTO_CLEAN="false")
    lines = capture_cli.lines(SESSION)
    assert [line["payload"] for line in lines] == payloads
    assert [line["seq"] for line in lines] == list(range(1, len(payloads) + 1))
    assert len({line["pid"] for line in lines}) == len(payloads)  # a process per event


def test_list_tail_bundle_and_status(capture_cli: CaptureCLI) -> None:
    payloads = real_session()
    feed(capture_cli, payloads, HOOKMUX__CAPTURE__AUTO_BUNDLE="false", HOOKMUX__CAPTURE__AUTO_CLEAN="false")

    (listed,) = capture_cli.json("capture", "list")
    assert (listed["session_id"], listed["events"], listed["state"]) == (SESSION, len(payloads), "live")
    assert listed["bytes"] == (capture_cli.capture_dir / f"{SESSION}.ndjson").stat().st_size
    text = capture_cli.command("capture", "list").stdout
    assert SESSION in text and "live" in text

    tail = capture_cli.command("capture", "tail", "-n", "3", SESSION[:8]).stdout.splitlines()
    assert len(tail) == 3
    assert tail[-1].split()[0] == str(len(payloads)) and "SessionEnd" in tail[-1]
    raw = capture_cli.command("capture", "tail", "-n", "2", "--json").stdout.splitlines()
    assert [json.loads(r)["seq"] for r in raw] == [len(payloads) - 1, len(payloads)]

    status = capture_cli.json("status")["plugins"]["capture"]
    assert (status["captures"], status["events"], status["write_errors"], status["queue_depth"]) == (
        1,
        len(payloads),
        0,
        0,
    )
    assert status["bytes_written"] == listed["bytes"]
    assert f"plugin    capture: 1 captures, {len(payloads)} events" in capture_cli.command("status").stdout

    out = capture_cli.command("capture", "bundle", SESSION).stdout
    assert f"bundled {SESSION}" in out and "capture deleted" in out
    (bundle_file,) = (capture_cli.capture_dir / "bundles").glob("*.json")
    bundle = json.loads(bundle_file.read_text())
    assert bundle["counts"]["lines"] == len(payloads)
    assert bundle["correlation"]["orphan-post"] == 0
    # the capture is gone, the session is not: listed with its bundle
    (gone,) = capture_cli.json("capture", "list")
    assert (gone["session_id"], gone["state"], gone["bundle"]) == (SESSION, "bundled", str(bundle_file))
    assert gone["events"] == len(payloads)
    assert str(bundle_file) in capture_cli.command("capture", "list").stdout
    after = capture_cli.json("status")["plugins"]["capture"]
    assert (after["captures"], after["events"], after["bundled_captures"]) == (0, len(payloads), 1)

    missing = capture_cli.command("capture", "bundle", "nope", check=False)
    assert missing.returncode == 1 and "no capture for session 'nope'" in missing.stderr


def test_bundle_json_output_and_keep(capture_cli: CaptureCLI, tmp_path: Path) -> None:
    feed(capture_cli, real_session()[:6], HOOKMUX__CAPTURE__AUTO_CLEAN="false")
    target = tmp_path / "out" / "b.json"
    printed = capture_cli.json("capture", "bundle", SESSION, "--keep", "-o", str(target))
    assert json.loads(target.read_text()) == printed
    (listed,) = capture_cli.json("capture", "list")
    assert listed["state"] == "bundled" and listed["bundled"]["path"] == str(target)


def test_bundle_of_a_session_bundled_at_its_end_prints_the_bundle(
    capture_cli: CaptureCLI, tmp_path: Path
) -> None:
    payloads = real_session()
    feed(capture_cli, payloads, HOOKMUX__CAPTURE__AUTO_CLEAN="false")  # ends with SessionEnd: auto_bundle
    bundles = capture_cli.capture_dir / "bundles"
    wait_for(lambda: any(bundles.glob("*.json")), 30, "the background bundle")
    wait_for(capture_cli.workers_done, 30, "the worker to exit")
    (bundle_file,) = bundles.glob("*.json")

    again = capture_cli.command("capture", "bundle", SESSION)
    assert f"already bundled {SESSION}" in again.stdout and f"{len(payloads)} events" in again.stdout
    assert f"-> {bundle_file}; the capture was deleted" in again.stdout
    assert list(bundles.glob("*.json")) == [bundle_file]  # nothing bundled twice
    printed = capture_cli.command("capture", "bundle", SESSION[:8], "--json")
    assert json.loads(printed.stdout) == json.loads(bundle_file.read_text())  # the bundle, as stored
    assert str(bundle_file) in printed.stderr
    copy = tmp_path / "copy.json"
    capture_cli.command("capture", "bundle", SESSION, "-o", str(copy))
    assert copy.read_bytes() == bundle_file.read_bytes()
    (listed,) = capture_cli.json("capture", "list")
    assert (listed["state"], listed["bundle"], listed["events"]) == (
        "bundled",
        str(bundle_file),
        len(payloads),
    )
    missing = capture_cli.command("capture", "bundle", "nope", check=False)
    assert missing.returncode == 1 and "no capture for session 'nope'" in missing.stderr


def test_clean_json(capture_cli: CaptureCLI) -> None:
    feed(capture_cli, real_session()[:3], HOOKMUX__CAPTURE__AUTO_CLEAN="false")
    fresh = capture_cli.json("capture", "clean")
    assert (fresh["deleted"], fresh["kept"]) == ([], 1)
    # the policy recorded with the capture decides, not the config of the moment
    later = capture_cli.json("capture", "clean", env={"HOOKMUX__CAPTURE__STALE_HOURS": "0.00001"})
    assert later["deleted"] == []
    stale = capture_cli.json("capture", "clean", "--older-than", "0")
    assert [e["session_id"] for e in stale["bundled"]] == [SESSION]
    assert [(c["session_id"], c["state"]) for c in capture_cli.json("capture", "list")] == [
        (SESSION, "bundled")
    ]


def test_captures_are_valid_replay_input(capture_cli: CaptureCLI, tmp_path: Path) -> None:
    payloads = real_session()
    feed(capture_cli, payloads, HOOKMUX__CAPTURE__AUTO_BUNDLE="false", HOOKMUX__CAPTURE__AUTO_CLEAN="false")
    capture = capture_cli.capture_dir / f"{SESSION}.ndjson"
    replay = capture_cli.command("replay", "--json", str(capture))
    items = [json.loads(line) for line in replay.stdout.splitlines()]
    assert [i["event"] for i in items] == [p["hook_event_name"] for p in payloads]
    assert [i["line"] for i in items] == list(range(1, len(payloads) + 1))
    # the plugins really ran on them: here, capture itself, into the replay's own home
    assert all(any(m.startswith("capture.capture_") for m in i["matched"]) for i in items)
    assert all(o["status"] in ("silent", "queued") for i in items for o in i["outcomes"])
    human = capture_cli.command("replay", str(capture)).stdout
    assert "PreToolUse Bash: echo hello-from-bash" in human


def test_tail_follow_prints_new_lines_and_survives_bundling(capture_cli: CaptureCLI, tmp_path: Path) -> None:
    env = {"HOOKMUX__CAPTURE__AUTO_BUNDLE": "false", "HOOKMUX__CAPTURE__AUTO_CLEAN": "false"}
    feed(capture_cli, [make_event("Stop", cwd=tmp_path, session_id="live")], **env)
    follower = subprocess.Popen(
        [hookmux_executable(), "capture", "tail", "-f", "-n", "1", "live"],
        env=capture_cli.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    printed: queue.Queue[str] = queue.Queue()
    assert follower.stdout is not None
    stream = follower.stdout
    threading.Thread(target=lambda: [printed.put(line) for line in stream], daemon=True).start()
    seen: list[str] = []
    try:
        seen.append(printed.get(timeout=30))
        feed(capture_cli, [make_event("Notification", cwd=tmp_path, session_id="live")], **env)
        seen.append(printed.get(timeout=30))
        capture_cli.command("capture", "bundle", "live")
        time.sleep(0.5)
        feed(
            capture_cli, [make_event("SubagentStart", cwd=tmp_path, session_id="live", agent_type="x")], **env
        )
        seen.append(printed.get(timeout=30))
    finally:
        follower.terminate()
        _, err = follower.communicate(timeout=10)
    assert [s.split()[0] for s in seen] == ["1", "2", "1"]  # the new capture starts at 1
    assert [s.split()[2].rstrip(":") for s in seen] == ["Stop", "Notification", "SubagentStart"]
    assert "new capture" in err


def test_a_session_that_ends_is_bundled_in_the_background(capture_cli: CaptureCLI) -> None:
    payloads = real_session()
    feed(capture_cli, payloads, HOOKMUX__CAPTURE__AUTO_CLEAN="false")  # ends with SessionEnd
    bundles = capture_cli.capture_dir / "bundles"
    wait_for(lambda: any(bundles.glob("*.json")), 30, "the background bundle")
    wait_for(capture_cli.workers_done, 30, "the worker to exit")
    (bundle_file,) = bundles.glob("*.json")
    bundle = json.loads(bundle_file.read_text())
    assert bundle["session_id"] == SESSION and bundle["counts"]["lines"] == len(payloads)
    assert not (capture_cli.capture_dir / f"{SESSION}.ndjson").exists()
    runs = capture_cli.json("metrics")["handlers"]
    assert {
        (h["handler"], h["statuses"].get("ok", 0) + h["statuses"].get("silent", 0))
        for h in runs
        if h["handler"] == "bundle_ended_session"
    } == {("bundle_ended_session", 1)}


def test_auto_bundle_off_keeps_the_capture(capture_cli: CaptureCLI) -> None:
    feed(
        capture_cli,
        real_session(),
        HOOKMUX__CAPTURE__AUTO_BUNDLE="false",
        HOOKMUX__CAPTURE__AUTO_CLEAN="false",
    )
    wait_for(capture_cli.workers_done, 30, "the worker to exit")
    assert (capture_cli.capture_dir / f"{SESSION}.ndjson").exists()
    assert not (capture_cli.capture_dir / "bundles").exists()


def test_a_session_start_cleans_stale_captures_in_the_background(
    capture_cli: CaptureCLI, tmp_path: Path
) -> None:
    feed(
        capture_cli,
        [make_event("Stop", cwd=tmp_path, session_id="old")],
        HOOKMUX__CAPTURE__AUTO_CLEAN="false",
    )
    meta = capture_cli.capture_dir / "old.meta.json"
    data = json.loads(meta.read_text())
    data["updated"] -= 48 * 3600
    meta.write_text(json.dumps(data))
    feed(capture_cli, [make_event("SessionStart", cwd=tmp_path, session_id="new")])
    # The capture is renamed aside before it is bundled: wait for the bundle, not the rename.
    wait_for(
        lambda: (
            not (capture_cli.capture_dir / "old.ndjson").exists()
            and any((capture_cli.capture_dir / "bundles").glob("old-*.json"))
        ),
        30,
        "the stale capture to be bundled and go",
    )
    assert [p.name.split("-")[0] for p in (capture_cli.capture_dir / "bundles").glob("*.json")] == ["old"]
    assert (capture_cli.capture_dir / "new.ndjson").exists()
