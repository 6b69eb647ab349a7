"""The block list: what every reader returns, whatever the file format (DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from baocao.models.schema import PageDetail

BlockKind = Literal["paragraph", "heading", "table", "list_item", "note"]


@dataclass
class Block:
    """One paragraph-like unit of the source, before normalization.

    `line` is the 1-based source line (text input) and `page` the page (paged formats); hints carry
    what a format knows about presentation (bold, Word heading level, numbering label).

    Conventions every reader follows:
    - a table row is one block of kind "table" whose text joins its cells with a tab, with
      hints {"table": table index, "row": row index, "cells": [cell text, ...]}; tables that only
      lay out the header or the signature block (two columns, few rows) are emitted as
      ordinary paragraphs, cell by cell, left to right;
    - a footnote or endnote is a block of kind "note" at the end of the list, with
      hints {"note_ref": index of the block that holds its reference mark};
    - a Word auto-numbering label goes in hints["numbering"] ("1.", "a)", "5.1.") and is also
      written at the start of `text`, as a reader of the page sees it.
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
    page_details: list[PageDetail] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
