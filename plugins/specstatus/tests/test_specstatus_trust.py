"""The trust model for [plugins.specstatus]: every key is plain, so a project file sets them all."""

from __future__ import annotations

from pathlib import Path

from hookmux_specstatus.config import Config

from hookmux.testing import declared_trust, readme_trust_table, sensitive_keys

README = Path(__file__).resolve().parents[1] / "README.md"


def test_no_key_is_sensitive_and_the_readme_says_so() -> None:
    assert sensitive_keys(Config) == []
    assert readme_trust_table(README.read_text(encoding="utf-8")) == declared_trust(Config) == {}
    assert "| every key | plain |" in README.read_text(encoding="utf-8")
