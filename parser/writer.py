"""Writer: whole files only. Each output goes to a temporary file beside its target and is
renamed into place, so an interrupted run never leaves a half-written JSON."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from baocao.models.schema import ErrorRecord


def _current_umask() -> int:
    mask = os.umask(0)  # reading the umask means setting it: done once, at import
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def write_atomic(target: Path, content: str) -> None:
    write_chunks_atomic(target, [content.encode("utf-8")])


def write_chunks_atomic(target: Path, chunks: Iterable[bytes]) -> None:
    """Write to a temporary file beside the target, sync, rename over the target."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); outputs are shared like any file the user writes.
        os.chmod(tmp, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append_error(handle: IO[str], record: ErrorRecord) -> None:
    """One JSON line per failed file, flushed at once so a crash keeps what was recorded."""
    handle.write(record.model_dump_json() + "\n")
    handle.flush()
