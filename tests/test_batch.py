"""Batch conversion (parser/batch.py, `baocao parse … -o OUT_DIR`): bad inputs of every kind,
per-document limits, resumability, SIGKILL mid-run, --jsonl, and the Dask engine against the
local one. Every batch here is small; the whole file runs in well under a minute on 2 cores."""

from __future__ import annotations

import ctypes
import hashlib
import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from docx import Document as DocxDocument

from baocao.cli import main
from baocao.parser import batch
from baocao.parser.readers import _reader_for

REPO = Path(__file__).resolve().parent.parent
DOCS = sorted((REPO / "corpus" / "docs").glob("*.txt"))
SEED = DOCS[0]


# ------------------------------------------------------------------ helpers: inputs


def good_tree(root: Path, copies: int = 1, docs: list[Path] = DOCS) -> list[str]:
    """The corpus's text reports in two subfolders; returns their paths relative to root."""
    names = []
    for n in range(copies):
        for i, doc in enumerate(docs):
            rel = f"{'a' if i % 2 else 'b'}/{'c' if n % 2 else 'd'}/{n:03d}_{doc.name}"
            if copies == 1:
                rel = f"{'a' if i % 2 else 'b/deeper'}/{doc.name}"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(doc, root / rel)
            names.append(rel)
    return sorted(names)


def docx_bytes() -> bytes:
    doc = DocxDocument()
    for line in SEED.read_text("utf-8").splitlines()[:60]:
        doc.add_paragraph(line.strip())
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def deflate_zeros(periods: int) -> tuple[bytes, int]:
    """A raw deflate stream (one fixed-Huffman block) that inflates to many zero bytes: a
    literal 0, then 8 * (periods + 2) copies of <length 258, distance 1>, then end of block.
    Eight such matches are 104 bits, 13 whole bytes, so the middle of the stream is those 13
    bytes repeated: 256 MiB of zeros in 1.7 MB, made in no time."""
    bits: list[int] = []

    def huffman(code: int, length: int) -> None:  # Huffman codes go most significant bit first
        bits.extend((code >> (length - 1 - i)) & 1 for i in range(length))

    bits += [1, 1, 0]  # BFINAL=1, BTYPE=01 (fixed Huffman), least significant bit first
    huffman(0b00110000, 8)  # literal 0
    for _ in range(16):
        huffman(0b11000101, 8)  # length code 285: 258 bytes
        huffman(0b00000, 5)  # distance code 0: distance 1
    huffman(0, 7)  # end of block
    bits += [0] * (-len(bits) % 8)
    raw = bytes(sum(b << i for i, b in enumerate(bits[k : k + 8])) for k in range(0, len(bits), 8))
    stream = raw[:2] + raw[2:15] * periods + raw[2:]
    return stream, 1 + 258 * 8 * (periods + 2)


def zip_bytes(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip from (name, deflated data, crc32, uncompressed size), written by hand so that a
    member's data can be a stream that zlib never had to produce."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size,
                        len(encoded), 0)
            + encoded
            + data
        )  # fmt: skip
        central.write(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data),
                        size, len(encoded), 0, 0, 0, 0, 0, offset)
            + encoded
        )  # fmt: skip
    directory = central.getvalue()
    count = len(members)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), out.tell(), 0)
    return out.getvalue() + directory + end


def zip_bomb_docx(source: bytes, periods: int = 130_000) -> bytes:
    """A real .docx whose word/document.xml inflates to 256 MiB of zeros (and says so)."""
    members = []
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        for info in archive.infolist():
            if info.filename == "word/document.xml":
                data, size = deflate_zeros(periods)
                crc = 0
                zeros = bytes(1 << 20)
                for _ in range(size >> 20):
                    crc = zlib.crc32(zeros, crc)
                crc = zlib.crc32(bytes(size & ((1 << 20) - 1)), crc)
            else:
                plain = archive.read(info)
                packer = zlib.compressobj(6, zlib.DEFLATED, -15)
                data, size, crc = (
                    packer.compress(plain) + packer.flush(),
                    len(plain),
                    zlib.crc32(plain),
                )
            members.append((info.filename, data, crc, size))
    return zip_bytes(members)


_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def encrypted_pdf(text: str, user_password: bytes = b"secret") -> bytes:
    """A one-page PDF under the standard security handler (RC4 40-bit, revision 2, PDF 1.4
    §3.5.2) with a document-open password. No qpdf here, and LibreOffice takes seconds:
    the test checks with pdfium that it is a real encrypted PDF (no password: refused;
    the password: the text)."""
    md5 = hashlib.md5
    permissions = -44
    file_id = md5(b"baocao test").digest()
    owner = _rc4(md5(b"owner" + _PAD[:27]).digest()[:5], (user_password + _PAD)[:32])
    key = md5((user_password + _PAD)[:32] + owner + struct.pack("<i", permissions) + file_id)
    key5 = key.digest()[:5]
    user = _rc4(key5, _PAD)
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    sealed = _rc4(md5(key5 + (4).to_bytes(3, "little") + b"\0\0").digest()[:10], content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(sealed) + sealed + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner.hex().encode(), user.hex().encode(), permissions),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    ident = file_id.hex().encode()
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 6 0 R /ID [<%s> <%s>] >>\n"
        % (len(objects) + 1, ident, ident)
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in ("effective", "permitted", "inheritable")]


def drop_dac_capabilities() -> None:
    """preexec_fn: run the child as a root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so
    file permissions bind it as they bind any user. Dropped from the bounding set too, so the
    interpreter that is exec'd, and its workers, cannot get them back."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    for field in ("effective", "permitted", "inheritable"):
        setattr(data[0], field, getattr(data[0], field) & ~0b110)
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def permissions_bind(path: Path) -> bool:
    """Whether a child without the DAC capabilities is refused a mode-000 file."""
    try:
        result = subprocess.run(
            [sys.executable, "-c", f"open({str(path)!r}, 'rb')"],
            preexec_fn=drop_dac_capabilities,
            capture_output=True,
            text=True,
            check=False,
        )
    except subprocess.SubprocessError:
        return False
    return "PermissionError" in result.stderr


# ------------------------------------------------------------------ helpers: outputs


def outputs(out: Path) -> list[str]:
    return sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*.json") if p.name != batch.SUMMARY_FILE
    )


def errors_by_name(out: Path) -> dict[str, dict]:
    lines = (out / batch.ERRORS_FILE).read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    by_name = {Path(r["path"]).name: r for r in records}
    assert len(by_name) == len(records), "one record per failed file"
    return by_name


def summary(out: Path) -> dict:
    return json.loads((out / batch.SUMMARY_FILE).read_text("utf-8"))


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if p.name.endswith((".tmp", ".partial"))]


def config(inputs: list[Path], out: Path, **kwargs: object) -> batch.BatchConfig:
    kwargs.setdefault("workers", 2)
    kwargs.setdefault("progress", "none")
    return batch.BatchConfig(inputs=[str(p) for p in inputs], out_dir=out, **kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------ bad inputs

BAD_FOLDER_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from baocao.parser import batch

    def vanish(job):  # deleted after discovery, before a worker opens it
        if job.path.endswith("vanishes.txt"):
            os.unlink(job.read_path)

    cfg = batch.BatchConfig(inputs=[sys.argv[1]], out_dir=Path(sys.argv[2]), workers=2,
                            timeout=20, max_memory_mib=1024)
    sys.exit(batch.run(cfg, before_submit=vanish))
    """
)


def test_bad_inputs_are_recorded_and_good_ones_convert(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    good = good_tree(inputs)
    bad = inputs / "bad"
    bad.mkdir()
    (bad / "zero.txt").write_bytes(b"")
    (bad / "blank.txt").write_text("  \n\t\n\n")
    (bad / "junk.bin").write_bytes(bytes(range(256)) * 16)
    word = docx_bytes()
    (bad / "truncated.docx").write_bytes(word[: len(word) // 2])
    (bad / "bomb.docx").write_bytes(zip_bomb_docx(word))
    pdf = encrypted_pdf("Bao cao mat")
    (bad / "locked.pdf").write_bytes(pdf)
    os.mkfifo(bad / "pipe")
    os.symlink("loop_b", bad / "loop_a")
    os.symlink("loop_a", bad / "loop_b")
    os.symlink("..", bad / "parent")  # a folder loop
    (bad / "vanishes.txt").write_bytes(SEED.read_bytes())
    secret = bad / "secret.txt"
    secret.write_bytes(SEED.read_bytes())
    secret.chmod(0)
    (inputs / ".hidden.txt").write_bytes(SEED.read_bytes())
    (inputs / ".hidden_dir").mkdir()
    (inputs / ".hidden_dir" / "x.txt").write_bytes(SEED.read_bytes())

    # The fixtures are what they claim to be.
    import pypdfium2 as pdfium

    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(pdf)
    opened = pdfium.PdfDocument(pdf, password="secret")
    assert "Bao cao mat" in opened[0].get_textpage().get_text_range()
    opened.close()
    with zipfile.ZipFile(bad / "bomb.docx") as bomb:
        member = bomb.getinfo("word/document.xml")
        assert member.file_size > 256e6 and member.compress_size < 2e6
        with bomb.open(member) as stream:
            assert stream.read(1 << 20) == bytes(1 << 20)
    unreadable = permissions_bind(secret)

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", BAD_FOLDER_SCRIPT, str(inputs), str(out)],
        preexec_fn=drop_dac_capabilities if unreadable else None,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert time.monotonic() - started < 30
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr

    assert outputs(out) == [f"{name}.json" for name in good]
    for name in good:
        doc = json.loads((out / f"{name}.json").read_text("utf-8"))
        assert doc["source"]["path"] == str(inputs / name)
        assert doc["source"]["sha256"] == hashlib.sha256((inputs / name).read_bytes()).hexdigest()

    errors = errors_by_name(out)
    expected = {
        "zero.txt": "empty file (0 bytes)",
        "blank.txt": "no text",
        "junk.bin": "binary",
        "truncated.docx": "docx" if _reader_for("docx") else "unsupported format",
        "bomb.docx": "zip bomb" if _reader_for("docx") else "unsupported format",
        "locked.pdf": "encrypted" if _reader_for("pdf") else "unsupported format",
        "pipe": "not a regular file: a FIFO",
        "loop_a": "symlink loop",
        "loop_b": "symlink loop",
        "parent": "symlink loop: leads back to the folder",
        "vanishes.txt": "no such file",
    }
    if unreadable:
        expected["secret.txt"] = "Permission denied"
    else:  # root with CAP_DAC_OVERRIDE reads it; nothing honest makes the read fail
        assert "secret.txt.json" in {Path(p).name for p in outputs(out)}
    assert set(errors) == set(expected)
    for name, reason in expected.items():
        assert reason in errors[name]["reason"], (name, errors[name])
        assert errors[name]["stage"] in {"read", "decode", "parse", "write"}
    assert errors["truncated.docx"]["format"] == "docx"
    assert errors["locked.pdf"]["format"] == "pdf"
    assert "hidden" not in result.stderr + (out / batch.ERRORS_FILE).read_text()

    report = summary(out)
    assert report["files"] == {
        "total": len(good) + len(expected) + (0 if unreadable else 1),
        "converted": len(good) + (0 if unreadable else 1),
        "skipped": 0,
        "failed": len(expected),
    }
    assert report["by_format"]["txt"]["converted"] == report["files"]["converted"]
    assert report["by_format"]["docx"]["failed"] == 2
    assert report["entities"]["DATE"] > 0 and report["tasks"] >= 0
    assert report["docs_per_s"] > 0 and report["elapsed_s"] > 0
    assert not temp_files(out)
    failure_lines = [ln for ln in result.stderr.splitlines() if "converted" not in ln]
    assert len(failure_lines) == len(expected)
    assert all(line.startswith("baocao: ") for line in failure_lines)


def _worker_baseline_mib() -> float:
    """VmData (what RLIMIT_DATA counts) of a fresh, warmed-up batch worker."""
    pool = batch._new_pool(1, batch.Limits(None, None))
    try:
        status = pool.schedule(Path("/proc/self/status").read_text).result(timeout=60)
    finally:
        pool.stop()
        pool.join()
    data_kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmData"))
    return int(data_kib) / 1024


def test_time_and_memory_limits_replace_the_worker(tmp_path: Path) -> None:
    """One worker: a document over its time limit (then over its memory limit, in a second
    batch); the replacement worker converts the next document."""
    seed = SEED.read_text("utf-8")
    slow, hungry = tmp_path / "slow", tmp_path / "hungry"
    for folder, bad, content in (
        (slow, "1_slow.txt", seed * 40),  # ~3 s of parsing
        (hungry, "1_hungry.txt", "x\n" * 6_000_000),  # 6 M lines: memory, fast
    ):
        folder.mkdir()
        (folder / bad).write_text(content)
        (folder / "2_ok.txt").write_text(seed)

    assert batch.run(config([slow], tmp_path / "out1", workers=1, timeout=1.5)) == 1
    errors = errors_by_name(tmp_path / "out1")
    assert errors["1_slow.txt"] == {
        "path": str(slow / "1_slow.txt"),
        "format": "txt",
        "stage": "parse",
        "reason": "time limit exceeded (1.5 s); worker replaced",
    }
    assert outputs(tmp_path / "out1") == ["2_ok.txt.json"]

    limit = max(128, int(_worker_baseline_mib()) + 96)
    cfg = config([hungry], tmp_path / "out2", workers=1, timeout=None, max_memory_mib=limit)
    assert batch.run(cfg) == 1
    reason = errors_by_name(tmp_path / "out2")["1_hungry.txt"]["reason"]
    assert reason == f"memory limit exceeded ({limit} MiB); worker replaced"
    assert outputs(tmp_path / "out2") == ["2_ok.txt.json"]


# ------------------------------------------------------------------ resumability


def test_rerun_skips_force_redoes_changed_input_is_redone(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    good = good_tree(inputs)
    assert main(["parse", str(inputs), "-o", str(out), "--pretty"]) == 0
    assert summary(out)["files"]["converted"] == len(good)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*.txt.json")}

    stale = out / "a" / ".left.txt.json.abcd1234.tmp"  # as a killed run leaves them
    stale.write_text('{"half')
    assert main(["parse", str(inputs), "-o", str(out)]) == 0
    report = summary(out)
    assert report["files"] == {
        "total": len(good),
        "converted": 0,
        "skipped": len(good),
        "failed": 0,
    }
    assert report["by_format"]["txt"]["skipped"] == len(good)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.txt.json")} == mtimes
    assert not stale.exists()

    changed = inputs / good[0]
    changed.write_text(changed.read_text("utf-8") + "\nGhi chú thêm.\n", "utf-8")
    assert main(["parse", str(inputs), "-o", str(out)]) == 0
    assert summary(out)["files"]["converted"] == 1
    doc = json.loads((out / f"{good[0]}.json").read_text("utf-8"))
    assert doc["source"]["sha256"] == hashlib.sha256(changed.read_bytes()).hexdigest()

    # An output written by another tool version is redone; so is everything with --force.
    other = out / f"{good[1]}.json"
    other.write_text(other.read_text("utf-8").replace(batch.TOOL, "baocao 0.0.1", 1), "utf-8")
    assert main(["parse", str(inputs), "-o", str(out)]) == 0
    assert summary(out)["files"]["converted"] == 1
    assert main(["parse", str(inputs), "-o", str(out), "--force"]) == 0
    assert summary(out)["files"]["converted"] == len(good)
    assert outputs(out) == [f"{name}.json" for name in good]


def test_jsonl_stream_is_whole_and_resumable(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    good = good_tree(inputs)
    (inputs / "zero.txt").write_bytes(b"")
    stream = out / "all.jsonl"
    assert main(["parse", str(inputs), "--jsonl", str(stream)]) == 1
    lines = stream.read_text("utf-8").splitlines()
    paths = sorted(json.loads(line)["source"]["path"] for line in lines)
    assert paths == sorted(str(inputs / name) for name in good)
    assert set(errors_by_name(out)) == {"zero.txt"}
    assert not outputs(out)  # no per-document files

    assert main(["parse", str(inputs), "--jsonl", str(stream)]) == 1
    assert summary(out)["files"]["skipped"] == len(good)
    changed = inputs / good[-1]
    changed.write_text(changed.read_text("utf-8") + "\nGhi chú.\n", "utf-8")
    assert main(["parse", str(inputs), "--jsonl", str(stream)]) == 1
    assert summary(out)["files"]["converted"] == 1
    lines = stream.read_text("utf-8").splitlines()
    assert len(lines) == len(good)  # the changed input's old line is gone
    redone = [json.loads(ln) for ln in lines if json.loads(ln)["source"]["path"] == str(changed)]
    assert redone[0]["source"]["sha256"] == hashlib.sha256(changed.read_bytes()).hexdigest()
    assert not temp_files(out)


@pytest.mark.parametrize("mode", ["files", "jsonl"])
def test_sigkill_mid_run_then_rerun_finishes(tmp_path: Path, mode: str) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    smallest = sorted(DOCS, key=lambda p: p.stat().st_size)[:2]
    names = good_tree(inputs, copies=100, docs=smallest)  # 200 documents
    assert len(names) == 200
    stream = out / "all.jsonl"
    argv = [sys.executable, "-m", "baocao.cli", "parse", str(inputs), "-o", str(out), "-j", "2"]
    if mode == "jsonl":
        argv += ["--jsonl", str(stream)]
    partial = out / ".all.jsonl.partial"

    def done() -> int:
        if mode == "jsonl":
            return partial.read_bytes().count(b"\n") if partial.exists() else 0
        return len(outputs(out)) if out.exists() else 0

    proc = subprocess.Popen(argv, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while done() < 40 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the main process and its workers, mid-write or not
    proc.wait()
    killed_at = done()
    assert 40 <= killed_at < 200, killed_at

    if mode == "files":
        for name in outputs(out):  # every output there is whole
            json.loads((out / name).read_text("utf-8"))
    else:
        assert not stream.exists()  # the stream appears whole, at the end, or not at all
        whole = partial.read_bytes().rsplit(b"\n", 1)[0].splitlines()
        assert all(json.loads(line) for line in whole)

    assert main(argv[3:]) == 0  # the re-run, in this process (its workers are warm already)
    report = summary(out)
    assert report["files"]["failed"] == 0
    assert report["files"]["skipped"] >= killed_at - 1  # the torn last line, if any, is redone
    assert report["files"]["skipped"] + report["files"]["converted"] == 200
    if mode == "files":
        assert outputs(out) == [f"{name}.json" for name in names]
        paths = [
            json.loads((out / f"{name}.json").read_text("utf-8"))["source"]["path"]
            for name in names
        ]
    else:
        paths = [json.loads(line)["source"]["path"] for line in stream.read_text().splitlines()]
    assert sorted(paths) == sorted(str(inputs / name) for name in names)  # none missing or twice
    assert not temp_files(out)


# ------------------------------------------------------------------ options and usage


def test_include_exclude_and_mirrored_tree(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    good = good_tree(inputs)
    (inputs / "notes.md").write_text("# not a report\n")
    cfg = config([inputs], out, include=("*.txt",), exclude=("deeper",))
    assert batch.run(cfg) == 0
    assert outputs(out) == [f"{name}.json" for name in good if not name.startswith("b/deeper")]
    # Output inside the input folder: never walked back into.
    nested = inputs / "out"
    assert batch.run(config([inputs], nested, include=("*.txt",))) == 0
    assert batch.run(config([inputs], nested, include=("*.txt",))) == 0
    assert summary(nested)["files"]["total"] == len(good)


def test_same_relative_path_from_two_inputs_is_not_overwritten(tmp_path: Path) -> None:
    first, second = tmp_path / "x" / SEED.name, tmp_path / "y" / SEED.name
    for path in (first, second):
        path.parent.mkdir()
        shutil.copyfile(SEED, path)
    out = tmp_path / "out"
    assert batch.run(config([first, second], out)) == 1
    assert outputs(out) == [f"{SEED.name}.json"]
    assert "already written for another input" in errors_by_name(out)[SEED.name]["reason"]


@pytest.mark.parametrize(
    "extra",
    [
        ["--force"],  # batch options need -o or --jsonl
        ["-o", "OUT", "-j", "0"],
        ["-o", "OUT", "--max-memory", "10"],
        ["-o", "OUT", "--engine", "dask"],  # no --scheduler
        ["-o", "OUT", "--scheduler", "tcp://127.0.0.1:1"],  # without --engine dask
    ],
)
def test_usage_errors(tmp_path: Path, extra: list[str], capsys: pytest.CaptureFixture) -> None:
    argv = ["parse", str(SEED), *[str(tmp_path / "out") if a == "OUT" else a for a in extra]]
    assert main(argv) == 2
    assert "baocao: error:" in capsys.readouterr().err


def test_second_run_on_the_same_out_dir_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    import fcntl

    with open(out / batch.LOCK_FILE, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert batch.run(config([SEED], out)) == 2
    assert batch.run(config([SEED], out)) == 0


def test_progress_lines_when_not_a_terminal(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    good_tree(inputs)
    stream = io.StringIO()
    cfg = config([inputs], tmp_path / "out", progress="log", log_interval=0.0)
    assert batch.run(cfg, stderr=stream) == 0
    lines = stream.getvalue().splitlines()
    assert any(f"/{len(DOCS)} files (" in ln and "files/s" in ln for ln in lines), lines
    assert lines[-1].startswith(f"baocao: {len(DOCS)} converted, 0 skipped")
    bar = io.StringIO()
    cfg = config([inputs], tmp_path / "out2", progress="bar")
    assert batch.run(cfg, stderr=bar) == 0
    assert f"{len(DOCS)}/{len(DOCS)}" in bar.getvalue() and "file/s" in bar.getvalue()


# ------------------------------------------------------------------ Dask


def test_dask_engine_equals_local_engine(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    inputs = tmp_path / "in"
    good_tree(inputs)
    (inputs / "zero.txt").write_bytes(b"")
    (inputs / "junk.bin").write_bytes(bytes(range(256)) * 4)
    os.mkfifo(inputs / "pipe")
    local, remote = tmp_path / "local", tmp_path / "dask"

    assert batch.run(config([inputs], local)) == 1
    # Two worker processes under nannies, as on a real cluster (daemonic processes: the pool
    # inside each must still start), on the loopback interface only.
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        protocol="tcp",
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=None,
        memory_limit="1GiB",
    ) as cluster:
        try:
            dask_cfg = config([inputs], remote, engine="dask", scheduler=cluster.scheduler_address)
            assert batch.run(dask_cfg) == 1
            assert batch.run(dask_cfg) == 1  # resumable on the cluster too
            assert summary(remote)["files"]["skipped"] == len(DOCS)
            stream_cfg = config(
                [inputs],
                tmp_path / "stream",
                engine="dask",
                scheduler=cluster.scheduler_address,
                jsonl=tmp_path / "stream" / "all.jsonl",
            )
            assert batch.run(stream_cfg) == 1
        finally:
            batch.close_worker_pools()

    assert outputs(remote) == outputs(local)
    for name in outputs(local):
        there, here = (remote / name).read_bytes(), (local / name).read_bytes()
        assert json.loads(there) == json.loads(here), name
        assert there == here, name
    assert errors_by_name(remote) == errors_by_name(local)
    streamed = {
        json.loads(line)["source"]["path"]: line
        for line in (tmp_path / "stream" / "all.jsonl").read_text("utf-8").splitlines()
    }
    for name in outputs(local):
        doc = (local / name).read_text("utf-8").strip()
        assert streamed[str(inputs / name.removesuffix(".json"))] == doc

    def comparable(report: dict) -> dict:
        drop = {*batch.TIMING_FIELDS, "engine", "workers", "force"}
        return {k: v for k, v in report.items() if k not in drop}

    dask_report = json.loads((tmp_path / "stream" / batch.SUMMARY_FILE).read_text())
    assert comparable(dask_report) | {"jsonl": None, "output": str(local)} == comparable(
        summary(local)
    )
