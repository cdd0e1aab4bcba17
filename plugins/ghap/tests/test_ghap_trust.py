"""The trust model for [plugins.ghap]: each sensitive key needs the user's trust from a project file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hookmux_ghap.config import Config

from hookmux.testing import check_sensitive_key, declared_trust, readme_trust_table, sensitive_keys

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("key", sensitive_keys(Config))
def test_a_sensitive_key_applies_from_a_project_file_only_once_trusted(key: str, tmp_path: Path) -> None:
    check_sensitive_key("ghap", Config, key, tmp_path)


def test_the_readme_lists_every_decision_the_code_declares() -> None:
    assert readme_trust_table(README.read_text(encoding="utf-8")) == declared_trust(Config)
