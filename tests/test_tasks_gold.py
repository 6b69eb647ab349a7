"""Tasks against gold written by reading (corpus/gold/*.tasks.json; conventions in GOLD.md).

A predicted task matches a gold one when it starts on the same source line and its text starts
with the gold's first words. Reported: task detection precision/recall, deadline accuracy (over
all gold tasks: the matched task's deadline date and relation equal the gold's, none where the gold
has none), and owner recall (gold owners found among the matched task's owners, fuzzy, same role).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rapidfuzz import fuzz

import baocao
from baocao.parser.normalize import normalize
from baocao.parser.readers import read_path

GOLD_DIR = Path(__file__).resolve().parent.parent / "corpus" / "gold"
GOLD_FILES = sorted(GOLD_DIR.glob("*.tasks.json"))
MIN_DEADLINE_ACCURACY = 0.9
MIN_TASK_F1 = 0.8


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _evaluate(path: Path) -> dict[str, int]:
    gold = json.loads(path.read_text("utf-8"))
    source = GOLD_DIR.parent.parent / gold["source"]
    doc = baocao.parse(source)
    norm = normalize(read_path(source))
    predicted = [(norm.source_line(t.span[0]), t) for t in doc.tasks]
    counts = dict(
        gold=len(gold["tasks"]),
        predicted=len(predicted),
        matched=0,
        deadline_ok=0,
        owners_gold=0,
        owners_found=0,
    )
    used: set[str] = set()
    for g in gold["tasks"]:
        start = _norm(g["text_start"])
        hit = next(
            (
                t
                for line, t in predicted
                if t.id not in used and line == g["line"] and _norm(t.text).startswith(start[:25])
            ),
            None,
        )
        counts["owners_gold"] += len(g["owners"])
        if hit is None:
            print(f"  miss {path.name[:3]}:{g['line']} {g['text_start'][:50]!r}")
            continue
        used.add(hit.id)
        counts["matched"] += 1
        want = g["deadline"]
        got = hit.deadline
        if (want is None and got is None) or (
            want is not None
            and got is not None
            and (got.date, got.relation) == (want["date"], want["relation"])
        ):
            counts["deadline_ok"] += 1
        for owner in g["owners"]:
            if any(
                o.role == owner["role"] and fuzz.ratio(_norm(o.name), _norm(owner["name"])) >= 85
                for o in hit.owners
            ):
                counts["owners_found"] += 1
    for line, t in predicted:
        if t.id not in used:
            print(f"  extra {path.name[:3]}:{line} {t.text[:50]!r}")
    return counts


@pytest.fixture(scope="module")
def totals() -> dict[str, int]:
    total: dict[str, int] = {}
    for path in GOLD_FILES:
        for key, value in _evaluate(path).items():
            total[key] = total.get(key, 0) + value
    return total


def test_task_gold_covers_seed_and_corpus() -> None:
    assert len(GOLD_FILES) >= 4


def test_tasks_against_gold(totals: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    precision = totals["matched"] / totals["predicted"] if totals["predicted"] else 0.0
    recall = totals["matched"] / totals["gold"]
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    deadline_accuracy = totals["deadline_ok"] / totals["gold"]
    owner_recall = totals["owners_found"] / totals["owners_gold"] if totals["owners_gold"] else 1.0
    with capsys.disabled():
        print(
            f"\ntasks on gold: P {precision:.3f} R {recall:.3f} F1 {f1:.3f} "
            f"({totals['gold']} gold); deadline accuracy {deadline_accuracy:.3f}; "
            f"owner recall {owner_recall:.3f} ({totals['owners_gold']} gold owners)"
        )
    assert deadline_accuracy >= MIN_DEADLINE_ACCURACY
    assert f1 >= MIN_TASK_F1
