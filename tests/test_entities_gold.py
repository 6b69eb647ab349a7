"""Rule-stage accuracy against gold written by reading the documents (corpus/gold/*.entities.json).

A predicted entity matches a gold one when the type is equal, the spans overlap and the compared
value keys are equal (corpus/GOLD.md). Per-type precision and recall are micro-averaged over all
gold documents and printed; the test fails under the bars that the rule-stage issue sets.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import baocao
from baocao.parser.normalize import NormalizedText, clean_line, normalize
from baocao.parser.readers import read_path

GOLD_DIR = Path(__file__).resolve().parent.parent / "corpus" / "gold"
GOLD_FILES = sorted(GOLD_DIR.glob("*.entities.json"))
COMPARED = {
    "MONEY": ("amount", "approx", "per"),
    "COUNT": ("value", "total"),
    "QUANTITY": ("value", "unit"),
    "PERCENT": ("value",),
    "DATE": ("start", "end"),
    "DEADLINE": ("date", "relation"),
    "LEGAL_REF": ("kind", "number"),
}
MIN_F1 = {
    "MONEY": 0.95,
    "PERCENT": 0.95,
    "DATE": 0.95,
    "DEADLINE": 0.95,
    "COUNT": 0.85,
    "LEGAL_REF": 0.85,
    "QUANTITY": 0.85,
}


def _line_span(norm: NormalizedText, line: int) -> tuple[int, int]:
    for unit in norm.units:
        pos = unit.start
        for ln, length in zip(unit.lines, unit.hints["piece_lengths"], strict=True):
            if ln == line:
                return pos, pos + length
            pos += length + 1
    raise AssertionError(f"line {line} has no text")


def _gold_span(norm: NormalizedText, ent: dict) -> tuple[int, int]:
    start, _ = _line_span(norm, ent["line"])
    _, end = _line_span(norm, ent.get("end_line", ent["line"]))
    needle = clean_line(ent["text"])[0]
    pos = start - 1
    for _ in range(ent.get("occurrence", 1)):
        pos = norm.text.find(needle, pos + 1, end)
        assert pos >= 0, ent
    return pos, pos + len(needle)


def _same_value(kind: str, gold: dict, pred: dict) -> bool:
    for key in COMPARED[kind]:
        g, p = gold.get(key), pred.get(key)
        if isinstance(g, int | float) and isinstance(p, int | float) and not isinstance(g, bool):
            if abs(g - p) > 1e-6 * max(1.0, abs(g)):
                return False
        elif g != p:
            return False
    return True


def _score(path: Path) -> tuple[Counter, Counter, Counter, list[str]]:
    gold = json.loads(path.read_text("utf-8"))
    source = GOLD_DIR.parent.parent / gold["source"]
    doc = baocao.parse(source)
    norm = normalize(read_path(source))
    assert norm.text == doc.text
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    misses: list[str] = []
    predicted = [e for e in doc.entities if e.type in COMPARED]
    used: set[str] = set()
    for ent in gold["entities"]:
        n_gold[ent["type"]] += 1
        g0, g1 = _gold_span(norm, ent)
        hit = next(
            (
                p
                for p in predicted
                if p.id not in used
                and p.type == ent["type"]
                and p.span[0] < g1
                and g0 < p.span[1]
                and _same_value(p.type, ent["value"], p.value)
            ),
            None,
        )
        if hit:
            used.add(hit.id)
            tp[ent["type"]] += 1
        else:
            misses.append(f"miss {path.name[:3]}:{ent['line']} {ent['type']} {ent['text']!r}")
    for p in predicted:
        n_pred[p.type] += 1
        if p.id not in used:
            misses.append(f"extra {path.name[:3]} {p.type} {p.text!r} {p.value}")
    return tp, n_pred, n_gold, misses


@pytest.fixture(scope="module")
def scores() -> dict[str, tuple[float, float, float, int]]:
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    for path in GOLD_FILES:
        t, p, g, _ = _score(path)
        tp += t
        n_pred += p
        n_gold += g
    table = {}
    for kind in COMPARED:
        precision = tp[kind] / n_pred[kind] if n_pred[kind] else 1.0
        recall = tp[kind] / n_gold[kind] if n_gold[kind] else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[kind] = (precision, recall, f1, n_gold[kind])
    return table


def test_gold_covers_seed_and_three_corpus_documents() -> None:
    assert len(GOLD_FILES) >= 4
    assert any(p.name.startswith("000_") for p in GOLD_FILES)


def test_per_type_accuracy(scores: dict, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\nrule-stage accuracy on gold (micro-averaged):")
        print(f"  {'type':10} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5}")
        for kind, (p, r, f1, n) in scores.items():
            print(f"  {kind:10} {p:6.3f} {r:6.3f} {f1:6.3f} {n:5d}")
    failing = {k: round(v[2], 3) for k, v in scores.items() if v[3] and v[2] < MIN_F1[k]}
    assert failing == {}


@pytest.mark.parametrize("path", GOLD_FILES, ids=[p.name[:3] for p in GOLD_FILES])
def test_every_gold_entity_locates_in_its_document(path: Path) -> None:
    gold = json.loads(path.read_text("utf-8"))
    source = GOLD_DIR.parent.parent / gold["source"]
    norm = normalize(read_path(source))
    for ent in gold["entities"]:
        a, b = _gold_span(norm, ent)
        assert b > a
