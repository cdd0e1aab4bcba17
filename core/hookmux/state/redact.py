"""Redact secrets before anything is stored: API keys, tokens, passwords, private keys.

Two nets: values under keys that name a secret (``password``, ``api_key``,
``authorization``...) are replaced whole, and strings anywhere are scanned for
well-known credential shapes (``sk-ant-...``, ``ghp_...``, ``AKIA...``, JWTs,
``Bearer ...``, ``password=...`` in commands, PEM private keys).
"""

from __future__ import annotations

import re
from typing import Any

MASK = "[REDACTED]"

#: Key names (lower case, ``-`` as ``_``) ending so name a secret: string methods, as a
#: regular expression would cost a fresh process 0.4 ms to compile.
_SECRET_KEY_ENDINGS = (
    "pass", "password", "passwd", "passphrase", "secret", "token", "api_key", "apikey", "auth",
    "authorization", "credential", "private_key", "privatekey", "access_key", "accesskey",
    "session_key", "sessionkey", "cookie",
)  # fmt: skip
_SECRET_KEY_EXCEPTIONS = frozenset({"session_id", "tool_use_id", "prompt_id", "max_tokens", "input_tokens"})

#: (pattern, flags, replacement) of each credential shape, compiled on first need: a fresh
#: process pays ~2 ms for the dozen compiles, and most events never need them.
_SHAPES: tuple[tuple[str, int | re.RegexFlag, str], ...] = (
    (r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S, MASK),
    (r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}", 0, MASK),
    (r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}", 0, MASK),
    (r"\bgithub_pat_[A-Za-z0-9_]{20,}", 0, MASK),
    (r"\bxox[abprs]-[A-Za-z0-9\-]{10,}", 0, MASK),
    (r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b", 0, MASK),
    (r"\bAIza[0-9A-Za-z_\-]{35}\b", 0, MASK),
    (r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}", 0, MASK),
    (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/\-]{12,}=*", 0, r"\1 " + MASK),
    # NAME=value / NAME: value (env, YAML, headers); a space alone is prose ("token counting").
    (
        r"(?i)\b([A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY)[A-Z0-9_]*)"
        r"(\s*[=:]\s*)(['\"]?)[^\s'\"&;|]{3,}\3",
        0,
        r"\1\2\3" + MASK + r"\3",
    ),
    # command-line flags: --password value, --api-key value
    (
        r"(?i)(--?(?:password|passwd|secret|token|api[-_]?key|access[-_]?key)[ =])(['\"]?)[^\s'\"]{3,}\2",
        0,
        r"\1\2" + MASK + r"\2",
    ),
    (r"(?i)(://[^/\s:@]+:)[^/\s@]+@", 0, r"\1" + MASK + "@"),
)
_patterns: tuple[tuple[re.Pattern[str], str], ...] | None = None


def patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The credential shapes, compiled, with their replacements."""
    global _patterns  # noqa: PLW0603 - compiled once per process, on first need
    if _patterns is None:
        _patterns = tuple(
            (re.compile(pattern, flags), replacement) for pattern, flags, replacement in _SHAPES
        )
    return _patterns


#: A literal every pattern above needs: most strings have none, and one scan for it
#: costs a twelfth of running the patterns (capture redacts every string of every event).
_TRIGGER = re.compile(
    r"-----BEGIN |sk-|gh[pousr]_|github_pat_|xox[abprs]-|AKIA|ASIA|AIza|eyJ|://"
    r"|(?i:bearer|basic|passw|secret|token|api[-_]?key|access[-_]?key)"
)


def redact_text(text: str) -> str:
    """``text`` with every recognised credential replaced by ``[REDACTED]``."""
    if _TRIGGER.search(text) is None:
        return text
    for pattern, replacement in patterns():
        text = pattern.sub(replacement, text)
    return text


#: key -> does it name a secret; payloads repeat the same few dozen keys.
_secret_keys: dict[str, bool] = {}


def secret_key(key: str) -> bool:
    """Does ``key`` name a secret (``password``, ``api_key``, ``Authorization``...)?"""
    known = _secret_keys.get(key)
    if known is None:
        lowered = key.lower()
        known = lowered not in _SECRET_KEY_EXCEPTIONS and lowered.replace("-", "_").endswith(
            _SECRET_KEY_ENDINGS
        )
        if len(_secret_keys) >= 4096:  # keys are bounded in practice; memory must be anyway
            _secret_keys.clear()
        _secret_keys[key] = known
    return known


def redact(value: Any) -> Any:
    """A copy of a JSON-like value with secrets redacted (by key name and by shape)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if (
                isinstance(key, str)
                and secret_key(key)
                and isinstance(item, (str, int, float))
                and not isinstance(item, bool)
            ):
                out[key] = MASK
            else:
                out[key] = redact(item)
        return out
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value
