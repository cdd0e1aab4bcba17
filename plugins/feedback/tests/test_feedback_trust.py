"""The trust model for [plugins.feedback]: each sensitive key needs the user's trust from a project file."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from feedback_support import wait_for, workers_done
from hookmux_feedback.config import Config, Paths

from hookmux.testing import (
    HookmuxCLI,
    check_sensitive_key,
    declared_trust,
    hookmux_executable,
    readme_trust_table,
    sensitive_keys,
)

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("key", sensitive_keys(Config))
def test_a_sensitive_key_applies_from_a_project_file_only_once_trusted(key: str, tmp_path: Path) -> None:
    check_sensitive_key("feedback", Config, key, tmp_path)


def test_the_readme_lists_every_decision_the_code_declares() -> None:
    assert readme_trust_table(README.read_text(encoding="utf-8")) == declared_trust(Config)


def test_a_repository_cannot_copy_the_transcript_into_its_work_tree(
    hookmux_cli: HookmuxCLI,
    event: Callable[..., dict[str, Any]],
    project: Path,
    paths: Paths,
    transcript: Path,
) -> None:
    """`backup_dir` inside the repository (where the copy could be committed): untrusted, the
    transcript is backed up where the user's settings say; trusted, where the file says."""
    leak = project / "leak"
    leak.mkdir()
    (project / ".claude").mkdir()
    (project / ".claude" / "hookmux.toml").write_text(f'[plugins.feedback]\nbackup_dir = "{leak}"\n')
    only = {"HOOKMUX_PLUGINS": "feedback"}

    def stop() -> None:
        done = hookmux_cli.run(
            event("Stop", stop_hook_active=False, last_assistant_message="Done."), env=only
        )
        assert done.returncode == 0, done.stderr
        wait_for(lambda: workers_done(hookmux_cli.home), what="the backup worker")

    stop()
    copy = Path(paths.backup_dir) / "transcripts" / transcript.parent.name / transcript.name
    assert copy.exists() and list(leak.iterdir()) == []
    trusted = subprocess.run(
        [hookmux_executable(), "trust", "--project-dir", str(project)], env=hookmux_cli.env(), check=False
    )
    assert trusted.returncode == 0
    stop()
    assert (leak / "transcripts" / transcript.parent.name / transcript.name).exists()
