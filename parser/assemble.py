"""Assembler: the stages' results → one contract `Document`."""

from __future__ import annotations

from bisect import bisect_right

from baocao import __version__
from baocao.models.schema import Document, Entity, Location, Meta, Section, Source
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
        self._flat: list[Section] = []
        self._walk(sections)
        self._flat.sort(key=lambda s: (s.span[0], -s.level))
        self._starts = [s.span[0] for s in self._flat]

    def _walk(self, sections: list[Section]) -> None:
        for s in sections:
            self._flat.append(s)
            self._walk(s.children)

    def innermost(self, offset: int) -> Section | None:
        best = None
        for s in self._flat[: bisect_right(self._starts, offset)]:
            if s.span[0] <= offset < max(s.span[1], s.span[0] + 1) and (
                best is None or s.level > best.level
            ):
                best = s
        return best

    def in_plan(self, offset: int) -> bool:
        section = self.innermost(offset)
        return bool(section and section.plan)


def provenance(raw: RawDocument, norm: NormalizedText) -> list[Location]:
    return [
        Location(start=u.start, end=u.end, line=u.lines[0], page=u.page, block=u.blocks[0])
        for u in norm.units
    ]


def assemble(
    raw: RawDocument,
    norm: NormalizedText,
    seg: Segmentation,
    meta: Meta,
    sections: list[Section],
    entities: list[Entity],
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
        ),
        meta=meta,
        text=norm.text,
        sections=sections,
        entities=entities,
        provenance=provenance(raw, norm),
        warnings=[*raw.warnings, *seg.warnings],
    )
