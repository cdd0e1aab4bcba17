"""``hookmux ghap ...`` through the real console script (subprocesses)."""

from __future__ import annotations

import json
from pathlib import Path

from ghap_helpers import (
    SEED_GHAP_ID,
    SEED_SESSION,
    START,
    QdrantStandIn,
    cli_env,
    closed_port,
    ghap,
    ghap_json,
    user_config,
    value_point,
)

from hookmux.testing import HookmuxCLI, make_event


def test_the_lifecycle_from_a_shell(project: Path, journal_dir: Path) -> None:
    started = ghap_json(project, *START)
    assert started["ok"] is True and started["id"].startswith("ghap_")
    shown = ghap_json(project, "show")
    assert shown["active"]["id"] == started["id"] and shown["orphan"] is False
    assert shown["active"]["goal"] == "Make the flaky login test pass" and shown["check_frequency"] == 10

    updated = ghap_json(
        project, "update", "--hypothesis", "The clock is not frozen in CI", "--note", "CI only"
    )
    assert updated == {"success": True, "iteration_count": 2}

    text = ghap(project, "show").stdout
    assert f"Active GHAP {started['id']} (iteration 2, session " in text
    assert "Hypothesis: The clock is not frozen in CI" in text
    assert "hypothesis: The session cookie expires during the test" in text  # history
    assert "  - CI only" in text

    resolved = ghap_json(
        project,
        "resolve",
        "--status",
        "falsified",
        "--result",
        "Still flaky with a frozen clock",
        "--surprise",
        "Two tests share one database",
        "--root-cause-category",
        "test-isolation",
        "--root-cause-description",
        "Parallel runs share state",
        "--what-worked",
        "Running the test alone",
        "--takeaway",
        "Check isolation first",
    )
    assert resolved == {"ok": True, "id": started["id"], "status": "falsified", "confidence_tier": "silver"}
    entry = json.loads((journal_dir / "session_entries.jsonl").read_text())
    assert entry["root_cause"] == {"category": "test-isolation", "description": "Parallel runs share state"}
    assert entry["lesson"] == {"what_worked": "Running the test alone", "takeaway": "Check isolation first"}
    assert not (journal_dir / "current_ghap.json").exists()

    listed = ghap_json(project, "list")
    assert [e["id"] for e in listed] == [started["id"]]
    line = ghap(project, "list").stdout
    assert line.startswith(
        f"{started['id']}  falsified  silver     debugging      Make the flaky login test pass"
    )
    assert ghap(project, "show").stdout.startswith("No active GHAP")


def test_falsified_needs_a_surprise_and_a_root_cause_from_the_list(project: Path) -> None:
    ghap_json(project, *START)
    base = ("resolve", "--status", "falsified", "--result", "r")
    proc = ghap(project, *base)
    assert proc.returncode == 1
    assert "validation_error: Field 'surprise' is required when status is 'falsified'" in proc.stderr
    proc = ghap(project, *base, "--surprise", "s", "--json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {
        "error": {
            "type": "validation_error",
            "message": "Field 'root_cause' is required when status is 'falsified'",
        }
    }
    proc = ghap(
        project,
        *base,
        "--surprise",
        "s",
        "--root-cause-category",
        "bad-luck",
        "--root-cause-description",
        "d",
    )
    assert proc.returncode == 1
    assert (
        "Invalid root_cause category 'bad-luck'. Valid options: wrong-assumption, missing-knowledge"
        in proc.stderr
    )
    assert ghap_json(project, "show")["active"] is not None  # nothing was resolved


def test_errors_exit_1_never_2(project: Path) -> None:
    assert ghap(project, "update", "--note", "x").returncode == 1  # nothing active
    assert "not_found: No active GHAP entry to update" in ghap(project, "update", "--note", "x").stderr
    bad_domain = ghap(project, *[("cooking" if a == "debugging" else a) for a in START])
    assert (
        bad_domain.returncode == 1
        and "Invalid domain 'cooking'. Valid options: debugging" in bad_domain.stderr
    )
    ghap_json(project, *START)
    again = ghap(project, *START, "--json")
    assert again.returncode == 1 and json.loads(again.stdout)["error"]["type"] == "active_ghap_exists"
    usage = ghap(project, "start", "--domain")  # click usage error: hookmux maps it to 64
    assert usage.returncode == 64


def test_the_seeded_orphan_is_adopted_or_abandoned(project: Path, seeded: Path) -> None:
    (seeded / ".session_id").write_text("current-session")
    shown = ghap_json(project, "show")
    assert shown["orphan"] is True and shown["active"]["id"] == SEED_GHAP_ID
    assert f"orphaned from session {SEED_SESSION}" in ghap(project, "show").stdout
    abandoned = ghap_json(project, "abandon", "--reason", "superseded")
    assert abandoned["file"] == str(seeded / "archive" / f"20251206_{SEED_SESSION}.jsonl")
    archived = [json.loads(x) for x in Path(abandoned["file"]).read_text().splitlines()]
    assert archived[-1]["id"] == SEED_GHAP_ID and archived[-1]["confidence_tier"] == "abandoned"
    assert ghap(project, "adopt").returncode == 1  # nothing left to adopt


def test_adopt(project: Path, seeded: Path) -> None:
    (seeded / ".session_id").write_text("current-session")
    adopted = ghap_json(project, "adopt")
    assert adopted == {"ok": True, "id": SEED_GHAP_ID, "session_id": "current-session"}
    assert ghap_json(project, "show")["orphan"] is False


def test_list_all_includes_archives_newest_first(
    project: Path, seeded: Path, hookmux_cli: HookmuxCLI
) -> None:
    hookmux_cli.run(make_event("SessionStart", cwd=project, session_id="next"), env=cli_env())
    assert ghap_json(project, "list") == []  # the seeded entries belong to the archived session
    everything = ghap_json(project, "list", "--all")
    assert [e["id"] for e in everything] == [
        "ghap_20251210_023231_c51bd3",
        SEED_GHAP_ID,
        "ghap_20251206_175530_8ed2f0",
    ]
    assert [e["id"] for e in ghap_json(project, "list", "--all", "--status", "falsified")] == [
        everything[0]["id"]
    ]
    assert ghap(project, "list", "--tier", "platinum").returncode == 1


def test_a_test_outcome_makes_the_agreeing_resolution_gold(project: Path, hookmux_cli: HookmuxCLI) -> None:
    ghap_json(project, *START)
    failing = make_event(
        "PostToolUseFailure",
        cwd=project,
        tool_name="Bash",
        tool_input={"command": "pytest tests/test_login.py"},
        error="Exit code 1\n1 failed in 0.10s",
    )
    assert hookmux_cli.run(failing, env=cli_env()).output is not None
    resolved = ghap_json(
        project,
        "resolve",
        "--status",
        "falsified",
        "--result",
        "Still fails",
        "--surprise",
        "It is not the clock",
        "--root-cause-category",
        "wrong-assumption",
        "--root-cause-description",
        "The cookie is fine",
    )
    assert resolved["confidence_tier"] == "gold"


def test_secrets_never_reach_the_journal(project: Path, journal_dir: Path) -> None:
    token = "ghp_" + "a1B2" * 10
    args = list(START)
    args[args.index("--goal") + 1] = f"Fix auth; token {token} fails"
    ghap_json(project, *args)
    stored = (journal_dir / "current_ghap.json").read_text()
    assert token not in stored and "Fix auth; token [REDACTED] fails" in stored


def test_project_dir_from_a_subdirectory_and_the_option(
    project: Path, journal_dir: Path, tmp_path: Path
) -> None:
    ghap_json(project, *START)
    sub = project / "src" / "pkg"
    sub.mkdir(parents=True)
    assert ghap_json(sub, "show")["journal"] == str(journal_dir)  # found above
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert ghap_json(elsewhere, "show")["active"] is None
    assert ghap_json(elsewhere, "--project-dir", str(project), "show")["active"] is not None
    env = cli_env(CLAUDE_PROJECT_DIR=str(project))
    assert ghap_json(elsewhere, "show", env=env)["active"] is not None


def test_values_add_and_list(project: Path, journal_dir: Path) -> None:
    added = ghap_json(project, "values", "add", "Check test isolation before timing")
    assert added["id"].startswith("value_full_-1_")
    assert set(added["payload"]) == {
        "text",
        "cluster_id",
        "axis",
        "cluster_label",
        "cluster_size",
        "created_at",
    }
    ghap_json(project, "values", "add", "Read the whole error", "--axis", "strategy", "--cluster-label", "2")
    listed = ghap_json(project, "values", "list")
    assert [v["text"] for v in listed] == ["Read the whole error", "Check test isolation before timing"]
    assert listed[0]["cluster_id"] == "strategy_2"
    assert ghap(project, "values", "list").stdout.startswith("- Read the whole error  [strategy_2, ")
    assert len((journal_dir / "values.jsonl").read_text().splitlines()) == 2
    bad = ghap(project, "values", "add", "x", "--axis", "domain")
    assert bad.returncode == 1 and "Invalid axis 'domain'" in bad.stderr


def test_values_list_from_qdrant_and_a_clear_error_when_it_is_down(project: Path) -> None:
    with QdrantStandIn([value_point("From Qdrant", "2026-01-01T00:00:00+00:00")]) as qdrant:
        config = user_config(f'[plugins.ghap]\nvalues_store = "qdrant"\nqdrant_url = "{qdrant.url}"\n')
        assert [v["text"] for v in ghap_json(project, "values", "list")] == ["From Qdrant"]
        refused = ghap(project, "values", "add", "x")
        assert refused.returncode == 1 and "values are added to the embedded store only" in refused.stderr
    config.write_text(
        f'[plugins.ghap]\nvalues_store = "qdrant"\nqdrant_url = "http://127.0.0.1:{closed_port()}"\n'
    )
    down = ghap(project, "values", "list")
    assert down.returncode == 1 and "values_unavailable: qdrant store: ConnectionRefusedError" in down.stderr


def test_an_invalid_config_stops_the_command_with_its_reason(project: Path) -> None:
    user_config('[plugins.ghap]\nvalues_store = "redis"\n')
    proc = ghap(project, "show")
    assert proc.returncode == 1 and "plugins.ghap.values_store" in proc.stderr


def test_a_ghap_started_before_any_session_start_joins_claude_codes_session(
    project: Path, journal_dir: Path
) -> None:
    """Claude Code gives its Bash commands CLAUDE_CODE_SESSION_ID (the plugin installed mid-session)."""
    env = cli_env(CLAUDE_CODE_SESSION_ID="9bb13df7-1de2-4eeb-8184-5925c9ed56ff")
    ghap_json(project, *START, env=env)
    assert (journal_dir / ".session_id").read_text() == "9bb13df7-1de2-4eeb-8184-5925c9ed56ff"
    assert ghap_json(project, "show")["active"]["session_id"] == "9bb13df7-1de2-4eeb-8184-5925c9ed56ff"
