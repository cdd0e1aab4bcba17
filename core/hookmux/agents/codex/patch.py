"""Codex's ``apply_patch`` text: which files a patch touches, and their content after it.

The format (Codex CLI 0.171.0)::

    *** Begin Patch
    *** Add File: new.txt
    +line
    *** Update File: old.txt
    *** Move to: renamed.txt
    @@ optional context line
     kept
    -removed
    +added
    *** Delete File: gone.txt
    *** End Patch

Paths are relative to the session's cwd. An update's hunks are applied the way
Codex applies them: each hunk's old lines are looked up from where the previous
hunk ended (after its ``@@`` context line, if any), exactly first, then ignoring
trailing and then surrounding whitespace; the result ends with a newline. When a
hunk does not apply, the content after the patch is unknown (None): Codex will
refuse the patch itself.

Stdlib only; nothing here writes a file.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

BEGIN = "*** Begin Patch"
END = "*** End Patch"
_ADD = "*** Add File: "
_UPDATE = "*** Update File: "
_DELETE = "*** Delete File: "
_MOVE = "*** Move to: "
_EOF = "*** End of File"


class PatchError(ValueError):
    """The text is not an apply_patch patch."""


class Change:
    """One file of a patch."""

    __slots__ = ("action", "content", "hunks", "move_to", "path")

    def __init__(self, action: str, path: str) -> None:
        #: ``add``, ``update`` or ``delete``
        self.action = action
        self.path = path
        self.move_to: str | None = None
        #: added file: its lines; update: the hunks (context, old lines, new lines)
        self.content: list[str] = []
        self.hunks: list[tuple[str | None, list[str], list[str]]] = []


def parse_patch(text: str) -> list[Change]:
    """The files of ``text`` in order, or :class:`PatchError`."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or lines[0].strip() != BEGIN:
        raise PatchError("the patch does not start with '*** Begin Patch'")
    if lines[-1].strip() != END:
        raise PatchError("the patch does not end with '*** End Patch'")
    changes: list[Change] = []
    current: Change | None = None
    for line in lines[1:-1]:
        if line.startswith(_ADD):
            current = Change("add", line[len(_ADD) :].strip())
            changes.append(current)
        elif line.startswith(_UPDATE):
            current = Change("update", line[len(_UPDATE) :].strip())
            changes.append(current)
        elif line.startswith(_DELETE):
            current = Change("delete", line[len(_DELETE) :].strip())
            changes.append(current)
        elif current is None:
            if line.strip():
                raise PatchError(f"unexpected line before the first file: {line[:60]!r}")
        elif current.action == "add":
            if not line.startswith("+"):
                raise PatchError(f"an added file's lines start with '+': {line[:60]!r}")
            current.content.append(line[1:])
        elif current.action == "update":
            _update_line(current, line)
        elif line.strip():
            raise PatchError(f"unexpected line after '*** Delete File': {line[:60]!r}")
    if not changes:
        raise PatchError("the patch names no file")
    return changes


def _update_line(change: Change, line: str) -> None:
    if line.startswith(_MOVE) and not change.hunks:
        change.move_to = line[len(_MOVE) :].strip()
    elif line.startswith("@@"):
        context = line[2:].strip()
        change.hunks.append((context or None, [], []))
    elif line.strip() == _EOF:
        pass
    else:
        if not change.hunks:
            change.hunks.append((None, [], []))
        _, old, new = change.hunks[-1]
        kind, body = (line[:1], line[1:]) if line else (" ", "")
        if kind == " ":
            old.append(body)
            new.append(body)
        elif kind == "-":
            old.append(body)
        elif kind == "+":
            new.append(body)
        else:
            raise PatchError(f"a hunk line starts with ' ', '-' or '+': {line[:60]!r}")


def _seek(lines: Sequence[str], pattern: Sequence[str], start: int) -> int:
    """Where ``pattern`` occurs in ``lines`` from ``start``: exact, then ignoring trailing
    whitespace, then surrounding whitespace (as Codex seeks); -1 when it does not."""
    if not pattern:
        return start
    norms: tuple[Callable[[str], str], ...] = (lambda s: s, str.rstrip, str.strip)
    for norm in norms:
        want = [norm(p) for p in pattern]
        for at in range(start, len(lines) - len(pattern) + 1):
            if all(norm(lines[at + i]) == want[i] for i in range(len(pattern))):
                return at
    return -1


def apply_hunks(original: str, hunks: Sequence[tuple[str | None, list[str], list[str]]]) -> str | None:
    """``original`` after the hunks, or None when one does not apply."""
    lines = original.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    at = 0
    for context, old, new in hunks:
        if context is not None:
            found = _seek(lines, [context], at)
            if found < 0:
                return None
            at = found + 1
        old_lines, new_lines = list(old), list(new)
        found = _seek(lines, old_lines, at)
        if found < 0:
            return None
        if not old_lines:
            found = len(lines) if context is None else at
        lines[found : found + len(old_lines)] = new_lines
        at = found + len(new_lines)
    return "\n".join(lines) + "\n"


def resolve(path: str, cwd: str) -> str:
    """A patch path made absolute against the session's cwd."""
    return os.path.normpath(path if os.path.isabs(path) else os.path.join(cwd or "/", path))


#: Largest file read to work out an update's content (larger: the content is unknown).
MAX_READ = 8 * 1024 * 1024


def read_text(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_READ + 1)
        return None if len(data) > MAX_READ else data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _inside(path: str, cwd: str) -> bool:
    """True when ``path`` (symlinks resolved) lies inside the session's cwd."""
    root = os.path.realpath(cwd or "/")
    real = os.path.realpath(path)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def describe(
    text: str, cwd: str, *, applied: bool = False, read: Callable[[str], str | None] = read_text
) -> list[dict[str, object]]:
    """Each file of the patch as ``{action, file_path, [content], [old_content], [moved_from]}``.

    ``file_path`` is absolute (the destination of a move); ``content`` is the file's
    text after the patch (None when a hunk does not apply or the file cannot be read);
    ``old_content`` the text before it, for an update. ``applied``: the patch is on
    disk already (PostToolUse), so an update's content is read, not computed. Only files
    inside ``cwd`` are read (a patch is the model's input: a path out of the project must
    not bring another file's text into hookmux's records); elsewhere the content is unknown.
    """

    def read_inside(path: str) -> str | None:
        return read(path) if _inside(path, cwd) else None

    out: list[dict[str, object]] = []
    for change in parse_patch(text):
        path = resolve(change.path, cwd)
        if change.action == "add":
            content = "".join(f"{line}\n" for line in change.content)
            out.append({"action": "add", "file_path": path, "content": content})
        elif change.action == "delete":
            out.append({"action": "delete", "file_path": path})
        else:
            target = resolve(change.move_to, cwd) if change.move_to else path
            if applied:
                before, after = None, read_inside(target)
            else:
                before = read_inside(path)
                after = None if before is None else apply_hunks(before, change.hunks)
            item: dict[str, object] = {"action": "update", "file_path": target, "content": after}
            if before is not None:
                item["old_content"] = before
            if change.move_to:
                item["moved_from"] = path
            out.append(item)
    return out
