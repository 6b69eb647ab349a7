"""Batch throughput: `baocao parse CORPUS -o OUT` on a corpus built from corpus/docs.

    python bench/batch_throughput.py [--docs 510] [--sizes 250,500,1000] [--quick]

Builds, in a temporary folder, a corpus of at least 500 documents from the development corpus's
text reports, in every format whose reader exists at run time: the .txt files, .docx made from
them with python-docx, and .pdf made from those .docx by LibreOffice. Then:

1. `-j 1` and `-j 2` on the corpus: docs/s, MB/s, peak resident memory of the main process and
   of each worker process (from the run's _summary.json: the workers report getrusage);
2. the stage breakdown: each base document through the pipeline in this process, timed by
   the pipeline's `timings` hook (or, without one, by wrapping the stage functions it calls),
   plus serialization and the atomic write;
3. memory against corpus size (`-j 2` on --sizes documents of --memory-formats): flat, since
   the batch streams.

Every run is a fresh process with --force, so nothing is skipped and nothing is cached.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = sorted((REPO / "corpus" / "docs").glob("*.txt"))


# ------------------------------------------------------------------ the corpus


def base_documents(work: Path) -> list[Path]:
    """The corpus's text reports and, where their readers exist, .docx and .pdf made from
    them."""
    from baocao.parser.readers import _reader_for

    base = work / "base"
    base.mkdir()
    made = []
    for doc in DOCS:
        made.append(base / doc.name)
        shutil.copyfile(doc, made[-1])
    if _reader_for("docx") is not None:
        from docx import Document

        words = []
        for doc in DOCS:
            word = Document()
            for line in doc.read_text("utf-8").splitlines():
                word.add_paragraph(line.strip())
            words.append(base / f"{doc.stem}.docx")
            word.save(str(words[-1]))
        made += words
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if _reader_for("pdf") is not None and soffice:
            profile = (work / "lo-profile").as_uri()
            subprocess.run(
                [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                 "pdf", "--outdir", str(base), *map(str, words)],
                capture_output=True, timeout=600, check=False,
            )  # fmt: skip
            made += sorted(base.glob("*.pdf"))
    return made


def build_corpus(base: list[Path], count: int, dest: Path) -> tuple[int, dict[str, int]]:
    """`count` copies cycling through the base documents, 100 to a folder; each copy differs by
    its name only (the converter caches nothing, so identical bytes cost the same)."""
    size, formats = 0, defaultdict(int)
    for n in range(count):
        source = base[n % len(base)]
        target = dest / f"f{n // 100:03d}" / f"{n:05d}_{source.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if _same_fs(source, dest):
            os.link(source, target)  # no disk for copies
        else:
            shutil.copyfile(source, target)
        size += source.stat().st_size
        formats[source.suffix.lstrip(".")] += 1
    return size, dict(formats)


def _same_fs(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


# ------------------------------------------------------------------ batch runs


def batch_run(corpus: Path, out: Path, jobs: int) -> dict:
    argv = [sys.executable, "-m", "baocao.cli", "parse", str(corpus), "-o", str(out)]
    argv += ["-j", str(jobs), "--force"]
    started = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"batch failed ({result.returncode}):\n{result.stderr}")
    report = json.loads((out / "_summary.json").read_text("utf-8"))
    report["wall_s"] = wall
    return report


def show_run(label: str, report: dict) -> None:
    files, memory = report["files"], report["memory"]
    per_cpu = files["converted"] / max(report["worker_cpu_s"], 1e-9)
    print(
        f"  {label:8} {files['converted']:5d} docs ({files['failed']} failed) in "
        f"{report['elapsed_s']:6.1f} s: {report['docs_per_s']:6.1f} docs/s, "
        f"{report['mb_per_s']:5.2f} MB/s ({per_cpu:.1f} docs per worker CPU-second); "
        f"peak RSS main {memory['main_peak_mib']:.0f} MiB, "
        f"per worker ≤ {memory['worker_peak_mib']:.0f} MiB ({memory['workers_seen']} workers); "
        f"load {os.getloadavg()[0]:.1f}"
    )


# ------------------------------------------------------------------ stage breakdown


def stage_breakdown(base: list[Path], repeats: int) -> None:
    """Seconds per stage on each base document, in this process after a warm-up: the
    pipeline's own `timings` hook (parse_file(path, timings)) where it has one, else every
    stage function parser/pipeline.py calls wrapped in a timer; then serialization and the
    atomic write, as a batch worker does them."""
    import baocao.parser.pipeline as pipeline
    from baocao.parser.writer import write_atomic

    if hasattr(pipeline, "warm_up"):
        pipeline.warm_up()
    hooked = "timings" in inspect.signature(pipeline.parse_file).parameters
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    wrapped: dict[str, Callable] = {}
    current = ["txt"]

    def timer(name: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[current[0]][name] += time.perf_counter() - start

        return timed

    if not hooked:
        for name, value in vars(pipeline).items():
            module = getattr(value, "__module__", "") or ""
            if (
                inspect.isfunction(value)
                and module.startswith("baocao.parser.")
                and (
                    module != "baocao.parser.pipeline" or name in ("report_anchor", "content_zones")
                )
            ):
                wrapped[name] = value
                setattr(pipeline, name, timer(name, value))
    counts: dict[str, int] = defaultdict(int)
    scratch = Path(tempfile.mkdtemp(prefix="baocao-stages-"))
    try:
        for path in base * repeats:
            fmt = current[0] = path.suffix.lstrip(".")
            stages = totals[fmt]
            start = time.perf_counter()
            if hooked:
                timings: dict[str, float] = {}
                doc = pipeline.parse_file(path, timings=timings)
                for name, seconds in timings.items():
                    stages[name] += seconds
            else:
                doc = pipeline.parse_file(path)
            stages["(whole parse)"] += time.perf_counter() - start
            start = time.perf_counter()
            text = doc.to_json()
            stages["to_json"] += time.perf_counter() - start
            start = time.perf_counter()
            write_atomic(scratch / "doc.json", text + "\n")
            stages["write_atomic"] += time.perf_counter() - start
            counts[fmt] += 1
    finally:
        for name, fn in wrapped.items():
            setattr(pipeline, name, fn)
        shutil.rmtree(scratch, ignore_errors=True)
    for fmt, stages in totals.items():
        whole = stages.pop("(whole parse)")
        n = counts[fmt]
        named = sum(v for k, v in stages.items() if k not in ("to_json", "write_atomic"))
        stages["(unattributed)"] = max(whole - named, 0.0)
        per_doc = whole + stages["to_json"] + stages["write_atomic"]
        print(f"  {fmt}: {1000 * per_doc / n:.1f} ms per document:")
        for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
            share = 100 * seconds / per_doc
            print(f"    {stage:22} {1000 * seconds / n:8.2f} ms  {share:5.1f} %")


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=510, help="corpus size for -j 1 / -j 2")
    parser.add_argument("--sizes", default="250,500,1000", help="corpus sizes for the memory run")
    parser.add_argument(
        "--memory-formats",
        default="txt,docx",
        help="formats in the memory run (PDFs take ~1 s each: all formats make it long)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="stage breakdown repeats")
    parser.add_argument("--quick", action="store_true", help="100 docs, sizes 50,100,200")
    args = parser.parse_args()
    if args.quick:
        args.docs, args.sizes, args.repeats = 100, "50,100,200", 1
    sizes = [int(s) for s in args.sizes.split(",")]

    with tempfile.TemporaryDirectory(prefix="baocao-bench-") as tmp:
        work = Path(tmp)
        base = base_documents(work)
        kinds = sorted({p.suffix for p in base})
        print(f"base documents: {len(base)} ({', '.join(kinds)}) from {len(DOCS)} text reports")
        load = os.getloadavg()[0]
        print(f"machine: {os.cpu_count()} cores, load {load:.1f}; Python {sys.version.split()[0]}")

        corpus = work / "corpus"
        size, formats = build_corpus(base, args.docs, corpus)
        print(f"\nthroughput: {args.docs} documents, {size / 1e6:.1f} MB, {formats}")
        for jobs in (1, 2):
            show_run(f"-j {jobs}", batch_run(corpus, work / f"out-j{jobs}", jobs))
            shutil.rmtree(work / f"out-j{jobs}")

        print(
            f"\nstage breakdown (in this process, {args.repeats} passes over the base documents):"
        )
        stage_breakdown(base, args.repeats)

        wanted = {f".{fmt.strip()}" for fmt in args.memory_formats.split(",")}
        light = [p for p in base if p.suffix in wanted] or base
        kinds = ", ".join(sorted({p.suffix for p in light}))
        print(f"\nmemory against corpus size (-j 2, {kinds}): the batch streams, so it stays flat")
        for count in sizes:
            grown = work / f"corpus-{count}"
            build_corpus(light, count, grown)
            show_run(f"{count} docs", batch_run(grown, work / f"out-{count}", 2))
            shutil.rmtree(grown)
            shutil.rmtree(work / f"out-{count}")


if __name__ == "__main__":
    main()
