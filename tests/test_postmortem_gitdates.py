"""Publication time without front matter: the file's first commit in git, else its mtime."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from opskpi.etl.sources.postmortems import read_postmortems

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

POSTMORTEM = "# Postmortem — INC-20260301-1 (Sev2)\npagerduty:Q1ABC2DEF\n"
MAR_10_UTC = 1773144000  # 2026-03-10T12:00:00+00:00


def git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env |= {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}  # fmt: skip
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "postmortems").mkdir()
    return tmp_path


def test_first_commit_date_then_mtime_for_uncommitted_files(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = repo / "postmortems"
    (folder / "a.md").write_text(POSTMORTEM, encoding="utf-8")
    git(repo, "add", "postmortems/a.md")
    git(repo, "commit", "-q", "-m", "a", date="2026-03-02T14:00:00-03:00")
    # Later edits and a rename keep the date of the first commit.
    (folder / "a.md").write_text(POSTMORTEM + "\nMore detail.\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "edit", date="2026-03-04T09:00:00-03:00")
    (folder / "2026").mkdir()
    git(repo, "mv", "postmortems/a.md", "postmortems/2026/a.md")
    git(repo, "commit", "-q", "-m", "move", date="2026-03-06T09:00:00-03:00")
    # Not committed yet: its modification time.
    (folder / "b.md").write_text(POSTMORTEM, encoding="utf-8")
    os.utime(folder / "b.md", (MAR_10_UTC, MAR_10_UTC))
    # As inside a git hook: GIT_DIR must not send the lookup to another repository.
    monkeypatch.setenv("GIT_DIR", str(repo / "elsewhere.git"))

    postmortems, errors = read_postmortems(folder)

    assert errors == []
    assert [(pm["id"], pm["published_at"], pm["published_at_source"]) for pm in postmortems] == [
        ("2026/a.md", "2026-03-02T14:00:00-03:00", "git"),
        ("b.md", "2026-03-10T12:00:00+00:00", "mtime"),
    ]


def test_front_matter_date_wins_over_git(repo: Path) -> None:
    folder = repo / "postmortems"
    (folder / "a.md").write_text(
        "---\npublished_at: 2026-03-03T08:00:00Z\n---\n" + POSTMORTEM, encoding="utf-8"
    )
    git(repo, "add", "postmortems/a.md")
    git(repo, "commit", "-q", "-m", "a", date="2026-03-02T14:00:00-03:00")

    [pm], _ = read_postmortems(folder)

    assert (pm["published_at"], pm["published_at_source"]) == (
        "2026-03-03T08:00:00Z",
        "front_matter",
    )
