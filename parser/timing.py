"""Per-stage wall time, for benchmarks: parsing itself never asks for it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def stage(timings: dict[str, float] | None, name: str) -> Iterator[None]:
    """Adds the block's wall time to timings[name] when a dict is given."""
    if timings is None:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
