"""Reading gold annotations (corpus/GOLD.md) against a parsed document: shared by the accuracy
tests and bench/ner_compare.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import baocao
from baocao.parser.normalize import NormalizedText, clean_line, normalize
from baocao.parser.readers import read_path

REPO = Path(__file__).resolve().parent.parent
GOLD_DIR = REPO / "corpus" / "gold"


@dataclass
class GoldDoc:
    gold: dict
    doc: baocao.Document
    norm: NormalizedText

    def span(self, ent: dict) -> tuple[int, int]:
        """Where a gold entity lies in the document's text (by its line and surface)."""
        start, _ = line_span(self.norm, ent["line"])
        _, end = line_span(self.norm, ent.get("end_line", ent["line"]))
        needle = clean_line(ent["text"])[0]
        pos = start - 1
        for _ in range(ent.get("occurrence", 1)):
            pos = self.norm.text.find(needle, pos + 1, end)
            if pos < 0:
                raise AssertionError(f"gold entity not found: {ent}")
        return pos, pos + len(needle)


def load(path: Path) -> GoldDoc:
    gold = json.loads(path.read_text("utf-8"))
    source = REPO / gold["source"]
    doc = baocao.parse(source)
    norm = normalize(read_path(source))
    assert norm.text == doc.text
    return GoldDoc(gold, doc, norm)


def line_span(norm: NormalizedText, line: int) -> tuple[int, int]:
    for unit in norm.units:
        pos = unit.start
        for ln, length in zip(unit.lines, unit.hints["piece_lengths"], strict=True):
            if ln == line:
                return pos, pos + length
            pos += length + 1
    raise AssertionError(f"line {line} has no text")


def prf(tp: int, predicted: int, gold: int) -> tuple[float, float, float]:
    precision = tp / predicted if predicted else 1.0
    recall = tp / gold if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
