"""Names-stage throughput: KB of normalized text per second on one core for `names.extract`
(ORG, LOC, PER and their fusion) on the corpus's text documents, and the share of its time in
each part: our tokens, the ORG grammar, the gazetteer, the name patterns, underthesea's NER and
the spaCy document with the overlap resolution.

    python bench/names_throughput.py [--target-kb 2000]

Each document is extracted on its own, as the pipeline does, after the rule stage (whose
matches are the claimed spans). Every repeat prefixes the texts with a new line so that no
per-document cache helps, and underthesea's per-snippet cache is emptied before each run; the
first run (imports, the gazetteer index and the dictionary) is reported apart.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import baocao
from baocao.models import gazetteer, names, orgs, people
from baocao.parser.extract import run_rules
from baocao.rules.base import RuleContext

DOCS = Path(__file__).resolve().parent.parent / "corpus" / "docs"

# module, function, part: each call's time goes to its part (the innermost one counts).
TIMED = [
    (names, "tokenize", "tokens"),
    (orgs, "find", "ORG grammar"),
    (gazetteer, "find", "gazetteer"),
    (gazetteer, "known_places", "gazetteer"),
    (gazetteer, "bare_places", "gazetteer"),
    (people, "find", "PER patterns"),
    (people, "_ner", "underthesea NER"),
]


class Clock:
    """Wraps the timed functions; nested calls are charged to the innermost part."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.stack: list[list[float]] = []

    def wrap(self, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.stack.append([time.perf_counter(), 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                start, inner = self.stack.pop()
                total = time.perf_counter() - start
                self.spent[part] += total - inner
                if self.stack:
                    self.stack[-1][1] += total

        timed.cache_clear = getattr(fn, "cache_clear", None)  # type: ignore[attr-defined]
        return timed


def corpus(target_kb: float) -> list[tuple[str, list[Any]]]:
    """The corpus's normalized texts with their rule-stage matches, repeated to the size."""
    texts = [baocao.parse(p).text for p in sorted(DOCS.glob("*.txt"))]
    out, size, n = [], 0, 0
    while size < target_kb * 1000:
        text = f"(bản {n})\n" + texts[n % len(texts)]
        out.append((text, run_rules(text, RuleContext())))
        size += len(text.encode("utf-8"))
        n += 1
    return out


def run(docs: list[tuple[str, list[Any]]], repeat: int) -> float:
    people._ner.cache_clear()
    start = time.perf_counter()
    for text, claimed in docs:
        names.extract(f"{repeat}\n{text}", claimed)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target-kb", type=float, default=2000.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    docs = corpus(args.target_kb)
    kb = sum(len(t.encode("utf-8")) for t, _ in docs) / 1000

    start = time.perf_counter()
    names.extract(*docs[0])
    print(f"first document (imports, index, dictionary): {time.perf_counter() - start:.2f} s")

    best = min(run(docs, n) for n in range(args.repeats))
    print(f"names.extract on {kb:.0f} KB ({len(docs)} documents), one core:")
    print(f"  {kb / best:7.0f} KB/s   ({best * 1000:.0f} ms)")

    clock = Clock()
    saved = [(mod, name, getattr(mod, name)) for mod, name, _ in TIMED]
    for mod, name, part in TIMED:
        setattr(mod, name, clock.wrap(part, getattr(mod, name)))
    try:
        total = run(docs, args.repeats)
    finally:
        for mod, name, fn in saved:
            setattr(mod, name, fn)
    clock.spent["spaCy doc and fusion"] = total - sum(clock.spent.values())
    print("share of time per part (one more run, timed):")
    for part, spent in sorted(clock.spent.items(), key=lambda kv: -kv[1]):
        print(f"  {part:22} {100 * spent / total:5.1f} %   {spent * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
