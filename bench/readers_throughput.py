"""Reader throughput: pages per second per core for text PDFs, OCR and .docx, on fixtures built
in a temporary directory (the seed written to .docx by python-docx, to PDF by LibreOffice, then
printed and scanned by pypdfium2 and Pillow; and 007 from the shared corpus when present).

    python bench/readers_throughput.py [--repeat 3]

"Per core" divides pages by CPU seconds, tesseract's child processes included; the wall-clock
rate is printed beside it (scanned pages are OCRed in parallel, one tesseract per core).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fixtures_pdf import Fixtures  # noqa: E402

import baocao  # noqa: E402
from baocao.parser.readers import read_path  # noqa: E402

CORPUS_007 = (
    ROOT / "corpus" / "docs" / "007_binhthuan-so-noi-vu-to-trinh-bao-cao-hoi-2024.pdf"
)


def cpu_seconds() -> float:
    """CPU time of this process and of the child processes it has waited for (tesseract)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measure(label: str, pages: int, run: Callable[[], object], repeat: int) -> None:
    """Best of `repeat` runs: pages per CPU second (per core) and per wall second."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), cpu_seconds()
        run()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, cpu_seconds() - cpu)
    print(
        f"  {label:38} {pages / best_cpu:7.2f} pages/s per core   "
        f"{pages / best_wall:7.2f} pages/s wall   ({pages} pages, {best_wall:.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="baocao-bench-") as tmp:
        fixtures = Fixtures(Path(tmp))
        seed_pdf, seed_scan = fixtures.seed_pdf, fixtures.seed_scan
        pages = read_path(seed_pdf).pages or 0
        print(f"cores: {os.cpu_count()}")
        print("text PDF (pdfplumber layer, layout, paragraphs):")
        measure("seed via LibreOffice: read", pages, lambda: read_path(seed_pdf), args.repeat)
        measure("seed via LibreOffice: parse", pages, lambda: baocao.parse(seed_pdf), args.repeat)
        if CORPUS_007.exists():
            measure("007 (real): parse", 6, lambda: baocao.parse(CORPUS_007), args.repeat)
        print("OCR (render 300 dpi, clean-up, tesseract -l vie):")
        measure("seed scanned at 200 dpi: parse", pages, lambda: baocao.parse(seed_scan), 1)
        if importlib.util.find_spec("baocao.parser.readers.docx") is not None:
            docx = Path(tmp) / "seed.docx"  # the same document, written by python-docx
            print(".docx (python-docx), pages counted as in its PDF:")
            measure("seed .docx: parse", pages, lambda: baocao.parse(docx), args.repeat)


if __name__ == "__main__":
    main()
