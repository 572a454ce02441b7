"""When a postmortem without a stated date was published: its first commit, else its mtime."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

# Set inside git hooks (a pre-commit running the sync or the tests); they would point our
# git calls at the hook's repository instead of the one holding the postmortems.
_GIT_LOCATION_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_PREFIX",
)


def _git(cwd: Path, *args: str) -> str | None:
    """git's stdout, or None when git is missing, fails or hangs (then the mtime is used)."""
    env = {key: value for key, value in os.environ.items() if key not in _GIT_LOCATION_VARS}
    try:
        done = subprocess.run(
            ["git", "-c", "log.showSignature=false", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout


class PublicationDates:
    """First-commit author dates when the folder is inside a git work tree, else mtimes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @cached_property
    def work_tree(self) -> Path | None:
        """Asked of git once, and only when some file has no front-matter date."""
        top = _git(self.folder, "rev-parse", "--show-toplevel")
        return Path(top.strip()).resolve() if top and top.strip() else None

    def first_commit(self, path: Path) -> str | None:
        """`git log --diff-filter=A --follow --format=%aI`: the oldest add (renames followed)."""
        if self.work_tree is None:
            return None
        try:
            relative = path.resolve().relative_to(self.work_tree).as_posix()
        except ValueError:
            return None
        out = _git(
            self.work_tree, "log", "--diff-filter=A", "--follow", "--format=%aI", "--", relative
        )
        dates = out.split() if out else []
        return dates[-1] if dates else None

    def of(self, path: Path) -> tuple[str, str]:
        """(ISO date with offset, 'git' | 'mtime')."""
        committed = self.first_commit(path)
        if committed:
            return committed, "git"
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        return mtime.isoformat(timespec="seconds"), "mtime"
