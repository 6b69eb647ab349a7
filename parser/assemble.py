"""Assembler: the stages' results → one contract `Document`."""

from __future__ import annotations

from bisect import bisect_right

from baocao import __version__
from baocao.models.schema import (
    Document,
    Entity,
    Location,
    Meta,
    Section,
    Source,
    Table,
    iter_sections,
)
from baocao.parser.blocks import RawDocument
from baocao.parser.normalize import NormalizedText
from baocao.parser.segment import Node, Segmentation


def build_sections(nodes: list[Node], prefix: str = "s", level: int = 1) -> list[Section]:
    sections = []
    for number, node in enumerate(nodes, start=1):
        sid = f"{prefix}{number}" if prefix == "s" else f"{prefix}.{number}"
        sections.append(
            Section(
                id=sid,
                marker=node.marker.raw if node.marker else None,
                level=level,
                title=node.title,
                span=(node.start, node.end),
                title_span=node.title_span,
                plan=node.plan,
                implicit=node.implicit,
                children=build_sections(node.children, sid, level + 1),
            )
        )
    return sections


class SectionIndex:
    """Finds the innermost section holding an offset."""

    def __init__(self, sections: list[Section]) -> None:
        self._flat: list[Section] = list(iter_sections(sections))
        self._flat.sort(key=lambda s: (s.span[0], -s.level))
        self._starts = [s.span[0] for s in self._flat]
        self._by_id = {s.id: s for s in self._flat}

    def innermost(self, offset: int) -> Section | None:
        best = None
        for s in self._flat[: bisect_right(self._starts, offset)]:
            if s.span[0] <= offset < max(s.span[1], s.span[0] + 1) and (
                best is None or s.level > best.level
            ):
                best = s
        return best

    def parent(self, section: Section) -> Section | None:
        parent_id = section.id.rsplit(".", 1)[0] if "." in section.id else None
        return self._by_id.get(parent_id) if parent_id else None

    def in_plan(self, offset: int) -> bool:
        section = self.innermost(offset)
        return bool(section and section.plan)


def provenance(raw: RawDocument, norm: NormalizedText) -> list[Location]:
    unit_of_block = {b: u for u in norm.units for b in u.blocks}
    locations = []
    for u in norm.units:
        ref = u.hints.get("note_ref")
        citing = unit_of_block.get(ref) if isinstance(ref, int) else None
        locations.append(
            Location(
                start=u.start,
                end=u.end,
                line=u.lines[0],
                page=u.page,
                block=u.blocks[0],
                kind=u.kind,  # type: ignore[arg-type]
                note_ref=citing.start if citing else None,
            )
        )
    return locations


def build_tables(norm: NormalizedText, index: SectionIndex) -> list[Table]:
    """Consecutive table-row paragraphs of one source table → one Table with its rows."""
    tables: list[Table] = []
    current_key: object = None
    for u in norm.units:
        if u.kind != "table":
            current_key = None
            continue
        key = u.hints.get("table")
        cells = u.hints.get("cells")
        row = [str(c) for c in cells] if isinstance(cells, list) else [norm.text[u.start : u.end]]
        if key is None or key != current_key or not tables:
            section = index.innermost(u.start)
            tables.append(
                Table(
                    id=f"t{len(tables) + 1}",
                    span=(u.start, u.end),
                    section=section.id if section else None,
                    rows=[],
                )
            )
            current_key = key
        tables[-1].rows.append(row)
        tables[-1].span = (tables[-1].span[0], u.end)
    return tables


def assemble(
    raw: RawDocument,
    norm: NormalizedText,
    seg: Segmentation,
    meta: Meta,
    sections: list[Section],
    entities: list[Entity],
    tables: list[Table],
) -> Document:
    return Document(
        tool=f"baocao {__version__}",
        source=Source(
            path=raw.path,
            format=raw.format,  # type: ignore[arg-type]
            sha256=raw.sha256,
            pages=raw.pages,
            ocr=raw.ocr,
            encoding=raw.encoding,
            page_details=raw.page_details,
            properties=raw.properties,
        ),
        meta=meta,
        text=norm.text,
        sections=sections,
        entities=entities,
        tables=tables,
        provenance=provenance(raw, norm),
        warnings=[*raw.warnings, *seg.warnings],
    )
