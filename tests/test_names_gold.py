"""ORG, LOC and PER against gold written by reading (corpus/gold/*.names.json).

A prediction matches a gold entity of the same type when their spans overlap. For ORG the
canonical name is also scored (NFC, case-insensitive). Per-type P/R/F1 are micro-averaged over
the gold documents and printed; the test fails under ORG F1 0.85.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

import goldutil
import pytest

GOLD_FILES = sorted(goldutil.GOLD_DIR.glob("*.names.json"))
TYPES = ("ORG", "LOC", "PER")
MIN_ORG_F1 = 0.85


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold().replace("uỷ", "ủy")


def score(path, predicted_of=lambda loaded: loaded.doc.entities):
    """(true positives, predicted, gold, ORG names right) per type for one document."""
    loaded = goldutil.load(path)
    predicted = [e for e in predicted_of(loaded) if e.type in TYPES]
    tp, n_pred, n_gold, names_ok = Counter(), Counter(), Counter(), 0
    used: set[int] = set()
    for ent in loaded.gold["entities"]:
        n_gold[ent["type"]] += 1
        g0, g1 = loaded.span(ent)
        hit = next(
            (
                i
                for i, p in enumerate(predicted)
                if i not in used and p.type == ent["type"] and p.span[0] < g1 and g0 < p.span[1]
            ),
            None,
        )
        if hit is not None:
            used.add(hit)
            tp[ent["type"]] += 1
            if ent["type"] == "ORG" and _key(predicted[hit].value.get("name", "")) == _key(
                ent["value"]["name"]
            ):
                names_ok += 1
    for p in predicted:
        n_pred[p.type] += 1
    return tp, n_pred, n_gold, names_ok


@pytest.fixture(scope="module")
def totals():
    tp, n_pred, n_gold, names_ok = Counter(), Counter(), Counter(), 0
    for path in GOLD_FILES:
        t, p, g, n = score(path)
        tp, n_pred, n_gold, names_ok = tp + t, n_pred + p, n_gold + g, names_ok + n
    return tp, n_pred, n_gold, names_ok


def test_names_gold_covers_seed_and_corpus() -> None:
    assert len(GOLD_FILES) >= 4


def test_org_loc_per_against_gold(totals, capsys: pytest.CaptureFixture[str]) -> None:
    tp, n_pred, n_gold, names_ok = totals
    scores = {k: goldutil.prf(tp[k], n_pred[k], n_gold[k]) for k in TYPES}
    with capsys.disabled():
        print("\nnames on gold (micro-averaged):")
        for kind, (p, r, f1) in scores.items():
            print(f"  {kind:4} P {p:.3f} R {r:.3f} F1 {f1:.3f} ({n_gold[kind]} gold)")
        print(f"  ORG canonical name right: {names_ok}/{tp['ORG']} matched")
    assert scores["ORG"][2] >= MIN_ORG_F1
