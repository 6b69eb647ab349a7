"""DATE, DEADLINE and LEGAL_REF rules: the example lists, the output contract, and properties."""

from __future__ import annotations

import calendar
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baocao.rules import dates, deadlines, legal_refs
from baocao.rules.base import Match, RuleContext

EXAMPLES = Path(dates.__file__).with_name("examples")
DOCS = Path(__file__).resolve().parent.parent / "corpus" / "docs"

# Which function each example list is checked against. The deadline list runs the combined
# temporal pass, so its expectations also pin the DATEs left over once deadlines are taken.
RUNNERS = {
    "dates": dates.extract,
    "deadlines": deadlines.extract_temporal,
    "legal_refs": legal_refs.extract,
}
# (file, type whose presence makes a case positive, minimum positives, minimum negatives)
MINIMUMS = [
    ("dates", "DATE", 40, 20),
    ("deadlines", "DEADLINE", 40, 20),
    ("legal_refs", "LEGAL_REF", 30, 15),
]

PROPS = settings(derandomize=True, max_examples=150, deadline=None, database=None)


def _context(anchor: str | None, in_plan: bool) -> RuleContext:
    return RuleContext(
        anchor=date.fromisoformat(anchor) if anchor else None,
        in_plan=lambda _offset: in_plan,
    )


def _load(name: str) -> list[dict]:
    lines = (EXAMPLES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _triples(items) -> set[tuple[str, str, str]]:
    return {(t, s, json.dumps(v, sort_keys=True, ensure_ascii=False)) for t, s, v in items}


def _cases():
    for name in RUNNERS:
        for i, case in enumerate(_load(name), 1):
            yield pytest.param(name, case, id=f"{name}:{i}")


@pytest.mark.parametrize(("name", "case"), list(_cases()))
def test_example(name: str, case: dict) -> None:
    text = case["text"]
    for e in case["expect"]:
        assert e["text"] in text, "an expected span must be copied from the text"
    got = RUNNERS[name](text, _context(case["anchor"], case["in_plan"]))
    expected = _triples((e["type"], e["text"], e["value"]) for e in case["expect"])
    assert _triples((m.type, m.text_of(text), m.value) for m in got) == expected
    _assert_contract(text, got)


@pytest.mark.parametrize(("name", "kind", "min_pos", "min_neg"), MINIMUMS)
def test_example_lists_are_substantial(name: str, kind: str, min_pos: int, min_neg: int) -> None:
    cases = _load(name)
    positive = [c for c in cases if any(e["type"] == kind for e in c["expect"])]
    assert len(positive) >= min_pos
    assert len(cases) - len(positive) >= min_neg


def _assert_contract(text: str, matches: list[Match]) -> None:
    """Sorted, non-overlapping, inside the text, never across a line break."""
    for m in matches:
        assert 0 <= m.start < m.end <= len(text)
        assert "\n" not in m.text_of(text)
        assert m.confidence in (0.95, 0.8)
    for a, b in zip(matches, matches[1:], strict=False):
        assert a.end <= b.start


def test_corpus_contract_and_separation() -> None:
    """On the real documents: the output contract, and no DATE inside a deadline or a reference."""
    docs = sorted(DOCS.glob("*.txt"))
    assert docs
    ctx = RuleContext(anchor=date(2025, 10, 16), in_plan=lambda offset: offset % 2 == 0)
    seen = {"DATE": 0, "DEADLINE": 0, "LEGAL_REF": 0}
    for path in docs:
        text = path.read_text(encoding="utf-8")
        refs = legal_refs.extract(text, ctx)
        temporal = deadlines.extract_temporal(text, ctx, skip=[(m.start, m.end) for m in refs])
        for found in (refs, temporal, dates.extract(text, ctx), deadlines.extract(text, ctx)):
            _assert_contract(text, found)
        for m in [*refs, *temporal]:
            seen[m.type] += 1
        assert not any(a.start < b.end and b.start < a.end for a in refs for b in temporal)
    assert all(n > 0 for n in seen.values()), seen


def test_seed_document_dates() -> None:
    """The seed report (dated 2023-11-30, plan part on lines 99-116)."""
    text = (DOCS / "000_43d4097de7ba60ac.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    plan_start = sum(len(line) + 1 for line in lines[:98])
    plan_end = sum(len(line) + 1 for line in lines[:116])
    ctx = RuleContext(anchor=date(2023, 11, 30), in_plan=lambda o: plan_start <= o < plan_end)
    refs = legal_refs.extract(text, ctx)
    found = deadlines.extract_temporal(text, ctx, skip=[(m.start, m.end) for m in refs])
    by_text = {m.text_of(text): m for m in found}
    assert by_text["từ 24/10-25/11"].value == {
        "start": "2023-10-24",
        "end": "2023-11-25",
        "grain": "day",
    }
    assert by_text["trước 10/12/2023"].value == {
        "date": "2023-12-10",
        "relation": "before",
        "grain": "day",
    }
    assert by_text["22/12"].value["start"] == "2023-12-22"
    assert "ngày 28/8/2023" not in by_text  # belongs to "Nghị quyết số 16 ngày 28/8/2023"
    header_start = sum(len(line) + 1 for line in lines[:4])  # "Cẩm Mỹ, ngày 30 tháng 11 ..."
    header_end = header_start + len(lines[4])
    assert not any(m.start < header_end and header_start < m.end for m in found)


# --------------------------------------------------------------------------- properties

DAYS = st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31))


def _written_forms(d: date) -> list[str]:
    return [
        f"{d.day}/{d.month}/{d.year}",
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        f"{d.day}-{d.month}-{d.year}",
        f"{d.day:02d}-{d.month:02d}-{d.year}",
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"ngày {d.day} tháng {d.month} năm {d.year}",
        f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}",
        f"ngày {d.day}/{d.month}/{d.year}",
    ]


@PROPS
@given(DAYS, st.integers(0, 7), st.sampled_from(["Hội nghị diễn ra", "Kiểm tra thực tế", ""]))
def test_day_forms_parse_back(d: date, form: int, before: str) -> None:
    written = _written_forms(d)[form]
    text = f"{before} {written}, tại hội trường UBND xã.".lstrip()
    found = dates.extract(text, RuleContext())
    assert [(m.text_of(text), m.value) for m in found] == [
        (written, {"start": d.isoformat(), "end": d.isoformat(), "grain": "day"})
    ]


@PROPS
@given(
    DAYS,
    st.integers(0, 7),
    st.sampled_from(
        [
            ("trước ", "before"),
            ("hoàn thành trước ", "before"),
            ("chậm nhất ", "by"),
            ("hạn chót ", "by"),
            ("đến hết ", "by"),
            ("Thời gian thực hiện: trước ", "before"),
        ]
    ),
)
def test_deadline_forms_parse_back(d: date, form: int, cue: tuple[str, str]) -> None:
    written = _written_forms(d)[form]
    text = f"Các chi bộ nộp báo cáo {cue[0]}{written}."
    found = deadlines.extract_temporal(text, RuleContext())
    assert len(found) == 1
    m = found[0]
    assert m.type == "DEADLINE"
    assert m.value == {"date": d.isoformat(), "relation": cue[1], "grain": "day"}
    assert m.text_of(text).endswith(written)


@PROPS
@given(
    st.integers(1950, 2099),
    st.integers(1, 12),
    st.sampled_from(["tháng {m}/{y}", "tháng {m:02d}/{y}", "tháng {m} năm {y}", "Tháng {m}-{y}"]),
)
def test_month_forms(y: int, m: int, form: str) -> None:
    written = form.format(m=m, y=y)
    text = f"Kết quả thực hiện nhiệm vụ {written} đạt khá."
    last = calendar.monthrange(y, m)[1]
    assert [(x.text_of(text), x.value) for x in dates.extract(text, RuleContext())] == [
        (written, {"start": f"{y}-{m:02d}-01", "end": f"{y}-{m:02d}-{last:02d}", "grain": "month"})
    ]


@PROPS
@given(st.integers(1950, 2099), st.integers(1, 4), st.booleans())
def test_quarter_forms(y: int, q: int, roman: bool) -> None:
    name = ["I", "II", "III", "IV"][q - 1] if roman else str(q)
    text = f"Kế hoạch công tác quý {name}/{y} của Đảng ủy."
    found = dates.extract(text, RuleContext())
    last = calendar.monthrange(y, 3 * q)[1]
    assert [m.value for m in found] == [
        {
            "start": f"{y}-{3 * q - 2:02d}-01",
            "end": f"{y}-{3 * q:02d}-{last:02d}",
            "grain": "quarter",
        }
    ]


@PROPS
@given(DAYS, st.integers(1, 31), st.integers(1, 12), st.booleans())
def test_missing_year_follows_anchor_and_plan(
    anchor: date, day: int, month: int, plan: bool
) -> None:
    text = f"Tổ chức hội nghị vào ngày {day}/{month} tại hội trường."
    found = dates.extract(text, RuleContext(anchor=anchor, in_plan=lambda _o: plan))
    # In the plan part a month well before the report's month is next year's; one that ended
    # just before it (RECENT_PAST_MONTHS) is the period being reviewed.
    year = anchor.year + (1 if plan and anchor.month - month > dates.RECENT_PAST_MONTHS else 0)
    try:
        expected = date(year, month, day).isoformat()
    except ValueError:
        assert found == []  # 31/4, 29/2 in a common year...
        return
    assert [(m.value["start"], m.confidence) for m in found] == [(expected, 0.8)]
    assert dates.extract(text, RuleContext()) == []  # no anchor, no year: nothing


@PROPS
@given(
    st.integers(1, 60),
    st.integers(1, 60),
    st.sampled_from(["thôn", "hộ dân", "đơn vị", "tổ liên gia", "hồ sơ", "KDC"]),
)
def test_fractions_are_not_dates(a: int, b: int, noun: str) -> None:
    text = f"Kết quả: có {a}/{b} {noun} hoàn thành chỉ tiêu."
    assert dates.extract(text, RuleContext(anchor=date(2023, 11, 30))) == []
