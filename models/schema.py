"""The output contract (CONTRACT.md, version 1), defined once.

Every JSON that baocao writes is a `Document` (or an `ErrorRecord` in `_errors.jsonl`), and
`baocao schema` prints `document_json_schema()`. Field names are the contract's; where the national
e-document metadata (Nghị định 30/2020/NĐ-CP, Phụ lục VI, and the edXML names it follows) has a name
for the same datum, the field documents it as `x-nd30` and also accepts it on input
(e.g. `Meta.model_validate({"CodeNotation": "BC/ĐU"})`): aliases, not a second schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

SCHEMA_ID = "baocao/1"

Span = tuple[int, int]
SourceFormat = Literal["txt", "docx", "doc", "pdf", "image"]
EntityType = Literal[
    "ORG", "LOC", "PER", "MONEY", "COUNT", "QUANTITY", "PERCENT", "DATE", "DEADLINE", "LEGAL_REF"
]


def _nd30(name: str, description: str, field_name: str, **kwargs: Any) -> Any:
    """A field that also answers to its ND30/edXML metadata name."""
    return Field(
        description=f"{description} (ND30/edXML: {name})",
        validation_alias=AliasChoices(field_name, name),
        json_schema_extra={"x-nd30": name},
        **kwargs,
    )


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PageDetail(_Model):
    """How one page's text was obtained (paged formats)."""

    page: int = Field(ge=1)
    method: Literal["text", "pdfium", "ocr", "none"] = Field(
        description="text: the PDF's text layer (pdfplumber); pdfium: the layer re-read with "
        "pypdfium2 where pdfplumber gave (cid:) garbage; ocr: tesseract on the page image; "
        "none: nothing readable"
    )
    chars: int = Field(ge=0, description="Characters of text the page gave")
    ocr_confidence: float | None = Field(
        default=None, description="Mean word confidence of tesseract, 0-100, for OCR pages"
    )
    note: str | None = Field(default=None, description="Why this path was taken")


class Source(_Model):
    path: str | None = Field(description="Input path as given; null for text passed directly")
    format: SourceFormat
    sha256: str = Field(description="sha256 of the input bytes")
    pages: int | None = Field(default=None, description="Page count where the format has pages")
    ocr: bool = False
    encoding: str | None = Field(
        default=None,
        description="Detected text encoding; for .docx, the legacy encodings of converted runs",
    )
    page_details: list[PageDetail] = Field(default_factory=list)
    properties: dict[str, str] = Field(
        default_factory=dict,
        description="The file's own properties (title, subject, creator …), legacy encodings "
        "converted to Unicode",
    )


class DateParts(_Model):
    """What the place-and-date line actually says: the day is often left blank in archives."""

    year: int | None = None
    month: int | None = None
    day: int | None = None


class Signer(_Model):
    role: str | None = Field(
        default=None, description="Signing authority as written: T/M BAN THƯỜNG VỤ, KT. CHỦ TỊCH"
    )
    position: str | None = Field(default=None, description="Position line: BÍ THƯ, PHÓ CHỦ TỊCH")
    name: str | None = Field(default=None, description="Signer's full name")


class Meta(_Model):
    issuer: list[str] = Field(
        default_factory=list,
        description="Issuing authority lines top to bottom; for Party documents the Party's "
        "header line 'ĐẢNG CỘNG SẢN VIỆT NAM' comes first",
    )
    organ_name: str | None = _nd30(
        "OrganName", "The issuing body: the last issuer line", "organ_name", default=None
    )
    motto: list[str] = Field(
        default_factory=list,
        description="Quốc hiệu and tiêu ngữ of state documents",
    )
    doc_number: str | None = Field(default=None, description="Số/ký hiệu as written after 'Số'")
    code_number: str | None = _nd30(
        "CodeNumber", "The number part of số/ký hiệu, null when blank", "code_number", default=None
    )
    code_notation: str | None = _nd30(
        "CodeNotation", "The ký hiệu part: 'UBND-VX', 'TB/ĐU'", "code_notation", default=None
    )
    doc_type: str | None = _nd30(
        "TypeName", "Document type in capitals: BÁO CÁO, KẾ HOẠCH", "doc_type", default=None
    )
    place: str | None = _nd30("Place", "Place of issue", "place", default=None)
    date: str | None = _nd30(
        "IssuedDate", "Issue date (ISO) when day, month and year are written", "date", default=None
    )
    date_parts: DateParts = Field(default_factory=DateParts)
    title: str | None = _nd30(
        "Subject", "Trích yếu: the title under the type", "title", default=None
    )
    addressees: list[str] = Field(default_factory=list, description="'Kính gửi' addressees")
    recipients: list[str] = _nd30(
        "To", "'Nơi nhận' list, items as written", "recipients", default_factory=list
    )
    signer: Signer = _nd30("SignerInfo", "Signing block", "signer", default_factory=Signer)
    signed_at: str | None = Field(
        default=None, description="Digital-signature timestamp (ISO 8601) when the text has one"
    )


class Section(_Model):
    id: str = Field(description="Path id: s1, s1.2, s1.2.4")
    marker: str | None = Field(description="Heading marker as written; null for an implicit part")
    level: int = Field(ge=1, description="Depth in the tree, 1 at the top")
    title: str | None = Field(description="Heading title (up to its first sentence or colon)")
    span: Span = Field(description="Heading and body in `text`")
    title_span: Span | None = None
    plan: bool = Field(
        default=False,
        description="True inside the plan part "
        "(nhiệm vụ tháng tới, phương hướng, tổ chức thực hiện)",
    )
    implicit: bool = Field(
        default=False, description="A part the numbering implies but no heading writes"
    )
    children: list[Section] = Field(default_factory=list)


def iter_sections(sections: list[Section]) -> Iterator[Section]:
    """Every section of a tree, parents before children, in document order."""
    for section in sections:
        yield section
        yield from iter_sections(section.children)


class Entity(_Model):
    id: str
    type: EntityType
    text: str
    span: Span
    section: str | None = Field(description="Id of the innermost section holding the entity")
    value: dict[str, Any]
    source: Literal["rule", "ner", "gazetteer"] = "rule"
    confidence: float = Field(ge=0.0, le=1.0)


class Owner(_Model):
    name: str
    role: Literal["lead", "cooperate"]
    entity: str | None = None


class Deadline(_Model):
    date: str | None
    relation: Literal["before", "by", "on", "within"]
    text: str


class Task(_Model):
    id: str
    text: str
    span: Span
    section: str | None
    owners: list[Owner] = Field(default_factory=list)
    deadline: Deadline | None = None


class Location(_Model):
    """Where a span of `text` came from: for the offset map in `Document.provenance`."""

    start: int = Field(description="Offset in `text` where this paragraph starts")
    end: int
    line: int | None = Field(default=None, description="1-based source line (text input)")
    page: int | None = None
    block: int = Field(description="Index of the reader's first block in this paragraph")
    kind: Literal["paragraph", "heading", "table", "list_item", "note"] = "paragraph"
    note_ref: int | None = Field(
        default=None,
        description="For a footnote or endnote: offset in `text` of the paragraph that cites it",
    )


class Table(_Model):
    """A table of the source, kept as rows and cells; its rows are also lines of `text`."""

    id: str
    span: Span
    section: str | None = None
    rows: list[list[str]]


class Document(_Model):
    schema_: Literal["baocao/1"] = Field(default=SCHEMA_ID, alias="schema")
    tool: str = Field(description="baocao version that wrote this document")
    source: Source
    meta: Meta
    text: str = Field(description="The whole normalized text (NFC); every span indexes into it")
    sections: list[Section] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    provenance: list[Location] = Field(
        default_factory=list, description="Offset map from `text` back to the source"
    )
    warnings: list[str] = Field(default_factory=list)

    def to_json(self, pretty: bool = False) -> str:
        return self.model_dump_json(by_alias=True, indent=2 if pretty else None)


class ErrorRecord(_Model):
    """One line of `_errors.jsonl`: a file that could not be converted, and why."""

    path: str
    format: str | None = None
    stage: Literal["read", "decode", "parse", "write"]
    reason: str


def document_json_schema() -> dict[str, Any]:
    schema = Document.model_json_schema(by_alias=True)
    schema["$id"] = SCHEMA_ID
    schema["title"] = "baocao document"
    return schema
