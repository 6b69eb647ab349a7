"""Rule-stage accuracy against gold written by reading the documents (corpus/gold/*.entities.json).

A predicted entity matches a gold one when the type is equal, the spans overlap and the compared
value keys are equal (corpus/GOLD.md). Per-type precision and recall are micro-averaged over all
gold documents and printed; the test fails under the bars that the rule-stage issue sets.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import goldutil
import pytest

GOLD_DIR = goldutil.GOLD_DIR
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
    loaded = goldutil.load(path)
    gold, doc = loaded.gold, loaded.doc
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    misses: list[str] = []
    predicted = [e for e in doc.entities if e.type in COMPARED]
    used: set[str] = set()
    for ent in gold["entities"]:
        n_gold[ent["type"]] += 1
        g0, g1 = loaded.span(ent)
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
    return {k: (*goldutil.prf(tp[k], n_pred[k], n_gold[k]), n_gold[k]) for k in COMPARED}


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
    loaded = goldutil.load(path)
    for ent in loaded.gold["entities"]:
        a, b = loaded.span(ent)
        assert b > a
