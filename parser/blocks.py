"""The block list: what every reader returns, whatever the file format (DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["paragraph", "heading", "table", "list_item"]


@dataclass
class Block:
    """One paragraph-like unit of the source, before normalization.

    `line` is the 1-based source line (text input) and `page` the page (paged formats); hints carry
    what a format knows about presentation (bold, Word heading level, numbering label).
    """

    text: str
    kind: BlockKind = "paragraph"
    line: int | None = None
    page: int | None = None
    hints: dict[str, object] = field(default_factory=dict)


@dataclass
class RawDocument:
    """A reader's output: the blocks plus what was learned about the file itself."""

    blocks: list[Block]
    format: str
    sha256: str
    path: str | None = None
    encoding: str | None = None
    pages: int | None = None
    ocr: bool = False
    warnings: list[str] = field(default_factory=list)
