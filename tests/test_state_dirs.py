"""A plugin's private directories: ``ctx.state_dir`` (kept) and ``ctx.scratch_dir`` (short-lived)."""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from hookmux.routing.context import HookContext
from hookmux.state import paths


def context(home: Path, plugin: str = "demo") -> HookContext:
    return HookContext(plugin=plugin, config=None, project_dir=str(home), home=str(home),
                       deadline=time.monotonic() + 5)  # fmt: skip


@pytest.fixture
def shared_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for /dev/shm (sticky and open to all, as it is), this process's choices forgotten."""
    where = tmp_path / "shm"
    where.mkdir()
    where.chmod(0o1777)
    monkeypatch.setattr(paths, "SHARED_MEMORY", str(where))
    monkeypatch.setattr(paths, "_scratch", {})
    return where


def mode(path: str | Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_state_dir_removed_while_the_process_runs_is_made_again(tmp_path: Path) -> None:
    ctx = context(tmp_path / "home")
    first = ctx.state_dir
    assert mode(first) == 0o700
    shutil.rmtree(first)
    assert ctx.state_dir == first
    assert os.path.isdir(first) and mode(first) == 0o700


def test_the_scratch_dir_is_in_shared_memory_private_and_the_same_for_every_process_of_a_home(
    shared_memory: Path, tmp_path: Path
) -> None:
    home, other = tmp_path / "home", tmp_path / "other-home"
    scratch = context(home).scratch_dir
    base = shared_memory / f"hookmux-{os.getuid()}"
    assert Path(scratch).parent.parent.parent == base
    assert mode(base) == 0o700 and mode(scratch) == 0o700
    paths._scratch.clear()  # as another process would find it
    assert context(home).scratch_dir == scratch
    assert context(home, "other-plugin").scratch_dir != scratch
    assert Path(context(other).scratch_dir).parent != Path(scratch).parent
    assert not (home / "scratch").exists()


@pytest.mark.parametrize("planted", ["a link to another user's directory", "a directory others may enter"])
def test_a_shared_memory_directory_that_is_not_private_is_not_used(
    shared_memory: Path, tmp_path: Path, planted: str
) -> None:
    base = shared_memory / f"hookmux-{os.getuid()}"
    elsewhere = tmp_path / "planted"
    elsewhere.mkdir(mode=0o700)
    if planted.startswith("a link"):
        base.symlink_to(elsewhere)
    else:
        base.mkdir()
        base.chmod(0o755)
    home = tmp_path / "home"
    scratch = context(home).scratch_dir
    assert scratch == str(home / "scratch" / "plugins" / "demo")
    assert mode(scratch) == 0o700
    assert list(elsewhere.iterdir()) == []


def test_without_shared_memory_the_scratch_dir_is_under_the_home(
    shared_memory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "SHARED_MEMORY", str(tmp_path / "no-such-dir"))
    home = tmp_path / "home"
    assert context(home).scratch_dir == str(home / "scratch" / "plugins" / "demo")


def test_a_shared_memory_directory_emptied_meanwhile_is_checked_again(
    shared_memory: Path, tmp_path: Path
) -> None:
    """The system may empty /dev/shm of a user's files (logind's RemoveIPC at the last
    logout): the directory is made private again, and one that another user made
    meanwhile is not used."""
    home = tmp_path / "home"
    ctx = context(home)
    base = shared_memory / f"hookmux-{os.getuid()}"
    scratch = ctx.scratch_dir
    shutil.rmtree(base)
    assert ctx.scratch_dir == scratch
    assert mode(base) == 0o700 and mode(scratch) == 0o700
    if os.getuid() != 0:
        return  # making a directory another user owns takes root
    shutil.rmtree(base)
    base.mkdir(mode=0o700)
    os.chown(base, 65534, 65534)
    assert ctx.scratch_dir == str(home / "scratch" / "plugins" / "demo")
    assert list(base.iterdir()) == []
