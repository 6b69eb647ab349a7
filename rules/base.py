"""What every rule module shares: the match record and the context a rule may consult."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class RuleContext:
    """Facts about the document that rules need to resolve values.

    anchor: the report's own date (year/month used when a date in the text omits them).
    in_plan: tells whether an offset lies in the plan part ("nhiệm vụ tháng tới"), where a
    month earlier than the report's month means next year.
    """

    anchor: date | None = None
    in_plan: Callable[[int], bool] = field(default=lambda _offset: False)


@dataclass(frozen=True)
class Match:
    """One recognized value: its type, its span in the text it was found in, its value."""

    type: str
    start: int
    end: int
    value: dict[str, Any]
    confidence: float = 0.95

    def text_of(self, text: str) -> str:
        return text[self.start : self.end]
