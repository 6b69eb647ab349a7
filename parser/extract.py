"""Extractors stage: run the rule modules over the text, resolve overlaps, attach each entity to
its innermost section.

Order matters only where two rules claim the same characters: a document reference keeps its own
date ("Nghị quyết số 16 ngày 28/8/2023"), a deadline keeps its date ("trước 10/12/2023"), and
numbers claimed as money or percentages are never counts.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import date

from baocao.models import names
from baocao.models.schema import Entity
from baocao.parser.assemble import SectionIndex
from baocao.parser.timing import stage
from baocao.rules import counts, deadlines, legal_refs, money, percent
from baocao.rules.base import Match, RuleContext

Span = tuple[int, int]

# Lower wins when spans overlap.
PRIORITY = {
    "LEGAL_REF": 0,
    "DEADLINE": 1,
    "MONEY": 2,
    "PERCENT": 3,
    "DATE": 4,
    "QUANTITY": 5,
    "COUNT": 6,
}


def run_rules(text: str, ctx: RuleContext) -> list[Match]:
    """Every rule module's matches over `text`, overlaps resolved, sorted by position."""
    refs = legal_refs.extract(text, ctx)
    temporal = deadlines.extract_temporal(text, ctx, skip=[(m.start, m.end) for m in refs])
    numeric = [*money.extract(text, ctx), *percent.extract(text, ctx), *counts.extract(text, ctx)]
    return resolve_overlaps([*refs, *temporal, *numeric])


def resolve_overlaps(matches: Sequence[Match]) -> list[Match]:
    """Keep the higher-priority (then longer, then earlier) of overlapping matches."""
    ranked = sorted(matches, key=lambda m: (PRIORITY[m.type], -(m.end - m.start), m.start))
    starts: list[int] = []  # kept spans, sorted and disjoint: neighbours decide an overlap
    ends: list[int] = []
    kept: list[Match] = []
    for m in ranked:
        i = bisect_left(starts, m.start)
        if (i < len(starts) and starts[i] < m.end) or (i > 0 and ends[i - 1] > m.start):
            continue
        starts.insert(i, m.start)
        ends.insert(i, m.end)
        kept.append(m)
    return sorted(kept, key=lambda m: (m.start, m.end))


def extract_entities(
    text: str,
    anchor: date | None,
    sections: SectionIndex,
    zones: Sequence[Span],
    timings: dict[str, float] | None = None,
) -> list[Entity]:
    """Entities found inside `zones` (the body and the title; not the header's số, place-date
    line or the footer, which are `meta`)."""
    ctx = RuleContext(anchor=anchor, in_plan=sections.in_plan)
    with stage(timings, "rules"):
        claimed = run_rules(text, ctx)  # all of them: a name never takes a value's characters
        rules = [m for m in claimed if _inside(m, zones)]
    with stage(timings, "names"):
        named = [m for m in names.extract(text, claimed) if _inside(m, zones)]
    matches = sorted([*rules, *named], key=lambda m: (m.start, m.end))
    entities = [
        Entity(
            id=f"e{number}",
            type=m.type,  # type: ignore[arg-type]
            text=text[m.start : m.end],
            span=(m.start, m.end),
            section=_section_id(sections, m.start),
            value=dict(m.value),
            source=getattr(m, "source", "rule"),
            confidence=m.confidence,
        )
        for number, m in enumerate(matches, start=1)
    ]
    by_match = {id(m): e for m, e in zip(matches, entities, strict=True)}
    for pct, count in percent.link_percents(rules, text).items():  # links among rule matches
        by_match[id(rules[pct])].value["of"] = by_match[id(rules[count])].id
    return entities


def _inside(m: Match, zones: Sequence[Span]) -> bool:
    return any(a <= m.start and m.end <= b for a, b in zones)


def _section_id(sections: SectionIndex, offset: int) -> str | None:
    section = sections.innermost(offset)
    return section.id if section else None
