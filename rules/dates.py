"""DATE rule: points and periods written in Vietnamese administrative reports.

Value: {"start": ISO, "end": ISO, "grain": "day" | "month" | "quarter" | "year"}.

Forms (examples in rules/examples/dates.jsonl):
- day: "24/11/2023", "24-11-2023", "24.11.2023", "ngày 30 tháng 11 năm 2023", "ngày 22/12",
  a bare "22/12" only with a cue (ngày, từ, đến, trước, ..., "(20/10)", or a named day such as
  "Việt Nam 22/12" followed by punctuation or a connective) -- otherwise "8/8 thôn" is a fraction.
- ranges (one entity): "từ 24/10-25/11", "từ ngày 06/10 – 13/10/2025", "từ ngày 15 – 17/10/2025",
  "từ ngày 07/10/2025 đến ngày 13/10/2025", "từ tháng 10 đến tháng 12/2025". Two complete dates
  joined by a dash without "từ" ("( 18/11/1930 – 18/11/ 2023)") stay two entities.
- month: "tháng 11/2023", "tháng 11 năm 2023", "tháng 11". A month list "tháng 7, 8, 9/2025" is
  one range entity when the months are consecutive (or joined by a dash); a non-consecutive list
  ("tháng 8, 10/2025") gives one entity per month, sharing the trailing year.
- quarter: "quý IV/2023", "Quý III năm 2025", "quý I".
- year: "năm 2023"; spans "giai đoạn 2021-2023", "nhiệm kỳ 2024- 2029", "năm 2026 - 2030". The cue
  may be glued ("nhiệm kỳ2025") or end the previous line ("giai\\nđoạn 2026 – 2030"); the entity
  then covers only the years. A bare year without cue is not a date.
- A year missing from the text comes from ctx.anchor (confidence 0.8); in the plan part
  (ctx.in_plan) a month earlier than the anchor's month means the next year (for a quarter: its
  last month). No anchor and no year: nothing is emitted. Coordinated periods share a trailing
  year: "quý III và quý IV năm 2025".
- Not dates: durations ("3 tháng", "93 năm"), "hàng tháng", fractions, document numbers
  ("1667/NQ-UBTVQH15", "01/2011/TT-BNV"), "1.023/1.610", times, the header's place-and-date line
  ("Cẩm Mỹ, ngày 30 tháng 11 năm 2023") and digital-signature timestamps ("01-10-2025 10:49:44").

Letter-spaced PDF text ("t h á n g 1 0 / 2 0 2 5") is matched through a collapsed view whose
offsets are mapped back to the original text (`normalize_spacing`, shared with the other rules).

Skipping spans: ``extract(text, ctx, skip=[(start, end), ...])`` drops every DATE overlapping a
skip span. Callers pass the spans of LEGAL_REF matches (their dates belong to the reference);
``rules.deadlines.extract_temporal`` passes DEADLINE spans itself.

Shared API (used by rules.deadlines and rules.legal_refs): ``analyze(text)`` scans a text once
into `Atom`s (cached for the last text object seen), ``resolve(atom, ctx, offset)`` gives its
(start, end, year_inferred), ``normalize_spacing``/`OffsetMap` provide the letter-spacing view.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from .base import Match, RuleContext

Span = tuple[int, int]

WS = r"[^\S\n]"  # whitespace that never crosses a line
CONF = 0.95
CONF_INFERRED = 0.8

# Nouns that make "tháng 2 lần" a count, not February, and "3/4 số hộ" a fraction.
# fmt: off
_COUNT_NOUNS = (
    "lần", "lượt", "buổi", "người", "hộ", "hồ sơ", "trường hợp", "đối tượng", "cuộc", "đợt",
    "ca", "em", "học sinh", "hội viên", "đoàn viên", "đảng viên", "công dân", "cán bộ",
    "tập thể", "cá nhân", "đơn vị", "ngày", "tuần", "chi bộ", "thôn", "xã", "tổ", "số",
)
# fmt: on
# Words after a bare "22/12" that keep it a date ("Việt Nam 22/12 và các ngày lễ").
_DM_FOLLOWERS = ("và", "của", "hằng năm", "hàng năm", "năm nay", "này", "tới", "sắp tới", "vừa qua")


def _words(words: Iterable[str]) -> str:
    return "|".join(w.replace(" ", f"{WS}*") for w in sorted(words, key=len, reverse=True))


_COUNT = rf"{WS}*(?:{_words(_COUNT_NOUNS)})(?![^\W\d_])"
_YEAR_TAIL = rf"{WS}*(?:[/.-]|,?{WS}*năm){WS}*"
_DASH = "[-–—]"
_NO_NUM_AFTER = r"(?![\d/]|[.,]\d)"

_FORMS = [
    # ngày 30 tháng 11 (năm 2023)
    rf"(?P<V>(?P<V_n>ngày){WS}*(?P<V_d>\d{{1,2}}){WS}*tháng{WS}*(?P<V_m>\d{{1,2}})(?!\d)"
    rf"(?:{WS}*,?{WS}*(?:năm{WS}*)?(?P<V_y>\d{{4}})(?!\d))?)",
    # 30 tháng 11 năm 2023 (without "ngày", the year is required)
    rf"(?P<W>(?<![\d.,/])(?P<W_d>\d{{1,2}}){WS}+tháng{WS}*(?P<W_m>\d{{1,2}}){WS}*,?{WS}*"
    rf"năm{WS}*(?P<W_y>\d{{4}})(?!\d))",
    # (ngày) 15 – 17/10(/2025): a day range inside one month
    rf"(?P<R>(?:(?P<R_n>ngày){WS}*)?(?<![\d/.,])(?P<R_d1>\d{{1,2}}){WS}*(?:{_DASH}|đến|tới){WS}*"
    rf"(?:ngày{WS}*)?(?P<R_d2>\d{{1,2}}){WS}?(?P<R_s>[/.-]){WS}?(?P<R_m>\d{{1,2}})"
    rf"(?:{WS}?(?P=R_s){WS}?(?P<R_y>\d{{4}}))?{_NO_NUM_AFTER})",
    # (ngày) 24/11/2023, 24-11-2023, 24.11.2023, "18/11/ 2023"
    rf"(?P<N>(?:(?P<N_n>ngày){WS}*)?(?<![\d/.,])(?P<N_d>\d{{1,2}}){WS}?(?P<N_s>[/.-]){WS}?"
    rf"(?P<N_m>\d{{1,2}}){WS}?(?P=N_s){WS}?(?P<N_y>\d{{4}}){_NO_NUM_AFTER})",
    # (ngày) 22/12 -- kept only with a cue, see _dm_cue
    rf"(?P<B>(?:(?P<B_n>ngày){WS}*)?(?<![\d/.,:])(?P<B_d>\d{{1,2}}){WS}?(?P<B_s>[/.-]){WS}?"
    rf"(?P<B_m>\d{{1,2}})(?!\d|{WS}?/{WS}?\d|[.,]\d))",
    # tháng 7, 8, 9/2025 ; tháng 10 - 12/2025
    rf"(?P<L>tháng{WS}*(?P<L_ms>\d{{1,2}}(?:{WS}*(?:,|và|{_DASH}|đến){WS}*\d{{1,2}}(?!\d))+)"
    rf"(?:{_YEAR_TAIL}(?P<L_y>\d{{4}})(?!\d)|(?!{_COUNT})))",
    # tháng 11/2023 ; tháng 11 năm 2023 ; tháng 11
    rf"(?P<M>tháng{WS}*(?P<M_m>\d{{1,2}})(?!\d)(?:{_YEAR_TAIL}(?P<M_y>\d{{4}})(?!\d)|(?!{_COUNT})))",
    # quý IV/2023 ; Quý III năm 2025 ; quý I
    rf"(?P<Q>quý{WS}*(?P<Q_q>(?-i:IV|I{{1,3}})|[1-4])(?![^\W\d_]|\d)"
    rf"(?:{_YEAR_TAIL}(?P<Q_y>\d{{4}})(?!\d))?)",
    # 2023 ; 2021-2023 -- kept only after năm / giai đoạn / nhiệm kỳ / thời kỳ, see _year
    rf"(?P<Y>(?<![\d/.,])(?P<Y_1>(?:19|20)\d\d)(?:{WS}*(?:{_DASH}|đến){WS}*"
    rf"(?P<Y_2>(?:19|20)\d\d))?{_NO_NUM_AFTER})",
]
# The leading lookaheads only speed the scan up: every form starts with a digit or a cue word.
_SCAN = re.compile(
    r"(?=[\dnNtTqQ])(?=\d|ngày|tháng|quý)(?:" + "|".join(_FORMS) + ")", re.IGNORECASE
)

_COUNT_AFTER = re.compile(_COUNT, re.IGNORECASE)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_TU_TAIL = re.compile(rf"từ{WS}*$", re.IGNORECASE)
_DM_CUE_TAIL = re.compile(
    rf"(?:từ|đến|tới|trước|sau|hết|nhất|hôm|vào|sáng|chiều|tối|đêm|dịp|lễ|quốc{WS}*khánh){WS}*$",
    re.IGNORECASE,
)
_NAMED_DAY_TAIL = re.compile(rf"([^\W\d_]+){WS}+$")
_DM_FOLLOW = re.compile(
    rf"{WS}*(?:$|[.,;:)\]…]|(?:{_words(_DM_FOLLOWERS)})(?![^\W\d_]))", re.IGNORECASE
)
_YEAR_CUE = re.compile(
    rf"(?:(?P<span>giai{WS}*\n?{WS}*đoạn|nhiệm{WS}*\n?{WS}*kỳ|thời{WS}*\n?{WS}*kỳ)|(?P<nam>năm))"
    rf"{WS}*\n?{WS}*$",
    re.IGNORECASE,
)
_RANGE_JOIN = re.compile(rf"{WS}*(?P<c>{_DASH}|đến|tới){WS}*", re.IGNORECASE)
_LIST_JOIN = re.compile(rf"{WS}*(?:,|;|và){WS}*(?:và{WS}*)?", re.IGNORECASE)
_TIME_AFTER = re.compile(rf"{WS}+\d{{1,2}}:\d{{2}}")
_HEADER_LINE = re.compile(
    rf"{WS}*[^\W\d_][^\n,;:]{{0,40}},{WS}*ngày\b[^\n]{{0,40}}\d{{4}}{WS}*\.?{WS}*", re.IGNORECASE
)
_SPACED_RUN = re.compile(r"(?<![^ \n])(?:[^\s] ){4,}[^\s](?![^ \n])")
_SPACED_HINT = re.compile(r" \S \S \S \S")  # cheap pre-filter for lines worth checking


# --------------------------------------------------------------------------- spacing view


class OffsetMap:
    """Maps offsets in the collapsed view back to the original text (piecewise linear)."""

    def __init__(self, segments: Sequence[tuple[int, int, int]] = ()) -> None:
        self._segments = list(segments)  # (view_start, orig_start, stride)
        self._starts = [s[0] for s in self._segments]

    def pos(self, i: int) -> int:
        if not self._segments:
            return i
        k = bisect_right(self._starts, i) - 1
        view_start, orig_start, stride = self._segments[k]
        return orig_start + (i - view_start) * stride

    def span(self, start: int, end: int) -> Span:
        if not self._segments:
            return start, end
        return self.pos(start), self.pos(end - 1) + 1


def normalize_spacing(text: str) -> tuple[str, OffsetMap]:
    """Collapse letter-spaced runs ("t h á n g 1 0") of PDF text layers; map offsets back.

    Only runs of five or more one-character tokens are touched, so ordinary text is kept
    verbatim; line breaks are never removed, so lines correspond one to one.
    """
    runs = _spaced_runs(text)
    if not runs:
        return text, OffsetMap()
    parts: list[str] = []
    segments: list[tuple[int, int, int]] = []
    view_pos = orig_pos = 0
    for run in runs:
        start, end = run.span()
        if start > orig_pos:
            segments.append((view_pos, orig_pos, 1))
            parts.append(text[orig_pos:start])
            view_pos += start - orig_pos
        collapsed = text[start:end:2]
        segments.append((view_pos, start, 2))
        parts.append(collapsed)
        view_pos += len(collapsed)
        orig_pos = end
    segments.append((view_pos, orig_pos, 1))
    parts.append(text[orig_pos:])
    return "".join(parts), OffsetMap(segments)


def _spaced_runs(text: str) -> list[re.Match[str]]:
    runs: list[re.Match[str]] = []
    pos = 0
    while (hint := _SPACED_HINT.search(text, pos)) is not None:
        line_start = text.rfind("\n", 0, hint.start()) + 1
        line_end = text.find("\n", hint.start())
        line_end = len(text) if line_end < 0 else line_end
        runs.extend(_SPACED_RUN.finditer(text, line_start, line_end))
        pos = line_end + 1
    return runs


# --------------------------------------------------------------------------- atoms


@dataclass(slots=True)
class Atom:
    """A date expression found in the (collapsed) text; year/month may still be missing."""

    start: int
    end: int
    grain: str  # "day" | "month" | "quarter" | "year"
    y: int | None = None
    m: int | None = None
    d: int | None = None
    q: int | None = None
    to: Atom | None = None  # the end of a range
    ok: bool = True  # acceptable as a DATE on its own (cue present)
    meta: bool = False  # header date line or signature timestamp: never an entity


@dataclass(slots=True)
class Analysis:
    """The shared first pass of the temporal rules over one text."""

    text: str
    view: str
    offsets: OffsetMap
    atoms: list[Atom]


_last: list[Analysis] = []  # one-entry cache: the rules usually run one after another on a text


def analyze(text: str) -> Analysis:
    """Scan text once for date expressions (shared by the DATE, DEADLINE and LEGAL_REF rules).

    The result is cached for the last text seen (by identity) and must not be mutated.
    """
    if _last and _last[0].text is text:
        return _last[0]
    view, offsets = normalize_spacing(text)
    atoms = _merge_ranges(view, _scan(view))
    _share_years(view, atoms)
    _mark_meta(view, atoms)
    result = Analysis(text, view, offsets, atoms)
    _last[:] = [result]
    return result


def _int(s: str | None) -> int | None:
    return int(s) if s else None


def _scan(view: str) -> list[Atom]:
    atoms: list[Atom] = []
    for m in _SCAN.finditer(view):
        kind = m.lastgroup
        if kind == "L":
            atoms.extend(_month_list(m))
            continue
        atom = _ATOM_BUILDERS[kind](m, view)
        if atom is not None:
            atoms.append(atom)
    return atoms


def _verbose(m: re.Match[str], _view: str) -> Atom:
    g = "V" if m.group("V") else "W"
    return Atom(
        m.start(),
        m.end(),
        "day",
        _int(m.group(g + "_y")),
        int(m.group(g + "_m")),
        int(m.group(g + "_d")),
    )


def _day_range(m: re.Match[str], view: str) -> Atom | None:
    d1, d2 = int(m.group("R_d1")), int(m.group("R_d2"))
    y, mo = _int(m.group("R_y")), int(m.group("R_m"))
    end = Atom(m.start("R_d2"), m.end(), "day", y, mo, d2, ok=y is not None)
    if d1 >= d2:
        return end  # "30 – 15/10/2025" is no range; keep the complete date only
    ok = bool(m.group("R_n") or y or _TU_TAIL.search(line_tail(view, m.start())))
    return Atom(m.start(), m.end(), "day", None, None, d1, to=end, ok=ok)


def _dmy(m: re.Match[str], _view: str) -> Atom:
    return Atom(
        m.start(), m.end(), "day", int(m.group("N_y")), int(m.group("N_m")), int(m.group("N_d"))
    )


def _dm(m: re.Match[str], view: str) -> Atom | None:
    if m.group("B_s") != "/" and not m.group("B_n"):
        return None  # "5.1", "3-4" are not dates without "ngày"
    if not m.group("B_n") and _COUNT_AFTER.match(view, m.end()):
        return None  # "8/8 thôn", "3/4 số hộ": a fraction, whatever precedes it
    ok = bool(m.group("B_n")) or _dm_cue(view, m.start(), m.end())
    return Atom(m.start(), m.end(), "day", None, int(m.group("B_m")), int(m.group("B_d")), ok=ok)


def _dm_cue(view: str, start: int, end: int) -> bool:
    tail = line_tail(view, start)
    if _DM_CUE_TAIL.search(tail):
        return True
    if tail.rstrip().endswith("(") and view[end : end + 3].lstrip().startswith(")"):
        return True
    named = _NAMED_DAY_TAIL.search(tail)  # "Việt Nam 22/12", "Quốc khánh 2/9."
    return bool(named and named.group(1)[0].isupper() and _DM_FOLLOW.match(view, end))


def _month_list(m: re.Match[str]) -> list[Atom]:
    y = _int(m.group("L_y"))
    items = [
        (int(x.group()), m.start("L_ms") + x.start(), m.start("L_ms") + x.end())
        for x in re.finditer(r"\d{1,2}", m.group("L_ms"))
    ]
    months = [it[0] for it in items]
    if any(not 1 <= mo <= 12 for mo in months):
        return []
    dashed = re.search(rf"{_DASH}|đến", m.group("L_ms"), re.IGNORECASE) is not None
    consecutive = all(b == a + 1 for a, b in zip(months, months[1:], strict=False))
    if (dashed and months == sorted(months)) or consecutive:
        last = Atom(items[-1][1], m.end(), "month", y, months[-1])
        return [Atom(m.start(), m.end(), "month", None, months[0], to=last)]
    atoms = []
    for i, (mo, s, e) in enumerate(items):
        start = m.start() if i == 0 else s
        end = m.end() if i == len(items) - 1 else e
        atoms.append(Atom(start, end, "month", y, mo))
    return atoms


def _month(m: re.Match[str], _view: str) -> Atom | None:
    mo = int(m.group("M_m"))
    if not 1 <= mo <= 12:
        return None
    return Atom(m.start(), m.end(), "month", _int(m.group("M_y")), mo)


def _quarter(m: re.Match[str], _view: str) -> Atom:
    q = m.group("Q_q")
    return Atom(
        m.start(), m.end(), "quarter", _int(m.group("Q_y")), q=int(q) if q.isdigit() else _ROMAN[q]
    )


def _year(m: re.Match[str], view: str) -> Atom | None:
    y1, y2 = int(m.group("Y_1")), _int(m.group("Y_2"))
    if y2 is not None and not 0 < y2 - y1 <= 30:
        return None
    window_start = max(0, m.start() - 30)
    cue = _YEAR_CUE.search(view, window_start, m.start())
    ok = bool(cue and (y2 is not None or cue.group("nam")))
    start = m.start()
    if cue and "\n" not in view[cue.start() : m.start()]:
        start = cue.start()  # the cue is on this line: include it
    if y2 is None:
        return Atom(start, m.end(), "year", y1, ok=ok)
    last = Atom(m.start("Y_2"), m.end(), "year", y2)
    return Atom(start, m.end(), "year", y1, to=last, ok=ok)


_ATOM_BUILDERS = {
    "V": _verbose,
    "W": _verbose,
    "R": _day_range,
    "N": _dmy,
    "B": _dm,
    "M": _month,
    "Q": _quarter,
    "Y": _year,
}


def line_tail(view: str, pos: int, width: int = 24) -> str:
    """The text before pos on the same line (at most width characters)."""
    start = max(view.rfind("\n", 0, pos) + 1, pos - width)
    return view[start:pos]


def _merge_ranges(view: str, atoms: list[Atom]) -> list[Atom]:
    """Join "A – B" / "A đến B" into one range atom; extend ranges to a leading "từ"."""
    out: list[Atom] = []
    i = 0
    while i < len(atoms):
        a = atoms[i]
        b = atoms[i + 1] if i + 1 < len(atoms) else None
        merged = _try_merge(view, a, b) if b is not None else None
        if merged is not None:
            a, i = merged, i + 2
        else:
            i += 1
        if a.to is not None:
            tu = _TU_TAIL.search(line_tail(view, a.start))
            if tu:
                a.start -= len(tu.group())
        out.append(a)
    return out


def _try_merge(view: str, a: Atom, b: Atom) -> Atom | None:
    if a.to is not None or b.to is not None or a.grain != b.grain:
        return None
    join = _RANGE_JOIN.fullmatch(view, a.end, b.start)
    if join is None:
        return None
    tu = _TU_TAIL.search(line_tail(view, a.start)) is not None
    if join.group("c").lower() not in ("đến", "tới") and a.y and b.y and not tu:
        return None  # "( 18/11/1930 – 18/11/ 2023)": two dates, not a range
    ok = tu or a.ok or b.ok
    return replace(a, end=b.end, to=b, ok=ok)


def _share_years(view: str, atoms: list[Atom]) -> None:
    """'quý III và quý IV năm 2025': a yearless period takes the next coordinated one's year."""
    for a, b in zip(reversed(atoms[:-1]), reversed(atoms[1:]), strict=True):
        year = b.y if b.y is not None else (b.to.y if b.to is not None else None)
        if (
            a.y is None
            and a.to is None
            and year is not None
            and a.grain == b.grain
            and _LIST_JOIN.fullmatch(view, a.end, b.start)
        ):
            a.y = year


def _mark_meta(view: str, atoms: list[Atom]) -> None:
    header_cache: dict[int, bool] = {}
    for a in atoms:
        line_start = view.rfind("\n", 0, a.start) + 1
        if line_start not in header_cache:
            line_end = view.find("\n", a.start)
            line_end = len(view) if line_end < 0 else line_end
            header_cache[line_start] = bool(_HEADER_LINE.fullmatch(view, line_start, line_end))
        if header_cache[line_start] or _TIME_AFTER.match(view, a.end):
            a.meta = True


# --------------------------------------------------------------------------- resolution


# Plans also name the period that just ended ("đánh giá nhiệm vụ quý III" in an October plan,
# "chi trả tháng 9" in a mid-October one): a period ending this close before the report's month is
# the past one, not next year's.
RECENT_PAST_MONTHS = 2


def _last_month(a: Atom) -> int:
    if a.grain == "quarter":
        return 3 * (a.q or 1)
    return a.m or 12


def _year_for(a: Atom, ctx: RuleContext, offset: int) -> tuple[int | None, bool]:
    """The atom's year and whether it was inferred from the anchor."""
    if a.y is not None:
        return a.y, False
    if ctx.anchor is None or a.grain == "year":
        return None, True
    y = ctx.anchor.year
    if ctx.in_plan(offset) and ctx.anchor.month - _last_month(a) > RECENT_PAST_MONTHS:
        y += 1  # plan part: "tháng 1" in a December report is next January
    return y, True


def bounds(a: Atom, y: int) -> tuple[date, date] | None:
    """First and last day of the atom's period in year y (None when invalid, e.g. 31/02)."""
    try:
        if a.grain == "day":
            day = date(y, a.m or 0, a.d or 0)
            return day, day
        if a.grain == "month":
            first_month = last_month = a.m or 0
        elif a.grain == "quarter":
            first_month, last_month = 3 * (a.q or 0) - 2, 3 * (a.q or 0)
        else:
            first_month, last_month = 1, 12
        last_day = calendar.monthrange(y, last_month)[1]
        return date(y, first_month, 1), date(y, last_month, last_day)
    except (ValueError, calendar.IllegalMonthError):
        return None


def resolve(a: Atom, ctx: RuleContext, offset: int) -> tuple[date, date, bool] | None:
    """(start, end, year_inferred) of an atom, or None when it cannot be dated."""
    if a.to is not None:
        return _resolve_range(a, a.to, ctx, offset)
    y, inferred = _year_for(a, ctx, offset)
    if y is None:
        return None
    b = bounds(a, y)
    return (b[0], b[1], inferred) if b else None


def _resolve_range(
    a: Atom, b: Atom, ctx: RuleContext, offset: int
) -> tuple[date, date, bool] | None:
    if a.grain == "day" and a.m is None:
        a = replace(a, m=b.m, to=None)  # "15 – 17/10/2025"
    inferred = False
    if a.y is None and b.y is not None:
        a = replace(a, y=b.y, to=None)
        first, last = bounds(a, a.y), bounds(b, b.y)
        if first and last and first[0] > last[1]:
            a.y -= 1  # "từ 25/12 - 05/01/2024"
    elif b.y is None and a.y is not None:
        b = replace(b, y=a.y)
        first, last = bounds(a, a.y), bounds(b, b.y)
        if first and last and first[0] > last[1]:
            b.y += 1
    elif a.y is None:
        ya, _ = _year_for(a, ctx, offset)
        yb, _ = _year_for(b, ctx, offset)
        if ya is None or yb is None:
            return None
        a, b, inferred = replace(a, y=ya, to=None), replace(b, y=yb), True
        first, last = bounds(a, ya), bounds(b, yb)
        if first and last and first[0] > last[1]:
            if ctx.in_plan(offset):
                b.y = yb + 1
            else:
                a.y = ya - 1
    first, last = bounds(a, a.y or 0), bounds(b, b.y or 0)
    if not first or not last or first[0] > last[1]:
        return None
    return first[0], last[1], inferred


def overlaps(start: int, end: int, spans: Iterable[Span]) -> bool:
    return any(start < e and s < end for s, e in spans)


def date_matches(an: Analysis, ctx: RuleContext, skip: Sequence[Span] = ()) -> list[Match]:
    """DATE matches from a shared analysis (see `analyze`)."""
    out: list[Match] = []
    for a in an.atoms:
        if not a.ok or a.meta:
            continue
        start, end = an.offsets.span(a.start, a.end)
        if skip and overlaps(start, end, skip):
            continue
        resolved = resolve(a, ctx, start)
        if resolved is None:
            continue
        first, last, inferred = resolved
        value = {"start": first.isoformat(), "end": last.isoformat(), "grain": a.grain}
        out.append(Match("DATE", start, end, value, CONF_INFERRED if inferred else CONF))
    return out


def extract(text: str, ctx: RuleContext, skip: Sequence[Span] = ()) -> list[Match]:
    """DATE matches in text, sorted and non-overlapping; spans overlapping skip are dropped."""
    return date_matches(analyze(text), ctx, skip)
