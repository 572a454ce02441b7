"""``write_postmortems``: the INTERFACES.md file format, as of an instant, with broken bits."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from simulator_specs import small_org

from opskpi.simulator import write_postmortems
from opskpi.simulator.markdown import LABELS
from opskpi.simulator.org import ROOT_CAUSES, Organisation

PT_HEADINGS = [
    "Resumo executivo",
    "Linha do tempo",
    "Impacto",
    "Detecção",
    "Causa-raiz",
    "O que funcionou / O que faltou",
    "Ações corretivas (SMART)",
    "Anexos",
]


@pytest.fixture(scope="module")
def org() -> Organisation:
    return small_org()


@pytest.fixture(scope="module")
def folder(org: Organisation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("postmortems")
    write_postmortems(org, path)
    return path


def _front_matter(text: str) -> dict | None:
    if not text.startswith("---\n"):
        return None
    return yaml.safe_load(text.split("---\n")[1])


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, heading
    return match.group(1)


def test_one_file_per_published_postmortem_plus_a_broken_one(
    org: Organisation, folder: Path
) -> None:
    files = {p.stem for p in folder.glob("*.md")}
    expected = {pm.id for pm in org.postmortems}
    assert files - expected == {"INC-rascunho-sem-revisao"}
    assert expected <= files
    broken = (folder / "INC-rascunho-sem-revisao.md").read_text()
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(broken.split("---\n")[1])


def test_front_matter_is_authoritative_and_exact(org: Organisation, folder: Path) -> None:
    checked = 0
    for pm in org.postmortems:
        text = (folder / f"{pm.id}.md").read_text()
        meta = _front_matter(text)
        assert (meta is not None) == pm.has_front_matter
        if meta is None:
            continue
        checked += 1
        assert meta["incidents"] == list(pm.incidents)
        assert meta["severity"] == pm.severity and meta["root_cause"] == pm.root_cause
        published = meta["published_at"]
        if isinstance(published, str):
            published = datetime.fromisoformat(published)
        assert published.astimezone(UTC) == pm.published_at
        assert meta.get("release") == pm.release
        assert text.split("---\n", 2)[2].startswith(
            f"# Postmortem — {pm.id} (Sev{pm.severity[-1]})"
        )
    assert checked and any(pm.release for pm in org.postmortems)


def test_bare_files_carry_what_a_reader_needs(org: Organisation, folder: Path) -> None:
    bare = [pm for pm in org.postmortems if pm.style == "bare_pt"]
    assert bare
    for pm in bare:
        path = folder / f"{pm.id}.md"
        text = path.read_text()
        assert path.stat().st_mtime == pytest.approx(pm.published_at.timestamp())
        assert re.search(rf"^# Postmortem — {pm.id} \(Sev{pm.severity[-1]}\)$", text, re.M)
        assert re.findall(r"^## (.+)$", text, re.M) == PT_HEADINGS
        cause = _section(text, "Causa-raiz")
        named = {k for k in ROOT_CAUSES if k in cause} | {
            k for k, label in LABELS.items() if label.lower() in cause.lower()
        }
        assert named == {pm.root_cause}
        ids = set(re.findall(r"/incidents/(Q[A-Z0-9]{13})", text))
        ids |= set(re.findall(r"/alert/detail/([0-9a-f-]+-\d{13})/", text))
        ids |= set(re.findall(r"/incident/detail/([0-9a-f-]{36})\b", text))
        assert ids == {k.split(":", 1)[1] for k in pm.incidents}


def test_english_headings_exist(org: Organisation, folder: Path) -> None:
    english = [pm for pm in org.postmortems if pm.style in ("bare_en", "front_matter_en")]
    assert english
    text = (folder / f"{english[0].id}.md").read_text()
    assert "## Root cause" in text and "## Corrective actions (SMART)" in text
    assert "| ID | Action | Owner | Due | Status | Completed on | Must-fix |" in text


def _table_rows(text: str, heading: str) -> list[list[str]]:
    rows = [line for line in _section(text, heading).splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_action_tables_and_csv(org: Organisation, folder: Path) -> None:
    today = org.end.astimezone(ZoneInfo(org.account_timezone)).date()
    seen_tables = 0
    for pm in org.postmortems:
        if pm.style != "front_matter":
            continue
        text = (folder / f"{pm.id}.md").read_text()
        assert "| ID | Ação | Owner | Prazo | Status | Concluída em | Must-fix |" in text
        rows = {r[0]: r for r in _table_rows(text, "Ações corretivas (SMART)")}
        for action in pm.actions:
            if action.in_csv:
                assert action.id not in rows
                continue
            status, completed = action.status_on(today)
            assert rows[action.id][1:] == [
                action.title,
                action.owner,
                action.due_date.isoformat(),
                status,
                completed.isoformat() if completed else "",
                "sim" if action.must_fix else "não",
            ]
            seen_tables += 1
    assert seen_tables
    with open(folder / "actions.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "id",
        "postmortem",
        "incident",
        "action",
        "owner",
        "due_date",
        "status",
        "completed_on",
        "must_fix",
    ]
    expected = [a for pm in org.postmortems for a in pm.actions if a.in_csv]
    assert len(rows) == len(expected) + 1
    broken = []
    for row in rows:
        try:
            date.fromisoformat(row["due_date"])
        except ValueError:
            broken.append(row)
    assert len(broken) == 1 and broken[0]["id"] == "AC-99"


def test_as_of_shows_the_folder_as_it_was(org: Organisation, tmp_path: Path) -> None:
    as_of = org.end - timedelta(days=20)
    write_postmortems(org, tmp_path, as_of=as_of, include_broken=False)
    files = {p.stem for p in tmp_path.glob("*.md")}
    assert files == {pm.id for pm in org.postmortems if pm.published_at <= as_of}
    day = as_of.astimezone(ZoneInfo(org.account_timezone)).date()
    later_done = [
        (pm, a)
        for pm in org.postmortems
        if pm.published_at <= as_of and pm.style == "front_matter"
        for a in pm.actions
        if not a.in_csv and a.completed_on and a.completed_on > day
    ]
    assert later_done
    pm, action = later_done[0]
    rows = {
        r[0]: r
        for r in _table_rows((tmp_path / f"{pm.id}.md").read_text(), "Ações corretivas (SMART)")
    }
    assert rows[action.id][4:6] == ["Em curso", ""]
