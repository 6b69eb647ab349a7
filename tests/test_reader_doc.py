""".doc (Word 97) through LibreOffice: the real 011 plan converts with what a reader sees in it.

Expected values were written by reading the document (LibreOffice's plain-text export, by eye)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import baocao
from baocao.models.schema import iter_sections
from baocao.parser.readers import doc as doc_reader
from conftest import DOCS

DOC_011 = DOCS / "011_phutho-so-tttt-ke-hoach-dao-tao-qlvb-2011.doc"


@pytest.fixture(scope="module")
def plan() -> baocao.Document:
    assert shutil.which("soffice"), "LibreOffice is installed by `make setup`"
    return baocao.parse(DOC_011)


def test_header_and_footer(plan: baocao.Document) -> None:
    meta = plan.meta
    assert plan.source.format == "doc"
    assert meta.issuer == ["UBND TỈNH PHÚ THỌ", "SỞ THÔNG TIN VÀ TRUYỂN THÔNG"]
    assert (meta.doc_type, meta.doc_number, meta.place) == ("KẾ HOẠCH", "/KH-STTTT", "Phú Thọ")
    assert (meta.date, meta.date_parts.year, meta.date_parts.month) == (None, 2011, 12)
    assert meta.title == (
        "Triển khai cài đặt, đào tạo hướng dẫn sử dụng phần mềm Quản lý văn bản và điều hành "
        "tại Sở thông tin và Truyền thông tỉnh Phú Thọ"
    )
    assert meta.signer.position == "GIÁM ĐỐC" and meta.signer.name == "Phan Quang Thao"
    assert meta.recipients[-1] == "Lưu: VT, P.CNTT"


def test_headings_including_word_numbering(plan: baocao.Document) -> None:
    tree = [(s.level, s.marker) for s in iter_sections(plan.sections)]
    assert tree == [
        (1, "I."), (1, "II."), (2, "1."), (2, "2."),
        (3, "a)"), (3, "b)"), (3, "c)"), (3, "d)"), (3, "đ)"),
        (1, "III."), (2, "1."), (2, "2."), (2, "3."), (2, "4."), (2, "5."),
    ]  # fmt: skip
    titles = {s.marker: s.title for s in plan.sections}
    assert titles["III."] == "TỔ CHỨC THỰC HIỆN" and plan.sections[2].plan


def test_plan_tasks_have_owners_and_schedules(plan: baocao.Document) -> None:
    owners = {o.name for t in plan.tasks for o in t.owners if o.role == "lead"}
    assert {"Phòng Công nghệ thông tin", "Văn phòng Sở", "Trung tâm CNTT Tây Bắc"} <= owners
    dated = [t for t in plan.tasks if t.deadline and t.deadline.date == "2011-12-28"]
    assert dated and dated[0].deadline.relation == "on"


def test_missing_libreoffice_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doc_reader, "soffice_path", lambda: None)
    with pytest.raises(baocao.BaocaoError, match="apt-get install libreoffice-writer-nogui"):
        baocao.parse(DOC_011)


def test_non_word_ole_and_encrypted_files(tmp_path: Path) -> None:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    xls = tmp_path / "book.doc"
    xls.write_bytes(header + "Workbook".encode("utf-16-le"))
    with pytest.raises(baocao.BaocaoError, match="not a Word document"):
        baocao.parse(xls)
    locked = tmp_path / "locked.doc"
    locked.write_bytes(header + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(baocao.BaocaoError, match="encrypted Office document"):
        baocao.parse(locked)
