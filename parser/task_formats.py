"""Task lists out of documents: filters, and the table, CSV, JSON Lines and iCalendar forms that
`baocao tasks` prints."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from baocao.models.schema import Document, Task

FORMATS = ("table", "csv", "jsonl", "ics")
OWNER_MATCH_THRESHOLD = 80  # rapidfuzz partial ratio, 0-100


@dataclass(frozen=True)
class TaskRow:
    """One task with the document it comes from: what every output form prints."""

    source: str
    doc_date: str | None
    doc_title: str | None
    sha256: str
    task: Task

    @property
    def due(self) -> str | None:
        return self.task.deadline.date if self.task.deadline else None

    def owners_text(self) -> str:
        return "; ".join(
            f"{o.name} ({'chủ trì' if o.role == 'lead' else 'phối hợp'})" for o in self.task.owners
        )

    def as_record(self) -> dict[str, object]:
        deadline = self.task.deadline
        return {
            "source": self.source,
            "doc_date": self.doc_date,
            "task": self.task.id,
            "section": self.task.section,
            "due": self.due,
            "relation": deadline.relation if deadline else None,
            "deadline_text": deadline.text if deadline else None,
            "owners": [o.model_dump() for o in self.task.owners],
            "text": self.task.text,
        }


def rows_of(doc: Document) -> Iterator[TaskRow]:
    for task in doc.tasks:
        yield TaskRow(
            source=doc.source.path or "<text>",
            doc_date=doc.meta.date,
            doc_title=doc.meta.title,
            sha256=doc.source.sha256,
            task=task,
        )


def keep(
    row: TaskRow,
    *,
    due_before: date | None = None,
    due_from: date | None = None,
    owner: str | None = None,
) -> bool:
    """Filters: a due window (tasks without a due date fall outside any window), a fuzzy owner."""
    if due_before or due_from:
        if row.due is None:
            return False
        due = date.fromisoformat(row.due)
        if due_before and not due < due_before:
            return False
        if due_from and due < due_from:
            return False
    if owner:
        from rapidfuzz import fuzz

        wanted = owner.lower()
        names = [o.name.lower() for o in row.task.owners]
        if not any(fuzz.partial_ratio(wanted, n) >= OWNER_MATCH_THRESHOLD for n in names):
            return False
    return True


def render(rows: Iterable[TaskRow], fmt: str) -> str:
    rows = list(rows)
    if fmt == "jsonl":
        return "".join(json.dumps(r.as_record(), ensure_ascii=False) + "\n" for r in rows)
    if fmt == "csv":
        return to_csv(rows)
    if fmt == "ics":
        return to_ics(rows)
    return to_table(rows)


def to_csv(rows: list[TaskRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["source", "doc_date", "task", "section", "due", "relation", "owners", "text"])
    for r in rows:
        deadline = r.task.deadline
        writer.writerow(
            [
                r.source,
                r.doc_date or "",
                r.task.id,
                r.task.section or "",
                r.due or "",
                deadline.relation if deadline else "",
                r.owners_text(),
                r.task.text,
            ]
        )
    return buffer.getvalue()


def to_table(rows: list[TaskRow], width: int | None = None) -> str:
    """A plain table that fits the terminal: due, owners, then as much of the text as fits."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    lines = [f"{'due':<12} {'owners':<30} task"]
    for r in rows:
        due = r.due or "—"
        if r.task.deadline and r.task.deadline.relation == "before" and r.due:
            due = f"<{r.due}"
        owners = _clip(", ".join(o.name for o in r.task.owners) or "—", 30)
        room = max(20, width - 44)
        lines.append(f"{due:<12} {owners:<30} {_clip(r.task.text, room)}")
    lines.append(f"{len(rows)} task(s)")
    return "\n".join(lines) + "\n"


def _clip(text: str, room: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= room else text[: room - 1] + "…"


def to_ics(rows: list[TaskRow]) -> str:
    """One VTODO per task that has a due date (RFC 5545, via the icalendar package)."""
    from icalendar import Calendar, Todo

    calendar = Calendar()
    calendar.add("prodid", "-//baocao//task list//VI")
    calendar.add("version", "2.0")
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    for r in rows:
        if r.due is None or r.task.deadline is None:
            continue
        todo = Todo()
        todo.add("uid", f"{r.sha256[:16]}-{r.task.id}@baocao")
        todo.add("dtstamp", stamp)
        todo.add("summary", _clip(r.task.text, 120))
        description = [r.task.text]
        if r.task.owners:
            description.append(f"Chủ trì/phối hợp: {r.owners_text()}")
        description.append(f"Nguồn: {r.source} ({r.task.deadline.text})")
        todo.add("description", "\n".join(description))
        todo.add("due", _due_day(r.due, r.task.deadline.relation))
        calendar.add_component(todo)
    return calendar.to_ical().decode("utf-8")


def _due_day(iso: str, relation: str) -> date:
    """The last day allowed: 'before 10/12' means done by 9/12."""
    day = date.fromisoformat(iso)
    return day - timedelta(days=1) if relation == "before" else day
