"""The contract: every JSON the tool writes validates against `baocao schema`; the CLI behaves
as CONTRACT.md says (exit codes, -o OUT_DIR, _errors.jsonl, one-line errors)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import baocao
from baocao.cli import main
from baocao.models.schema import Meta
from conftest import DOCS, SEED


@pytest.fixture(scope="module")
def schema() -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "baocao.cli", "schema"], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_every_corpus_output_validates(schema: dict, parsed_corpus: dict) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    for name, doc in parsed_corpus.items():
        errors = list(validator.iter_errors(json.loads(doc.to_json())))
        assert errors == [], (name, errors[:1])


def test_schema_documents_nd30_names(schema: dict) -> None:
    meta = schema["$defs"]["Meta"]["properties"]
    assert {
        meta[k]["x-nd30"]
        for k in (
            "code_number",
            "code_notation",
            "organ_name",
            "date",
            "title",
            "signer",
            "recipients",
        )
    } == {"CodeNumber", "CodeNotation", "OrganName", "IssuedDate", "Subject", "SignerInfo", "To"}


def test_nd30_names_are_accepted_as_aliases() -> None:
    meta = Meta.model_validate(
        {
            "CodeNumber": "17",
            "CodeNotation": "TB/ĐU",
            "IssuedDate": "2025-09-30",
            "Subject": "Kết luận",
            "To": ["Các chi bộ"],
        }
    )
    assert (meta.code_number, meta.code_notation, meta.date, meta.title, meta.recipients) == (
        "17",
        "TB/ĐU",
        "2025-09-30",
        "Kết luận",
        ["Các chi bộ"],
    )


def test_parse_prints_valid_json(capsys: pytest.CaptureFixture[str], schema: dict) -> None:
    assert main(["parse", str(SEED)]) == 0
    out = json.loads(capsys.readouterr().out)
    jsonschema.validate(out, schema)
    assert out["meta"]["date"] == "2023-11-30"
    assert out["text"][slice(*out["sections"][0]["span"])].startswith("A. NHỮNG KẾT QUẢ")


def test_pretty_and_several_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "--pretty", str(SEED)]) == 0
    assert capsys.readouterr().out.startswith('{\n  "schema": "baocao/1"')
    files = sorted(str(p) for p in DOCS.glob("*.txt"))[:2]
    assert main(["parse", *files]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["source"]["path"] for line in lines] == files


def test_stdin(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "baocao.cli", "parse", "-"],
        input=SEED.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["meta"]["doc_type"] == "BÁO CÁO"


def test_output_dir_keeps_going_past_bad_files(tmp_path: Path, schema: dict) -> None:
    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    (inputs / "sub" / "seed.txt").write_bytes(SEED.read_bytes())
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "junk.bin").write_bytes(bytes(range(256)) * 4)
    (inputs / "blank.txt").write_text("   \n\n")
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "baocao.cli",
            "parse",
            str(inputs),
            str(tmp_path / "missing.txt"),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    written = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*.json") if p.name != "_summary.json"
    )
    assert written == ["sub/seed.txt.json"]
    jsonschema.validate(json.loads((out / "sub" / "seed.txt.json").read_text("utf-8")), schema)
    errors = [json.loads(line) for line in (out / "_errors.jsonl").read_text("utf-8").splitlines()]
    reasons = {Path(e["path"]).name: e["reason"] for e in errors}
    assert set(reasons) == {"empty.txt", "junk.bin", "blank.txt", "missing.txt"}
    assert "empty file" in reasons["empty.txt"] and "binary" in reasons["junk.bin"]
    assert all(e["stage"] in {"read", "decode"} for e in errors)
    # One line per failure on stderr, each naming its file.
    failure_lines = [ln for ln in result.stderr.splitlines() if "converted" not in ln]
    assert len(failure_lines) == 4 and all(ln.startswith("baocao: ") for ln in failure_lines)
    assert not list(out.rglob("*.tmp"))


def test_all_good_exits_zero(tmp_path: Path) -> None:
    assert main(["parse", str(SEED), "-o", str(tmp_path)]) == 0
    assert (tmp_path / "_errors.jsonl").read_text() == ""


@pytest.mark.parametrize(
    "argv", [[], ["parse"], ["frobnicate"], ["parse", "--no-such-flag", str(SEED)]]
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "baocao.cli", *argv], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_version_and_help() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "baocao.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == f"baocao {baocao.__version__}"
    helptext = subprocess.run(
        [sys.executable, "-m", "baocao.cli", "parse", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "examples:" in helptext.stdout and "-o OUT_DIR" in helptext.stdout


def test_console_script_and_checkout_entry_point() -> None:
    """`python cli.py parse FILE` works from a checkout, like the installed `baocao`."""
    repo = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, str(repo / "cli.py"), "parse", str(SEED)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["schema"] == "baocao/1"
