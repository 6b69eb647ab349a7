"""Extractors stage: run the rule modules over the text and attach each entity to its section."""

from __future__ import annotations

from datetime import date

from baocao.models.schema import Entity
from baocao.parser.assemble import SectionIndex


def extract_entities(text: str, anchor: date | None, sections: SectionIndex) -> list[Entity]:
    return []
