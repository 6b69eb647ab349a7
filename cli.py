"""Command line: `baocao parse`, `baocao schema` (CONTRACT.md).

Exit status: 0 when every input converted, 1 when some failed, 2 for a usage error.
Errors are one line on stderr each ("baocao: PATH: reason"), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from baocao import __version__
from baocao.models.schema import Document, document_json_schema
from baocao.parser import batch, task_formats
from baocao.parser.errors import BaocaoError
from baocao.parser.pipeline import parse_file, parse_text
from baocao.parser.writer import write_atomic
from baocao.service import add_serve_command, run_serve

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
    _add_tasks_command(commands)
    _add_view_command(commands)
    add_serve_command(commands)
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
        if args.command == "tasks":
            return _tasks_command(args)
        if args.command == "view":
            return _view_command(args)
        if args.command == "serve":
            return run_serve(args)
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


TASK_EXAMPLES = """\
examples:
  baocao tasks report.docx                      a table of the report's tasks
  baocao tasks out/ --format csv > tasks.csv    every task of the JSON documents in out/
  baocao tasks archive/ --format ics -o due.ics one VTODO per task with a due date
  baocao tasks out/ --due-before 2024-01-01 --owner "UBND xã"

inputs: reports (parsed on the fly) or JSON documents written by `baocao parse -o`
"""


def _add_tasks_command(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser(
        "tasks",
        help="list the action items of reports, with owners and deadlines",
        description="List the tasks of reports, or of JSON documents written by `baocao parse`.",
        epilog=TASK_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR")
    cmd.add_argument(
        "--format",
        choices=task_formats.FORMATS,
        default=None,
        help="default: table on a terminal, jsonl otherwise",
    )
    cmd.add_argument("--due-before", type=_iso_date, metavar="DATE", help="due before DATE")
    cmd.add_argument("--from-date", type=_iso_date, metavar="DATE", help="due on or after DATE")
    cmd.add_argument("--owner", metavar="TEXT", help="an owner's name, matched fuzzily")
    cmd.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here, not stdout")


def _add_view_command(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser(
        "view",
        help="write a review page (HTML) of one report",
        description="One self-contained HTML page: header fields, headings, entities "
        "highlighted by type, and the task list. It needs no network to open.",
    )
    cmd.add_argument("input", metavar="FILE")
    cmd.add_argument("-o", "--output", type=Path, metavar="HTML", help="default: FILE.html")


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value!r}") from exc


def _tasks_command(args: argparse.Namespace) -> int:
    fmt = args.format or ("table" if sys.stdout.isatty() and args.output is None else "jsonl")
    rows: list[task_formats.TaskRow] = []
    failed = 0
    for item in args.inputs:
        for path in _task_inputs(Path(item)):
            try:
                doc = _document_of(path)
            except BaocaoError as exc:
                exc.path = exc.path or str(path)
                _report(exc)
                failed += 1
                continue
            rows += [
                row
                for row in task_formats.rows_of(doc)
                if task_formats.keep(
                    row, due_before=args.due_before, due_from=args.from_date, owner=args.owner
                )
            ]
    text = task_formats.render(rows, fmt)
    if args.output is not None:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _task_inputs(root: Path) -> list[Path]:
    """A file, or a folder's files (outputs of `baocao parse -o` or reports), in name order."""
    if not root.is_dir():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
        and not p.name.startswith("_")
    )


def _document_of(path: Path) -> Document:
    """A JSON document written by baocao is loaded; anything else is parsed."""
    if path.suffix == ".json":
        try:
            return Document.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            pass  # not one of ours: parse it like any other input
    return parse_file(path)


def _view_command(args: argparse.Namespace) -> int:
    from baocao.parser.review import render_review

    try:
        doc = _document_of(Path(args.input))
    except BaocaoError as exc:
        exc.path = exc.path or args.input
        _report(exc)
        return EXIT_SOME_FAILED
    target = args.output or Path(f"{args.input}.html")
    write_atomic(target, render_review(doc))
    print(f"baocao: review page written to {target}", file=sys.stderr)
    return EXIT_OK


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
