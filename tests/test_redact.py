"""Secrets are redacted before anything is stored; ordinary prose is not."""

from __future__ import annotations

import pytest

from hookmux.state.redact import _TRIGGER, MASK, patterns, redact, redact_text, secret_key

SECRETS = [
    ("export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuv", "sk-proj-"),
    ("curl -H 'Authorization: Bearer abcdefghijklmnop1234' x", "abcdefghijklmnop1234"),
    ("mysql --password=s3cr3tpw db", "s3cr3tpw"),
    ("tool --api-key hunter2hunter2 run", "hunter2hunter2"),
    ("GITHUB_TOKEN: ghp_abcdefghijklmnopqrstuvwxyz0123", "ghp_abc"),
    ("password: correct-horse-battery", "correct-horse"),
    ("git clone https://user:pa55word@example.com/r.git", "pa55word"),
    ("aws AKIAABCDEFGHIJKLMNOP", "AKIAABCDEFGHIJKLMNOP"),
    ("key sk-ant-api03-" + "x" * 40, "sk-ant-api03"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "MIIEow"),
    ("pip config github_pat_11ABCDEFG0abcdefghijklmnop", "github_pat_11"),
    ("SLACK=xoxb-1234567890-abcdef", "xoxb-1234567890"),
    ("maps AIzaSyA1234567890abcdefghijklmnopqrstuv", "AIzaSyA12345"),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N", "eyJhbGciOiJIUzI1NiJ9"),
    ("curl -H 'Authorization: Basic dXNlcjpwYXNzd29yZA=='", "dXNlcjpwYXNzd29yZA"),
    ("aws ASIAABCDEFGHIJKLMNOP", "ASIAABCDEFGHIJKLMNOP"),
    ("export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI'", "wJalrXUtnFEMI"),
    ("ldap --passwd opensesame", "opensesame"),
]


def test_every_pattern_is_tested_and_found_by_the_quick_scan() -> None:
    """redact_text skips strings the quick scan finds nothing in: every credential
    shape must be caught by it, or it would be stored unredacted."""
    for pattern, _replacement in patterns():
        hits = [text for text, _secret in SECRETS if pattern.search(text)]
        assert hits, f"no sample for {pattern.pattern}"
    for text, _secret in SECRETS:
        shapes = [pattern.pattern for pattern, _ in patterns() if pattern.search(text)]
        assert shapes and _TRIGGER.search(text), text


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_secrets_are_masked(text: str, secret: str) -> None:
    out = redact_text(text)
    assert secret not in out and MASK in out


@pytest.mark.parametrize(
    "prose",
    [
        "token counting matters for long prompts",
        "the password reset flow sends an email",
        "rotate the secret weekly and keep the API key out of git",
        "we parse each token in turn",
    ],
)
def test_prose_about_secrets_is_kept(prose: str) -> None:
    assert redact_text(prose) == prose


def test_values_under_secret_keys_are_masked_but_ids_are_kept() -> None:
    data = {
        "session_id": "abc",
        "tool_use_id": "t1",
        "env": {"DB_PASSWORD": "x", "api_key": "k"},
        "n": [{"token": 5}],
    }
    assert redact(data) == {"session_id": "abc", "tool_use_id": "t1", "env": {"DB_PASSWORD": MASK, "api_key": MASK},
                            "n": [{"token": MASK}]}  # fmt: skip


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("DB_PASSWORD", True), ("password", True), ("passwd", True), ("gpg-passphrase", True),
        ("client_secret", True), ("GITHUB_TOKEN", True), ("X-Api-Key", True), ("apikey", True),
        ("auth", True), ("Authorization", True), ("aws_credential", True), ("private-key", True),
        ("AccessKey", True), ("session_key", True), ("Cookie", True),
        ("session_id", False), ("tool_use_id", False), ("max_tokens", False), ("input_tokens", False),
        ("token_count", False), ("author", False), ("passage", False), ("keys", False),
    ],
)  # fmt: skip
def test_key_names_that_name_a_secret(key: str, secret: bool) -> None:
    assert secret_key(key) is secret
