"""Redact secrets before anything is stored: API keys, tokens, passwords, private keys.

Two nets: values under keys that name a secret (``password``, ``api_key``,
``authorization``...) are replaced whole, and strings anywhere are scanned for
well-known credential shapes (``sk-ant-...``, ``ghp_...``, ``AKIA...``, JWTs,
``Bearer ...``, ``password=...`` in commands, PEM private keys).

Each shape names the literals (its needles) one of which every match contains,
lower-cased: a string none is in cannot hold that shape, and a payload whose whole
JSON text holds no needle (nor a secret key's name before a quote) needs no walk at
all. Most events hold none, and capture redacts every event.
"""

from __future__ import annotations

import functools
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

#: The needles of the shapes that find a secret by its name (``PASSWORD=...``, ``--token x``).
_SECRET_WORDS = (
    "passw", "secret", "token", "apikey", "api_key", "api-key", "accesskey", "access_key", "access-key",
)  # fmt: skip

#: (pattern, flags, replacement, needles) of each credential shape, compiled on first
#: need: a fresh process pays ~2 ms for the dozen compiles, and most events never need them.
_SHAPES: tuple[tuple[str, int | re.RegexFlag, str, tuple[str, ...]], ...] = (
    (r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S, MASK, ("-----begin ",)),
    (r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}", 0, MASK, ("sk-",)),
    (r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}", 0, MASK, ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    (r"\bgithub_pat_[A-Za-z0-9_]{20,}", 0, MASK, ("github_pat_",)),
    (r"\bxox[abprs]-[A-Za-z0-9\-]{10,}", 0, MASK, ("xox",)),
    (r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b", 0, MASK, ("akia", "asia")),
    (r"\bAIza[0-9A-Za-z_\-]{35}\b", 0, MASK, ("aiza",)),
    (r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}", 0, MASK, ("eyj",)),
    (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/\-]{12,}=*", 0, r"\1 " + MASK, ("bearer", "basic")),
    # NAME=value / NAME: value (env, YAML, headers); a space alone is prose ("token counting").
    (
        r"(?i)\b([A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY)[A-Z0-9_]*)"
        r"(\s*[=:]\s*)(['\"]?)[^\s'\"&;|]{3,}\3",
        0,
        r"\1\2\3" + MASK + r"\3",
        _SECRET_WORDS,
    ),
    # command-line flags: --password value, --api-key value
    (
        r"(?i)(--?(?:password|passwd|secret|token|api[-_]?key|access[-_]?key)[ =])(['\"]?)[^\s'\"]{3,}\2",
        0,
        r"\1\2" + MASK + r"\2",
        _SECRET_WORDS,
    ),
    (r"(?i)(://[^/\s:@]+:)[^/\s@]+@", 0, r"\1" + MASK + "@", ("://",)),
)


@functools.cache
def patterns() -> tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...]:
    """The credential shapes, compiled, with their replacements and needles."""
    return tuple(
        (re.compile(pattern, flags), replacement, needles) for pattern, flags, replacement, needles in _SHAPES
    )


#: Every shape's needles: what a string must hold for any shape to match in it.
NEEDLES = tuple(dict.fromkeys(needle for *_, needles in _SHAPES for needle in needles))
#: The letters beyond ASCII that a case-insensitive pattern takes for an ASCII one
#: (``K``, the Kelvin sign, is a ``k``), which ``str.lower`` leaves alone or splits.
_FOLD = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}


def fold(text: str) -> str:
    """``text`` lower-cased as the shapes' ``(?i)`` compares it to their needles."""
    if not text.isascii():
        for letter, ascii_letter in _FOLD.items():
            if letter in text:  # str.translate would look up every character
                text = text.replace(letter, ascii_letter)
    return text.lower()


@functools.cache
def trigger() -> re.Pattern[str]:
    """A scan of folded text for any shape's needle (case-sensitive: several times
    quicker than a case-insensitive scan of the text itself)."""
    return re.compile("|".join(map(re.escape, NEEDLES)))


@functools.cache
def json_needles() -> tuple[str, ...]:
    """What JSON text holding anything to mask must hold, folded: a shape's needle, or
    the ending of a key naming a secret and the key's closing quote (none holding another)."""
    endings = (variant for ending in _SECRET_KEY_ENDINGS for variant in (ending, ending.replace("_", "-")))
    needles = NEEDLES + tuple(dict.fromkeys(ending + '"' for ending in endings))
    return tuple(needle for needle in needles if not any(n != needle and n in needle for n in needles))


def redact_text(text: str) -> str:
    """``text`` with every recognised credential replaced by ``[REDACTED]``."""
    folded = fold(text)
    if trigger().search(folded) is None:
        return text
    for pattern, replacement, needles in patterns():
        if any(needle in folded for needle in needles):
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


def may_hold_secrets(json_text: str) -> bool:
    """False when the JSON text of a value (non-ASCII kept as is) cannot hold anything
    :func:`redact` would mask: no shape's needle, and no key naming a secret, in it.
    One long text: ``in`` per needle beats a regular expression's alternation."""
    folded = fold(json_text)
    return any(needle in folded for needle in json_needles())


def redact_dumped(value: Any, **options: Any) -> tuple[Any, str]:
    """``value`` redacted, and its JSON text (``json.dumps`` with ``options``, non-ASCII
    kept as is): when that text shows nothing to mask, ``value`` itself, with no walk."""
    import json

    text = json.dumps(value, ensure_ascii=False, **options)
    if not may_hold_secrets(text):
        return value, text
    redacted = redact(value)
    return redacted, json.dumps(redacted, ensure_ascii=False, **options)
