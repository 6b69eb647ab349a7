"""Header and footer: the parts NĐ 30/2020/NĐ-CP (state) and HD 36-HD/VPTW (Party) lay out.

Header, top to bottom and often in two columns: issuer lines ("ỦY BAN NHÂN DÂN / XÃ …",
"ĐẢNG BỘ … / ĐẢNG ỦY XÃ … / *"), số/ký hiệu, Quốc hiệu or "ĐẢNG CỘNG SẢN VIỆT NAM", place and date,
document type, title (trích yếu), "Kính gửi". Footer: "Nơi nhận" list beside the signing block
(authority T/M, KT., TL., …; position; name), sometimes a digital-signature stamp.
Multi-column lines flattened to text are split at their wide gaps (`Unit.cells`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from baocao.models.schema import DateParts, Meta, Signer
from baocao.parser.headings import SECTION_FAMILIES, parse_marker
from baocao.parser.normalize import NormalizedText

HEADER_SEARCH_LIMIT = 40  # paragraphs: a header never starts further down than this
FOOTER_SEARCH_LIMIT = 40  # paragraphs from the end where the signing block is looked for

_PARTY_HEADER = re.compile(r"^ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM$")
_NATIONAL_MOTTO = re.compile(
    r"^CỘNG\s+H[OÒ]À?\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM$|^CỘNG\s+HÒA\s+XÃ"
)
_MOTTO_LINE = re.compile(r"^Độc\s+lập\s*[-–]\s*Tự\s+do\s*[-–]\s*Hạnh\s+phúc", re.IGNORECASE)
_NUMBER = re.compile(r"^Số\s*[:.]?\s*(?P<v>[\w\s./\-–&]{0,40}[/\-–][\w\s./\-–&]*)$")
_PLACE_DATE = re.compile(r"^(?P<place>[^\d,;:]{2,50}?)\s*,\s*ngày\s*(?P<rest>.*)$", re.IGNORECASE)
_DATE_WORDS = re.compile(
    r"^(?P<d>\d{1,2})?\s*tháng\s*(?P<m>\d{1,2})?\s*năm\s*(?P<y>\d{4})", re.IGNORECASE
)
_DATE_NUMERIC = re.compile(r"^(?P<d>\d{1,2})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<y>\d{4})")
# A cell that cannot end a header line: a label, or a date left blank to be filled in by hand
# ("ngày      tháng 11 năm 2023" typed with spaces, which the normalizer takes for a column gap).
_BARE_LABEL = re.compile(
    r"^(?:Số|Kính\s+gửi|V/v)\s*[:.]?$|(?:,\s*|^)ngày$|(?:ngày|tháng)(?:\s+\d{1,2})?$", re.IGNORECASE
)
_PREAMBLE = re.compile(r"^(?:Căn\s*cứ|Theo\s+đề\s+nghị|Xét\s+đề\s+nghị)\b", re.IGNORECASE)
_SEPARATOR = re.compile(r"^[\s*\-–—_=.~+]+$")
_VV = re.compile(r"^V/v\b\s*[:.]?\s*", re.IGNORECASE)
_KINH_GUI = re.compile(r"^Kính\s+gửi\s*[:.]?\s*", re.IGNORECASE)
_RECIPIENTS_HEAD = re.compile(r"^Nơi\s+nhận\s*[:.]?\s*", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^[-+•–]\s*")
_SIGNATURE_TIME = re.compile(
    r"^(?P<d>\d{2})-(?P<m>\d{2})-(?P<y>\d{4})\s+(?P<t>\d{2}:\d{2}:\d{2})\s*(?P<z>[+-]\d{2}:\d{2})?$"
)
_SIGNED_MARK = re.compile(
    r"^\(?\s*(?:đã\s+ký|ký|ký\s+tên|ký,?\s*đóng\s+dấu)[^)]*\)?$", re.IGNORECASE
)
_PERSON_NAME = re.compile(r"^(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){1,5}$")


@dataclass(frozen=True)
class DocType:
    name: str
    code: str


@lru_cache(maxsize=1)
def doc_types() -> tuple[DocType, ...]:
    """Document types and their ký hiệu codes, longest names first (parser/data/doc_types.tsv)."""
    rows = []
    data = resources.files("baocao.parser").joinpath("data/doc_types.tsv").read_text("utf-8")
    for line in data.splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, code = line.partition("\t")
            rows.append(DocType(name.strip(), code.strip()))
    return tuple(sorted(rows, key=lambda t: -len(t.name)))


@lru_cache(maxsize=1)
def _authority_pattern() -> re.Pattern[str]:
    data = resources.files("baocao.parser").joinpath("data/authorities.txt").read_text("utf-8")
    prefixes = [ln.strip() for ln in data.splitlines() if ln.strip() and not ln.startswith("#")]
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(rf"^(?:{alternatives})\s*(?=[A-ZĐÀ-Ỹ])")


def is_authority(text: str) -> bool:
    return bool(_authority_pattern().match(text))


def _upper_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch.isupper() for ch in letters) / len(letters) if letters else 0.0


def _is_caps_line(text: str) -> bool:
    return len(text) <= 90 and _upper_share(text) >= 0.85


def match_doc_type(text: str) -> tuple[DocType, str] | None:
    """A type line in capitals: the type, and what follows it on the line (a title start)."""
    folded = unicodedata.normalize("NFC", text).upper()
    if not _is_caps_line(text):
        return None
    for doc_type in doc_types():
        if folded == doc_type.name or folded.startswith(doc_type.name + " "):
            return doc_type, text[len(doc_type.name) :].strip()
    return None


def _strong_header_cue(text: str) -> bool:
    return bool(
        _PARTY_HEADER.match(text)
        or _NATIONAL_MOTTO.match(text)
        or _NUMBER.match(text)
        or (_PLACE_DATE.match(text) and _DATE_WORDS.match(_PLACE_DATE.match(text).group("rest")))
        or re.match(
            r"^(?:ĐẢNG\s+(?:BỘ|ỦY|UỶ)|ỦY\s+BAN|UỶ\s+BAN|UBND|HỘI\s+ĐỒNG|BAN\s+|SỞ\s+)", text
        )
    )


def _cells(norm: NormalizedText, index: int) -> list[str]:
    """The column cells of a paragraph; a bare label ("Số:", "Kính gửi:") keeps its value."""
    unit = norm.units[index]
    cells = [norm.text[a:b] for a, b in unit.cells(norm.text)]
    merged: list[str] = []
    for cell in cells:
        if merged and _BARE_LABEL.match(merged[-1]):
            merged[-1] = f"{merged[-1]} {cell}"
        else:
            merged.append(cell)
    return merged


def find_header_end(norm: NormalizedText) -> tuple[int, int]:
    """(first header paragraph, first paragraph after the header).

    The header starts at the first strong cue (issuer, motto, số, place-date) within the first
    paragraphs; it ends after the title block (type line and the lines under it), at a
    separator, or at the first section heading.
    """
    units = norm.units
    limit = min(len(units), HEADER_SEARCH_LIMIT)
    start = next(
        (i for i in range(limit) if any(_strong_header_cue(c) for c in _cells(norm, i))), None
    )
    if start is None:
        return 0, 0
    end = start
    seen_type = False
    title_lines = 0
    last_title_caps = False
    for i in range(start, limit):
        text = norm.text[units[i].start : units[i].end]
        cells = _cells(norm, i)
        marker = parse_marker(text)
        if marker and marker.family in SECTION_FAMILIES:
            break
        if _SEPARATOR.match(text):
            end = i + 1
            if seen_type:
                break
            continue
        if seen_type:
            if _KINH_GUI.match(text):
                end = _after_addressees(norm, i)
                break
            if title_lines and (units[i].blank_before or len(text) > 250):
                break
            if title_lines >= 6 or (not _looks_like_title(text) and title_lines):
                break
            # A decision's authority line in capitals ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …") and its
            # "Căn cứ …" grounds follow the title; they are not part of it.
            if title_lines and (
                _PREAMBLE.match(text) or (_is_caps_line(text) and not last_title_caps)
            ):
                break
            last_title_caps = _is_caps_line(text)
            title_lines += 1
            end = i + 1
            continue
        if any(match_doc_type(c) for c in cells) or any(_VV.match(c) for c in cells):
            seen_type = True
            end = i + 1
            continue
        if any(_is_header_cell(c) for c in cells):
            end = i + 1
            continue
        if _KINH_GUI.match(text):
            end = _after_addressees(norm, i)
            break
        break
    return start, end


def _looks_like_title(text: str) -> bool:
    return len(text) <= 250 and not _RECIPIENTS_HEAD.match(text)


def _after_addressees(norm: NormalizedText, index: int) -> int:
    i = index + 1
    while i < len(norm.units):
        text = norm.text[norm.units[i].start : norm.units[i].end]
        if not (_LIST_ITEM.match(text) and len(text) < 150):
            break
        i += 1
    return i


def _is_header_cell(text: str) -> bool:
    return bool(
        _SEPARATOR.match(text)
        or _PARTY_HEADER.match(text)
        or _NATIONAL_MOTTO.match(text)
        or _MOTTO_LINE.match(text)
        or _NUMBER.match(text)
        or _place_date(text)
        or _is_caps_line(text)
    )


def find_footer_start(norm: NormalizedText, body_start: int) -> int:
    """The first paragraph of the footer: the last 'Nơi nhận', else the signing authority."""
    units = norm.units
    end = len(units)
    while end > body_start and units[end - 1].kind == "note":  # notes follow the footer
        end -= 1
    first = max(body_start, end - FOOTER_SEARCH_LIMIT)
    for i in range(end - 1, first - 1, -1):
        if _RECIPIENTS_HEAD.match(norm.text[units[i].start : units[i].end]):
            return i
    for i in range(first, end):
        if any(is_authority(c) for c in _cells(norm, i)):
            return i
    return end


def _place_date(text: str) -> tuple[str, DateParts] | None:
    m = _PLACE_DATE.match(text)
    if not m:
        return None
    rest = m.group("rest").strip()
    dm = _DATE_WORDS.match(rest) or _DATE_NUMERIC.match(rest)
    if not dm:
        return None
    parts = DateParts(
        year=int(dm.group("y")),
        month=int(dm.group("m")) if dm.group("m") else None,
        day=int(dm.group("d")) if dm.group("d") else None,
    )
    return m.group("place").strip(), parts


def split_doc_number(value: str) -> tuple[str | None, str | None]:
    """Split số/ký hiệu into number and notation.

    '12/UBND-VX' → ('12', 'UBND-VX'); '17-TB/ĐU' → ('17', 'TB/ĐU'); '-TB/ĐU' → (None, 'TB/ĐU').
    """
    m = re.match(r"^\s*(?P<n>\d+)?\s*[/\-–]?\s*(?P<c>.*)$", value)
    if not m:
        return None, value or None
    code = m.group("c").strip() or None
    return m.group("n"), code


def extract_meta(
    norm: NormalizedText, header: tuple[int, int], footer_start: int
) -> tuple[Meta, list[int]]:
    """The document's meta, and the header paragraphs that hold its title (body-like text)."""
    meta = Meta()
    title_units = _read_header(norm, header, meta)
    _read_footer(norm, footer_start, meta)
    if meta.doc_type is None and meta.code_notation:
        meta.doc_type = _type_from_notation(meta.code_notation)
    meta.organ_name = organ_name(meta.issuer)
    return meta, title_units


_LEVEL_START = re.compile(
    r"^(?:TỈNH|THÀNH\s+PHỐ|HUYỆN|QUẬN|THỊ\s+XÃ|XÃ|PHƯỜNG|THỊ\s+TRẤN|ĐẶC\s+KHU)\b"
)


def organ_name(issuer: list[str]) -> str | None:
    """The issuing body's name from the issuer lines: the last line, joined to the line above
    when it only carries the level and place ("UỶ BAN NHÂN DÂN" / "TỈNH LÀO CAI") or goes on from
    it ("…, ĐỔI MỚI SÁNG TẠO," / "CHUYỂN ĐỔI SỐ VÀ ĐỀ ÁN 06")."""
    bodies = [line for line in issuer if not _PARTY_HEADER.match(line)]
    if not bodies:
        return None
    name = bodies[-1]
    for above in reversed(bodies[:-1]):
        if _LEVEL_START.match(name) or above.rstrip().endswith((",", "VÀ", "-", "–")):
            name = f"{above} {name}"
        else:
            break
    return name


def _type_from_notation(notation: str) -> str | None:
    code = re.split(r"[/\-–]", notation)[0].strip()
    return next((t.name for t in doc_types() if t.code and t.code == code), None)


def _read_header(norm: NormalizedText, header: tuple[int, int], meta: Meta) -> list[int]:
    title_parts: list[str] = []
    title_units: list[int] = []
    in_title = False
    in_addressees = False
    party = False
    for i in range(*header):
        for cell in _cells(norm, i):
            if in_addressees and _LIST_ITEM.match(cell):
                meta.addressees.append(_clean_item(cell))
                continue
            in_addressees = False
            if _SEPARATOR.match(cell):
                in_title = False if title_parts else in_title
                continue
            if _PARTY_HEADER.match(cell):
                party = True
                continue
            if _NATIONAL_MOTTO.match(cell) or _MOTTO_LINE.match(cell):
                meta.motto.append(cell)
                continue
            number = _NUMBER.match(cell)
            if number and meta.doc_number is None:
                meta.doc_number = re.sub(r"\s+", "", number.group("v")) or None
                meta.code_number, meta.code_notation = split_doc_number(meta.doc_number or "")
                continue
            place_date = _place_date(cell)
            if place_date and meta.place is None:
                meta.place, meta.date_parts = place_date
                meta.date = _iso(meta.date_parts)
                continue
            kinh_gui = _KINH_GUI.match(cell)
            if kinh_gui:
                rest = cell[kinh_gui.end() :].strip()
                if rest:
                    meta.addressees.append(_clean_item(rest))
                in_addressees = True
                in_title = False
                continue
            doc_type = match_doc_type(cell) if meta.doc_type is None else None
            if doc_type:
                meta.doc_type = doc_type[0].name
                if doc_type[1]:
                    title_parts.append(doc_type[1])
                    title_units.append(i)
                in_title = True
                continue
            vv = _VV.match(cell)
            if vv:
                title_parts.append(cell)
                title_units.append(i)
                in_title = True
                continue
            if in_title:
                title_parts.append(cell)
                title_units.append(i)
            elif _is_caps_line(cell) and meta.doc_type is None:
                meta.issuer.append(cell)
    if party:
        meta.issuer.insert(0, "ĐẢNG CỘNG SẢN VIỆT NAM")
    if title_parts:
        meta.title = " ".join(title_parts)
        if meta.doc_type is None and _VV.match(meta.title):
            meta.doc_type = "CÔNG VĂN"
    return sorted(set(title_units))


def _iso(parts: DateParts) -> str | None:
    if parts.year and parts.month and parts.day:
        try:
            return date(parts.year, parts.month, parts.day).isoformat()
        except ValueError:
            return None
    return None


def _clean_item(text: str) -> str:
    text = _LIST_ITEM.sub("", text).strip()
    return re.sub(r"\s*[;,.]+$", "", text).strip()


def _read_footer(norm: NormalizedText, footer_start: int, meta: Meta) -> None:
    items: list[str] = []
    open_item = False  # the last item did not end with ; , . and may go on below
    in_list = False
    signer = Signer()
    stage = "none"  # none → role → position → name
    for i in range(footer_start, len(norm.units)):
        if norm.units[i].kind == "note":
            continue
        for cell in _cells(norm, i):
            head = _RECIPIENTS_HEAD.match(cell)
            if head:
                in_list = True
                cell = cell[head.end() :].strip()
                if not cell:
                    continue
            stamp = _SIGNATURE_TIME.match(cell)
            if stamp:
                meta.signed_at = _signature_iso(stamp)
                continue
            if is_authority(cell):
                signer.role = cell
                stage = "role"
                continue
            if in_list and _LIST_ITEM.match(cell):
                items.append(_LIST_ITEM.sub("", cell).strip())
                open_item = not re.search(r"[;.]\s*$", cell)
                if re.match(r"^[-+•–]\s*Lưu\b", cell):
                    in_list = False
                continue
            if in_list and open_item and items and not _is_caps_line(cell):
                items[-1] = f"{items[-1]} {cell}"  # cleaned once the list is read
                open_item = not re.search(r"[;.]\s*$", cell)
                continue
            if _SIGNED_MARK.match(cell) or _SEPARATOR.match(cell):
                continue
            if stage == "role" and _is_caps_line(cell):
                signer.position = cell
                stage = "position"
                continue
            if (
                stage in ("role", "position")
                and _PERSON_NAME.match(cell)
                and not _is_caps_line(cell)
            ):
                signer.name = cell
                stage = "name"
                continue
            if stage == "none" and _is_caps_line(cell) and not in_list:
                signer.position = cell
                stage = "position"
    meta.recipients = [_clean_item(item) for item in items]
    meta.signer = signer


def _signature_iso(m: re.Match[str]) -> str:
    return f"{m.group('y')}-{m.group('m')}-{m.group('d')}T{m.group('t')}{m.group('z') or ''}"
