"""The user's trust in project config files (``hookmux trust``), as direnv's ``allow``.

A project's ``.claude/hookmux.toml`` or ``.claude/hookmux.local.toml`` may set a
sensitive key (a destination or a protection, see :mod:`hookmux.config`) only
while the user trusts that exact file: its path and the SHA-256 of its content
are recorded here, and any change to the content needs trust again.

The store is a directory next to the user config file
(``~/.config/hookmux/trusted/``, 0700), one small JSON file per trusted file
(0600, written atomically under a lock). An entry's name is derived from the
path and the digest, so asking whether a file is trusted costs one ``stat`` and
the digest of content already read, and a changed file finds no entry. Stdlib
only; filelock is imported by the commands that write.
"""

from __future__ import annotations

import os

from hookmux.state.paths import atomic_write, ensure_private_dir, user_config_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

LOCK_NAME = ".lock"
#: The ``[hookmux]`` keys declared plain (:class:`hookmux.config.CoreConfig`; a test holds
#: the two lists equal): a project file setting only these needs no SessionStart notice,
#: which :mod:`hookmux.entry.route` can tell without importing the config machinery.
PLAIN_CORE_KEYS = frozenset(
    {"metrics", "max_bytes", "compress", "dedupe_ttl", "max_workers", "serve", "serve_idle", "serve_max_body"}
)


def may_need_trust(text: bytes) -> bool:
    """Whether a project file's text could set a sensitive key. False only for a file of
    comments, blank lines and plain ``[hookmux]`` keys, told line by line without a TOML
    parser (``tomllib`` costs milliseconds at SessionStart); anything else, even what a
    parser would read the same, says True and the full path decides."""
    section = None
    for raw in text.decode("utf-8", "replace").splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith("#") else ""
        if not line:
            continue
        if line.startswith("["):
            section = line.replace(" ", "")
            if section != "[hookmux]":
                return True
            continue
        key, sep, _ = line.partition("=")
        if section != "[hookmux]" or not sep or key.strip() not in PLAIN_CORE_KEYS:
            return True
    return False


def _sha256(data: bytes) -> Any:
    # the C module directly: hashlib's import costs milliseconds on an event's path
    try:
        from _sha2 import sha256  # type: ignore[import-not-found, unused-ignore]  # 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
        except ImportError:  # pragma: no cover - a build without the builtin module
            from hashlib import sha256  # type: ignore[no-redef, unused-ignore]
    return sha256(data)


def content_digest(data: bytes) -> str:
    """``sha256:<hex>`` of a file's bytes."""
    return "sha256:" + str(_sha256(data).hexdigest())


def trust_dir(environ: Mapping[str, str] = os.environ) -> str:
    """The store: ``trusted/`` beside the user config file."""
    return os.path.join(os.path.dirname(user_config_file(environ)), "trusted")


def _path_key(path: str) -> str:
    return str(_sha256(os.fsencode(path)).hexdigest()[:32])


def entry_name(path: str, digest: str) -> str:
    """The entry recording that ``path`` with content ``digest`` is trusted."""
    return f"{_path_key(path)}-{digest.partition(':')[2]}.json"


def is_trusted(path: str, data: bytes, directory: str) -> bool:
    """Whether the store ``directory`` (:func:`trust_dir`) trusts ``path`` with exactly the
    content ``data``: one ``stat``."""
    return os.path.exists(os.path.join(directory, entry_name(path, content_digest(data))))


def _lock(directory: str) -> Any:
    import filelock

    return filelock.FileLock(os.path.join(directory, LOCK_NAME), timeout=10, mode=0o600)


def _entries_of(directory: str, path: str) -> list[str]:
    prefix = _path_key(path) + "-"
    try:
        return sorted(n for n in os.listdir(directory) if n.startswith(prefix) and n.endswith(".json"))
    except FileNotFoundError:
        return []


def trust(path: str, data: bytes, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Record ``path`` with content ``data`` as trusted (replacing what was recorded for
    it before); the entry written."""
    import json
    import time

    directory = ensure_private_dir(trust_dir(environ))
    digest = content_digest(data)
    entry = {"path": path, "digest": digest, "size": len(data), "trusted_at": time.time()}
    name = entry_name(path, digest)
    with _lock(directory):
        atomic_write(os.path.join(directory, name), json.dumps(entry, indent=1).encode("utf-8") + b"\n")
        for old in _entries_of(directory, path):
            if old != name:
                _unlink(os.path.join(directory, old))
    return entry


def revoke(path: str, environ: Mapping[str, str] = os.environ) -> int:
    """Forget every trust recorded for ``path``: how many entries were removed."""
    directory = trust_dir(environ)
    if not os.path.isdir(directory):
        return 0
    with _lock(directory):
        names = _entries_of(directory, path)
        for name in names:
            _unlink(os.path.join(directory, name))
    return len(names)


def entries(environ: Mapping[str, str] = os.environ) -> list[dict[str, Any]]:
    """Every recorded trust, with ``state``: ``trusted`` (the file has the trusted
    content), ``changed`` (it changed since: its sensitive keys are ignored) or ``missing``."""
    import json

    directory = trust_dir(environ)
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(".json"))
    except FileNotFoundError:
        return []
    out = []
    for name in names:
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as fh:
                entry = json.load(fh)
            path, digest = str(entry["path"]), str(entry["digest"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a foreign or broken file trusts nothing: its name is what counts
        if name != entry_name(path, digest):
            continue
        try:
            with open(path, "rb") as fh:
                state = "trusted" if content_digest(fh.read()) == digest else "changed"
        except OSError:
            state = "missing"
        out.append({**entry, "state": state})
    return sorted(out, key=lambda e: str(e["path"]))


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
