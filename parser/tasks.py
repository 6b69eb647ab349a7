"""Tasks stage: action items of the plan parts, with who must act and by when.

A task is one paragraph of a plan part (a numbered item with its own text, a bullet, or a plain
paragraph under an item), or a clause anywhere that assigns work ("Giao Văn phòng Đảng uỷ tiếp
thu …"). A heading that only titles the items under it is not a task; under "TỔ CHỨC THỰC HIỆN"
such a heading often names the body responsible ("1. Phòng Công nghệ thông tin"), and its items
inherit that body as lead.

Owners come from the sentence's shape: the subject before the first action verb ("UBMTTQ và các
tổ chức đoàn thể tiếp tục …") and the body after "giao" are leads, "chủ trì" marks a lead, bodies
after "phối hợp (với)" cooperate. A deadline is the DEADLINE inside the item, else the one of a
"Thời gian …:" line of its section.
"""

from __future__ import annotations

import re
from importlib import resources

from baocao.models.schema import Deadline, Entity, Owner, Section, Task
from baocao.parser.assemble import SectionIndex
from baocao.parser.headings import parse_marker
from baocao.parser.normalize import NormalizedText


def _lexicon(name: str) -> tuple[str, ...]:
    data = resources.files("baocao.parser").joinpath(f"data/{name}").read_text("utf-8")
    return tuple(ln.strip() for ln in data.splitlines() if ln.strip() and not ln.startswith("#"))


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# Verbs that open an item's predicate; the owners are named before them (data/action_verbs.txt).
_VERB = re.compile(rf"(?<![\w])(?:{_alternation(_lexicon('action_verbs.txt'))})(?![\w])", re.I)
# An owner phrase starts like a body's name (data/owner_heads.txt) or is an abbreviation.
# The head may be glued to the next name by a PDF's missing space ("Đảng uỷUBND xã").
_OWNER_HEAD = re.compile(
    rf"^(?:các\s+|những\s+|mọi\s+)?(?:{_alternation(_lexicon('owner_heads.txt'))})"
    r"(?!(?-i:[a-zà-ỹđ]))",
    re.I,
)
_ABBREVIATION = re.compile(r"^[A-ZĐ]{2,}")
# "tổ chức" before these words is the noun ("tổ chức đảng", "các tổ chức chính trị").
_NOUN_USE = re.compile(
    r"\s*(?:đảng|chính\s*trị|đoàn\s*thể|thành\s*viên|cơ\s*sở|hội|xã\s*hội)", re.I
)
MAX_OWNER_WORDS = 9  # one body's name; longer pieces mean the subject was misread
# "giao", "đề nghị", "yêu cầu" assign work; "giao thông", "giao dịch", "giao lưu" … are other words.
# PDF text layers glue the cue to the next word ("đềnghịThường trực"); a capital then starts the
# body's name.
_GIAO = re.compile(
    r"(?<![\w])(?:giao|đề\s*nghị|yêu\s*cầu)(?:\s+cho)?(?:\s+|(?=(?-i:[A-ZĐ])))"
    r"(?!(?-i:(?:thông|dịch|lưu|ban|tiếp|nhận|thừa|hữu|kết|diện|động|chiến|ước|khoán|đất|quyền|"
    r"thoa|hoà|hòa|thức))(?![\w]))",
    re.I,
)
_PREAMBLE = re.compile(r"^(?:[-+•]\s*)?căn\s*cứ", re.I)  # "Căn cứ kết luận …; đề nghị X …"
_BULLET = re.compile(r"^[-+•*–]\s*")
_CLOSING = re.compile(r"^(?:trên\s*đây\s*là|nơi\s*nhận)", re.I)
_COOPERATE = re.compile(r"(?<![\w])(?:phối\s*hợp|cùng)(?:\s+(?:chặt\s+chẽ\s+)?với)?\s+", re.I)
_TIME_LINE = re.compile(r"^(?:[-+•]\s*)?thời\s*(?:gian|hạn)[^:]{0,30}:", re.I)
_ATTRIBUTE_LINE = re.compile(
    r"^(?:[-+•]\s*)?(?:thành\s*phần|địa\s*điểm|kinh\s*phí|nguồn\s*kinh\s*phí)\s*:", re.I
)
_SPLIT_OWNERS = re.compile(r"\s*(?:,|;|\bvà\b|–|-(?=\s)|\bcùng\b)\s*")
_CLAUSE_END = re.compile(r"[.;!?](?=\s|$)")
_NON_OWNER = re.compile(
    r"^(?:đồng\s*thời|trong\s+đó|ngoài\s+ra|trên\s+cơ\s+sở|đối\s+với|về)\b", re.I
)
MAX_OWNER_PHRASE = 160  # characters: a subject longer than this is a sentence, not a name list


def extract_tasks(
    norm: NormalizedText,
    body: tuple[int, int],
    index: SectionIndex,
    entities: list[Entity],
) -> list[Task]:
    """Tasks found in the paragraphs `body` (a range of paragraph indices)."""
    orgs = [e for e in entities if e.type == "ORG"]
    # A date on a "Thời gian …:" line of a plan schedules the items around it, as a deadline does.
    deadlines = [
        e
        for e in entities
        if e.type == "DEADLINE" or (e.type == "DATE" and _on_time_line(norm, e.span[0]))
    ]
    tasks: list[Task] = []
    for i in range(*body):
        unit = norm.units[i]
        if not unit.in_flow:
            continue
        section = index.innermost(unit.start)
        text = norm.text[unit.start : unit.end]
        for start, end in _task_spans(norm, unit.start, text, section):
            tasks.append(_task(norm, start, end, section, index, orgs, deadlines, len(tasks) + 1))
    return tasks


def _task_spans(
    norm: NormalizedText, offset: int, text: str, section: Section | None
) -> list[tuple[int, int]]:
    """The task spans a paragraph holds: the whole item in a plan part, else its giao clauses."""
    if section is not None and section.plan:
        is_heading = section.span[0] == offset and section.marker is not None
        if is_heading and not _heading_carries_task(norm, section, text):
            return []
        marker = parse_marker(text)
        begin = marker.title_offset if marker else 0
        body = text[begin:]
        if not body.strip() or _TIME_LINE.match(body) or _ATTRIBUTE_LINE.match(body):
            return []
        if body.rstrip().endswith(":"):
            return []  # a lead-in to the items below
        if not _CLOSING.match(body):
            return [(offset + begin, offset + len(text))]
    return [(offset + a, offset + b) for a, b in _giao_clauses(text)]


def _heading_carries_task(norm: NormalizedText, section: Section, text: str) -> bool:
    """A numbered item is a task when it has its own text: a run-in body after its title, or no
    list of bullets and no sub-sections under it (plain paragraphs under it continue the item)."""
    title_end = section.title_span[1] if section.title_span else section.span[0]
    heading_end = section.span[0] + len(text)
    if heading_end - title_end > 3:
        return True
    if section.children:
        return False
    below = [
        norm.text[u.start : u.end]
        for u in norm.units_between(heading_end + 1, section.span[1])
        if u.in_flow
    ]
    return not any(_BULLET.match(p) for p in below)


def _giao_clauses(text: str) -> list[tuple[int, int]]:
    """Clauses that assign work: they begin with "giao" (a sentence or after a semicolon)."""
    spans = []
    for m in _GIAO.finditer(text):
        before = text[: m.start()].rstrip()
        if (
            before
            and not before.endswith((".", ";", ":", ","))
            and not re.search(r"(?:^|[.;:]\s*)(?:[-+•]\s*)?$", before)
        ):
            continue
        end_match = _CLAUSE_END.search(text, m.end())
        end = end_match.start() + 1 if end_match else len(text)
        spans.append((_clause_start(text, m.start()), end))
    return spans


def _clause_start(text: str, cue: int) -> int:
    """A clause after a "Căn cứ …;" preamble belongs to the whole sentence."""
    sentence = max(text.rfind(". ", 0, cue) + 2 if ". " in text[:cue] else 0, 0)
    return sentence if _PREAMBLE.match(text[sentence:cue]) else cue


def _task(
    norm: NormalizedText,
    start: int,
    end: int,
    section: Section | None,
    index: SectionIndex,
    orgs: list[Entity],
    deadlines: list[Entity],
    number: int,
) -> Task:
    text = norm.text[start:end]
    owners = _owners(text, start, orgs)
    if not any(o.role == "lead" for o in owners):
        owners = [*_inherited_owners(section, index, orgs), *owners]
    return Task(
        id=f"t{number}",
        text=text,
        span=(start, end),
        section=section.id if section else None,
        owners=owners,
        deadline=_deadline(start, end, section, index, deadlines, norm),
    )


def _owners(text: str, offset: int, orgs: list[Entity]) -> list[Owner]:
    owners: list[Owner] = []
    # After a "Căn cứ …;" preamble the assigning cue comes later in the sentence.
    giao = _GIAO.search(text) if _PREAMBLE.match(text) else _GIAO.match(text)
    if giao:
        verb = _first_verb(text, giao.end(), offset, orgs)
        owners += _owner_list(text, giao.end(), verb, offset, orgs, "lead")
    else:
        verb = _first_verb(text, 0, offset, orgs)
        if verb is not None and verb > 0:
            owners += _owner_list(text, 0, verb, offset, orgs, "lead")
    for m in _COOPERATE.finditer(text):
        stop = _first_verb(text, m.end(), offset, orgs)
        owners += _owner_list(text, m.end(), stop, offset, orgs, "cooperate", orgs_only=True)
    return _dedupe(owners)


def _first_verb(text: str, pos: int, offset: int, orgs: list[Entity]) -> int | None:
    """Where the predicate starts: the first action verb that is not inside an ORG name."""
    for m in _VERB.finditer(text, pos):
        absolute = offset + m.start()
        if any(o.span[0] <= absolute < o.span[1] for o in orgs):
            continue
        if m.start() > pos and text[m.start()].isupper():  # part of a name: "Ban Xây dựng Đảng"
            continue
        if m.group().lower().startswith("tổ") and _NOUN_USE.match(text, m.end()):
            continue
        # "tổ chức" right after "các" is a noun ("các tổ chức đoàn thể").
        if re.search(r"(?:các|những|mọi)\s+$", text[max(0, m.start() - 8) : m.start()], re.I):
            continue
        return m.start()
    return None


def _owner_list(
    text: str,
    start: int,
    stop: int | None,
    offset: int,
    orgs: list[Entity],
    role: str,
    *,
    orgs_only: bool = False,
) -> list[Owner]:
    """The bodies named between start and stop: ORG entities, else comma/và-separated phrases."""
    end = stop if stop is not None else len(text)
    if end - start > MAX_OWNER_PHRASE:
        end = start + MAX_OWNER_PHRASE
    inside = [o for o in orgs if offset + start <= o.span[0] and o.span[1] <= offset + end]
    if orgs_only:
        # After "phối hợp": the bodies named up to the next verb (at most three).
        return [Owner(name=o.text, role=role, entity=o.id) for o in inside[:3]]  # type: ignore[arg-type]
    phrase = text[start:end].strip(" ,:")
    if not phrase or _NON_OWNER.match(phrase) or stop is None:
        return [Owner(name=o.text, role=role, entity=o.id) for o in inside]  # type: ignore[arg-type]
    owners: list[Owner] = []
    for piece in _SPLIT_OWNERS.split(phrase):
        piece = piece.strip(" ,.;:")
        if len(piece) < 2:
            continue
        entity = next((o for o in inside if piece in o.text or o.text in piece), None)
        if entity is None and not (
            (_OWNER_HEAD.match(piece) or _ABBREVIATION.match(piece))
            and len(piece.split()) <= MAX_OWNER_WORDS
        ):
            # Not a list of bodies after all: keep only the ORG entities named there.
            return [Owner(name=o.text, role=role, entity=o.id) for o in inside]  # type: ignore[arg-type]
        owner_id = entity.id if entity else None
        owners.append(Owner(name=piece, role=role, entity=owner_id))  # type: ignore[arg-type]
    return owners


def _inherited_owners(
    section: Section | None, index: SectionIndex, orgs: list[Entity]
) -> list[Owner]:
    """Under an item titled by a body ("2. Văn phòng Sở"), that body leads the items below."""
    node = section
    while node is not None:
        if node.title_span:
            a, b = node.title_span
            named = [o for o in orgs if a <= o.span[0] and o.span[1] <= b + 1]
            if named and (named[0].span[1] - named[0].span[0]) >= 0.6 * (b - a):
                return [Owner(name=named[0].text, role="lead", entity=named[0].id)]
        node = index.parent(node)
    return []


def _deadline(
    start: int,
    end: int,
    section: Section | None,
    index: SectionIndex,
    deadlines: list[Entity],
    norm: NormalizedText,
) -> Deadline | None:
    inside = [d for d in deadlines if start <= d.span[0] < end and d.type == "DEADLINE"]
    if inside:
        return _as_deadline(inside[0])
    node = section
    while node is not None:
        timed = [
            d
            for d in deadlines
            if node.span[0] <= d.span[0] < node.span[1] and _on_time_line(norm, d.span[0])
        ]
        if timed:
            return _as_deadline(timed[0])
        node = index.parent(node)
    return None


def _on_time_line(norm: NormalizedText, offset: int) -> bool:
    unit = norm.unit_at(offset)
    return bool(unit and _TIME_LINE.match(norm.text[unit.start : unit.end]))


def _as_deadline(entity: Entity) -> Deadline:
    if entity.type == "DATE":  # scheduled: on that day, or within that period
        value = entity.value
        relation = "on" if value["start"] == value["end"] else "within"
        return Deadline(date=value["end"], relation=relation, text=entity.text)
    return Deadline(
        date=entity.value.get("date"), relation=entity.value["relation"], text=entity.text
    )


def _dedupe(owners: list[Owner]) -> list[Owner]:
    seen: set[tuple[str, str]] = set()
    out = []
    for owner in owners:
        key = (owner.name.lower(), owner.role)
        if key not in seen:
            seen.add(key)
            out.append(owner)
    return out
