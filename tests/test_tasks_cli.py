"""`baocao tasks` and `baocao view` from the command line."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from icalendar import Calendar

from baocao.cli import main
from conftest import DOCS, SEED


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_jsonl_and_csv_list_the_seed_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    records = [
        json.loads(x) for x in _run(capsys, "tasks", str(SEED), "--format", "jsonl").splitlines()
    ]
    assert len(records) >= 12
    due = [r for r in records if r["due"]]
    assert [(r["due"], r["relation"]) for r in due] == [("2023-12-10", "before")]
    rows = list(csv.DictReader(io.StringIO(_run(capsys, "tasks", str(SEED), "--format", "csv"))))
    assert len(rows) == len(records)
    assert any("UBMTTQ (chủ trì)" in row["owners"] for row in rows)


def test_filters(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, "tasks", str(SEED), "--format", "jsonl", "--due-before", "2023-12-31")
    assert [json.loads(x)["due"] for x in out.splitlines()] == ["2023-12-10"]
    out = _run(capsys, "tasks", str(SEED), "--format", "jsonl", "--from-date", "2024-01-01")
    assert out == ""
    out = _run(capsys, "tasks", str(SEED), "--format", "jsonl", "--owner", "UBMTTQ")
    owners = [[o["name"] for o in json.loads(x)["owners"]] for x in out.splitlines()]
    assert owners and all(any("UBMTTQ" in n for n in names) for names in owners)


def test_ics_has_one_todo_per_dated_task(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "tasks.ics"
    _run(capsys, "tasks", str(SEED), "--format", "ics", "-o", str(target))
    calendar = Calendar.from_ical(target.read_bytes())
    todos = [c for c in calendar.walk() if c.name == "VTODO"]
    assert len(todos) == 1
    # "trước 10/12/2023": done by the day before.
    assert todos[0].decoded("due").isoformat() == "2023-12-09"
    assert "Nghị quyết số 16" in str(todos[0]["summary"])


def test_tasks_read_the_outputs_of_parse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for path in DOCS.glob("*.txt"):
        shutil.copy(path, reports / path.name)
    out = tmp_path / "out"
    assert main(["parse", str(reports), "-o", str(out), "-j", "1"]) == 0
    capsys.readouterr()
    from_json = _run(capsys, "tasks", str(out), "--format", "jsonl").splitlines()
    from_docs = _run(capsys, "tasks", str(reports), "--format", "jsonl").splitlines()
    assert len(from_json) == len(from_docs) > 40
    key = lambda line: (json.loads(line)["task"], json.loads(line)["text"])  # noqa: E731
    assert sorted(map(key, from_json)) == sorted(map(key, from_docs))


def test_bad_input_is_one_line_and_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)))
    assert main(["tasks", str(SEED), str(junk), "--format", "jsonl"]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("\n") >= 12
    assert captured.err.strip().startswith(f"baocao: {junk}")


def test_view_writes_the_review_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "review.html"
    assert main(["view", str(SEED), "-o", str(target)]) == 0
    page = target.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "trước 10/12/2023" in page
