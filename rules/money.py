"""MONEY: amounts of đồng ("gần 80 triệu đồng", "35 triệu/nhà", "từ 1 đến 2 tỷ đồng").

An amount is money when a currency word follows it, or when it carries a multiplier
(nghìn, triệu, tỷ) and a money cue word (thu, kinh phí, trị giá...) stands a few words
before it on the same line; the latter are inferred and get a lower confidence.
A bare number without multiplier or currency is never money.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from .base import Match, RuleContext
from .numbers import (
    LETTER,
    NUMBER_START,
    NUMERAL,
    NUMERAL_DOTDEC,
    SP,
    WORD_NUMERAL,
    TextView,
    count_nouns,
    line_start,
    measure_units,
    parse_decimal,
    qualifier_before,
    spaced_view,
)

TYPE = "MONEY"
CONFIDENCE = 0.95
INFERRED_CONFIDENCE = 0.7

_MULTIPLIER_VALUES = {
    "nghìn": 10**3,
    "ngàn": 10**3,
    "triệu": 10**6,
    "tr": 10**6,
    "tỷ": 10**9,
    "tỉ": 10**9,
}
# "tỷ lệ" (rate) and "tỷ trọng" (share) are not billions; "tr" abbreviates triệu only
# before đ/đồng ("50 trđ", "50 tr.đồng"). A multiplier may be glued to "đồng".
MULTIPLIER = (
    rf"(?:(?:nghìn|ngàn){SP}+(?:tỷ|tỉ)|nghìn|ngàn|triệu|(?:tỷ|tỉ)(?!{SP}+(?:lệ|trọng))"
    rf"|tr\.?(?={SP}*đ))(?![^\W\d_đ])"
)
_NUMBER_TOKEN = rf"(?:{NUMERAL_DOTDEC}|{NUMERAL}|{WORD_NUMERAL})"
_PART = rf"{_NUMBER_TOKEN}{SP}*{MULTIPLIER}(?:{SP}+rưỡi(?!{LETTER}))?"
AMOUNT = rf"(?:{_PART}(?:{SP}+{_PART})*|{NUMERAL})"

# "đồng" also starts many words that are not money ("3 đồng chí", "đồng thuận"); "đ/c"
# abbreviates "đồng chí".
_NOT_CURRENCY_AFTER_DONG = (
    "chí|bào|thuận|bộ|ý|thời|loạt|hồ|đội|hành|nghiệp|ruộng|bằng|phục|tâm|lòng|minh|dạng"
    "|nhất|đều|cấp|hương|niên|ca|tình|cảm|môn|khởi|sự|lúa|muối|thau|điệu|âm|vọng|thanh"
)
_DONG = rf"đồng(?!{SP}+(?:{_NOT_CURRENCY_AFTER_DONG})(?!{LETTER}))"
CURRENCY = rf"(?:{_DONG}|vnđ|vnd|đ(?!/c(?!{LETTER})))(?!{LETTER})"
_RANGE_SEP = rf"{SP}*(?:-|–|—|(?:đến|tới)(?!{LETTER})){SP}*"

_MONEY_RE = re.compile(
    rf"{NUMBER_START}(?<![\w.,])(?P<a1>{AMOUNT})"
    rf"(?:{_RANGE_SEP}(?P<a2>{AMOUNT}))?"
    rf"(?P<cur>{SP}*(?:/{SP}*)?{CURRENCY})?"  # "/" tolerated: "55.800.000/đồng" in PDFs
    rf"(?P<slash>{SP}*/{SP}*(?:(?:1|một){SP}+)?(?={LETTER}))?",
    re.IGNORECASE,
)
# Finds the multiplier inside an amount already matched ("tr" has lost its "đ" there).
_MULTIPLIER_RE = re.compile(
    rf"(?<!{LETTER})(?:(?:nghìn|ngàn){SP}+(?:tỷ|tỉ)|nghìn|ngàn|triệu|tỷ|tỉ|tr)(?!{LETTER})",
    re.IGNORECASE,
)
_FROM_TAIL_RE = re.compile(rf"(?<!{LETTER})từ{SP}+\Z", re.IGNORECASE)
_WORD_RE = re.compile(rf"{LETTER}+")
_SECOND_PER_RE = re.compile(rf"/({LETTER}+)(?!{LETTER})")

# Words that announce an amount of money a few words ahead.
_CUES = (
    "số tiền|tiền|thành tiền|kinh phí|trị giá|giá trị|giá|phí|lệ phí|giải ngân|vốn|tổng thu"
    "|tổng chi|chi trả|chi(?!{SP}+(?:hội|bộ|đoàn|nhánh|cục|tiết|tiêu))"
    "|thu(?!{SP}+(?:hút|gom|hoạch|thập|nhận|dọn|âm|hồi{SP}+đất))"
    "|hỗ{SP}+trợ|hố{SP}+trợ|hỗ{SP}+trỡ|dự{SP}*toán|nộp|quyết{SP}+toán|ngân{SP}*sách"
    "|đầu{SP}*tư|doanh{SP}+thu|thu{SP}+nhập|lãi|nợ|vay|tiết{SP}+kiệm|ủng{SP}+hộ"
    "|quyên{SP}+góp|tài{SP}+trợ|thưởng|phạt|bồi{SP}+thường|đền{SP}+bù|thanh{SP}+toán"
    "|tạm{SP}+ứng|huy{SP}+động|thuế|lương|trợ{SP}*cấp|quỹ|mức|tương{SP}+đương"
    "|tổng{SP}+cộng|bình{SP}+quân|giá{SP}+trị"
).replace("{SP}", SP)
_CUE_RE = re.compile(rf"(?<!{LETTER})(?:{_CUES})(?!{LETTER})", re.IGNORECASE)
_CUE_WINDOW = 60  # characters before the amount: "a few words"


def extract(text: str, ctx: RuleContext | None = None) -> list[Match]:
    """MONEY matches in `text`, sorted, non-overlapping, offsets into `text`."""
    view = spaced_view(text)
    return [_to_original(view, m) for m in view_matches(text)]


@lru_cache(maxsize=8)
def view_matches(text: str) -> tuple[Match, ...]:
    """MONEY matches with offsets into `spaced_view(text).text` (shared with counts)."""
    view = spaced_view(text)
    found: list[Match] = []
    for m in _MONEY_RE.finditer(view.text):
        match = _build(view, m)
        if match is None and m.group("a2"):
            sub = _MONEY_RE.match(view.text, m.start("a2"))
            match = _build(view, sub) if sub else None
        if match is not None and (not found or match.start >= found[-1].end):
            found.append(match)
    return tuple(found)


def _to_original(view: TextView, m: Match) -> Match:
    start, end = view.span(m.start, m.end)
    return Match(m.type, start, end, dict(m.value), m.confidence)


def _build(view: TextView, m: re.Match[str]) -> Match | None:
    """The MONEY match for one regex hit, or None when the hit is not money."""
    text = view.text
    a1, a2, has_currency = m.group("a1"), m.group("a2"), bool(m.group("cur"))
    has_multiplier = bool(_MULTIPLIER_RE.search(a1) or (a2 and _MULTIPLIER_RE.search(a2)))
    if not has_currency and not has_multiplier:
        return None
    low, high = _range_values(a1, a2)
    if low is None or (a2 and high is None):
        return None
    per, end = _per(view, m)
    start = m.start()
    if not has_currency and (per is None and _unit_follows(view, end)):
        return None  # "2 triệu lượt khách", "1,5 triệu m3": a count or a measure
    qualifier = qualifier_before(text, start)
    if a2:
        start = _from_before(text, start)
    if qualifier is not None:
        start = min(start, qualifier)
    if not has_currency and not _cue_before(text, start):
        return None
    value: dict[str, object] = {
        "amount": _to_int(low),
        "currency": "VND",
        "approx": qualifier is not None,
        "per": per,
    }
    if high is not None:
        value["max"] = _to_int(high)
    confidence = CONFIDENCE if has_currency else INFERRED_CONFIDENCE
    return Match(TYPE, start, end, value, confidence)


def _range_values(a1: str, a2: str | None) -> tuple[Decimal | None, Decimal | None]:
    """Values of a single amount or a range; "1-2 tỷ": the bound without a multiplier
    takes the other's largest one. An empty or reversed range gives (None, None)."""
    low = parse_decimal(_plain(a1), dot_decimal=True)
    if not a2:
        return low, None
    high = parse_decimal(_plain(a2), dot_decimal=True)
    if low is None or high is None:
        return None, None
    if not _MULTIPLIER_RE.search(a1):
        first = _MULTIPLIER_RE.search(a2)
        if first:
            low *= _multiplier_value(first.group())
    return (low, high) if low < high else (None, None)


def _plain(amount: str) -> str:
    """The amount without the abbreviation dot of "tr." ("50 tr.đ")."""
    return amount[:-1] if amount.endswith(".") else amount


def _multiplier_value(word: str) -> int:
    words = _WORD_RE.findall(word.lower())
    value = 1
    for w in words:
        value *= _MULTIPLIER_VALUES.get(w, 1)
    return value


def _per(view: TextView, m: re.Match[str]) -> tuple[str | None, int]:
    """The rate unit after "/" ("35 triệu/nhà" -> "nhà") and the end of the match."""
    if not m.group("slash"):
        return None, m.end()
    pos = m.end("slash")
    loose = view.is_loose(pos)
    unit = count_nouns().match(view.text, pos, loose) or measure_units().match(view.text, pos)
    unit = unit or _WORD_RE.match(view.text, pos)
    assert unit is not None  # the regex ensured a letter follows
    written = re.sub(rf"{SP}+", " ", unit.group()).lower()
    if loose:
        written = count_nouns().normalize(written)
    end = unit.end()
    second = _SECOND_PER_RE.match(view.text, end)  # "đ/người/tháng" -> "người/tháng"
    if second:
        written, end = f"{written}/{second.group(1).lower()}", second.end()
    return written, end


def _unit_follows(view: TextView, end: int) -> bool:
    text = view.text
    pos = end
    while pos < len(text) and text[pos] in " \t\u00a0":
        pos += 1
    return bool(count_nouns().match(text, pos) or measure_units().match(text, pos))


def _from_before(text: str, start: int) -> int:
    """Start of "từ" opening a range ("từ 1 đến 2 tỷ đồng"), else `start`."""
    lo = max(line_start(text, start), start - 12)
    m = _FROM_TAIL_RE.search(text, lo, start)
    if m:
        return m.start()
    qualifier = qualifier_before(text, start)  # "từ khoảng 1 đến 2 tỷ"
    if qualifier is not None:
        m = _FROM_TAIL_RE.search(text, max(0, qualifier - 12), qualifier)
        if m:
            return m.start()
    return start


def _cue_before(text: str, start: int) -> bool:
    lo = max(line_start(text, start), start - _CUE_WINDOW)
    return _CUE_RE.search(text, lo, start) is not None


def _to_int(value: Decimal) -> int:
    return int(value.to_integral_value())
