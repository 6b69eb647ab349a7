"""A review page: one self-contained HTML file showing a parsed document as a person checks it.

Headings keep their level, every entity is highlighted by type with displaCy (spaCy's renderer,
fed our own spans), and the task list shows owners and deadlines. No script, font or style sheet
is fetched: the page opens from an air-gapped archive's disk.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

from baocao.models.schema import Document, Entity, Location, iter_sections

COLORS = {
    "ORG": "#7aecec",
    "LOC": "#ff9561",
    "PER": "#aa9cfc",
    "MONEY": "#e4e7d2",
    "COUNT": "#bfe1d9",
    "QUANTITY": "#c7f5d9",
    "PERCENT": "#e4e7d2",
    "DATE": "#bfeeb7",
    "DEADLINE": "#ff8197",
    "LEGAL_REF": "#feca74",
}

_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2rem auto; max-width: 60rem;
       color: #222; line-height: 1.5; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta td { padding: 0.15rem 0.8rem 0.15rem 0; vertical-align: top; }
.meta td:first-child { color: #666; white-space: nowrap; }
.heading { font-weight: bold; margin-top: 1rem; }
.level-1 { font-size: 1.15rem; } .level-2 { font-size: 1.05rem; }
.plan { border-left: 4px solid #ff8197; padding-left: 0.6rem; }
.note { font-size: 0.9rem; color: #555; }
.tasks { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
.tasks th, .tasks td { border: 1px solid #ccc; padding: 0.3rem; vertical-align: top; }
.legend mark { margin-right: 0.4rem; padding: 0.1rem 0.4rem; border-radius: 0.3rem; }
.entities { line-height: 2.2 !important; }
"""


def render_review(doc: Document) -> str:
    title = doc.meta.title or doc.source.path or "baocao"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(doc.meta.doc_type or '')} {html.escape(doc.meta.title or '')}</h1>",
        _meta_table(doc),
        _legend(),
        "<h2>Văn bản</h2>",
        *_paragraphs(doc),
        "<h2>Nhiệm vụ</h2>",
        _task_table(doc),
        "</body></html>",
    ]
    return "\n".join(parts)


def _meta_table(doc: Document) -> str:
    meta = doc.meta
    rows = [
        ("Cơ quan ban hành", " / ".join(meta.issuer)),
        ("Số, ký hiệu", meta.doc_number or ""),
        ("Địa danh, ngày", f"{meta.place or ''} {meta.date or ''}".strip()),
        ("Nơi nhận", "; ".join(meta.recipients)),
        (
            "Người ký",
            " ".join(filter(None, [meta.signer.role, meta.signer.position, meta.signer.name])),
        ),
        ("Nguồn", f"{doc.source.path or ''} ({doc.source.format})"),
    ]
    cells = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in rows if v
    )
    return f'<table class="meta">{cells}</table>'


def _legend() -> str:
    marks = "".join(f'<mark style="background:{c}">{t}</mark>' for t, c in COLORS.items())
    return f'<p class="legend">{marks}</p>'


def _paragraphs(doc: Document) -> Iterator[str]:
    headings = {s.span[0]: s for s in iter_sections(doc.sections) if not s.implicit}
    plan_spans = [s.span for s in iter_sections(doc.sections) if s.plan]
    for loc in doc.provenance:
        classes = ["para"]
        section = headings.get(loc.start)
        if section is not None:
            classes += ["heading", f"level-{min(section.level, 3)}"]
        if any(a <= loc.start < b for a, b in plan_spans):
            classes.append("plan")
        if loc.kind == "note":
            classes.append("note")
        yield f'<div class="{" ".join(classes)}">{_highlight(doc, loc)}</div>'


def _highlight(doc: Document, loc: Location) -> str:
    from spacy import displacy

    text = doc.text[loc.start : loc.end]
    ents = [
        {"start": e.span[0] - loc.start, "end": e.span[1] - loc.start, "label": e.type}
        for e in _entities_within(doc.entities, loc.start, loc.end)
    ]
    if not ents:
        return html.escape(text)
    return displacy.render(
        {"text": text, "ents": ents, "title": None},
        style="ent",
        manual=True,
        page=False,
        options={"colors": COLORS},
    )


def _entities_within(entities: list[Entity], start: int, end: int) -> list[Entity]:
    return [e for e in entities if start <= e.span[0] and e.span[1] <= end]


def _task_table(doc: Document) -> str:
    if not doc.tasks:
        return "<p>Không có nhiệm vụ.</p>"
    rows = []
    for task in doc.tasks:
        owners = "; ".join(
            f"{o.name} ({'chủ trì' if o.role == 'lead' else 'phối hợp'})" for o in task.owners
        )
        deadline = task.deadline
        due = (
            f"{deadline.date or ''} ({deadline.relation})<br>{html.escape(deadline.text)}"
            if deadline
            else ""
        )
        rows.append(
            f"<tr><td>{task.id}</td><td>{html.escape(owners)}</td><td>{due}</td>"
            f"<td>{html.escape(task.text)}</td></tr>"
        )
    head = "<tr><th>#</th><th>Chủ trì / phối hợp</th><th>Thời hạn</th><th>Nhiệm vụ</th></tr>"
    return f'<table class="tasks">{head}{"".join(rows)}</table>'
