"""Rule-stage throughput: MB of normalized text per second on one core, per rule module and
for the whole stage (overlap resolution included), on the corpus's text documents.

    python bench/rules_throughput.py [--target-mb 4]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import baocao
from baocao.parser.extract import run_rules
from baocao.rules import counts, deadlines, legal_refs, money, percent
from baocao.rules.base import RuleContext

DOCS = Path(__file__).resolve().parent.parent / "corpus" / "docs"


def corpus_text(target_mb: float) -> str:
    """The corpus's normalized texts, repeated until the target size (distinct per repeat, so no
    per-text cache can help)."""
    texts = [baocao.parse(p).text for p in sorted(DOCS.glob("*.txt"))]
    chunks, size, n = [], 0, 0
    while size < target_mb * 1e6:
        chunk = f"\n(bản {n})\n" + texts[n % len(texts)]
        chunks.append(chunk)
        size += len(chunk.encode("utf-8"))
        n += 1
    return "".join(chunks)


def measure(name: str, fn: Callable[[str], object], text: str, repeats: int = 3) -> float:
    """Best of a few runs, each on a fresh copy of the text: some modules cache their scan of the
    last text seen, and a benchmark must not time the cache."""
    best = float("inf")
    for n in range(repeats):
        fresh = f"{n}\n{text}"
        start = time.perf_counter()
        fn(fresh)
        best = min(best, time.perf_counter() - start)
    mb = len(text.encode("utf-8")) / 1e6
    print(f"  {name:22} {mb / best:7.2f} MB/s   ({best * 1000:7.1f} ms for {mb:.2f} MB)")
    return mb / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target-mb", type=float, default=4.0)
    args = parser.parse_args()
    text = corpus_text(args.target_mb)
    ctx = RuleContext(anchor=date(2023, 11, 30))
    print(f"rule stage on {len(text.encode('utf-8')) / 1e6:.2f} MB of corpus text, one core:")
    measure("money", lambda t: money.extract(t, ctx), text)
    measure("percent", lambda t: percent.extract(t, ctx), text)
    measure("counts", lambda t: counts.extract(t, ctx), text)
    measure("legal_refs", lambda t: legal_refs.extract(t, ctx), text)
    measure("dates+deadlines", lambda t: deadlines.extract_temporal(t, ctx), text)
    measure("whole stage", lambda t: run_rules(t, ctx), text)


if __name__ == "__main__":
    main()
