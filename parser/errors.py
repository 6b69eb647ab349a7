"""Errors that name the file and the reason; the CLI turns them into one line and an exit code."""

from __future__ import annotations


class BaocaoError(Exception):
    """A file that cannot be converted. `stage` says where it failed (see ErrorRecord)."""

    def __init__(
        self, reason: str, *, path: str | None = None, stage: str = "read", fmt: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path
        self.stage = stage
        self.format = fmt

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason
