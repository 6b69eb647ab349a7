"""Command line: `baocao parse`, `baocao schema` (CONTRACT.md).

Exit status: 0 when every input converted, 1 when some failed, 2 for a usage error.
Errors are one line on stderr each ("baocao: PATH: reason"), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from baocao import __version__
from baocao.models.schema import Document, document_json_schema
from baocao.parser import batch
from baocao.parser.errors import BaocaoError
from baocao.parser.pipeline import parse_file, parse_text

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2

EXAMPLES = """\
examples:
  baocao parse report.txt                 print one report's JSON
  baocao parse report.txt --pretty        ... indented
  cat report.txt | baocao parse -         read the report from standard input
  baocao parse a.txt b.txt                one JSON document per line (JSON Lines)
  baocao parse archive/ -o out/           convert a folder: out/<relative path>.json,
                                          failures in out/_errors.jsonl, totals in
                                          out/_summary.json; a re-run skips what is done
  baocao parse archive/ -o out/ -j 8 --include '*.pdf' --exclude 'drafts'
  baocao parse archive/ -o out/ --jsonl out/all.jsonl    one stream instead of files
  baocao parse archive/ -o out/ --engine dask --scheduler tcp://HOST:8786
  baocao parse report.txt | jq .meta      pick fields in a pipeline
  baocao schema > baocao.schema.json      the JSON Schema every output validates against

exit status: 0 all converted (or up to date), 1 some inputs failed, 2 usage error
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baocao",
        description="Turn Vietnamese administrative reports into normalized, structured JSON.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"baocao {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    parse_cmd = commands.add_parser(
        "parse",
        help="convert reports to JSON",
        description="Convert reports to the contract's JSON (see `baocao schema`).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parse_cmd.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR", help="files, folders, or -")
    parse_cmd.add_argument(
        "-o", "--output", metavar="OUT_DIR", type=Path, help="write one JSON file per input here"
    )
    parse_cmd.add_argument("--pretty", action="store_true", help="indent the JSON")
    _add_batch_options(parse_cmd)

    schema_cmd = commands.add_parser("schema", help="print the JSON Schema of the output")
    schema_cmd.add_argument("--compact", action="store_true", help="print on one line")
    return parser


def _add_batch_options(parse_cmd: argparse.ArgumentParser) -> None:
    group = parse_cmd.add_argument_group(
        "batch conversion (with -o OUT_DIR or --jsonl FILE)",
        "Folders are walked recursively; hidden names are skipped. A re-run skips inputs\n"
        "whose output records the same sha256, tool and schema version.",
    )
    group.add_argument(
        "--jsonl",
        metavar="FILE",
        type=Path,
        help="write all documents to FILE, one compact line each, instead of one file each "
        "(_errors.jsonl and _summary.json go to OUT_DIR, by default FILE's folder)",
    )
    group.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help=f"worker processes of the local engine (default: the number of cores, "
        f"{batch.default_workers()})",
    )
    group.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="take only files whose name or relative path matches (repeatable)",
    )
    group.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files and folders whose name or relative path matches (repeatable)",
    )
    group.add_argument("--force", action="store_true", help="redo inputs that are up to date")
    group.add_argument(
        "--timeout",
        type=float,
        default=batch.DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help="time limit per document; a worker over it is replaced (default: %(default)g, "
        "0: none)",
    )
    group.add_argument(
        "--max-memory",
        type=int,
        default=batch.DEFAULT_MAX_MEMORY_MIB,
        metavar="MIB",
        help="memory limit per worker process; a worker over it is replaced "
        "(default: %(default)d, 0: none)",
    )
    group.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local worker processes, or a Dask cluster (pip install 'baocao[dask]')",
    )
    group.add_argument(
        "--scheduler", metavar="ADDRESS", help="the Dask scheduler, e.g. tcp://10.0.0.5:8786"
    )


_BATCH_ONLY = ("jobs", "include", "exclude", "force", "engine", "scheduler")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "parse":
            return _parse_command(args)
        if args.command == "schema":
            print(
                json.dumps(
                    document_json_schema(), ensure_ascii=False, indent=None if args.compact else 2
                )
            )
            return EXIT_OK
    except KeyboardInterrupt:
        print("baocao: interrupted", file=sys.stderr)
        return 130
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _parse_command(args: argparse.Namespace) -> int:
    if args.output is not None or args.jsonl is not None:
        return batch.run(_batch_config(args))
    used = [name for name in _BATCH_ONLY if getattr(args, name) not in (None, False, [], "local")]
    if used:
        flags = ", ".join("--" + name if name != "jobs" else "-j" for name in used)
        print(f"baocao: error: {flags} need -o OUT_DIR or --jsonl FILE", file=sys.stderr)
        return EXIT_USAGE
    failed = 0
    for item in args.inputs:
        try:
            doc = _parse_one(item)
        except BaocaoError as exc:
            if exc.path is None:
                exc.path = item
            _report(exc)
            failed += 1
            continue
        print(doc.to_json(pretty=args.pretty))
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _parse_one(item: str) -> Document:
    if item == "-":
        data = sys.stdin.buffer.read()
        from baocao.parser.readers.text import decode

        text, _ = decode(data, path="<stdin>")
        return parse_text(text)
    if Path(item).is_dir():
        raise BaocaoError("is a directory (use -o OUT_DIR to convert a folder)", path=item)
    return parse_file(item)


def _report(exc: BaocaoError) -> None:
    print(f"baocao: {exc}", file=sys.stderr)


def _batch_config(args: argparse.Namespace) -> batch.BatchConfig:
    out_dir = args.output if args.output is not None else args.jsonl.parent
    return batch.BatchConfig(
        inputs=list(args.inputs),
        out_dir=out_dir,
        jsonl=args.jsonl,
        pretty=args.pretty,
        workers=args.jobs if args.jobs is not None else batch.default_workers(),
        include=tuple(args.include),
        exclude=tuple(args.exclude),
        force=args.force,
        timeout=args.timeout or None,
        max_memory_mib=args.max_memory or None,
        engine=args.engine,
        scheduler=args.scheduler,
    )


if __name__ == "__main__":
    sys.exit(main())
