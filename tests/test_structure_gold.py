"""Header, footer and section tree against gold written by reading each document
(corpus/gold/*.structure.json; see corpus/GOLD.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import baocao
from baocao.models.schema import Section

GOLD_DIR = Path(__file__).resolve().parent.parent / "corpus" / "gold"
GOLD_FILES = sorted(GOLD_DIR.glob("*.structure.json"))
META_KEYS = [
    "issuer",
    "doc_type",
    "doc_number",
    "code_number",
    "code_notation",
    "place",
    "date",
    "title",
    "recipients",
    "signed_at",
]


def _load(path: Path) -> tuple[dict, baocao.Document]:
    gold = json.loads(path.read_text("utf-8"))
    doc = baocao.parse(path.parent.parent.parent / gold["source"])
    return gold, doc


def _line_of(doc: baocao.Document, offset: int) -> int | None:
    return next((p.line for p in doc.provenance if p.start <= offset <= p.end), None)


def _flatten(sections: list[Section], parent: Section | None = None):
    for s in sections:
        yield s, parent
        yield from _flatten(s.children, s)


def test_gold_exists_for_seed_and_corpus() -> None:
    assert len(GOLD_FILES) >= 5


@pytest.mark.parametrize("path", GOLD_FILES, ids=[p.name.split("_")[0] for p in GOLD_FILES])
def test_meta_matches_gold(path: Path) -> None:
    gold, doc = _load(path)
    meta = doc.meta.model_dump()
    for key in META_KEYS:
        assert meta[key] == gold["meta"][key], key
    assert meta["date_parts"] == gold["meta"]["date_parts"]
    for key in ("role", "position", "name"):
        assert meta["signer"][key] == gold["meta"]["signer"][key], key


@pytest.mark.parametrize("path", GOLD_FILES, ids=[p.name.split("_")[0] for p in GOLD_FILES])
def test_every_heading_has_its_parent(path: Path) -> None:
    gold, doc = _load(path)
    found = {}
    for section, parent in _flatten(doc.sections):
        key = (_line_of(doc, section.span[0]), section.marker)
        found[key] = (section, parent)
    expected = {(h["line"], h["marker"]) for h in gold["headings"]}
    assert set(found) == expected
    for h in gold["headings"]:
        section, parent = found[(h["line"], h["marker"])]
        if h["marker"] is None:
            assert section.implicit
        else:
            # The gold gives the heading line's first characters (run-in bodies included).
            assert section.title is not None and section.title_span is not None
            after_marker = doc.text[section.title_span[0] :]
            assert after_marker.startswith(h["title_start"].rstrip()), h
        if h["parent_line"] is None:
            assert parent is None, h
        else:
            assert parent is not None, h
            assert _line_of(doc, parent.span[0]) == h["parent_line"], h
            assert parent.implicit == bool(h.get("parent_implicit")), h
        assert section.plan == h["plan"], h


def test_section_spans_nest_and_cover_headings(seed_doc: baocao.Document) -> None:
    def check(sections: list[Section], lo: int, hi: int) -> None:
        for s in sections:
            assert lo <= s.span[0] < s.span[1] <= hi
            if s.title_span:
                assert doc.text[s.title_span[0] : s.title_span[1]] == s.title
            check(s.children, s.span[0], s.span[1])

    doc = seed_doc
    check(doc.sections, 0, len(doc.text))


def test_seed_restart_opens_plan_part(seed_doc: baocao.Document) -> None:
    plan = seed_doc.sections[-1]
    assert plan.marker is None and plan.implicit and plan.plan
    assert [c.marker for c in plan.children] == [f"{n}." for n in range(1, 13)]
    assert any("restarts" in w for w in seed_doc.warnings)
    # Results before the restart are not plan.
    assert not seed_doc.sections[0].plan
