"""Segmenter: normalized paragraphs → header zone, section tree, footer zone.

Levels are learned, not assumed: a marker family's rank is the depth at which it first appears in
this document (A. above I. above 1. in the seed; I. above 1. above a) in others). Numbering that
restarts under the same parent ("III. TỒN TẠI, HẠN CHẾ / 1. … / 1. Tiếp tục …") opens an implicit
part (marker null) beside the top of the tree: reports leave out the "B. NHIỆM VỤ THÁNG TỚI"
heading but keep numbering their tasks from 1. Plan parts are marked (`plan`), since deadlines and
tasks live there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from baocao.parser.headings import (
    SECTION_FAMILIES,
    Marker,
    as_roman_if_misread,
    parse_marker,
    title_length,
)
from baocao.parser.meta import find_footer_start, find_header_end
from baocao.parser.normalize import NormalizedText

# Titles of the parts that assign future work (PHƯƠNG HƯỚNG, NHIỆM VỤ … TỚI, TỔ CHỨC THỰC HIỆN…).
# Missing spaces are common in PDF text layers ("nhiệm vụtrọng tâm"), hence \s*.
_PLAN_TITLE = re.compile(
    r"phương\s*hướng|tổ\s*chức\s*thực\s*hiện|giải\s*pháp|phương\s*án\s*triển\s*khai|"
    r"nội\s*dung\s*(?:và\s*)?(?:nhiệm\s*vụ|triển\s*khai|thực\s*hiện)|tiến\s*độ\s*thực\s*hiện|"
    r"lộ\s*trình|kế\s*hoạch\s*triển\s*khai|nhiệm\s*vụ\s*(?:,\s*)?"
    r"(?:và\s*)?(?:giải\s*pháp|trọng\s*tâm|chủ\s*yếu|tháng\s*tới|tuần\s*tới|quý\s*tới|năm\s*tới|"
    r"thời\s*gian\s*tới|tiếp\s*theo|tháng\s*\d|quý\s*[IV]|năm\s*\d{4}|\d\s*tháng\s*cuối)",
    re.IGNORECASE,
)
_RESULT_TITLE = re.compile(
    r"kết\s*quả|tình\s*hình|đánh\s*giá|tồn\s*tại|hạn\s*chế|khó\s*khăn|thuận\s*lợi|nguyên\s*nhân",
    re.IGNORECASE,
)
_LIMITATION_TITLE = re.compile(r"tồn\s*tại|hạn\s*chế|khó\s*khăn|vướng\s*mắc", re.IGNORECASE)
# How a task list usually begins when the plan heading itself was left out.
_PLAN_OPENING = re.compile(
    r"^(?:tiếp\s*tục|tăng\s*cường|triển\s*khai|tập\s*trung|chỉ\s*đạo|đẩy\s*mạnh|làm\s*tốt|thực\s*hiện|"
    r"chuẩn\s*bị|hoàn\s*thành|phối\s*hợp|duy\s*trì|lãnh\s*đạo|tổ\s*chức)",
    re.IGNORECASE,
)


@dataclass
class Node:
    marker: Marker | None
    unit: int  # index of the heading paragraph (first child's for an implicit part)
    rank: int
    title: str | None
    title_span: tuple[int, int] | None
    start: int
    end: int = 0
    plan: bool = False
    implicit: bool = False
    children: list[Node] = field(default_factory=list)


@dataclass
class Segmentation:
    header_end: int  # first paragraph index after the header
    footer_start: int  # first paragraph index of the footer (len(units) when none)
    preamble_end: int  # paragraphs before this index precede the header (stray footnotes)
    roots: list[Node]
    warnings: list[str]


def segment(norm: NormalizedText) -> Segmentation:
    units = norm.units
    preamble_end, header_end = find_header_end(norm)
    footer_start = find_footer_start(norm, header_end)
    warnings: list[str] = []
    roots = _build_tree(norm, header_end, footer_start, warnings)
    body_end = units[footer_start - 1].end if footer_start > header_end else 0
    _close_spans(roots, body_end)
    for root in roots:
        _mark_plan(root, parent_plan=False)
    return Segmentation(header_end, footer_start, preamble_end, roots, warnings)


def _build_tree(norm: NormalizedText, first: int, stop: int, warnings: list[str]) -> list[Node]:
    ranks: dict[str, int] = {}
    roots: list[Node] = []
    stack: list[Node] = []
    markers = _markers(norm, first, stop)
    uses_roman = any(m.family == "roman" for _, m in markers)
    for index, marker in markers:
        if uses_roman:
            text = norm.text[norm.units[index].start : norm.units[index].end]
            marker = as_roman_if_misread(marker, text[marker.title_offset :])
        node = _heading_node(norm, index, marker)
        key = marker.rank_key
        open_at = next(
            (
                i
                for i in range(len(stack) - 1, -1, -1)
                if stack[i].marker and stack[i].marker.rank_key == key
            ),
            None,
        )
        if open_at is not None:
            sibling = stack[open_at]
            if _is_restart(sibling, marker):
                _open_implicit_part(norm, index, node, roots, stack, warnings)
                continue
            node.rank = sibling.rank
            del stack[open_at:]
        else:
            # First appearance of the family here: its document-wide rank, learned when it first
            # appeared (one level below whatever was open then).
            node.rank = ranks.setdefault(key, stack[-1].rank + 1 if stack else 0)
            while stack and stack[-1].rank >= node.rank:
                stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def _markers(norm: NormalizedText, first: int, stop: int) -> list[tuple[int, Marker]]:
    """The section markers of the body's running paragraphs (table cells and notes never open
    sections)."""
    found = []
    for index in range(first, stop):
        unit = norm.units[index]
        if not unit.in_flow:
            continue
        marker = parse_marker(norm.text[unit.start : unit.end])
        if marker is not None and marker.family in SECTION_FAMILIES:
            found.append((index, marker))
    return found


def _is_restart(sibling: Node, marker: Marker) -> bool:
    """Numbering that starts again at 1 under the same parent."""
    if sibling.marker is None or sibling.marker.family != marker.family:
        return False
    same_prefix = sibling.marker.ordinals[:-1] == marker.ordinals[:-1]
    return same_prefix and marker.ordinal == 1 and sibling.marker.ordinal >= 1


def _open_implicit_part(
    norm: NormalizedText,
    index: int,
    node: Node,
    roots: list[Node],
    stack: list[Node],
    warnings: list[str],
) -> None:
    """Put the restarted numbering under a new unheaded part beside the top of the tree."""
    top_rank = roots[-1].rank if roots else 0
    previous_top = roots[-1] if roots else None
    part = Node(
        marker=None,
        unit=index,
        rank=top_rank,
        title=None,
        title_span=None,
        start=norm.units[index].start,
        implicit=True,
    )
    first_text = norm.text[node.title_span[0] : node.title_span[1]] if node.title_span else ""
    last_title = _last_titled(previous_top)
    part.plan = bool(
        _PLAN_OPENING.match(first_text) or (last_title and _LIMITATION_TITLE.search(last_title))
    )
    roots.append(part)
    stack.clear()
    stack.append(part)
    node.rank = top_rank + 1
    part.children.append(node)
    stack.append(node)
    unit = norm.units[index]
    where = f"line {unit.lines[0]}" if unit.lines[0] is not None else f"offset {unit.start}"
    warnings.append(
        f"numbering restarts at {where}: opened an unheaded "
        f"{'plan ' if part.plan else ''}part (marker null)"
    )


def _last_titled(node: Node | None) -> str | None:
    """The title of the last section that directly holds items (e.g. 'III. TỒN TẠI, HẠN CHẾ')."""
    while node is not None and node.children:
        if all(not c.children for c in node.children):
            return node.title
        node = node.children[-1]
    return node.title if node else None


def _heading_node(norm: NormalizedText, index: int, marker: Marker) -> Node:
    unit = norm.units[index]
    rest_start = unit.start + marker.title_offset
    rest = norm.text[rest_start : unit.end]
    length = title_length(rest)
    title = rest[:length].strip() or None
    span = (rest_start, rest_start + len(rest[:length].rstrip())) if title else None
    return Node(marker, index, 0, title, span, start=unit.start)


def _close_spans(nodes: list[Node], end: int) -> None:
    """A section runs from its heading to the next heading at its level or above."""
    for i, node in enumerate(nodes):
        node.end = nodes[i + 1].start - 1 if i + 1 < len(nodes) else end
        _close_spans(node.children, node.end)


def _mark_plan(node: Node, parent_plan: bool) -> None:
    if not node.implicit:
        title = node.title or ""
        node.plan = parent_plan or bool(
            _PLAN_TITLE.search(title) and not _RESULT_TITLE.search(title)
        )
    else:
        node.plan = node.plan or parent_plan
    for child in node.children:
        _mark_plan(child, node.plan)
