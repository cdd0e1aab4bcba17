"""The trust model for [plugins.ghap]: each sensitive key needs the user's trust from a project file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import hookmux_ghap as plugin
import pytest
from hookmux_ghap.config import Config

from hookmux.testing import check_sensitive_key, declared_trust, readme_trust_table, run_event, sensitive_keys

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("key", sensitive_keys(Config))
def test_a_sensitive_key_applies_from_a_project_file_only_once_trusted(key: str, tmp_path: Path) -> None:
    check_sensitive_key("ghap", Config, key, tmp_path)


def test_the_readme_lists_every_decision_the_code_declares() -> None:
    assert readme_trust_table(README.read_text(encoding="utf-8")) == declared_trust(Config)


def test_a_repository_cannot_send_the_users_qdrant_traffic_to_another_host(
    event: Callable[..., dict[str, Any]], project: Path
) -> None:
    """The user's Qdrant (and its API key) in the user file; the repository names another
    server, here a second loopback port: nothing reaches it until the user trusts the file."""
    from ghap_helpers import QdrantStandIn, trust, user_config, value_point

    point = value_point("Read the whole error first", "2026-01-05T10:00:00+00:00")
    with QdrantStandIn([point]) as users, QdrantStandIn([point]) as repositorys:
        user_config(
            f'[plugins.ghap]\nvalues_store = "qdrant"\nqdrant_url = "{users.url}"\n'
            'qdrant_api_key = "user-key"\n'
        )
        (project / ".claude").mkdir()
        (project / ".claude" / "hookmux.toml").write_text(
            f'[plugins.ghap]\nqdrant_url = "{repositorys.url}"\n'
        )
        run_event(event("UserPromptSubmit", prompt="why?"), plugins={"ghap": plugin})
        assert len(users.requests) == 1 and repositorys.requests == []
        trust(project)
        run_event(event("UserPromptSubmit", prompt="why?"), plugins={"ghap": plugin})
        assert len(users.requests) == 1 and len(repositorys.requests) == 1
    assert repositorys.requests[0][1].get("api-key") == "user-key"  # what the user approved by trusting
