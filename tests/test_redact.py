"""Secrets are redacted before anything is stored; ordinary prose is not."""

from __future__ import annotations

import json

import pytest

from hookmux.state.redact import (
    _FOLD,
    MASK,
    fold,
    patterns,
    redact,
    redact_dumped,
    redact_text,
    secret_key,
    trigger,
)

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
    for pattern, _replacement, _needles in patterns():
        hits = [text for text, _secret in SECRETS if pattern.search(text)]
        assert hits, f"no sample for {pattern.pattern}"
    for text, _secret in SECRETS:
        shapes = [pattern.pattern for pattern, _, _ in patterns() if pattern.search(text)]
        assert shapes and trigger().search(fold(text)), text


def test_each_match_holds_one_of_its_shapes_needles() -> None:
    """A shape is only tried on text holding one of its needles: every match must."""
    for pattern, _replacement, needles in patterns():
        for text, _secret in SECRETS:
            for match in pattern.finditer(text):
                assert any(needle in fold(match.group(0)) for needle in needles), (pattern.pattern, text)


def test_folding_knows_every_letter_the_regex_engine_takes_for_an_ascii_one() -> None:
    """The needles are looked for in folded text; a letter beyond ASCII that ``(?i)``
    matches to an ASCII one (this Python's Unicode tables) must fold to it too."""
    import re
    import string

    every = "".join(chr(code) for code in range(0x80, 0x110000) if not 0xD800 <= code < 0xE000)
    found = {char: letter for letter in string.ascii_lowercase for char in re.findall("(?i)" + letter, every)}
    assert found == _FOLD
    assert all(fold(char) == letter for char, letter in found.items())


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


PAYLOADS = [
    {
        "hook_event_name": "PreToolUse",
        "tool_input": {"command": "ls -la"},
        "permission_mode": "bypassPermissions",
    },
    {"tool_input": {"command": SECRETS[0][0]}},
    {"env": {"X-Api-Key": "k1", "nested": [{"Cookie": "c=1"}]}, "n": 3},
    {"tool_response": {"stdout": "line\n" * 50 + SECRETS[9][0]}},
    # non-ASCII: the shapes' case folding reaches beyond ASCII (the Kelvin sign is a k)
    {"tool_input": {"command": "export GITHUB_TO\u212aEN=abcdef123456 # caf\u00e9"}},
    {"prompt": "caf\u00e9 au lait, nothing secret", "list": [1, None, True, 2.5]},
]


@pytest.mark.parametrize(
    ("payload", "masked"), list(zip(PAYLOADS, [False, True, True, True, True, False], strict=True))
)
def test_redacting_by_the_json_text_masks_exactly_what_the_walk_masks(
    payload: dict[str, object], masked: bool
) -> None:
    """Capture and event records redact through the payload's JSON text; what they store
    must be what a full walk of the payload would have stored."""
    redacted, text = redact_dumped(payload, separators=(",", ":"))
    assert (MASK in text) is masked
    assert redacted == redact(payload)
    assert text == json.dumps(redact(payload), ensure_ascii=False, separators=(",", ":"))


def test_a_payload_with_nothing_to_mask_is_not_copied() -> None:
    payload = PAYLOADS[0]
    redacted, _ = redact_dumped(payload)
    assert redacted is payload
    secret = {"tool_input": {"command": "curl -H 'Authorization: Bearer abcdefghijklmnop1234' x"}}
    assert "abcdefghijklmnop1234" not in redact_dumped(secret)[1]
