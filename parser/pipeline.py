"""The one-way pipeline: reader → normalizer → segmenter → extractors → assembler."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from baocao.models.schema import Document, Meta
from baocao.parser.assemble import SectionIndex, assemble, build_sections, build_tables
from baocao.parser.blocks import RawDocument
from baocao.parser.errors import BaocaoError
from baocao.parser.extract import extract_entities
from baocao.parser.meta import extract_meta
from baocao.parser.normalize import NormalizedText, normalize
from baocao.parser.readers import read_path, read_string
from baocao.parser.segment import Segmentation, segment
from baocao.parser.tasks import extract_tasks
from baocao.parser.timing import stage


def parse(source: str | os.PathLike[str]) -> Document:
    """Parse a report given as a path or as its text.

    A `Path` (or a one-line string naming an existing file) is read from disk; any other string
    is taken as the report's text.
    """
    if isinstance(source, os.PathLike):
        return parse_file(source)
    if "\n" not in source and len(source) < 4096 and Path(source).exists():
        return parse_file(source)
    return parse_text(source)


def parse_file(path: str | os.PathLike[str], timings: dict[str, float] | None = None) -> Document:
    """Parse one file; pass a dict as `timings` to get each stage's seconds added to it."""
    with stage(timings, "read"):
        raw = read_path(path)
    return _run(raw, timings)


def parse_text(text: str) -> Document:
    return _run(read_string(text))


# A few lines that reach every lazily loaded resource: lexicons, the gazetteer index, the word
# list, underthesea's tagger.
_WARM_UP_TEXT = """ỦY BAN NHÂN DÂN
XÃ CẨM MỸ
Số: 12/BC-UBND
Cẩm Mỹ, ngày 30 tháng 11 năm 2023
BÁO CÁO
Kết quả tháng 11
I. KẾT QUẢ
1. UBND xã phối hợp Hội Nông dân huyện Cẩm Xuyên hỗ trợ hộ Phạm Công Hiếu ở thôn Mỹ Trung
35 triệu đồng theo Nghị quyết số 16-NQ/TU; 8/8 thôn đạt 75,7%, hoàn thành trước 10/12/2023.
Đồng chí Nguyễn Văn An và Lê Thị Bình tham dự.
"""


def warm_up() -> None:
    """Load everything a first parse would load, so that worker processes start ready."""
    from baocao.models import people

    parse_text(_WARM_UP_TEXT)
    people.warm_up()


def report_anchor(meta: Meta) -> date | None:
    """The date that dates without a year are read against: the report's own date."""
    parts = meta.date_parts
    if parts.year is None:
        return None
    try:
        return date(parts.year, parts.month or 1, parts.day or 1)
    except ValueError:
        return None


def content_zones(
    norm: NormalizedText, seg: Segmentation, title_units: list[int]
) -> list[tuple[int, int]]:
    """Where entities are looked for: text before the header (stray footnotes), the title, and
    the body. The header's số, place-date line and the footer are `meta`."""
    units = norm.units
    zones = [(units[i].start, units[i].end) for i in range(seg.preamble_end)]
    zones += [(units[i].start, units[i].end) for i in title_units]
    if seg.footer_start > seg.header_end:
        zones.append((units[seg.header_end].start, units[seg.footer_start - 1].end))
    zones += [(u.start, u.end) for u in units if u.kind == "note"]
    return zones


def _run(raw: RawDocument, timings: dict[str, float] | None = None) -> Document:
    try:
        with stage(timings, "normalize"):
            norm = normalize(raw)
        with stage(timings, "segment"):
            seg = segment(norm)
            header = (seg.preamble_end, seg.header_end)
            meta, title_units = extract_meta(norm, header, seg.footer_start)
            sections = build_sections(seg.roots)
            index = SectionIndex(sections)
        zones = content_zones(norm, seg, title_units)
        entities = extract_entities(norm.text, report_anchor(meta), index, zones, timings)
        with stage(timings, "tasks"):
            tasks = extract_tasks(norm, (seg.header_end, seg.footer_start), index, entities)
        with stage(timings, "assemble"):
            document = assemble(raw, norm, seg, meta, sections, entities, build_tables(norm, index))
            document.tasks = tasks
        return document
    except BaocaoError:
        raise
    except Exception as exc:  # a bug of ours must still name the file, never kill a batch
        raise BaocaoError(
            f"internal error while parsing: {type(exc).__name__}: {exc}",
            path=raw.path,
            stage="parse",
        ) from exc
