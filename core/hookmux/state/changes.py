"""When the daemon must look again at what it loaded: an inotify hint (Linux).

``hookmux serve`` checks before each event that its plugins are still the
installed ones (an ``os.stat`` of every import path and plugin source, about
fifteen calls, a tenth of a warm event's time) and that the config files have
not changed (:class:`~hookmux.config.SettingsCache`). Here the kernel says
whether any of them may have changed since the last look, in one ``ioctl``;
the stat checks run only then. Anything short of a working watch on every
path (another OS, no inotify, too many watches) keeps the checks on every event.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator

# <asm-generic/ioctls.h>: bytes ready to read
_FIONREAD = 0x541B
# <sys/inotify.h>
_IN_MODIFY = 0x002
_IN_ATTRIB = 0x004
_IN_CLOSE_WRITE = 0x008
_IN_MOVED_FROM = 0x040
_IN_MOVED_TO = 0x080
_IN_CREATE = 0x100
_IN_DELETE = 0x200
_IN_DELETE_SELF = 0x400
_IN_MOVE_SELF = 0x800
#: Whatever changes a file's or a directory's mtime, or replaces or removes it.
WATCHED = (
    _IN_MODIFY
    | _IN_ATTRIB
    | _IN_CLOSE_WRITE
    | _IN_MOVED_FROM
    | _IN_MOVED_TO
    | _IN_CREATE
    | _IN_DELETE
    | _IN_DELETE_SELF
    | _IN_MOVE_SELF
)


class ChangeHint:
    """``maybe_changed()`` is False only while nothing watched changed since the previous
    call; the first call is always True. Watches are set on ``paths`` and by :meth:`watch`."""

    def __init__(self, paths: Iterable[str] = ()) -> None:
        import fcntl

        self.fd: int | None = None
        self._first = True
        #: a caller took the news and has not yet acted on it (see :meth:`news`)
        self._taking = False
        try:
            import ctypes

            self._libc = ctypes.CDLL(None, use_errno=True)
            fd = int(self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC))
        except (OSError, AttributeError, ImportError):
            return  # no inotify here: every call says True
        if fd < 0:
            return
        self.fd = fd
        self._ioctl = fcntl.ioctl
        if not self.watch(paths):
            self.close()

    def watch(self, paths: Iterable[str]) -> bool:
        """Watch ``paths`` too (a path watched already costs a call); False when some
        could not be watched (then no change to them would be reported)."""
        if self.fd is None:
            return False
        for path in dict.fromkeys(_targets(paths)):
            if self._libc.inotify_add_watch(self.fd, os.fsencode(path), WATCHED) < 0:
                return False
        return True

    def pending(self) -> bool:
        """Would :meth:`maybe_changed` say True now? Asked without taking the news (by
        many threads at once, without a lock)."""
        return self.fd is None or self._first or self._unread()

    def quiet(self) -> bool:
        """Nothing changed, and no caller is still acting on news it took: what was
        loaded may be used as is. Asked by many threads at once, without a lock."""
        # The kernel's word first, then the flag: news drained after the kernel spoke
        # has its taker's flag set until the taker has acted on it. (pending(), inlined:
        # this is asked on every event.)
        return not (self.fd is None or self._first or self._unread()) and not self._taking

    @contextlib.contextmanager
    def news(self) -> Iterator[bool]:
        """:meth:`maybe_changed`, with :meth:`quiet` False until the ``with`` block that
        acts on the answer ends. For one taker at a time (under the taker's lock)."""
        self._taking = True  # before the drain: no moment when neither says "look"
        try:
            yield self.maybe_changed()
        finally:
            self._taking = False

    def _unread(self) -> bool:
        """Has the kernel reported something not read yet? Told by the count of bytes
        ready (FIONREAD), not a read: "nothing happened" must be the cheap answer (no
        exception), and unlike a poll object it may be asked by threads at once."""
        fd = self.fd
        if fd is None:  # closed meanwhile
            return True
        try:
            return self._ioctl(fd, _FIONREAD, b"\0\0\0\0") != b"\0\0\0\0"
        except OSError:
            return True

    def maybe_changed(self) -> bool:
        if self.fd is None:
            return True
        changed = self._first
        self._first = False
        if not self._unread():
            return changed
        try:
            while os.read(self.fd, 1 << 16):  # drain: every event means "look"
                changed = True
        except BlockingIOError:
            return changed
        except OSError:
            return True
        return True

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _targets(paths: Iterable[str]) -> Iterable[str]:
    """Each path and its directory (a file replaced by a rename is an event of the
    directory); for a path that does not exist, its nearest existing ancestor, which
    sees it appear."""
    for given in paths:
        path = os.path.abspath(given or ".")
        while not os.path.exists(path) and os.path.dirname(path) != path:
            path = os.path.dirname(path)
        yield path
        yield os.path.dirname(path)
