"""Command line: `baocao parse`, `baocao schema` (CONTRACT.md).

Exit status: 0 when every input converted, 1 when some failed, 2 for a usage error.
Errors are one line on stderr each ("baocao: PATH: reason"), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from baocao import __version__
from baocao.models.schema import Document, ErrorRecord, document_json_schema
from baocao.parser.errors import BaocaoError
from baocao.parser.pipeline import parse_file, parse_text
from baocao.parser.writer import append_error, write_atomic

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
ERRORS_FILE = "_errors.jsonl"

EXAMPLES = """\
examples:
  baocao parse report.txt                 print one report's JSON
  baocao parse report.txt --pretty        ... indented
  cat report.txt | baocao parse -         read the report from standard input
  baocao parse a.txt b.txt                one JSON document per line (JSON Lines)
  baocao parse archive/ -o out/           convert a folder: out/<relative path>.json,
                                          failures listed in out/_errors.jsonl
  baocao parse report.txt | jq .meta      pick fields in a pipeline
  baocao schema > baocao.schema.json      the JSON Schema every output validates against

exit status: 0 all converted, 1 some inputs failed, 2 usage error
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

    schema_cmd = commands.add_parser("schema", help="print the JSON Schema of the output")
    schema_cmd.add_argument("--compact", action="store_true", help="print on one line")
    return parser


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
    if args.output is not None:
        return _convert_to_dir(args.inputs, args.output, args.pretty)
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


def iter_inputs(inputs: list[str]) -> Iterator[tuple[Path, Path]]:
    """(input file, output path relative to OUT_DIR) for every file named or found in a folder."""
    for item in inputs:
        root = Path(item)
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if not name.startswith("."):
                        path = Path(dirpath) / name
                        yield path, path.relative_to(root)
        else:
            yield root, Path(root.name)


def _convert_to_dir(inputs: list[str], out_dir: Path, pretty: bool) -> int:
    if "-" in inputs:
        print("baocao: error: '-' (standard input) cannot be used with -o", file=sys.stderr)
        return EXIT_USAGE
    out_dir.mkdir(parents=True, exist_ok=True)
    converted = failed = 0
    with open(out_dir / ERRORS_FILE, "w", encoding="utf-8") as errors:
        for path, relative in iter_inputs(inputs):
            target = out_dir / relative.with_name(relative.name + ".json")
            try:
                doc = parse_file(path)
                write_atomic(target, doc.to_json(pretty=pretty) + "\n")
                converted += 1
            except (BaocaoError, OSError) as exc:
                error = exc if isinstance(exc, BaocaoError) else _write_error(exc, path)
                error.path = error.path or str(path)
                _report(error)
                append_error(
                    errors,
                    ErrorRecord(
                        path=str(path), format=error.format, stage=error.stage, reason=error.reason
                    ),
                )
                failed += 1
    print(f"baocao: {converted} converted, {failed} failed → {out_dir}", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _write_error(exc: OSError, path: Path) -> BaocaoError:
    return BaocaoError(f"cannot write output: {exc.strerror or exc}", path=str(path), stage="write")


if __name__ == "__main__":
    sys.exit(main())
