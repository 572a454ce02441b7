"""Postmortem files are untrusted input: a YAML alias bomb, a 50 MB file, a symbolic link out of
the folder, a FIFO, a lone surrogate or a parser failure each cost that one file (a reject
naming it and why), never the folder, the sync or the marts build; no message repeats an
unbounded value."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import duckdb
import pytest

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.sources.postmortems import read_actions_csv, read_postmortems
from opskpi.etl.sources.postmortems import reader as reader_module
from opskpi.etl.sync import run_sync
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer

REPO = Path(__file__).resolve().parents[1]
MAX_REASON = 600  # characters: a reason is a sentence, never a dump of the file


def postmortem(reference: str, incident: str) -> str:
    return f"""---
incidents: ["pagerduty:{incident}"]
severity: sev2
root_cause: capacity
published_at: 2026-03-02T14:00:00-03:00
---
# Postmortem — {reference} (Sev2)

## Causa-raiz
Pool de conexões saturado.
"""


GOOD = {
    "INC-20260301-1.md": postmortem("INC-20260301-1", "Q1"),
    "INC-20260302-1.md": postmortem("INC-20260302-1", "Q2"),
    "INC-20260303-1.md": postmortem("INC-20260303-1", "Q3"),
}


def alias_bomb(levels: int = 8) -> str:
    """Nested anchors under ``incidents:``: a list of 9 strings, then ``levels`` lists each
    naming the one above 9 times, so the last stands for 9**(levels + 1) strings
    (9**9 = 387,420,489) in under 500 bytes."""
    lines = ["---", "incidents:", "  - &a [" + ", ".join(['"pagerduty:Q1"'] * 9) + "]"]
    for previous, name in itertools.pairwise("abcdefghijklmnop"[: levels + 1]):
        lines.append(f"  - &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join([*lines, "---", "# Postmortem — INC-20260304-1 (Sev2)", ""])


def make_folder(tmp_path: Path, extra: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "pm"
    folder.mkdir()
    for name, text in {**GOOD, **extra}.items():
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (folder / name).write_bytes(data)
    return folder


def settings_for(tmp_path: Path, **postmortems: object) -> Settings:
    return settings_from_dict(
        {"warehouse": {"path": "wh.duckdb"}, "postmortems": {"path": "pm", **postmortems}},
        base_dir=tmp_path,
        origin="test",
    )


def rejects(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "select location, reason from raw_rejects where source = 'postmortems'"
    ).fetchall()
    return {location: reason for location, reason in rows}


def landed(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select object_id from raw_objects where source = 'postmortems' "
        "and object_type = 'postmortem' and deleted_at is null"
    ).fetchall()
    return {r[0] for r in rows}


# -- the YAML bomb -----------------------------------------------------------------------------

_BOMB_CHILD = """
import json, resource, sys
from pathlib import Path
from opskpi.etl.sources.postmortems import read_postmortems

# the address space this process has after its imports, plus 256 MiB: the parse must fit
status = open("/proc/self/status").read().split("VmSize:")[1].split()[0]
cap = int(status) * 1024 + 256 * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
postmortems, errors = read_postmortems(Path(sys.argv[1]))
print(json.dumps({"ids": sorted(p["id"] for p in postmortems),
                  "errors": [[e.path, e.line, e.reason] for e in errors]}))
"""


def test_a_yaml_alias_bomb_is_refused_under_a_memory_cap(tmp_path: Path) -> None:
    bomb = alias_bomb()
    assert len(bomb.encode()) < 500
    folder = make_folder(tmp_path, {"bomb.md": bomb})
    done = subprocess.run(
        [sys.executable, "-c", _BOMB_CHILD, str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["ids"] == sorted(GOOD)  # the three good postmortems, whole
    [(path, line, reason)] = result["errors"]
    assert (path, line) == ("bomb.md", 3)  # the first anchor: '&a' on line 3 of the file
    assert "anchors and aliases (&name, *name) are not accepted" in reason
    assert reason.endswith("the file was skipped")


def test_a_bomb_does_not_abort_the_postmortems_source(tmp_path: Path) -> None:
    make_folder(tmp_path, {"bomb.md": alias_bomb()})
    settings = settings_for(tmp_path)
    con = open_writer(settings.warehouse_path)
    try:
        report = run_sync(settings, con=con)
        assert report.ok, report.results
        assert landed(con) == set(GOOD)
        assert list(rejects(con)) == ["bomb.md:3"]
    finally:
        con.close()


def test_nesting_is_bounded(tmp_path: Path) -> None:
    deep = "---\nincidents: " + "[" * 50_000 + "]" * 50_000 + "\n---\n# Postmortem — X (Sev2)\n"
    folder = make_folder(tmp_path, {"deep.md": deep})
    postmortems, errors = read_postmortems(folder)
    assert sorted(p["id"] for p in postmortems) == sorted(GOOD)
    [error] = errors
    assert error.path == "deep.md"
    assert "nested more than 20 levels deep" in error.reason


# -- size ----------------------------------------------------------------------------------------


def write_big(path: Path, megabytes: int) -> int:
    line = ("Linha do relato do incidente, repetida para encher o arquivo. " * 16 + "\n").encode()
    with path.open("wb") as out:
        out.write(b"# Postmortem \xe2\x80\x94 INC-20260305-1 (Sev2)\n")
        for _ in range(megabytes * 1_000_000 // len(line) + 1):
            out.write(line)
    return path.stat().st_size


def test_a_50_mb_postmortem_is_refused_unread_and_named(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, {})
    size = write_big(folder / "enorme.md", 50)
    assert size > 50_000_000
    tracemalloc.start()
    try:
        postmortems, errors = read_postmortems(folder, max_file_size=4_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sorted(p["id"] for p in postmortems) == sorted(GOOD)
    assert [(e.path, e.line, e.reason) for e in errors] == [
        (
            "enorme.md",
            None,
            f"is {size:,} bytes, over [postmortems] max_file_size (4,000,000 bytes); "
            "the file was skipped",
        )
    ]
    assert peak < 5_000_000  # the file was never read into memory (50 MB)


def test_the_marts_build_publishes_with_a_50_mb_file_in_the_folder(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, {})
    size = write_big(folder / "enorme.md", 50)
    settings = settings_for(tmp_path)  # the default cap: "4MB"
    assert settings.model.postmortems is not None
    assert settings.model.postmortems.max_file_size == 4_000_000
    con = open_writer(settings.warehouse_path, memory_limit="256MB")
    try:
        assert run_sync(settings, con=con).ok
        build_and_publish(settings, con)
    finally:
        con.close()
    served = duckdb.connect(str(settings.serving_path), read_only=True)
    try:
        ids = {r[0] for r in served.execute("select postmortem_id from postmortems").fetchall()}
        issues = served.execute(
            "select object_key, problem from data_quality_issues where entity like 'raw %'"
        ).fetchall()
    finally:
        served.close()
    assert ids == set(GOOD)
    assert issues == [
        (
            "enorme.md",
            f"is {size:,} bytes, over [postmortems] max_file_size (4,000,000 bytes); "
            "the file was skipped",
        )
    ]


def test_the_cap_is_configurable_and_applies_to_the_actions_csv(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, {})
    settings = settings_for(tmp_path, max_file_size="1KB", actions_csv="pm/actions.csv")
    assert settings.model.postmortems is not None
    assert settings.model.postmortems.max_file_size == 1_000
    header = "id,postmortem,incident,action,owner,due_date,status,completed_on,must_fix\n"
    row = "AC-1,INC-20260301-1,pagerduty:Q1,Ajustar,@bob,2026-03-20,Aberta,,não\n"
    (folder / "actions.csv").write_text(header + row * 20, encoding="utf-8")  # 20 × 66 + 73 B
    size = (folder / "actions.csv").stat().st_size
    assert size == len(header.encode()) + 20 * len(row.encode()) > 1_000
    actions, errors = read_actions_csv(folder / "actions.csv", max_file_size=1_000)
    assert actions == []
    assert [(e.path, e.reason) for e in errors] == [
        (
            "actions.csv",
            f"is {size:,} bytes, over [postmortems] max_file_size (1,000 bytes); "
            "no action was loaded from it",
        )
    ]


# -- links and special files --------------------------------------------------------------------


def test_a_symlink_out_of_the_folder_is_refused_one_inside_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "fora.md"
    secret.write_text(postmortem("INC-20260309-9", "QSEGREDO"), encoding="utf-8")
    folder = make_folder(tmp_path, {})
    (folder / "link-fora.md").symlink_to(secret)
    (folder / "link-dentro.md").symlink_to(folder / "INC-20260301-1.md")
    postmortems, errors = read_postmortems(folder)
    assert sorted(p["id"] for p in postmortems) == sorted([*GOOD, "link-dentro.md"])
    assert all("QSEGREDO" not in json.dumps(p) for p in postmortems)
    assert [(e.path, e.reason) for e in errors] == [
        (
            "link-fora.md",
            "is a symbolic link to a file outside the postmortems folder, which is not "
            "followed (copy the file into the folder instead); the file was skipped",
        )
    ]


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, {})
    os.mkfifo(folder / "pipe.md")
    postmortems, errors = read_postmortems(folder)
    assert sorted(p["id"] for p in postmortems) == sorted(GOOD)
    assert [(e.path, e.reason) for e in errors] == [
        ("pipe.md", "is not a regular file (a FIFO, socket or device?); the file was skipped")
    ]


# -- isolation -------------------------------------------------------------------------------------


def test_a_lone_surrogate_costs_its_file_not_the_source(tmp_path: Path) -> None:
    text = postmortem("INC-20260306-1", "Q6").replace("severity: sev2", 'severity: "\\ud800"')
    make_folder(tmp_path, {"surrogate.md": text})
    settings = settings_for(tmp_path)
    con = open_writer(settings.warehouse_path)
    try:
        assert run_sync(settings, con=con).ok
        assert landed(con) == set(GOOD)
        assert rejects(con) == {
            "surrogate.md": "holds an escape that is not valid Unicode (a lone surrogate "
            "such as \\ud800, in the front matter?); the file was skipped"
        }
    finally:
        con.close()


def test_a_parser_failure_costs_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_folder(tmp_path, {})
    real = reader_module.markdown.parse

    def parse(lines: list[str], first_line: int = 1):  # type: ignore[no-untyped-def]
        if any("INC-20260302-1" in line for line in lines):
            raise IndexError("a bug in the parser")
        return real(lines, first_line)

    monkeypatch.setattr(reader_module.markdown, "parse", parse)
    postmortems, errors = read_postmortems(folder)
    assert sorted(p["id"] for p in postmortems) == ["INC-20260301-1.md", "INC-20260303-1.md"]
    assert [(e.path, e.reason) for e in errors] == [
        ("INC-20260302-1.md", "could not be parsed (IndexError); the file was skipped")
    ]


def test_messages_never_repeat_an_unbounded_value(tmp_path: Path) -> None:
    key = "k" * 1_000  # YAML's longest simple key (1024)
    item = "x" * 200_000
    text = f"---\n{key}: 1\nincidents: ['{item}']\nrelease: '{item}'\n---\n# Postmortem — X\n"
    columns = "| ID | Ação | Owner | Prazo | Status | " + "c" * 100_000 + " |"
    table = f"\n## Ações corretivas\n{columns}\n|" + "---|" * 6 + "\n"
    folder = make_folder(tmp_path, {"longo.md": text + table})
    _, errors = read_postmortems(folder)
    reasons = [e.reason.split(" ")[0:2] for e in errors]
    assert len(errors) == 4, reasons  # unknown key, bad incident item, bad release, column
    for error in errors:
        assert len(error.reason) <= MAX_REASON
        assert "k" * 100 not in error.reason and "x" * 100 not in error.reason
        assert "c" * 100 not in error.reason
    (tmp_path / "yaml").mkdir()
    broken = make_folder(tmp_path / "yaml", {"quebrado.md": f"---\na: [{item}\n---\n# X\n"})
    [error] = read_postmortems(broken)[1]
    assert error.path == "quebrado.md" and len(error.reason) <= MAX_REASON
