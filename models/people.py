"""PER: people's names, by pattern first and by underthesea's NER where no pattern decides.

A candidate is a run of capitalised syllables on one line, outside ORG, LOC and claimed spans.
- After a title or kin word ("đồng chí", "đ/c", "hộ", "ông", "bà", "anh", "chị", "đối tượng"),
  the run is a name ("anh Lợi", "hộ Phạm Công Hiếu"); a known place at its end is split off
  ("hộ Lê Thị Tiến Mỹ Hà": Lê Thị Tiến, and the place Mỹ Hà).
- Three or four syllables starting with a Vietnamese surname are a name ("Vũ Thị Thuỳ Trang").
- Otherwise a run of two or more syllables that is no dictionary word and no place is tagged by
  underthesea's CRF NER on a window of its sentence (its features make the cost grow with the
  square of the input, so only these windows are tagged), and kept if tagged PER. Its ORG and
  LOC tags are ignored: it calls "UBND xã Cẩm Mỹ" a LOC.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from baocao.models import gazetteer
from baocao.models.names import Candidate, Tokens, tone_key, vocabulary


def _keys(words: str) -> frozenset[str]:
    return frozenset(tone_key(w) for w in words.split())


# The commonest Vietnamese surnames.
SURNAMES = _keys(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Lưu Đậu Lương "
    "Trương Đinh Đoàn Đào Mai Cao Hà Tạ Tô Tôn Thái Lâm Phùng Quách Kiều Khúc La Lại Mạc "
    "Nghiêm Ninh Thân Từ Vương Triệu Châu Chu Chế Diệp Đàm Giáp Hứa Kim Lục Nông Ông Phí "
    "Quan Tăng Thạch Trịnh Vi Viên Lò Lù Sầm Bạch Biện Cù Doãn Dư Đường Giang Hàn Hầu "
    "Khổng Khương Lã Lữ Mẫn Nhữ Phương Tiêu Trình Tống Ung Uông Âu Bế Hoa Lạc Ma Mạch "
    "Nghị Quản Thiều Trang Yên Vy Lỗ Cấn Tưởng Chử Khuất Lều Mông"
)
# Words before a name ("hộ Phạm Công Hiếu"): tone keys of their syllables, and how many
# syllables the name must have at least.
TRIGGERS: dict[tuple[str, ...], int] = {
    ("đồng", "chí"): 1,
    ("đ", "/", "c"): 1,
    ("hộ",): 2,
    ("đối", "tượng"): 2,
    ("ông",): 1,
    ("bà",): 1,
    ("anh",): 1,
    ("chị",): 1,
    ("em",): 1,
    ("cháu",): 1,
    ("cụ",): 1,
    ("bác",): 1,
    ("chú",): 1,
    ("cô",): 1,
    ("thầy",): 1,
}
# A kin word after one of these is a pair ("chị em", "bà con"), not a title.
PAIRED = frozenset({"anh", "chị", "em", "ông", "bà", "cô", "chú", "bác", "con", "cháu", "cha"})
# First syllables of positions and titles, which a name never starts with.
TITLE_STARTS = _keys(
    "Trưởng Phó Bí Chủ Chánh Giám Ủy Uỷ Hiệu Tổng Thường Đại Cán Chuyên Trợ Kế Thủ "
    "Ban Văn Đảng Hội Đoàn Chi Ông Bà Anh Chị Đồng"
)
MAX_NAME = 4
STOPS = frozenset({".", ";", ":", "!", "?", "(", ")"})
NER_WINDOW = 6  # tokens each side of a candidate


def find(toks: Tokens, covered: list[bool], known: dict[str, dict[str, Any]]) -> list[Candidate]:
    """PER candidates, and LOC candidates for known places split off the end of a name."""
    out: list[Candidate] = []
    for a, b in _runs(toks, covered):
        if gazetteer.runs_into_word(toks, b, a):
            continue
        min_len = _trigger(toks, a)
        if min_len is None and b - a >= 2 and (toks.low[a],) in TRIGGERS:
            a, min_len = a + 1, TRIGGERS[(toks.low[a],)]  # "Anh Hùng" opening a sentence
        b, place = _split_place(toks, a, b, known)
        if place is not None:
            out.append(place)
        person = _person(toks, a, b, min_len, known)
        if person is not None:
            out.append(person)
    return out


def _person(
    toks: Tokens, a: int, b: int, min_len: int | None, known: dict[str, dict[str, Any]]
) -> Candidate | None:
    """The name a run of capitals holds, if any; `min_len` is set after a title word."""
    if toks.low[a] in TITLE_STARTS:
        return None
    if toks.shape[a] == "upper":
        return _per(toks, a, b, "rule", 0.8) if min_len is None and _signature(toks, a, b) else None
    if (min_len is not None or toks.low[a] in SURNAMES) and b - a > MAX_NAME:
        b = a + 3  # a name followed by more capitals: the commonest length
    if min_len is not None:
        return _per(toks, a, b, "rule", 0.9) if b - a >= min_len else None
    if _surname_first(toks, a, b):
        return _per(toks, a, b, "rule", 0.8)
    if _worth_tagging(toks, a, b, known) and _ner_says_person(toks, a, b):
        return _per(toks, a, b, "ner", 0.7)
    return None


def _runs(toks: Tokens, covered: list[bool]) -> list[tuple[int, int]]:
    """Maximal runs of capitalised (or all-capital) syllables on one line, outside covered."""
    runs = []
    i, n = 0, len(toks)
    while i < n:
        shape = toks.shape[i]
        if covered[i] or shape not in ("title", "upper"):
            i += 1
            continue
        k = i + 1
        while k < n and toks.shape[k] == shape and toks.adjacent(k) and not covered[k]:
            k += 1
        runs.append((i, k))
        i = k
    return runs


def _trigger(toks: Tokens, a: int) -> int | None:
    """The minimum name length the word before token a asks for, or None without one."""
    for words, min_len in TRIGGERS.items():
        n = len(words)
        s = a - n
        if s < 0 or tuple(toks.low[s:a]) != words:
            continue
        if not all(toks.adjacent(k) for k in range(s + 1, a + 1)):
            continue
        if n == 1 and s > 0 and toks.adjacent(s) and toks.low[s - 1] in PAIRED:
            return None
        return min_len
    return None


def _split_place(
    toks: Tokens, a: int, b: int, known: dict[str, dict[str, Any]]
) -> tuple[int, Candidate | None]:
    """Split a known place off the end of a run ("Lộ Mỹ Lâm" -> "Lộ", "Mỹ Lâm")."""
    for n in range(min(MAX_NAME, b - a - 1), 0, -1):
        key = tone_key(toks.joined(b - n, b))
        if key in known:
            v = {**known[key], "name": toks.joined(b - n, b)}
            return b - n, Candidate(b - n, b, "LOC", v, "rule", 0.7)
    return b, None


def _signature(toks: Tokens, a: int, b: int) -> bool:
    """An all-capitals name alone on its line, as signers' names are sometimes written."""
    alone = (a == 0 or toks.nl[a]) and (b == len(toks) or toks.nl[b])
    return alone and 3 <= b - a <= MAX_NAME and toks.low[a] in SURNAMES


def place_end(toks: Tokens, j: int, k: int) -> int:
    """Where a place name [j, k) ends if a person's name follows it inside the same run of
    capitals ("UBND xã Lê Văn Hùng": no place; "xã Hiệp An Nguyễn Văn Bình": Hiệp An)."""
    if gazetteer.is_unit_name(" ".join(toks.key[j:k])):
        return k
    run_end = k
    while run_end < len(toks) and toks.shape[run_end] == "title" and toks.adjacent(run_end):
        run_end += 1
    for m in range(j, k):
        if toks.low[m] in SURNAMES and 3 <= run_end - m <= MAX_NAME:
            return m
    return k


def _surname_first(toks: Tokens, a: int, b: int) -> bool:
    """Three or four syllables after a surname, and no province's or district's name."""
    if toks.low[a] not in SURNAMES or not 3 <= b - a <= MAX_NAME:
        return False
    return not gazetteer.is_big_unit_name(" ".join(toks.key[a:b]))


def _worth_tagging(toks: Tokens, a: int, b: int, known: dict[str, dict[str, Any]]) -> bool:
    """Whether NER should see a run: two to four syllables, no common word, no place."""
    if not 2 <= b - a <= MAX_NAME:
        return False
    words = vocabulary().words
    joined = " ".join(toks.low[a:b])
    if joined in words or tone_key(toks.joined(a, b)) in known:
        return False
    if any(f"{toks.low[k]} {toks.low[k + 1]}" in words for k in range(a, min(b, len(toks) - 1))):
        return False  # "Nhân Dân", "Tổ Quốc", "Tết Trung thu": common words with capitals
    return not gazetteer.is_unit_name(" ".join(toks.key[a:b]))


def _window(toks: Tokens, a: int, b: int) -> tuple[int, int]:
    """Up to NER_WINDOW tokens each side of [a, b), within its line and sentence."""
    s = a
    while s > 0 and a - s < NER_WINDOW and toks.adjacent(s) and toks.low[s - 1] not in STOPS:
        s -= 1
    e = b
    while e < len(toks) and e - b < NER_WINDOW and toks.adjacent(e) and toks.low[e] not in STOPS:
        e += 1
    return s, e


def _ner_says_person(toks: Tokens, a: int, b: int) -> bool:
    """Whether underthesea tags most of the run's syllables PER, in a window of its sentence."""
    s, e = _window(toks, a, b)
    start, end = toks.span(s, e)
    tagged = _ner(toks.text[start:end])
    person = {tone_key(syl) for word, tag in tagged if tag.endswith("PER") for syl in word.split()}
    names = toks.low[a:b]
    return sum(n in person for n in names) * 2 >= len(names)


def warm_up() -> None:
    """Load underthesea's tagger models now (about half a second) rather than on a first name."""
    _ner("Đồng chí Nguyễn Văn An dự họp.")


@lru_cache(maxsize=4096)
def _ner(snippet: str) -> tuple[tuple[str, str], ...]:
    from underthesea import ner

    return tuple((word, tag) for word, _pos, _chunk, tag in ner(snippet))


def _per(toks: Tokens, a: int, b: int, source: str, conf: float) -> Candidate:
    name = toks.joined(a, b)
    if toks.shape[a] == "upper":
        name = name.title()
    return Candidate(a, b, "PER", {"name": name}, source, conf)  # type: ignore[arg-type]
