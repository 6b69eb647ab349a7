"""ORG/LOC/PER on the gold documents, two ways side by side: underthesea's NER alone (tagging the
body sentence by sentence) and baocao (grammar + gazetteer + patterns, underthesea as a hint).

    python bench/ner_compare.py
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import goldutil  # noqa: E402
from test_names_gold import GOLD_FILES, TYPES, score  # noqa: E402

_SENTENCE = re.compile(r"[^.;!?\n]+[.;!?]?")


def body_zones(loaded: goldutil.GoldDoc) -> list[tuple[int, int]]:
    """The same zones baocao extracts from (title and body; not the header's lines or footer)."""
    from baocao.parser.meta import extract_meta
    from baocao.parser.pipeline import content_zones
    from baocao.parser.segment import segment

    seg = segment(loaded.norm)
    _, title_units = extract_meta(loaded.norm, (seg.preamble_end, seg.header_end), seg.footer_start)
    return content_zones(loaded.norm, seg, title_units)


def underthesea_entities(loaded: goldutil.GoldDoc) -> list[SimpleNamespace]:
    """underthesea.ner over every sentence of the title and body, B-/I- tags joined into spans."""
    from underthesea import ner

    text = loaded.doc.text
    zones = body_zones(loaded)
    found = []
    for sentence in _SENTENCE.finditer(text):
        if not sentence.group().strip():
            continue
        if not any(a <= sentence.start() < b for a, b in zones):
            continue
        pos = sentence.start()
        current = None
        for token, _pos, _chunk, tag in ner(sentence.group()):
            at = text.find(token, pos, sentence.end())
            if at < 0:
                continue
            pos = at + len(token)
            kind = tag[2:] if tag != "O" else None
            if tag.startswith("B-") or (tag.startswith("I-") and current is None):
                current = SimpleNamespace(type=kind, span=(at, pos), value={})
                found.append(current)
            elif tag.startswith("I-") and current is not None and current.type == kind:
                current.span = (current.span[0], pos)
            else:
                current = None
    return [e for e in found if e.type in TYPES]


def main() -> None:
    results = {}
    for label, predicted_of in (
        ("underthesea NER alone", underthesea_entities),
        ("baocao", lambda loaded: loaded.doc.entities),
    ):
        tp, n_pred, n_gold = Counter(), Counter(), Counter()
        for path in GOLD_FILES:
            t, p, g, _ = score(path, predicted_of)
            tp, n_pred, n_gold = tp + t, n_pred + p, n_gold + g
        results[label] = {k: goldutil.prf(tp[k], n_pred[k], n_gold[k]) for k in TYPES}
        results[label]["gold"] = n_gold
    print(f"{'type':5} {'gold':>5} | {'underthesea alone P/R/F1':>26} | {'baocao P/R/F1':>22}")
    gold = results["baocao"]["gold"]
    for kind in TYPES:
        a = results["underthesea NER alone"][kind]
        b = results["baocao"][kind]
        print(
            f"{kind:5} {gold[kind]:5d} | {a[0]:.3f} / {a[1]:.3f} / {a[2]:.3f}     "
            f"| {b[0]:.3f} / {b[1]:.3f} / {b[2]:.3f}"
        )


if __name__ == "__main__":
    main()
