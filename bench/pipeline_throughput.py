"""Whole-pipeline throughput with the NER stage: KB of input per second on one core, and the share
of time per stage, over the corpus's documents (each parsed several times).

    python bench/pipeline_throughput.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import baocao
from baocao.parser.pipeline import parse_file

DOCS = Path(__file__).resolve().parent.parent / "corpus" / "docs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    files = sorted(DOCS.glob("*.txt"))
    baocao.parse(files[0])  # imports, lexicons, gazetteer index: once per process, not per doc
    timings: dict[str, float] = {}
    size = 0
    start = time.perf_counter()
    for _ in range(args.rounds):
        for path in files:
            parse_file(path, timings)
            size += path.stat().st_size
    elapsed = time.perf_counter() - start
    print(f"{len(files) * args.rounds} documents, {size / 1e3:.0f} KB of text, one core:")
    per_doc_ms = elapsed / (len(files) * args.rounds) * 1000
    print(f"  whole pipeline {size / 1e3 / elapsed:7.1f} KB/s ({per_doc_ms:.0f} ms per document)")
    total = sum(timings.values())
    for name, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
        print(f"  {name:10} {seconds / total:6.1%}")


if __name__ == "__main__":
    main()
