"""DEADLINE rule: time limits on future action, plus the combined temporal pass.

Value: {"date": ISO, "relation": "before" | "by" | "on" | "within", "grain": ...}.

A deadline is a cue followed directly by a date expression of rules.dates (same line):
- "trước 10/12/2023", "trước ngày 15/12", "xong trước ..." -> before; date = the day written
  (for a period: its first day), the limit being strictly before it.
- "chậm nhất (là|vào) ngày ...", "chậm nhất trong tháng 12", "hạn chót (là) ...", "hạn cuối",
  "đến hết ngày/tháng/năm ..." -> by; date = the day, or the period's last day.
  "chậm nhất trước ..." -> before.
- "hoàn thành|hoàn tất|xong|dứt điểm|kết thúc (xong) trong tháng 12 / quý I/2026 / năm 2024" ->
  within, date = the period's last day (a day: relation on). A bare "trong <period>" is a
  deadline when a completion verb occurs earlier in the same clause, or in the plan part
  (ctx.in_plan) -- elsewhere "trong tháng 11" is an ordinary DATE.
- "Thời gian (thực hiện|hoàn thành|...): <expr>" and "Thời hạn ...: <expr>" labels: the relation
  comes from a cue after the colon (trước, chậm nhất, trong, đến hết, hạn chót); otherwise a
  period or range -> within (its last day), a day -> on ("Thời gian") or by ("Thời hạn").

Not deadlines: "trước" without a date ("như trước đây", "trước khi trình HĐND", "trước mắt"),
completed actions ("đã hoàn thành trước ..."), "tính đến hết / lũy kế đến hết ngày ..."
(as-of dates), a limit more than 31 days before the anchor (a past date cannot limit future
action; "đến hết" allows no such grace), unless the text is in the plan part.

Year inference is the DATE rule's: the anchor's year, and in the plan part (ctx.in_plan only) a
month earlier than the anchor's month is next year; confidence 0.8 when inferred.

Overlap with DATE: a deadline's date is not also a DATE. ``extract_temporal(text, ctx, skip)``
returns DEADLINE and DATE matches together without overlaps (DATE matches overlapping a deadline
or a skip span are dropped). ``rules.dates.extract(text, ctx, skip=...)`` does the same for
callers that combine the modules themselves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from . import dates
from .base import Match, RuleContext
from .dates import WS, Analysis, Atom, Span

_PAST_GRACE = timedelta(days=31)

_VERB = rf"(?:hoàn{WS}*thành|hoàn{WS}*tất|xong|dứt{WS}*điểm|kết{WS}*thúc)"
_LABEL_WHAT = rf"(?:thực{WS}*hiện|hoàn{WS}*thành|triển{WS}*khai|tổ{WS}*chức|báo{WS}*cáo|nộp|gửi)"
_PRE = (
    rf"(?P<lpre>trước|chậm{WS}*nhất(?:{WS}*(?:là|vào))?|trong|đến{WS}*hết|hạn{WS}*chót"
    rf"(?:{WS}*là)?)"
)
# "trước 17h ngày 15/12", "chậm nhất 16 giờ 30 ngày ...": an hour before the date is skipped.
_HOUR = rf"(?:\d{{1,2}}{WS}*(?:h|giờ)(?![^\W\d_])(?:{WS}*\d{{2}}(?:{WS}*phút|')?)?{WS}*,?{WS}*)?"
_CUES = [
    # Thời gian thực hiện: trước 15/12/2023
    rf"(?P<label>thời{WS}*(?P<lkind>gian|hạn)(?:{WS}*{_LABEL_WHAT}(?:{WS}*báo{WS}*cáo)?)?"
    rf"{WS}*:{WS}*(?:{_VERB}{WS}*)?(?:{_PRE}{WS}*)?{_HOUR})",
    rf"(?P<slow>chậm{WS}*nhất(?:{WS}*(?:là|vào|đến|trong))?(?:{WS}*(?P<slow_before>trước))?"
    rf"{WS}*{_HOUR})",
    rf"(?P<hard>hạn{WS}*(?:chót|cuối)(?:{WS}*(?:là|:))?{WS}*{_HOUR})",
    rf"(?P<until>đến{WS}*hết{WS}*)",
    rf"(?P<verb>{_VERB}(?:{WS}*(?:xong|dứt{WS}*điểm))?{WS}*(?:trong|vào){WS}*)",
    rf"(?P<before>trước{WS}*{_HOUR})",
    rf"(?P<inside>trong{WS}*)",
]
# The leading lookahead only speeds the scan up (every cue starts with one of these letters).
_CUE = re.compile(r"(?=[tTcChHđĐxXkKdD])(?:" + "|".join(_CUES) + ")", re.IGNORECASE)
_DONE_BEFORE = re.compile(rf"đã{WS}*(?:{_VERB}{WS}*)?(?:xong{WS}*)?$", re.IGNORECASE)
_DONE_IN_CLAUSE = re.compile(rf"đã{WS}*(?:được{WS}*)?{_VERB}", re.IGNORECASE)
_AS_OF = re.compile(rf"tính|lũy{WS}*kế|luỹ{WS}*kế|thời{WS}*điểm", re.IGNORECASE)
_CLAUSE_VERB = re.compile(_VERB, re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[.;!?]")


def _clause_before(view: str, pos: int, width: int = 60) -> str:
    """The text of the current clause before pos (same line, after the last . ; ! ?)."""
    tail = dates.line_tail(view, pos, width)
    breaks = list(_CLAUSE_BREAK.finditer(tail))
    return tail[breaks[-1].end() :] if breaks else tail


def _relation(cue: re.Match[str], atom: Atom) -> str:
    """The relation a cue expresses for this date expression."""
    period = atom.grain != "day" or atom.to is not None
    kind = cue.lastgroup
    if kind == "label":
        pre = (cue.group("lpre") or "").lower()
        if pre.startswith("trước"):
            return "before"
        if pre.startswith(("chậm", "đến", "hạn")):
            return "by"
        if pre.startswith("trong") or period:
            return "within" if period else "on"
        return "on" if cue.group("lkind").lower() == "gian" else "by"
    if kind == "slow":
        return "before" if cue.group("slow_before") else "by"
    if kind in ("hard", "until"):
        return "by"
    if kind == "before":
        return "before"
    return "within" if period else "on"  # verb / inside


def _accepted(an: Analysis, cue: re.Match[str], atom: Atom, ctx: RuleContext, start: int) -> bool:
    """Context checks that tell a time limit from a date that merely follows a cue word."""
    view, kind = an.view, cue.lastgroup
    clause = _clause_before(view, cue.start())
    if _DONE_BEFORE.search(clause):
        return False  # "đã hoàn thành trước ...": a completed action
    if kind == "until" and _AS_OF.search(clause):
        return False  # "tính đến hết ngày 30/11": an as-of date
    if kind == "inside":
        if atom.grain == "day" and atom.to is None:
            return False
        if _DONE_IN_CLAUSE.search(clause):
            return False  # "đã hoàn thành việc ... trong tháng 11"
        return ctx.in_plan(start) or _CLAUSE_VERB.search(clause) is not None
    return True


def _limit(atom: Atom, relation: str, ctx: RuleContext, start: int) -> tuple[date, bool] | None:
    resolved = dates.resolve(atom, ctx, start)
    if resolved is None:
        return None
    first, last, inferred = resolved
    return (first if relation == "before" else last), inferred


def _too_old(limit: date, kind: str | None, ctx: RuleContext, start: int) -> bool:
    if ctx.anchor is None or ctx.in_plan(start):
        return False
    grace = timedelta(0) if kind == "until" else _PAST_GRACE
    return limit < ctx.anchor - grace


def deadline_matches(an: Analysis, ctx: RuleContext, skip: Sequence[Span] = ()) -> list[Match]:
    """DEADLINE matches from a shared analysis (see rules.dates.analyze)."""
    by_start = {a.start: a for a in an.atoms if not a.meta}
    out: list[Match] = []
    last_end = -1
    for cue in _CUE.finditer(an.view):
        atom = by_start.get(cue.end())
        if atom is None or cue.start() < last_end:
            continue
        start, end = an.offsets.span(cue.start(), atom.end)
        if skip and dates.overlaps(start, end, skip):
            continue
        if not _accepted(an, cue, atom, ctx, start):
            continue
        relation = _relation(cue, atom)
        limit = _limit(atom, relation, ctx, start)
        if limit is None or _too_old(limit[0], cue.lastgroup, ctx, start):
            continue
        value = {"date": limit[0].isoformat(), "relation": relation, "grain": atom.grain}
        conf = dates.CONF_INFERRED if limit[1] else dates.CONF
        out.append(Match("DEADLINE", start, end, value, conf))
        last_end = atom.end
    return out


def extract(text: str, ctx: RuleContext, skip: Sequence[Span] = ()) -> list[Match]:
    """DEADLINE matches in text, sorted and non-overlapping."""
    return deadline_matches(dates.analyze(text), ctx, skip)


def extract_temporal(text: str, ctx: RuleContext, skip: Sequence[Span] = ()) -> list[Match]:
    """DEADLINE and DATE matches together, non-overlapping, sorted by start.

    skip: spans (e.g. of LEGAL_REF matches) inside which nothing temporal is reported.
    """
    an = dates.analyze(text)
    limits = deadline_matches(an, ctx, skip)
    taken = [*skip, *((m.start, m.end) for m in limits)]
    return sorted([*limits, *dates.date_matches(an, ctx, taken)], key=lambda m: m.start)
