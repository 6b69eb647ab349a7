"""The heading grammar against its example list (parser/examples/headings.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baocao.parser.headings import parse_marker, roman_to_int, title_length

EXAMPLES = Path(__file__).resolve().parent.parent / "parser" / "examples" / "headings.jsonl"
CASES = [json.loads(line) for line in EXAMPLES.read_text("utf-8").splitlines() if line.strip()]


def test_example_list_has_both_kinds() -> None:
    positives = [c for c in CASES if c["family"]]
    negatives = [c for c in CASES if not c["family"]]
    assert len(positives) >= 25 and len(negatives) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:30] for c in CASES])
def test_marker_example(case: dict) -> None:
    marker = parse_marker(case["text"])
    if case["family"] is None:
        assert marker is None
    else:
        assert marker is not None
        assert (marker.family, list(marker.ordinals), marker.raw) == (
            case["family"],
            case["ordinals"],
            case["marker"],
        )


@pytest.mark.parametrize(
    ("roman", "value"), [("I", 1), ("IV", 4), ("IX", 9), ("XIV", 14), ("XL", 40), ("IIII", None)]
)
def test_roman_numerals(roman: str, value: int | None) -> None:
    assert roman_to_int(roman) == value


@pytest.mark.parametrize(
    ("rest", "title"),
    [
        ("Mặt trận tổ quốc xã:", "Mặt trận tổ quốc xã:"),
        ("Công tác tuyên truyền: Tuyên truyền phòng chống dịch", "Công tác tuyên truyền:"),
        ("Rà soát các đối tượng. Thực hiện việc cấp thẻ BHYT", "Rà soát các đối tượng."),
        ("Công tác chính trị , tư tưởng", "Công tác chính trị , tư tưởng"),
        ("NHỮNG KẾT QUẢ ĐẠT ĐƯỢC.", "NHỮNG KẾT QUẢ ĐẠT ĐƯỢC."),
    ],
)
def test_title_of_run_in_heading(rest: str, title: str) -> None:
    assert rest[: title_length(rest)].strip() == title
