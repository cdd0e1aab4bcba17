"""The daemon's change hint: the stat check of plugins and import paths is skipped only
while the kernel reports nothing that could have changed them."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest

from hookmux.state.changes import ChangeHint

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    site = tmp_path / "site"
    (site / "plugin").mkdir(parents=True)
    source = site / "plugin" / "__init__.py"
    source.write_text("x = 1\n")
    return site, source


def nothing_new(hint: ChangeHint) -> bool:
    return hint.maybe_changed() is False


def test_the_first_look_is_always_taken(tree: tuple[Path, Path]) -> None:
    site, source = tree
    hint = ChangeHint([str(site), str(source)])
    assert hint.fd is not None
    assert hint.maybe_changed() is True
    assert nothing_new(hint) and nothing_new(hint)


@pytest.mark.parametrize(
    "change",
    [
        "edit the source",
        "touch the source",
        "replace the source by a rename",
        "delete the source",
        "install into the import path",
        "remove from the import path",
        "create a missing import path",
    ],
)
def test_every_change_the_stat_check_sees_is_reported(tree: tuple[Path, Path], change: str) -> None:
    site, source = tree
    missing = site.parent / "not-yet" / "site-packages"
    hint = ChangeHint([str(site), str(source), str(missing)])
    hint.maybe_changed()
    assert nothing_new(hint)
    if change == "edit the source":
        with source.open("a") as fh:
            fh.write("y = 2\n")
    elif change == "touch the source":
        os.utime(source, ns=(1, 1))
    elif change == "replace the source by a rename":
        (site / "plugin" / "new.py").write_text("x = 3\n")
        hint.maybe_changed()
        os.replace(site / "plugin" / "new.py", source)
    elif change == "delete the source":
        source.unlink()
    elif change == "install into the import path":
        (site / "newcomer-1.0.dist-info").mkdir()
    elif change == "remove from the import path":
        (site / "plugin" / "__init__.py").unlink()
        (site / "plugin").rmdir()
    else:
        missing.mkdir(parents=True)
    assert hint.maybe_changed() is True
    assert nothing_new(hint)


def test_without_a_watch_every_look_is_taken(tmp_path: Path) -> None:
    hint = ChangeHint([str(tmp_path)])
    hint.close()
    assert hint.maybe_changed() is True and hint.maybe_changed() is True


def test_watched_settings_are_reused_until_a_config_file_changes(tmp_path: Path) -> None:
    from hookmux.config import SettingsCache

    project = tmp_path / "project"
    project.mkdir()
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOOKMUX_HOME": str(tmp_path / "home")}
    cache = SettingsCache(watch=True)

    def timeout() -> float:  # a plain key: a project file sets it without trust
        return float(cache.load(str(project), environ).core.dedupe_ttl)

    first = cache.load(str(project), environ)
    assert cache.load(str(project), environ) is first  # nothing changed: not even a stat
    # .claude does not exist yet: its creation, then the file's, are seen at once.
    (project / ".claude").mkdir()
    (project / ".claude" / "hookmux.toml").write_text("[hookmux]\ndedupe_ttl = 3.0\n")
    assert timeout() == 3.0
    # Same size, same second: only the watch can tell.
    (project / ".claude" / "hookmux.toml").write_text("[hookmux]\ndedupe_ttl = 4.0\n")
    assert timeout() == 4.0
    (tmp_path / "config" / "hookmux").mkdir(parents=True)
    (tmp_path / "config" / "hookmux" / "config.toml").write_text("[hookmux]\ndeadline = 7.0\n")
    assert cache.load(str(project), environ).core.deadline == 7.0
    (project / ".claude" / "hookmux.toml").unlink()
    assert timeout() == 3600.0


def test_pending_tells_of_a_change_without_taking_it(tree: tuple[Path, Path]) -> None:
    # The daemon's threads ask pending() without a lock; the one that then takes the
    # news with maybe_changed() must still get it.
    site, source = tree
    hint = ChangeHint([str(site), str(source)])
    assert hint.pending() is True  # the first look is still to be taken
    assert hint.maybe_changed() is True
    assert hint.pending() is False
    source.write_text("x = 2\n")
    assert hint.pending() is True
    assert hint.pending() is True
    assert hint.maybe_changed() is True
    assert hint.pending() is False
    assert nothing_new(hint)


def test_news_being_acted_on_is_not_quiet_though_the_kernel_has_no_more(tree: tuple[Path, Path]) -> None:
    # The daemon's threads ask quiet() without a lock while one thread has drained the
    # kernel's news and not yet cleared what it loaded: they must not use it meanwhile.
    site, source = tree
    hint = ChangeHint([str(site), str(source)])
    with hint.news() as news:
        assert news is True  # the first look
        assert hint.pending() is False and hint.quiet() is False
    assert hint.quiet() is True
    source.write_text("x = 3\n")
    assert hint.quiet() is False
    with hint.news() as news:
        assert news is True and hint.quiet() is False
    assert hint.quiet() is True
    with hint.news() as news:
        assert news is False
    with contextlib.suppress(RuntimeError), hint.news():
        raise RuntimeError("the taker failed")
    assert hint.quiet() is True  # a failed taker does not leave every event on the slow path
