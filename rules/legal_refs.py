"""LEGAL_REF rule: documents cited in a report.

Value: {"kind": expanded kind, "number": str | None, "date": ISO | None}.

Grammar (examples in rules/examples/legal_refs.jsonl):
- KIND [KIND2] [số[:]] NUMBER [[,] [ban hành] ngày DATE]
  "Nghị quyết số 16-NQ/TU", "Nghị quyết số 16 ngày 28/8/2023", "Chỉ thị 05",
  "Quyết định số 1234/QĐ-UBND", "Kế hoạch số 17-KH/ĐU, ngày 09/10/2025",
  "Thông báo Kết luận số 244/TB-UBND" (kind: the first KIND), "NĐ 176/2025/NĐ-CP", "CV 298/PC04".
  KIND is a name ("Nghị quyết", any case, syllables possibly glued as in PDF text: "Tờtrình") or
  an upper-case abbreviation ("NQ", "NĐ", "QĐ"); the lexicon, with each kind's expansion, is
  DATA in rules/data/doc_kinds.tsv.
  NUMBER starts with a digit and continues with document-code segments joined by "-" or "/"
  ("16-NQ/TU", "176/2025/NĐ-CP"); spaces inside it (PDF artefacts, "126 -TTr/BXDĐ") are dropped
  from the value. A plain number ("05") needs "số" or a kind whose lexicon entry allows it
  (bare_number) and must be followed by punctuation, a capitalised word or a linking word
  ("của", "về", ...): "Đề án 06", "Chương trình 135", "Kế hoạch 5 năm" stay names or counts.
- Titled kinds: "Luật Khoáng sản", "Luật An toàn, vệ sinh lao động", "Bộ luật Hình sự" (number
  None): the title is the capitalised word after the kind and the words that follow, up to a
  linking word ("về", "của", "năm", ...), punctuation, or a second comma; an optional year
  ("Luật Đất đai năm 2024") is part of the span, not the date; "ngày DATE" right after the
  title is the date ("Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015").
- The date of a reference is in its value; callers should pass LEGAL_REF spans as `skip` to
  rules.dates.extract / rules.deadlines.extract_temporal so it is not also a DATE. A date without
  a year takes the anchor's year (confidence 0.8).
Not references: a kind word without a number ("ban hành 02 kế hoạch", "theo Kế hoạch"), names
("Chi bộ 4 tốt", "Ban Chỉ đạo 35"), the header's "Số: BC-ĐU" line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from . import dates
from .base import Match, RuleContext
from .dates import WS, Span

_DATA = Path(__file__).with_name("data") / "doc_kinds.tsv"

# Words that may follow a plain number ("Nghị quyết 09 của ...") -- anything else lower-case
# after it makes the number a count ("Quyết định 1 lần") or a name.
# fmt: off
_BARE_FOLLOWERS = frozenset((
    "của", "về", "ngày", "và", "do", "đã", "được", "trong", "theo", "tại", "nhằm", "ban", "thì",
    "cùng", "với", "để", "đến",
))
# Words that end a title ("Luật Đất đai về ...", "Luật Khoáng sản năm 2010").
_TITLE_STOPS = frozenset((
    "về", "của", "và", "năm", "số", "đã", "được", "trong", "theo", "tại", "để", "cho", "các",
    "này", "với", "hiện", "mới", "nhằm", "thì", "là", "do", "đối", "từ", "khi", "sẽ",
    "không", "đang", "ngày", "qua", "trên", "dưới", "sau", "trước", "quy", "như", "cũng",
))
# fmt: on
# Phrases that end a title although their first word may belong to one ("người có công").
_TITLE_STOP_PHRASES = re.compile(
    rf"có{WS}+(?:hiệu{WS}+lực|liên{WS}+quan|thẩm{WS}+quyền)(?![^\W\d_])", re.IGNORECASE
)
_GLUED_TITLE_STOPS = ("về", "của")  # PDF text: "lao động vềhoạt động"
_TITLE_MAX_WORDS = 8


@dataclass(frozen=True)
class Kind:
    form: str
    kind: str
    style: str  # "abbr" | "word" | "title"
    bare: bool


@cache
def kinds() -> tuple[Kind, ...]:
    """The lexicon of document kinds (rules/data/doc_kinds.tsv)."""
    out = []
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        form, kind, style, bare = line.split("\t")
        out.append(Kind(form, kind, style, bare.strip() == "yes"))
    return tuple(out)


def _key(form: str) -> str:
    return re.sub(r"\s+", "", form).casefold()


def _word_pattern(form: str) -> str:
    """A kind name: any case; a lower-case initial needs a word boundary, a capital may be glued
    to the previous word (PDF text "vềNghị quyết"); syllables may be glued ("Tờtrình")."""
    first, rest = form[0], form[1:]
    body = re.escape(rest).replace(r"\ ", f"{WS}*")
    lower, upper = re.escape(first.lower()), re.escape(first.upper())
    return rf"(?:(?<![^\W\d_]){lower}|{upper})(?i:{body})(?![^\W\d_])"


def _title_pattern(form: str) -> str:
    """A titled kind: capital initial required ("Luật", never "pháp luật"/"kỷluật")."""
    body = re.escape(form).replace(r"\ ", f"{WS}*")
    return rf"{body}(?=[^\S\n])"


# Code segments start with a digit or a capital: "16-NQ/TU", "176/2025/NĐ-CP", "126 -TTr/BXDĐ".
_NUMBER = rf"\d+[a-z]?(?:(?:[-/]|{WS}-(?=[A-ZĐ]))[\dA-ZĐ][^\W_]*)*"
_REF_DATE = (
    rf"(?P<dd>\d{{1,2}}){WS}?(?P<ds>[/.-]){WS}?(?P<dm>\d{{1,2}})(?:{WS}?(?P=ds){WS}?(?P<dy>\d{{4}}))?"
    rf"|(?P<vd>\d{{1,2}}){WS}*(?i:tháng){WS}*(?P<vm>\d{{1,2}})"
    rf"(?:{WS}*,?{WS}*(?i:năm){WS}*(?P<vy>\d{{4}}))?"
)


def _prefilter() -> str:
    """Lookaheads on the first letters of every form: they only make the scan fast."""
    firsts = {c for k in kinds() for c in (k.form[0].lower(), k.form[0].upper())}
    heads = set()
    for k in kinds():
        head = re.escape(k.form.split()[0][:3])
        heads.add(head if k.style == "abbr" else f"(?i:{head})")
    return rf"(?=[{''.join(sorted(firsts))}])(?={'|'.join(sorted(heads))})"


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, Kind]]:
    by_key: dict[str, Kind] = {}
    alts: list[str] = []
    for k in sorted(kinds(), key=lambda k: len(k.form), reverse=True):
        if k.style == "abbr":
            by_key[k.form] = k
            alts.append(rf"{re.escape(k.form)}(?![\w/-])")
        else:
            by_key.setdefault(_key(k.form), k)
            alts.append(_word_pattern(k.form))
    words = [_word_pattern(k.form) for k in kinds() if k.style == "word"]
    ref = re.compile(
        rf"{_prefilter()}(?P<kind>{'|'.join(alts)})(?:{WS}+(?:{'|'.join(words)}))?{WS}*"
        rf"(?:(?P<so>(?i:số)){WS}*:?{WS}*|:{WS}*)?(?P<num>{_NUMBER})(?![\d/])"
        rf"(?P<datepart>{WS}*,?{WS}*(?:(?i:ban){WS}*(?i:hành){WS}*)?(?i:ngày){WS}*"
        rf"(?:{_REF_DATE})(?![\d/]))?"
    )
    titles = [_title_pattern(k.form) for k in kinds() if k.style == "title"]
    title = re.compile("|".join(titles))
    return ref, title, by_key


_TITLE_DATE = re.compile(rf"{WS}*,?{WS}*(?i:ngày){WS}*(?:{_REF_DATE})(?![\d/])")
_TOKEN = re.compile(rf"(?P<sp>{WS}+)|(?P<word>[^\W\d_]+)|(?P<comma>,)")
_TITLE_YEAR = re.compile(rf"{WS}*(?:(?i:năm){WS}*)?(?:19|20)\d\d(?![\d/])")
_BARE_FOLLOW = re.compile(rf"{WS}*(?P<word>[^\W\d_]+)?")


# --------------------------------------------------------------------------- numbered refs


def _clean_number(raw: str) -> str:
    """The number as written, without the spaces PDF text layers insert ("126 -TTr/BXDĐ")."""
    return re.sub(r"\s+", "", raw)


def _bare_ok(view: str, end: int) -> bool:
    """A plain number is a reference number when what follows cannot be its counted noun."""
    nxt = _BARE_FOLLOW.match(view, end)
    word = nxt.group("word") if nxt else None
    if word is None:
        return True  # punctuation or end of line
    if word[0].isupper():
        return True  # "Nghị quyết 44 HĐND huyện"
    if word.casefold() == "năm":
        return _TITLE_YEAR.match(view, end) is not None
    return word.casefold() in _BARE_FOLLOWERS


def _abbr_boundary_ok(view: str, start: int) -> bool:
    """An abbreviation starts a token; only a lower-case letter may be glued before it."""
    if start == 0:
        return True
    c = view[start - 1]
    return not (c.isalnum() or c in "/-_") or c.islower()


def _ref_date(m: re.Match[str], ctx: RuleContext) -> tuple[date | None, bool]:
    """The reference's date and whether its year came from the anchor."""
    d = m.group("dd") or m.group("vd")
    mo = m.group("dm") or m.group("vm")
    y = m.group("dy") or m.group("vy")
    inferred = y is None
    year = int(y) if y else (ctx.anchor.year if ctx.anchor else None)
    if year is None:
        return None, inferred
    try:
        day = date(year, int(mo), int(d))
    except ValueError:
        return None, inferred
    if inferred and ctx.anchor and day > ctx.anchor:
        day = _previous_year(day)  # a cited document predates the report
    return day, inferred


def _previous_year(day: date) -> date | None:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29/2
        return None


def _numbered(view: str, ctx: RuleContext) -> list[tuple[int, int, dict, float]]:
    ref, _title, by_key = _patterns()
    out = []
    for m in ref.finditer(view):
        raw_kind = m.group("kind")
        kind = by_key.get(raw_kind) or by_key.get(_key(raw_kind))
        if kind is None:
            continue
        if kind.style == "abbr" and not _abbr_boundary_ok(view, m.start()):
            continue
        number = _clean_number(m.group("num"))
        coded = any(c in number for c in "-/")
        if not m.group("so") and not coded and not (kind.bare and _bare_ok(view, m.end("num"))):
            continue
        end = m.end("num")
        value = {"kind": kind.kind, "number": number, "date": None}
        conf = dates.CONF
        if m.group("datepart"):
            day, inferred = _ref_date(m, ctx)
            if day is not None:
                value["date"], end = day.isoformat(), m.end("datepart")
                conf = dates.CONF_INFERRED if inferred else conf
        out.append((m.start(), end, value, conf))
    return out


# --------------------------------------------------------------------------- titled refs


def _title_end(view: str, pos: int) -> int | None:
    """End of a law's title starting at pos (None when no capitalised title follows)."""
    words, commas, end = 0, 0, None
    line_end = view.find("\n", pos)
    line_end = len(view) if line_end < 0 else line_end
    while pos < line_end and words < _TITLE_MAX_WORDS:
        tok = _TOKEN.match(view, pos, line_end)
        if tok is None:
            break
        if tok.lastgroup == "sp":
            pos = tok.end()
            continue
        if tok.lastgroup == "comma":
            if commas or not 1 <= words <= 2 or not _title_word_follows(view, tok.end(), line_end):
                break
            commas, pos = 1, tok.end()
            continue
        word = tok.group()
        if not _title_word(word, first=words == 0) or _TITLE_STOP_PHRASES.match(view, pos):
            break
        words, end, pos = words + 1, tok.end(), tok.end()
    return end


def _title_word(word: str, first: bool) -> bool:
    low = word.casefold()
    if first:
        return word[0].isupper() and low not in _TITLE_STOPS
    if low in _TITLE_STOPS or word in ("Luật", "Bộ", "Pháp"):
        return False
    return not any(low.startswith(s) and len(low) > len(s) for s in _GLUED_TITLE_STOPS)


def _title_word_follows(view: str, pos: int, line_end: int) -> bool:
    tok = _TOKEN.match(view, pos, line_end)
    if tok is not None and tok.lastgroup == "sp":
        tok = _TOKEN.match(view, tok.end(), line_end)
    return tok is not None and tok.lastgroup == "word" and _title_word(tok.group(), first=False)


def _titled(view: str, ctx: RuleContext) -> list[tuple[int, int, dict, float]]:
    _ref, title, by_key = _patterns()
    out = []
    for m in title.finditer(view):
        end = _title_end(view, m.end())
        if end is None:
            continue
        year = _TITLE_YEAR.match(view, end)
        end = year.end() if year else end
        value = {"kind": by_key[_key(m.group())].kind, "number": None, "date": None}
        conf = dates.CONF
        dated = _TITLE_DATE.match(view, end)  # "Luật ... ngày 19 tháng 6 năm 2015"
        day, inferred = _ref_date(dated, ctx) if dated else (None, False)
        if day is not None:
            value["date"], end = day.isoformat(), dated.end()
            conf = dates.CONF_INFERRED if inferred else conf
        out.append((m.start(), end, value, conf))
    return out


# --------------------------------------------------------------------------- API


def extract(text: str, ctx: RuleContext, skip: list[Span] | tuple[Span, ...] = ()) -> list[Match]:
    """LEGAL_REF matches in text, sorted and non-overlapping."""
    an = dates.analyze(text)  # shared, cached: provides the letter-spacing view
    found = sorted(_numbered(an.view, ctx) + _titled(an.view, ctx), key=lambda r: (r[0], -r[1]))
    out: list[Match] = []
    last_end = -1
    for start, end, value, conf in found:
        if start < last_end:
            continue
        last_end = end
        span = an.offsets.span(start, end)
        if skip and dates.overlaps(*span, skip):
            continue
        out.append(Match("LEGAL_REF", span[0], span[1], value, conf))
    return out
