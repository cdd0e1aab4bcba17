"""``hookmux statusline``: SpecWeave's status line, rendered from the cache only.

Claude Code runs the ``statusLine`` command after every assistant message, so
this module is on a hot path of its own: it imports nothing beyond what the
interpreter has already loaded (no ``json``, ``re`` or ``typing``), reads two
small files and never recomputes anything. It renders exactly what SpecWeave's
``StatusLineManager.render`` renders::

    [0001-demo] | ████░░░░ | 3/5 tasks | 4/7 ACs

Usage (the core calls :func:`main` with the arguments after ``statusline``)::

    hookmux statusline            # Claude Code's status line JSON on stdin
    hookmux statusline --json     # the cache as JSON
    hookmux statusline --clear    # delete the cache
    hookmux statusline --config PATH   # a SpecWeave config.json to read statusLine from
"""

from __future__ import annotations

import math
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

NO_INCREMENT = "No active increment"
#: StatusLineManager defaults (``DEFAULT_STATUS_LINE_CONFIG``).
DEFAULTS: dict[str, Any] = {"enabled": True, "maxCacheAge": 30000, "progressBarWidth": 8, "maxNameLength": 30}
#: Name length when more than one increment is shown.
MULTI_NAME_LENGTH = 20
MAX_LINE = 120
MAX_STDIN = 1 << 20
FILLED, EMPTY = "█", "░"


# -- JSON without the json module (it would import re: ~5 ms) ----------------------------


class _JSONContext:
    """The attributes ``_json.make_scanner`` reads."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: dict[str, Any] = {}  # noqa: RUF012 - the scanner's own cache

    @staticmethod
    def parse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")


def parse_json(text: str) -> Any:
    """The JSON value of ``text``; raises ValueError when it is not JSON."""
    import _json

    scan = _json.make_scanner(_JSONContext())  # type: ignore[arg-type]
    text = text.lstrip("\ufeff")
    start = len(text) - len(text.lstrip(" \t\n\r"))
    try:
        value, end = scan(text, start)
    except (StopIteration, SystemError):
        # SystemError: on Python 3.11 the C scanner reports most syntax errors through
        # json.decoder, which is not imported here (and must not be: it imports re).
        raise ValueError("not JSON") from None
    if text[end:].strip(" \t\n\r"):
        raise ValueError("extra data after the JSON value")
    return value


def read_json(path: str) -> Any:
    """The JSON in ``path``; None when it is missing or not JSON (SpecWeave's ``readCache``)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return parse_json(fh.read())
    except (OSError, ValueError, UnicodeDecodeError):
        return None


# -- JavaScript's string semantics ---------------------------------------------------------


def js_length(text: str) -> int:
    """``text.length``: UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF) if not text.isascii() else len(text)


def js_truncate(text: str, limit: int) -> str:
    """``StatusLineManager.truncate``: ``text.substring(0, limit - 1) + '…'`` when too long."""
    if js_length(text) <= limit:
        return text
    if text.isascii() or all(ord(ch) <= 0xFFFF for ch in text):
        return text[: limit - 1] + "…"
    units = text.encode("utf-16-le", "surrogatepass")[: 2 * (limit - 1)]
    return units.decode("utf-16-le", "surrogatepass") + "…"


def js_string(value: Any) -> str:
    """A JSON value in a template literal (``${value}``)."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    return str(value)


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness of a JSON value (``[]`` and ``{}`` are true)."""
    if value is None or value is False or value == "":
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0 and not math.isnan(value)
    return True


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


# -- rendering --------------------------------------------------------------------------------


def progress_bar(completed: float, total: float, width: int) -> str:
    """``renderProgressBar``: all ``░`` for no tasks, ``█`` for the done share, capped at 100 %."""
    if total == 0:
        return EMPTY * width
    share = min(1.0, max(0.0, completed / total))
    filled = int(share * width // 1)
    return FILLED * filled + EMPTY * max(0, width - filled)


def render(cache: Any, config: dict[str, Any] | None = None) -> str | None:
    """``StatusLineManager.render`` on a parsed cache; None when the status line is disabled."""
    settings = dict(DEFAULTS)
    settings.update(config or {})
    if not js_truthy(settings["enabled"]):
        return None
    if not isinstance(cache, dict):
        return NO_INCREMENT
    active = cache.get("activeIncrements")
    if js_truthy(active):
        increments = active  # an empty array is truthy in JavaScript: then no fallback to current
    else:
        current = cache.get("current")
        increments = [current] if js_truthy(current) else []
    if not isinstance(increments, list):
        return NO_INCREMENT
    if not increments:
        message = cache.get("message")
        return message if isinstance(message, str) and message else NO_INCREMENT
    width = settings["progressBarWidth"]
    width = int(width) if _number(width) is not None and width >= 0 else DEFAULTS["progressBarWidth"]
    name_length = settings["maxNameLength"] if len(increments) == 1 else MULTI_NAME_LENGTH
    if _number(name_length) is None or name_length < 1:
        name_length = DEFAULTS["maxNameLength"]
    parts = []
    for inc in increments:
        if not isinstance(inc, dict) or not isinstance(inc.get("name"), str):
            return NO_INCREMENT
        completed, total = _number(inc.get("completed")), _number(inc.get("total"))
        if completed is None or total is None:
            return NO_INCREMENT
        pieces = [
            f"[{js_truncate(inc['name'], int(name_length))}]",
            progress_bar(completed, total, width),
            f"{js_string(inc['completed'])}/{js_string(inc['total'])} tasks",
        ]
        if "acsTotal" in inc and "acsCompleted" in inc:
            pieces.append(f"{js_string(inc['acsCompleted'])}/{js_string(inc['acsTotal'])} ACs")
        parts.append(" | ".join(pieces))
    open_count = _number(cache.get("openCount"))
    if open_count is not None and open_count > len(increments):
        parts.append(f"(+{js_string(cache['openCount'] - len(increments))} more)")
    line = " · ".join(parts)
    if js_length(line) > MAX_LINE:
        return js_truncate(line, MAX_LINE - 3) + "..."
    return line


# -- where ----------------------------------------------------------------------------------


def find_root(start: str) -> str | None:
    directory = os.path.abspath(start)
    while directory != os.path.dirname(directory):
        if os.path.isdir(os.path.join(directory, ".specweave")):
            return directory
        directory = os.path.dirname(directory)
    return None


def _read_stdin(stream: IO[bytes]) -> Any:
    try:
        if stream.isatty():
            return None
        data = stream.read(MAX_STDIN)
        while stream.read(MAX_STDIN):  # drain: Claude Code must never block writing to us
            pass
        return parse_json(data.decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def start_dirs(status: Any) -> list[str]:
    """Where to look for the project: the status line JSON's directories, then ``$PWD``."""
    found: list[Any] = []
    if isinstance(status, dict):
        workspace = status.get("workspace")
        workspace = workspace if isinstance(workspace, dict) else {}
        found += [workspace.get("current_dir"), status.get("cwd"), workspace.get("project_dir")]
    found.append(os.getcwd())
    return [d for d in found if isinstance(d, str) and d]


def _config(root: str | None, explicit: str | None) -> dict[str, Any]:
    path = explicit or (os.path.join(root, ".specweave", "config.json") if root else None)
    full = read_json(path) if path else None
    section = full.get("statusLine") if isinstance(full, dict) else None
    return section if isinstance(section, dict) else {}


def _write(out: IO[bytes], text: str) -> None:
    out.write((text + "\n").encode("utf-8", "replace"))
    out.flush()


def main(argv: list[str], stdin: IO[bytes] | None = None, stdout: IO[bytes] | None = None) -> int:
    """Print the status line (always one line; exit code 0)."""
    out = stdout or sys.stdout.buffer
    status = _read_stdin(stdin or sys.stdin.buffer)
    explicit = None
    if "--config" in argv[:-1]:
        explicit = argv[argv.index("--config") + 1]
    root = next((r for r in map(find_root, start_dirs(status)) if r), None)
    cache_file = os.path.join(root, ".specweave", "state", "status-line.json") if root else None
    if "--clear" in argv:
        if cache_file and os.path.exists(cache_file):
            os.unlink(cache_file)
        _write(out, "✅ Status line cache cleared")
        return 0
    cache = read_json(cache_file) if cache_file else None
    if "--json" in argv:
        import json

        if cache is None:
            _write(out, json.dumps({"error": NO_INCREMENT}, indent=2))
            return 1
        _write(out, json.dumps(cache, indent=2, ensure_ascii=False))
        return 0
    line = render(cache, _config(root, explicit))
    _write(out, NO_INCREMENT if line is None else line)
    return 0
