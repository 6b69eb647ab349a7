"""Batch conversion: `baocao parse DIR_OR_FILE… -o OUT_DIR` at archive scale.

One pass streams through the inputs; nothing holds all documents:

    discover (main) ─▶ Job ─▶ engine: worker processes (pebble) or a Dask cluster
                                  │   convert(): skip if up to date, parse, write OUT_DIR/<rel>.json
                                  ▼
    Outcome (small record) ─▶ main: _errors.jsonl, --jsonl stream, progress, _summary.json

- Discovery walks folders recursively in name order, skips hidden names (".x"), applies the
  `--include`/`--exclude` globs, follows symbolic links but never around a loop, and never opens a
  non-regular file (a FIFO, socket or device is recorded as failed, so nothing blocks).
- Outputs mirror the input tree: OUT_DIR/<path relative to the folder given>.json (a file named
  on the command line lands as OUT_DIR/<its name>.json).
- Resumable: a worker skips an input whose existing output records the same source sha256, tool
  and schema (only the head of that JSON is read: the fields come first). `force` redoes all.
- Whole files only: every output is written to a temporary file beside it and renamed; a run
  killed with SIGKILL leaves at most hidden `.NAME.XXXXXXXX.tmp` files, which the next run sweeps
  away before it starts. OUT_DIR is locked (flock) against a second concurrent run.
- Limits per document: `timeout` seconds of wall time and `max_memory_mib` of data segment
  (RLIMIT_DATA) per worker process. A worker over either is replaced and the file recorded as
  failed with the reason. The pool is pebble's ProcessPool: per-task timeouts that kill and
  replace the worker are what it is built for (concurrent.futures and multiprocessing.Pool cannot
  stop a running task; loky and billiard are heavier for the same thing).
- `--jsonl FILE`: one stream instead of one file per document; see JsonlSink for its atomicity.
- Dask (`engine="dask"`): the same Job and convert() run on the cluster's workers, each inside a
  small pebble pool of the worker so the same limits hold; see _dask_outcomes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import json
import multiprocessing
import os
import re
import resource
import signal
import stat
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fnmatch import fnmatchcase
from pathlib import Path
from typing import IO, Any, Literal

from baocao import __version__
from baocao.models.schema import SCHEMA_ID, ErrorRecord
from baocao.parser.errors import BaocaoError
from baocao.parser.writer import append_error, write_atomic, write_chunks_atomic

TOOL = f"baocao {__version__}"
ERRORS_FILE = "_errors.jsonl"
SUMMARY_FILE = "_summary.json"
LOCK_FILE = ".baocao.lock"
DEFAULT_TIMEOUT_S = 300.0
DEFAULT_MAX_MEMORY_MIB = 2048
MIN_MEMORY_MIB = 64
HEAD_BYTES = 64 * 1024  # an output's schema, tool and source come first; paths are < 4 kB
TASKS_PER_WORKER = 2000  # a worker is recycled after this many documents: no slow creep
EXIT_MEMORY = 86  # a worker's exit status when it ran out of its memory limit
TICK_S = 0.5  # how often the progress display refreshes while waiting
TEMP_RE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # parser/writer.py's temporary names

Status = Literal["converted", "skipped", "failed"]


class UsageError(Exception):
    """A batch that cannot start (exit status 2)."""


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass
class BatchConfig:
    inputs: list[str]
    out_dir: Path
    jsonl: Path | None = None
    pretty: bool = False
    workers: int = field(default_factory=default_workers)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    force: bool = False
    timeout: float | None = DEFAULT_TIMEOUT_S  # seconds per document; None: no limit
    max_memory_mib: int | None = DEFAULT_MAX_MEMORY_MIB  # per worker; None: no limit
    engine: Literal["local", "dask"] = "local"
    scheduler: str | None = None
    progress: Literal["auto", "bar", "log", "none"] = "auto"
    log_interval: float = 10.0  # seconds between progress lines when stderr is not a terminal


@dataclass(frozen=True)
class Limits:
    timeout: float | None
    max_memory_mib: int | None

    @property
    def any(self) -> bool:
        return self.timeout is not None or self.max_memory_mib is not None


# ---------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Found:
    """An input file found by discovery, or a path that cannot be an input (`error` says why)."""

    path: str  # as named or found under a folder named: the input's name in every record
    relative: str  # where its output goes under OUT_DIR, without ".json" (posix)
    error: str | None = None


_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def discover(
    inputs: Iterable[str],
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    prune: frozenset[tuple[int, int]] = frozenset(),
) -> Iterator[Found]:
    """Every input, lazily: files named, and files under folders named (recursive, name order).

    Globs match a file's name or its path relative to the folder given (fnmatch: `*` also
    matches `/`); `exclude` also prunes folders. Files named on the command line are always
    taken. `prune` holds (st_dev, st_ino) of files and folders never to enter (OUT_DIR, --jsonl).
    """
    for item in inputs:
        name = os.path.basename(os.path.normpath(item))
        try:
            st = os.stat(item)
        except OSError as exc:
            yield Found(item, name, _stat_error(exc, item))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(item, "", {(st.st_dev, st.st_ino): item}, include, exclude, prune)
        elif stat.S_ISREG(st.st_mode):
            yield Found(item, name)
        else:
            yield Found(item, name, _not_regular(st))


def _walk(
    folder: str,
    relative: str,
    ancestors: dict[tuple[int, int], str],
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    prune: frozenset[tuple[int, int]],
) -> Iterator[Found]:
    try:
        with os.scandir(folder) as scan:
            names = sorted(entry.name for entry in scan if not entry.name.startswith("."))
    except OSError as exc:
        yield Found(folder, relative or ".", f"cannot list folder: {exc.strerror or exc}")
        return
    for name in names:
        path = os.path.join(folder, name)
        rel = f"{relative}/{name}" if relative else name
        if _matches(exclude, name, rel):
            continue
        try:
            st = os.stat(path)  # follows symbolic links
        except OSError as exc:
            if not include or _matches(include, name, rel):
                yield Found(path, rel, _stat_error(exc, path))
            continue
        key = (st.st_dev, st.st_ino)
        if key in prune:
            continue
        if stat.S_ISDIR(st.st_mode):
            if key in ancestors:
                yield Found(path, rel, f"symlink loop: leads back to the folder {ancestors[key]}")
                continue
            yield from _walk(path, rel, {**ancestors, key: path}, include, exclude, prune)
        elif include and not _matches(include, name, rel):
            continue
        elif stat.S_ISREG(st.st_mode):
            yield Found(path, rel)
        else:
            yield Found(path, rel, _not_regular(st))


def _matches(patterns: tuple[str, ...], name: str, rel: str) -> bool:
    return any(fnmatchcase(name, p) or fnmatchcase(rel, p) for p in patterns)


def _stat_error(exc: OSError, path: str) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop: too many levels of symbolic links"
    if exc.errno == errno.ENOENT:
        return (
            "broken symlink: its target does not exist"
            if os.path.islink(path)
            else ("no such file")
        )
    return f"cannot read: {exc.strerror or exc}"


def _not_regular(st: os.stat_result) -> str:
    return f"not a regular file: {_KINDS.get(stat.S_IFMT(st.st_mode), 'a special file')}"


# ---------------------------------------------------------------- the job, run in a worker


@dataclass(frozen=True)
class Job:
    path: str  # the input's name in records and in the output's source.path
    read_path: str  # absolute: what the worker opens (the same file, from any working folder)
    target: str | None  # absolute output path, written by the worker; None: return the JSON
    expect_sha: str | None = None  # skip if the input still hashes to this (--jsonl resume)
    expect_format: str | None = None
    check_existing: bool = True  # look at `target`'s head and skip if it is up to date
    pretty: bool = False


@dataclass
class Outcome:
    path: str
    status: Status
    format: str | None = None
    stage: str | None = None
    reason: str | None = None
    entities: dict[str, int] = field(default_factory=dict)
    tasks: int = 0
    size: int = 0  # input bytes converted
    json: str | None = None  # the document, when the job had no target (--jsonl)
    worker: tuple[str, int] | None = None  # (host, pid) of the process that converted
    peak_rss_kib: int = 0  # that process's peak resident set so far
    cpu_s: float = 0.0  # CPU time the worker spent on this input


@dataclass(frozen=True)
class Head:
    """What the first bytes of an output say about the conversion that wrote it."""

    schema: str | None
    tool: str | None
    path: str | None
    format: str | None
    sha256: str | None

    @property
    def current(self) -> bool:
        return self.schema == SCHEMA_ID and self.tool == TOOL and self.sha256 is not None


_HEAD_FIELDS = {
    name: re.compile(rf'"{name}"\s*:\s*("(?:[^"\\]|\\.)*"|null)')
    for name in ("schema", "tool", "path", "format", "sha256")
}


def parse_head(head: str) -> Head:
    """The first occurrence of each field: schema, tool, then source's path, format, sha256."""
    values: dict[str, str | None] = {}
    for name, pattern in _HEAD_FIELDS.items():
        match = pattern.search(head)
        values[name] = json.loads(match.group(1)) if match else None
    return Head(**values)


def read_output_head(target: Path) -> Head | None:
    """The head of an existing output, or None when there is none or it is not a whole JSON."""
    try:
        with open(target, "rb") as handle:
            head = handle.read(HEAD_BYTES)
            handle.seek(0, os.SEEK_END)
            if handle.tell() > len(head):
                handle.seek(-2, os.SEEK_END)
                tail = handle.read()
            else:
                tail = head[-2:]
    except OSError:
        return None
    if not head.lstrip().startswith(b"{") or not tail.rstrip().endswith(b"}"):
        return None
    return parse_head(head.decode("utf-8", errors="replace"))


def file_sha256(path: str) -> tuple[str, int] | None:
    """sha256 and size of a regular file; None if it is not one. Never blocks on a FIFO."""
    import hashlib

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        digest = hashlib.sha256()
        size = 0
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
            size += len(chunk)
        return digest.hexdigest(), size
    finally:
        os.close(fd)


def peak_rss_kib() -> int:
    """This process's peak resident set: VmHWM, which starts afresh at exec (getrusage's
    ru_maxrss carries over the RSS of the process that forked before the exec)."""
    with contextlib.suppress(OSError, StopIteration, ValueError):
        with open("/proc/self/status", encoding="ascii") as status:
            line = next(ln for ln in status if ln.startswith("VmHWM:"))
        return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _host() -> str:
    return os.uname().nodename


def _failed(job: Job, stage: str, reason: str, fmt: str | None) -> Outcome:
    return Outcome(job.path, "failed", format=fmt, stage=stage, reason=reason)


def _die_of_memory() -> None:
    # The process is past its limit and may be in a bad state: leave it, so the pool replaces it
    # and the main process records the file (a non-zero exit status pebble reports).
    os._exit(EXIT_MEMORY)


def convert(job: Job) -> Outcome:
    """Convert one input (in a worker process): skip it if up to date, else parse and write."""
    started = _cpu_seconds()
    outcome = _convert(job)
    outcome.cpu_s = _cpu_seconds() - started
    return outcome


def _cpu_seconds() -> float:
    """CPU time of this process and of the helpers it waited for (LibreOffice, tesseract)."""
    own, helpers = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + helpers.ru_utime + helpers.ru_stime


def _convert(job: Job) -> Outcome:
    from baocao.parser.pipeline import parse_file

    try:
        expect_sha, expect_format = job.expect_sha, job.expect_format
        if job.check_existing and job.target is not None:
            head = read_output_head(Path(job.target))
            if head is not None and head.current:
                expect_sha, expect_format = head.sha256, head.format
        if job.check_existing and expect_sha is not None:
            hashed = file_sha256(job.read_path)
            if hashed is not None and hashed[0] == expect_sha:
                return Outcome(job.path, "skipped", format=expect_format)
        doc = parse_file(job.read_path)
    except MemoryError:
        _die_of_memory()
        raise  # not reached
    except BaocaoError as exc:
        if isinstance(exc.__cause__, MemoryError):
            _die_of_memory()
        return _failed(job, exc.stage, exc.reason, exc.format)
    except OSError as exc:
        return _failed(job, "read", _stat_error(exc, job.read_path), None)
    try:
        doc.source.path = job.path
        text = doc.to_json(pretty=job.pretty)
        outcome = Outcome(
            job.path,
            "converted",
            format=doc.source.format,
            entities=dict(Counter(e.type for e in doc.entities)),
            tasks=len(doc.tasks),
            worker=(_host(), os.getpid()),
            peak_rss_kib=peak_rss_kib(),
        )
        with contextlib.suppress(OSError):
            outcome.size = os.stat(job.read_path).st_size
        del doc
        if job.target is None:
            outcome.json = text
        else:
            write_atomic(Path(job.target), text + "\n")
        return outcome
    except MemoryError:
        _die_of_memory()
        raise  # not reached
    except OSError as exc:
        return _failed(job, "write", f"cannot write output: {exc.strerror or exc}", None)


def init_worker(max_memory_mib: int | None) -> None:
    """Pebble worker initializer: the memory limit; a process group of its own, so that a worker
    stopped for its time limit takes the helpers it started (LibreOffice, tesseract) along;
    death with its parent, so that a main process killed outright leaves no worker behind; and
    the pipeline warmed up (outside any document's time limit)."""
    if max_memory_mib is not None:
        limit = max_memory_mib * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    signal.signal(signal.SIGTERM, _stop_group)
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG (Linux)
    if os.getppid() != parent:  # the parent died before prctl took effect
        _stop_group(signal.SIGTERM, None)
    _warm_up()


_warmed = False


def _warm_up() -> None:
    """Load the pipeline's lazy resources (lexicons, gazetteer, tagger) before the first task,
    so that a fresh worker's first document is not charged for them against its time limit.
    Done once in the forkserver (see the end of this module): workers forked from it start
    warm and share those pages; a worker started otherwise warms itself."""
    global _warmed
    if _warmed:
        return
    _warmed = True
    try:
        from baocao.parser import pipeline

        warm_up = getattr(pipeline, "warm_up", None)
        if warm_up is not None:
            warm_up()
    except Exception:  # noqa: BLE001 - the first document will meet the same problem, named
        pass


def _stop_group(_signum: int, _frame: object) -> None:
    if os.getpgrp() == os.getpid():  # never the group of the main process
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(128 + signal.SIGTERM)


def outcome_for_exception(job: Job, exc: BaseException, limits: Limits) -> Outcome:
    """A worker that did not come back: over its time limit, over its memory, or dead."""
    from pebble import ProcessExpired

    if isinstance(exc, TimeoutError):
        reason = f"time limit exceeded ({limits.timeout:g} s); worker replaced"
    elif isinstance(exc, ProcessExpired) and exc.exitcode == EXIT_MEMORY:
        reason = f"memory limit exceeded ({limits.max_memory_mib} MiB); worker replaced"
    elif isinstance(exc, ProcessExpired) and exc.exitcode is not None and exc.exitcode < 0:
        try:
            name = signal.Signals(-exc.exitcode).name
        except ValueError:
            name = f"signal {-exc.exitcode}"
        hint = " (out of memory?)" if exc.exitcode == -signal.SIGKILL else ""
        reason = f"worker killed by {name}{hint}; worker replaced"
    elif isinstance(exc, ProcessExpired):
        reason = f"worker died (exit status {exc.exitcode}); worker replaced"
    else:
        reason = f"worker failed: {type(exc).__name__}: {exc}"
    if job.target is not None:
        _remove_temps(Path(job.target))
    return _failed(job, "parse", reason, _sniff(job.read_path))


def _sniff(path: str) -> str | None:
    from baocao.parser.readers import SNIFF_BYTES, sniff_format

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        head = os.read(fd, SNIFF_BYTES) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        head = b""
    finally:
        os.close(fd)
    return sniff_format(head) if head else None


def _remove_temps(target: Path) -> None:
    """Temporary files a stopped worker may have left beside `target`."""
    own = re.compile(rf"^\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.tmp$")
    with contextlib.suppress(OSError):
        for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
            if own.match(tmp.name):
                tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------- engines


def _mp_context() -> Any:
    """forkserver: workers fork from a clean single-threaded server that has baocao imported,
    never from the main process, whose pool threads make fork() unsafe."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["baocao.parser.batch"])
    return ctx


def _new_pool(workers: int, limits: Limits) -> Any:
    from pebble import ProcessPool

    return ProcessPool(
        max_workers=workers,
        max_tasks=TASKS_PER_WORKER,
        initializer=init_worker,
        initargs=(limits.max_memory_mib,),
        context=_mp_context(),
    )


def _local_outcomes(jobs: Iterator[Job], workers: int, limits: Limits) -> Iterator[Outcome | None]:
    """Run jobs on a pool of worker processes, at most a few ahead of the workers (flat
    memory); yield each outcome as it completes, and None now and then while waiting."""
    pool = _new_pool(workers, limits)
    pending: dict[Any, Job] = {}
    retried: set[str] = set()
    window = 2 * workers + 2
    exhausted = clean = False
    try:
        while True:
            while not exhausted and len(pending) < window:
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                else:
                    pending[pool.schedule(convert, (job,), timeout=limits.timeout)] = job
            if not pending:
                break
            done, _ = wait(list(pending), timeout=TICK_S, return_when=FIRST_COMPLETED)
            if not done:
                yield None
            for future in done:
                job = pending.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool as exc:
                    # pebble gives up when a worker dies while none runs a task: start a new
                    # pool and give each job it dropped one more try.
                    if job.path in retried:
                        yield outcome_for_exception(job, exc, limits)
                        continue
                    retried.add(job.path)
                    if not pool.active:
                        pool.stop()
                        pool.join()
                        pool = _new_pool(workers, limits)
                    pending[pool.schedule(convert, (job,), timeout=limits.timeout)] = job
                except BaseException as exc:  # noqa: BLE001 - a worker's fate, recorded
                    if isinstance(exc, KeyboardInterrupt):
                        raise
                    yield outcome_for_exception(job, exc, limits)
        clean = True
    finally:
        if clean:
            pool.close()
        else:  # interrupted: stop the workers now, and take away what they were writing
            pool.stop()
        pool.join()
        for job in pending.values():
            if job.target is not None:
                _remove_temps(Path(job.target))


# Dask: each worker process keeps one small pebble pool (as many processes as it has threads),
# so a document over its time or memory limit kills a pool process, never the Dask worker.
_worker_pools: dict[tuple[int, Limits], Any] = {}
_worker_pools_lock = threading.Lock()


def _worker_pool(limits: Limits) -> Any:
    key = (os.getpid(), limits)
    with _worker_pools_lock:
        pool = _worker_pools.get(key)
        if pool is None or not pool.active:
            # A Dask worker under a nanny is a daemonic process, and multiprocessing refuses
            # children to those (Dask's own switch is `distributed.worker.daemon: false`). The
            # rule guards against orphans; ours cannot be: the pool's processes die with their
            # parent (PR_SET_PDEATHSIG in init_worker), and that parent, the forkserver, exits
            # when this process does.
            multiprocessing.current_process()._config["daemon"] = False  # type: ignore[attr-defined]
            try:
                from distributed import get_worker

                threads = get_worker().state.nthreads
            except (ImportError, ValueError, AttributeError):
                threads = default_workers()
            pool = _worker_pools[key] = _new_pool(max(1, threads), limits)
        return pool


def close_worker_pools() -> None:
    """Stop the pools that dask_convert started in this process (tests, worker teardown)."""
    with _worker_pools_lock:
        for pool in _worker_pools.values():
            pool.stop()
            pool.join()
        _worker_pools.clear()


def dask_convert(job: Job, limits: Limits) -> Outcome:
    """The task a Dask worker runs: convert() under the same limits as the local engine."""
    if not limits.any:
        return convert(job)
    for attempt in range(2):
        future = _worker_pool(limits).schedule(convert, (job,), timeout=limits.timeout)
        try:
            return future.result()
        except BrokenProcessPool as exc:
            if attempt:
                return outcome_for_exception(job, exc, limits)
        except Exception as exc:  # noqa: BLE001 - a worker's fate, recorded
            return outcome_for_exception(job, exc, limits)
    raise AssertionError("not reached")


def _dask_outcomes(
    jobs: Iterator[Job], scheduler: str | None, limits: Limits
) -> Iterator[Outcome | None]:
    """Spread the jobs over a Dask cluster.

    Choice: the workers read the inputs by absolute path and write the per-document outputs
    into OUT_DIR themselves (atomically, as locally), so both trees must be on a filesystem that
    every worker mounts at the same path; only small Outcome records travel back. With --jsonl
    the JSON text travels back instead and the client writes the stream, so only the inputs
    need to be shared. The client keeps _errors.jsonl, _summary.json and the progress.
    """
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise UsageError(
            "--engine dask needs dask.distributed: pip install 'baocao[dask]'"
        ) from exc
    if not scheduler:
        raise UsageError("--engine dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    try:
        client = Client(scheduler, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    pending: dict[str, Job] = {}
    running = as_completed()
    try:
        threads = max(1, sum(client.nthreads().values()))
        window = 2 * threads + 2
        exhausted = False
        while True:
            while not exhausted and running.count() < window:
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                else:
                    future = client.submit(dask_convert, job, limits, pure=False)
                    pending[future.key] = job
                    running.add(future)
            if running.is_empty():
                break
            future = next(running)
            job = pending.pop(future.key)
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection …
                yield _failed(job, "parse", f"dask: {type(exc).__name__}: {exc}", None)
            finally:
                future.release()
    finally:
        if pending:
            with contextlib.suppress(Exception):
                client.cancel(list(running.futures))
        client.close()


# ---------------------------------------------------------------- sinks


class JsonlSink:
    """`--jsonl FILE`: one document per line.

    Choice: FILE itself is only ever replaced by a rename, so it is always whole. A run appends
    whole lines (one write each, flushed) to `.FILE.partial` beside it; at the end, also after
    Ctrl-C, it writes FILE's up-to-date lines that this run did not redo plus the partial's
    lines to a temporary file, renames that over FILE and removes the partial. A run killed
    outright leaves the partial: the next run cuts a torn last line, keeps the whole lines as
    done work, and finishes the rest. Lines come in completion order; each input (by path) has
    one line. Memory holds one index entry (path, sha256, offset) per line, never a document.
    """

    def __init__(self, file: Path) -> None:
        self.file = file
        self.partial = file.parent / f".{file.name}.partial"
        file.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(file.parent / f".{file.name}.lock")
        _sweep_temps(file.parent, prefix=f".{file.name}.", recursive=False)
        _cut_torn_tail(self.partial)
        self.old = {h.path: h for h, _ in _index(self.file)}
        self.new: dict[str | None, tuple[Head, int]] = {}
        for head, offset in _index(self.partial):
            self.new[head.path] = (head, offset)
        self.handle = open(self.partial, "ab")  # noqa: SIM115 - closed in finish()

    def expect(self, path: str) -> tuple[str | None, str | None]:
        """sha256 and format of the line this input already has, if current."""
        head = self.new[path][0] if path in self.new else self.old.get(path)
        if head is None or not head.current:
            return None, None
        return head.sha256, head.format

    def write(self, outcome: Outcome) -> None:
        assert outcome.json is not None
        line = outcome.json.encode("utf-8") + b"\n"
        offset = self.handle.tell()
        self.handle.write(line)
        self.handle.flush()
        head = parse_head(outcome.json[:HEAD_BYTES])
        self.new[outcome.path] = (head, offset)

    def finish(self) -> None:
        self.handle.close()
        try:
            if self.new:
                write_chunks_atomic(self.file, self._merged())
            self.partial.unlink(missing_ok=True)
        finally:
            self._lock.close()

    def _merged(self) -> Iterator[bytes]:
        """FILE's whole lines not redone in this run, then the partial's last line per input."""
        if self.file.exists():
            with open(self.file, "rb") as old:
                for line in old:
                    if line.endswith(b"\n") and _line_head(line).path not in self.new:
                        yield line
        with open(self.partial, "rb") as partial:
            offset = 0
            for line in partial:
                entry = self.new.get(_line_head(line).path)
                if entry is not None and entry[1] == offset:
                    yield line
                offset += len(line)


def _line_head(line: bytes) -> Head:
    return parse_head(line[:HEAD_BYTES].decode("utf-8", errors="replace"))


def _index(path: Path) -> Iterator[tuple[Head, int]]:
    """(head, byte offset) of each whole line of a JSON Lines file."""
    if not path.exists():
        return
    offset = 0
    with open(path, "rb") as handle:
        for line in handle:
            if line.endswith(b"\n"):
                yield _line_head(line), offset
            offset += len(line)


def _cut_torn_tail(path: Path) -> None:
    """A killed run may have written part of its last line: cut back to the last newline."""
    if not path.exists():
        return
    with open(path, "r+b") as handle:
        end = handle.seek(0, os.SEEK_END)
        pos = end
        while pos > 0:
            step = min(pos, 1 << 16)
            handle.seek(pos - step)
            chunk = handle.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                pos = pos - step + newline + 1
                break
            pos -= step
        if pos != end:
            handle.truncate(pos)


def _lock(path: Path) -> IO[str]:
    handle = open(path, "a")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        raise UsageError(f"another baocao run is writing here ({path.parent})") from exc
    return handle


def _sweep_temps(folder: Path, prefix: str = ".", recursive: bool = True) -> int:
    """Remove temporary files that a killed run left (parser/writer.py's naming)."""
    removed = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames:
            if name.startswith(prefix) and TEMP_RE.match(name):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(dirpath, name))
                    removed += 1
        if not recursive:
            break
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
    return removed


# ---------------------------------------------------------------- progress and summary


class Tally:
    """Counts for _summary.json: files by format and outcome, entities by type, tasks."""

    def __init__(self) -> None:
        self.files: Counter[str] = Counter()
        self.by_format: dict[str, Counter[str]] = {}
        self.entities: Counter[str] = Counter()
        self.tasks = 0
        self.bytes_converted = 0
        self.cpu_s = 0.0
        self.worker_peak_kib: dict[tuple[str, int], int] = {}

    def add(self, outcome: Outcome) -> None:
        self.files[outcome.status] += 1
        self.cpu_s += outcome.cpu_s
        fmt = outcome.format or "unknown"
        self.by_format.setdefault(fmt, Counter())[outcome.status] += 1
        if outcome.status == "converted":
            self.entities.update(outcome.entities)
            self.tasks += outcome.tasks
            self.bytes_converted += outcome.size
        if outcome.worker is not None:
            known = self.worker_peak_kib.get(outcome.worker, 0)
            self.worker_peak_kib[outcome.worker] = max(known, outcome.peak_rss_kib)

    @property
    def done(self) -> int:
        return sum(self.files.values())


class Progress:
    """A bar (tqdm) when stderr is a terminal; otherwise a plain line every `interval` seconds.
    Failures are one line each either way: `baocao: PATH: reason`."""

    def __init__(self, mode: str, interval: float, stream: IO[str]) -> None:
        if mode == "auto":
            mode = "bar" if stream.isatty() else "log"
        if mode == "bar":
            try:
                from tqdm import tqdm
            except ImportError:  # a dependency, but a missing bar must not stop a batch
                mode = "log"
        self.mode = mode
        self.stream = stream
        self.interval = interval
        self.total: int | None = None
        self.started = time.monotonic()
        self.last_log = self.started
        self.bar: Any = None
        if mode == "bar":
            self.bar = tqdm(total=None, unit="file", desc="baocao", file=stream, dynamic_ncols=True)

    def set_total(self, total: int) -> None:
        self.total = total
        if self.bar is not None:
            self.bar.total = total
            self.bar.refresh()

    def failure(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def update(self, tally: Tally, advanced: int) -> None:
        if self.bar is not None:
            if advanced:
                self.bar.set_postfix_str(f"failed={tally.files['failed']}", refresh=False)
                self.bar.update(advanced)
            else:
                self.bar.refresh()
        elif self.mode == "log":
            now = time.monotonic()
            if now - self.last_log >= self.interval:
                self.last_log = now
                print(f"baocao: {self.line(tally)}", file=self.stream, flush=True)

    def line(self, tally: Tally) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        done = tally.done
        rate = done / elapsed
        of = f"/{self.total}" if self.total is not None else ""
        eta = ""
        if self.total is not None and rate > 0:
            eta = f", ETA {_duration(max(self.total - done, 0) / rate)}"
        return (
            f"{done}{of} files ({tally.files['converted']} converted, "
            f"{tally.files['skipped']} skipped, {tally.files['failed']} failed), "
            f"{rate:.1f} files/s{eta}"
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def summary(
    cfg: BatchConfig, tally: Tally, started: float, elapsed: float, interrupted: bool
) -> dict[str, Any]:
    """_summary.json. Entities and tasks count the documents converted in this run."""
    converted = tally.files["converted"]
    return {
        "tool": TOOL,
        "schema": SCHEMA_ID,
        "inputs": list(cfg.inputs),
        "output": str(cfg.out_dir),
        "jsonl": str(cfg.jsonl) if cfg.jsonl else None,
        "engine": cfg.engine,
        "workers": cfg.workers if cfg.engine == "local" else None,
        "limits": {"timeout_s": cfg.timeout, "max_memory_mib": cfg.max_memory_mib},
        "force": cfg.force,
        "interrupted": interrupted,
        "files": {
            "total": tally.done,
            "converted": converted,
            "skipped": tally.files["skipped"],
            "failed": tally.files["failed"],
        },
        "by_format": {
            fmt: {k: counts[k] for k in ("converted", "skipped", "failed")}
            for fmt, counts in sorted(tally.by_format.items())
        },
        "entities": dict(sorted(tally.entities.items())),
        "tasks": tally.tasks,
        "bytes_converted": tally.bytes_converted,
        "started": _iso(started),
        "finished": _iso(started + elapsed),
        "elapsed_s": round(elapsed, 3),
        "docs_per_s": round(converted / elapsed, 2) if elapsed > 0 else None,
        "mb_per_s": round(tally.bytes_converted / 1e6 / elapsed, 3) if elapsed > 0 else None,
        "worker_cpu_s": round(tally.cpu_s, 3),
        "memory": {
            "main_peak_mib": round(peak_rss_kib() / 1024, 1),
            "worker_peak_mib": round(max(tally.worker_peak_kib.values(), default=0) / 1024, 1),
            "workers_seen": len(tally.worker_peak_kib),
        },
    }


TIMING_FIELDS = (
    "started",
    "finished",
    "elapsed_s",
    "docs_per_s",
    "mb_per_s",
    "worker_cpu_s",
    "memory",
)


# ---------------------------------------------------------------- the run


def check_config(cfg: BatchConfig) -> None:
    """Usage errors, before anything is written."""
    if "-" in cfg.inputs:
        raise UsageError("'-' (standard input) cannot be used with -o or --jsonl")
    if cfg.workers < 1:
        raise UsageError("-j must be at least 1")
    if cfg.timeout is not None and cfg.timeout <= 0:
        raise UsageError("--timeout must be positive (0 on the command line: no limit)")
    if cfg.max_memory_mib is not None and cfg.max_memory_mib < MIN_MEMORY_MIB:
        raise UsageError(f"--max-memory must be at least {MIN_MEMORY_MIB} MiB (0: no limit)")
    if cfg.engine not in ("local", "dask"):
        raise UsageError(f"unknown engine: {cfg.engine}")
    if cfg.engine == "local" and cfg.scheduler:
        raise UsageError("--scheduler goes with --engine dask")
    if cfg.engine == "dask":
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise UsageError("--engine dask needs dask.distributed: pip install 'baocao[dask]'")
        if not cfg.scheduler:
            raise UsageError("--engine dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    out = os.path.realpath(cfg.out_dir)
    for item in cfg.inputs:
        if os.path.isdir(item) and os.path.realpath(item) == out:
            raise UsageError(f"OUT_DIR is the input folder {item}: choose another")


def run(
    cfg: BatchConfig,
    *,
    stderr: IO[str] | None = None,
    before_submit: Callable[[Job], None] | None = None,
) -> int:
    """Convert every input; return the exit status (0 all converted or up to date, 1 some
    failed, 2 usage error, 130 interrupted). `before_submit` is called in the main process with
    each job just before it goes to a worker (for tests and embedding)."""
    err = stderr if stderr is not None else sys.stderr
    lock: IO[str] | None = None
    sink: JsonlSink | None = None
    try:
        check_config(cfg)
        cfg.out_dir.mkdir(parents=True, exist_ok=True)
        lock = _lock(cfg.out_dir / LOCK_FILE)
        if cfg.jsonl is not None:
            sink = JsonlSink(cfg.jsonl)
        return _run_locked(cfg, sink, err, before_submit)
    except UsageError as exc:
        print(f"baocao: error: {exc}", file=err)
        return 2
    except OSError as exc:
        where = exc.filename or cfg.out_dir
        print(f"baocao: error: cannot write to {where}: {exc.strerror or exc}", file=err)
        return 2
    finally:
        if lock is not None:
            lock.close()


def _run_locked(
    cfg: BatchConfig,
    sink: JsonlSink | None,
    err: IO[str],
    before_submit: Callable[[Job], None] | None,
) -> int:
    started_wall, started = time.time(), time.monotonic()
    _sweep_temps(cfg.out_dir)
    prune = {_inode(cfg.out_dir)}
    if cfg.jsonl is not None and cfg.jsonl.exists():
        prune.add(_inode(cfg.jsonl))
    prune_set = frozenset(k for k in prune if k is not None)
    limits = Limits(cfg.timeout, cfg.max_memory_mib)
    tally = Tally()
    progress = Progress(cfg.progress, cfg.log_interval, err)
    errors = open(cfg.out_dir / ERRORS_FILE, "w", encoding="utf-8")  # noqa: SIM115
    seen_targets: set[str] | None = set() if len(cfg.inputs) > 1 and sink is None else None
    reserved = {SUMMARY_FILE, ERRORS_FILE}

    def record(outcome: Outcome) -> None:
        tally.add(outcome)
        if outcome.status == "failed":
            assert outcome.stage is not None and outcome.reason is not None
            append_error(
                errors,
                ErrorRecord(
                    path=outcome.path,
                    format=outcome.format,
                    stage=outcome.stage,  # type: ignore[arg-type]
                    reason=outcome.reason,
                ),
            )
            progress.failure(f"baocao: {outcome.path}: {outcome.reason}")
        elif outcome.json is not None and sink is not None:
            sink.write(outcome)
        progress.update(tally, 1)

    def jobs() -> Iterator[Job]:
        for found in discover(cfg.inputs, cfg.include, cfg.exclude, prune_set):
            if found.error is not None:
                record(_failed_found(found, found.error))
                continue
            relative = found.relative + ".json"
            if seen_targets is not None:
                if relative in seen_targets:
                    reason = f"output {relative} already written for another input of this run"
                    record(Outcome(found.path, "failed", stage="write", reason=reason))
                    continue
                seen_targets.add(relative)
            if sink is None and relative in reserved:
                reason = f"output name {relative} is reserved for the run's own report"
                record(Outcome(found.path, "failed", stage="write", reason=reason))
                continue
            expect_sha, expect_format = sink.expect(found.path) if sink else (None, None)
            job = Job(
                path=found.path,
                read_path=os.path.abspath(found.path),
                target=None if sink else os.path.abspath(cfg.out_dir / relative),
                expect_sha=expect_sha,
                expect_format=expect_format,
                check_existing=not cfg.force,
                pretty=cfg.pretty and sink is None,
            )
            if before_submit is not None:
                before_submit(job)
            yield job

    counter = threading.Thread(
        target=_count_inputs, args=(cfg, prune_set, progress), daemon=True, name="baocao-count"
    )
    counter.start()
    interrupted = False
    try:
        if cfg.engine == "dask":
            outcomes = _dask_outcomes(jobs(), cfg.scheduler, limits)
        else:
            outcomes = _local_outcomes(jobs(), cfg.workers, limits)
        try:
            for outcome in outcomes:
                if outcome is None:
                    progress.update(tally, 0)
                else:
                    record(outcome)
        finally:
            outcomes.close()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        errors.close()
        if sink is not None:
            sink.finish()
        elapsed = time.monotonic() - started
        counter.join(timeout=1.0)
        progress.close()
        write_atomic(
            cfg.out_dir / SUMMARY_FILE,
            json.dumps(
                summary(cfg, tally, started_wall, elapsed, interrupted),
                ensure_ascii=False,
                indent=2,
            )
            + "\n",
        )
    where = cfg.jsonl if cfg.jsonl is not None else cfg.out_dir
    files = tally.files
    print(
        f"baocao: {files['converted']} converted, {files['skipped']} skipped (up to date), "
        f"{files['failed']} failed in {elapsed:.1f} s "
        f"({files['converted'] / max(elapsed, 1e-9):.1f} docs/s) → {where}"
        + (" (interrupted)" if interrupted else ""),
        file=err,
        flush=True,
    )
    if interrupted:
        return 130
    return 1 if files["failed"] else 0


def _failed_found(found: Found, reason: str) -> Outcome:
    return Outcome(found.path, "failed", stage="read", reason=reason)


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _count_inputs(cfg: BatchConfig, prune: frozenset[tuple[int, int]], progress: Progress) -> None:
    """A second, cheap walk (stat only) that gives the progress display its total."""
    with contextlib.suppress(Exception):
        progress.set_total(sum(1 for _ in discover(cfg.inputs, cfg.include, cfg.exclude, prune)))


def _imported_by_forkserver() -> bool:
    """Whether this import is the forkserver's preload (multiprocessing.forkserver.main)."""
    tail = os.path.join("multiprocessing", "forkserver.py")
    frame = sys._getframe(1) if hasattr(sys, "_getframe") else None
    while frame is not None:
        if frame.f_code.co_name == "main" and frame.f_code.co_filename.endswith(tail):
            return True
        frame = frame.f_back
    return False


if _imported_by_forkserver():
    _warm_up()
