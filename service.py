"""HTTP service: `baocao serve`, the parser behind a small FastAPI app (OpenAPI at /openapi.json).

Endpoints:
    POST /v1/parse   one report as a multipart upload (field "file") or JSON {"text": "..."}
                     → the contract's document JSON, exactly as `Document.to_json()` writes it
    POST /v1/tasks   the same inputs → {"tasks": [...]} (the document's task list)
    GET  /v1/schema  the JSON Schema of the document (`baocao schema`)
    GET  /healthz    liveness and load; never needs the token
    GET  /openapi.json

Limits (a public-facing service):
- Upload size: a Content-Length beyond the limit is refused (413) before the body is read; the body
  is streamed to a temporary file and refused as soon as it passes the limit, so no more than the
  limit is ever held or written. JSON bodies have the same limit.
- Time: each request has a deadline (`timeout_s`) covering its queueing and parsing (504 when
  passed; 408 when the client has not finished sending its body by then). A worker process still
  parsing at the deadline is killed and replaced, so a runaway input cannot hold a worker.
- Parsing runs in `workers` worker processes, off the event loop: a slow file delays only itself.
- Admission: at most `workers + max_pending` requests are in progress (uploading, waiting for a
  worker, or parsing); beyond that, 503 with Retry-After, before the body is read.

Errors are RFC 7807 problem details (media type application/problem+json) with "type", "title",
"status", "detail"; never a stack trace. A file the readers refuse (unsupported format, binary junk,
undecodable text) is 422 with the reader's reason, plus "stage" and "format".

Files: the upload goes to a temporary file (created by us, named by us), removed after the request.
The client's file name is only a display name (sanitized; `source.path` in the result). No path
from a request is ever opened.

FastAPI and uvicorn are imported only when the service is built, so `baocao parse` does not pay
for them.
"""

import argparse
import contextlib
import hmac
import ipaddress
import json
import logging
import math
import os
import signal
import sys
import tempfile
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported for real only inside create_app (lazily)
    from fastapi import FastAPI
    from starlette.responses import Response

log = logging.getLogger("baocao.service")

TOKEN_ENV = "BAOCAO_TOKEN"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_UPLOAD_MB = 32.0
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_PENDING = 16
# Room for the multipart envelope (boundaries, part headers, small extra fields) around the file.
ENVELOPE_BYTES = 64 * 1024
MAX_DISPLAY_NAME = 255
PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:baocao:problem:"
OPEN_PATHS = frozenset({"/healthz"})


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


# --------------------------------------------------------------------------- worker side
# Everything the worker processes run lives at module level and imports only the parser, so a
# worker (started with "spawn") never imports FastAPI.


@dataclass(frozen=True)
class Job:
    """One parse, sent to a worker: a temporary file of ours, or text given directly."""

    what: str  # "document" or "tasks"
    path: str | None = None
    text: str | None = None
    display_name: str | None = None


def _worker_init() -> None:
    # The server handles SIGINT/SIGTERM; a worker must not die of a Ctrl-C sent to the group
    # while it still owes a result (the server kills it explicitly when needed).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from baocao.parser.pipeline import warm_up

    with contextlib.suppress(Exception):  # load lexicons, gazetteer and tagger before serving
        warm_up()


def run_job(job: Job) -> tuple[str, Any, Any, Any]:
    """("ok", json, None, None) or ("error", stage, format, reason): plain, picklable data."""
    from baocao.parser.errors import BaocaoError
    from baocao.parser.pipeline import parse_file, parse_text

    try:
        doc = parse_file(job.path) if job.path is not None else parse_text(job.text or "")
    except BaocaoError as exc:
        return ("error", exc.stage, exc.format, exc.reason)
    if job.path is not None:
        doc.source.path = job.display_name  # never the server's temporary path
    if job.what == "tasks":
        tasks = [task.model_dump(mode="json", by_alias=True) for task in doc.tasks]
        return (
            "ok",
            json.dumps({"tasks": tasks}, ensure_ascii=False, separators=(",", ":")),
            None,
            None,
        )
    return ("ok", doc.to_json(), None, None)


def _worker_pid() -> int:
    return os.getpid()


# --------------------------------------------------------------------------- server side


class Problem(Exception):
    """An error answer: becomes an RFC 7807 problem-details response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.headers = headers or {}
        self.extra = extra


class _WorkerTimeout(Exception):
    pass


class _WorkerDied(Exception):
    pass


class _Worker:
    """One single-process executor: its process can be killed without touching the others."""

    def __init__(self, ctx: Any) -> None:
        from concurrent.futures import ProcessPoolExecutor

        self.executor = ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_worker_init)
        self.pid: int | None = None

    async def start(self) -> "_Worker":
        import asyncio

        self.pid = await asyncio.wrap_future(self.executor.submit(_worker_pid))
        return self

    def kill(self) -> None:
        """Kill the process and whatever it started (a reader's LibreOffice or tesseract, even
        in a session of its own), so nothing of a runaway parse survives."""
        if self.pid is not None:
            for pid in [self.pid, *_descendants(self.pid)]:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        self.executor.shutdown(wait=False, cancel_futures=True)


def _descendants(pid: int) -> list[int]:
    """Processes below `pid`, from /proc (Linux); none where /proc is not available."""
    children: dict[int, list[int]] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


class WorkerPool:
    """N worker processes; a job waits for an idle one until its deadline.

    A job still running at its deadline has its process killed; a fresh process takes its place
    (in the background), so the pool keeps N processes and no runaway parse survives.
    """

    def __init__(self, workers: int) -> None:
        import asyncio
        import multiprocessing

        self.size = workers
        # "spawn": the server runs threads and an event loop, which fork does not copy safely.
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._replacing: set[asyncio.Task[None]] = set()
        self._closed = False
        self.busy = 0
        self.replaced = 0
        self.parse_seconds = 0.5  # running mean of a parse, for Retry-After

    @property
    def ready(self) -> int:
        """Idle worker processes, started and waiting for a job."""
        return self._idle.qsize()

    async def start(self) -> None:
        import asyncio

        workers = [_Worker(self._ctx) for _ in range(self.size)]
        self._all.update(workers)
        for worker in await asyncio.gather(*(w.start() for w in workers)):
            self._idle.put_nowait(worker)

    async def run(self, job: Job, deadline: float) -> tuple[str, Any, Any, Any]:
        import asyncio
        from concurrent.futures.process import BrokenProcessPool

        loop = asyncio.get_running_loop()
        try:
            worker = await asyncio.wait_for(self._idle.get(), max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise _WorkerTimeout from None
        self.busy += 1
        started = loop.time()
        future = worker.executor.submit(run_job, job)
        try:
            result = await asyncio.wait_for(
                asyncio.wrap_future(future), max(0.0, deadline - loop.time())
            )
        except asyncio.TimeoutError:
            self._replace(worker)
            raise _WorkerTimeout from None
        except BrokenProcessPool:
            self._replace(worker)
            raise _WorkerDied from None
        except BaseException:  # cancelled (shutdown, client gone): do not leave it running
            self._replace(worker)
            raise
        finally:
            self.busy -= 1
        self.parse_seconds = 0.8 * self.parse_seconds + 0.2 * (loop.time() - started)
        self._idle.put_nowait(worker)
        return result

    def _replace(self, worker: _Worker) -> None:
        import asyncio

        worker.kill()
        self._all.discard(worker)
        self.replaced += 1
        if not self._closed:
            task = asyncio.get_running_loop().create_task(self._spawn_replacement())
            self._replacing.add(task)
            task.add_done_callback(self._replacing.discard)

    async def _spawn_replacement(self) -> None:
        import asyncio

        delay = 0.5
        while not self._closed:
            worker = _Worker(self._ctx)
            self._all.add(worker)
            try:
                await worker.start()
            except Exception:
                log.exception("could not start a worker process; retrying in %.1f s", delay)
                self._all.discard(worker)
                worker.kill()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if self._closed:
                worker.kill()
            else:
                self._idle.put_nowait(worker)
            return

    async def close(self) -> None:
        import asyncio

        self._closed = True
        for task in list(self._replacing):
            task.cancel()
        idle: list[_Worker] = []
        while not self._idle.empty():
            idle.append(self._idle.get_nowait())
        for worker in list(self._all):
            if worker in idle:
                await asyncio.to_thread(worker.executor.shutdown, wait=True, cancel_futures=True)
            else:
                worker.kill()
        self._all.clear()


def sanitize_display_name(raw: str | None) -> str | None:
    """The client's file name, fit to show (never to open): last path component, NFC, no control
    or format characters (bidi overrides included), at most 255 characters."""
    if not raw:
        return None
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    name = name.strip()[:MAX_DISPLAY_NAME]
    return None if name in ("", ".", "..") else name


def _header_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


class _UploadSink:
    """Streams one multipart body: the part named "file" goes to our temporary file."""

    def __init__(self, handle: Any, limit: int) -> None:
        self.handle = handle
        self.limit = limit
        self.size = 0
        self.files = 0
        self.filename: str | None = None
        self._header_name = b""
        self._header_value = b""
        self._disposition: bytes | None = None
        self._in_file = False
        self.pending: list[bytes] = []
        self.complete = False  # the closing boundary was seen

    def on_part_begin(self) -> None:
        self._disposition = None
        self._in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        if len(self._header_value) > 8192:
            raise Problem(400, "a multipart header is too long", kind="malformed-body")

    def on_header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, options = parse_options_header(self._disposition)
        if options.get(b"name") != b"file":
            return  # other fields are ignored (not stored)
        self.files += 1
        if self.files > 1:
            raise Problem(422, 'send exactly one part named "file"', kind="invalid-request")
        self._in_file = True
        if b"filename" in options:
            self.filename = _header_text(options[b"filename"])

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._in_file:
            return
        self.size += end - start
        if self.size > self.limit:
            raise Problem(413, _too_large(self.limit), kind="upload-too-large")
        self.pending.append(data[start:end])

    def on_end(self) -> None:
        self.complete = True

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_end": self.on_end,
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
        }


def _too_large(limit: int) -> str:
    return f"the upload is larger than the limit of {limit / 1048576:g} MiB"


def _problem_body(
    status: int, detail: str, kind: str | None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind if kind else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body.update(extra or {})
    return body


def _problem_response(
    status: int,
    detail: str,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> "Response":
    from starlette.responses import JSONResponse

    return JSONResponse(
        _problem_body(status, detail, kind, extra),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def _token_matches(header: bytes | None, expected: bytes) -> bool:
    if not header:
        return False
    scheme, _, credentials = header.strip().partition(b" ")
    if scheme.lower() != b"bearer":
        return False
    return hmac.compare_digest(credentials.strip(), expected)


class _BearerAuth:
    """Pure ASGI middleware: every HTTP request but OPEN_PATHS needs `Authorization: Bearer`."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = token.encode("utf-8")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            root = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            header = next((v for k, v in scope["headers"] if k == b"authorization"), None)
            if path not in OPEN_PATHS and not _token_matches(header, self.expected):
                response = _problem_response(
                    401,
                    "missing or wrong bearer token (send `Authorization: Bearer <token>`)",
                    "unauthorized",
                    headers={"WWW-Authenticate": 'Bearer realm="baocao"'},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


_PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 7807 problem details",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "urn:baocao:problem:<kind> or about:blank"},
        "title": {"type": "string", "description": "The HTTP status phrase"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for a person"},
        "stage": {"type": "string", "description": "For unreadable files: read, decode, parse"},
        "format": {"type": ["string", "null"], "description": "For unreadable files: the format"},
    },
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    notes = {
        400: "Malformed body (JSON or multipart syntax)",
        401: "Missing or wrong bearer token (when the service has one)",
        408: "The request body did not arrive within the time limit",
        413: "Upload (or JSON body) larger than the limit",
        415: "Body is neither multipart/form-data nor application/json",
        422: "Invalid request, or a file the readers refuse (the reader's reason in `detail`)",
        500: "Internal error (logged; no details are sent)",
        503: "Too many requests in progress; see Retry-After",
        504: "Parsing did not finish within the time limit",
    }
    return {
        s: {"description": notes[s], "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}}
        for s in statuses
    }


_TEXT_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["text"],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string", "minLength": 1, "description": "The report's text"},
    },
}
_UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "The report file (txt, docx, ...; recognized by content, not name)",
        }
    },
}
_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": _UPLOAD_SCHEMA},
            "application/json": {"schema": _TEXT_INPUT_SCHEMA},
        },
    }
}


def create_app(
    *,
    token: str | None,
    max_upload_bytes: int,
    timeout_s: float,
    workers: int,
    max_pending: int,
) -> "FastAPI":
    """The service as an ASGI app. Worker processes start with the app's lifespan."""
    import asyncio

    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.openapi.utils import get_openapi
    from pydantic import BaseModel, ConfigDict, Field, ValidationError
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.requests import ClientDisconnect
    from starlette.responses import Response

    from baocao import __version__
    from baocao.models.schema import Document, Task, document_json_schema

    if workers < 1 or max_pending < 0 or max_upload_bytes < 1 or timeout_s <= 0:
        raise ValueError("workers ≥ 1, max_pending ≥ 0, max_upload_bytes ≥ 1, timeout_s > 0")

    class TextInput(BaseModel):
        model_config = ConfigDict(extra="forbid")
        text: str = Field(min_length=1)

    class TaskList(BaseModel):
        tasks: list[Task]

    class Health(BaseModel):
        status: str
        version: str
        workers: int = Field(description="Worker processes configured")
        ready: int = Field(description="Worker processes idle and ready")
        busy: int = Field(description="Worker processes parsing now")
        in_progress: int = Field(description="Requests admitted (uploading, waiting or parsing)")
        capacity: int = Field(description="Requests admitted at most before 503")

    capacity = workers + max_pending
    body_limit = max_upload_bytes + ENVELOPE_BYTES
    state: dict[str, Any] = {"pool": None, "in_progress": 0}

    @contextlib.asynccontextmanager
    async def lifespan(_app: "FastAPI") -> AsyncIterator[None]:
        pool = WorkerPool(workers)
        await pool.start()
        state["pool"] = pool
        try:
            yield
        finally:
            state["pool"] = None
            await pool.close()

    app = FastAPI(
        title="baocao",
        version=__version__,
        description="Vietnamese administrative reports → normalized, structured JSON. "
        "Errors are RFC 7807 problem details (application/problem+json).",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )

    # ---- errors: always problem details, never a stack trace
    @app.exception_handler(Problem)
    async def _on_problem(_request: Request, exc: Problem) -> Response:
        return _problem_response(exc.status, exc.detail, exc.kind, exc.headers, exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(_request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return _problem_response(exc.status_code, detail, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _on_validation(_request: Request, exc: RequestValidationError) -> Response:
        return _problem_response(422, _validation_detail(exc.errors()), "invalid-request")

    @app.exception_handler(Exception)
    async def _on_unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return _problem_response(500, "internal error; it has been logged", "internal-error")

    if token:
        app.add_middleware(_BearerAuth, token=token)

    # ---- request handling
    def _retry_after() -> str:
        pool: WorkerPool | None = state["pool"]
        mean = pool.parse_seconds if pool else 1.0
        estimate = mean * max(1, state["in_progress"]) / workers
        return str(max(1, min(math.ceil(timeout_s), math.ceil(estimate))))

    async def _read_capped(request: Request, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in _stream(request, deadline):
            size += len(chunk)
            if size > body_limit:
                raise Problem(413, _too_large(max_upload_bytes), kind="upload-too-large")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _stream(request: Request, deadline: float) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        stream = request.stream().__aiter__()
        while True:
            remaining = deadline - loop.time()
            try:
                chunk = await asyncio.wait_for(stream.__anext__(), max(0.0, remaining))
            except StopAsyncIteration:
                return
            except asyncio.TimeoutError:
                raise Problem(
                    408, "the request body did not arrive within the time limit", kind="timeout"
                ) from None
            except ClientDisconnect:
                raise Problem(400, "the client went away before the body was sent") from None
            if chunk:
                yield chunk

    async def _job_from_upload(
        request: Request, what: str, deadline: float, tmp_paths: list[str]
    ) -> Job:
        from python_multipart.exceptions import MultipartParseError
        from python_multipart.multipart import MultipartParser, parse_options_header

        _, params = parse_options_header(request.headers.get("content-type"))
        boundary = params.get(b"boundary")
        if not boundary:
            raise Problem(400, "multipart body without a boundary", kind="malformed-body")
        fd, tmp_path = tempfile.mkstemp(prefix="baocao-upload-")
        tmp_paths.append(tmp_path)
        with os.fdopen(fd, "wb") as handle:
            sink = _UploadSink(handle, max_upload_bytes)
            try:
                parser = MultipartParser(boundary, sink.callbacks())
            except ValueError as exc:
                raise Problem(
                    400, f"bad multipart boundary: {exc}", kind="malformed-body"
                ) from None
            received = 0
            async for chunk in _stream(request, deadline):
                received += len(chunk)
                if received > body_limit:
                    raise Problem(413, _too_large(max_upload_bytes), kind="upload-too-large")
                try:
                    parser.write(chunk)
                except MultipartParseError as exc:
                    raise Problem(
                        400, f"malformed multipart body: {exc}", kind="malformed-body"
                    ) from None
                if sink.pending:
                    data, sink.pending = b"".join(sink.pending), []
                    await run_in_threadpool(handle.write, data)
            try:
                parser.finalize()
            except MultipartParseError as exc:
                raise Problem(
                    400, f"malformed multipart body: {exc}", kind="malformed-body"
                ) from None
        if not sink.complete:
            raise Problem(
                400, "truncated multipart body (no closing boundary)", kind="malformed-body"
            )
        if sink.files == 0:
            raise Problem(422, 'no part named "file" in the upload', kind="invalid-request")
        return Job(what=what, path=tmp_path, display_name=sanitize_display_name(sink.filename))

    async def _job_from_json(request: Request, what: str, deadline: float) -> Job:
        body = await _read_capped(request, deadline)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Problem(400, f"malformed JSON body: {exc}", kind="malformed-body") from None
        try:
            text_input = TextInput.model_validate(data)
        except ValidationError as exc:
            raise Problem(422, _validation_detail(exc.errors()), kind="invalid-request") from None
        if len(text_input.text.encode("utf-8", "surrogatepass")) > max_upload_bytes:
            raise Problem(413, _too_large(max_upload_bytes), kind="upload-too-large")
        return Job(what=what, text=text_input.text)

    async def _handle(request: Request, what: str) -> Response:
        pool: WorkerPool | None = state["pool"]
        if pool is None:
            raise Problem(
                503,
                "the service is starting or stopping",
                kind="unavailable",
                headers={"Retry-After": "1"},
            )
        length = request.headers.get("content-length")
        if length is not None and length.strip().isdigit() and int(length) > body_limit:
            raise Problem(413, _too_large(max_upload_bytes), kind="upload-too-large")
        if state["in_progress"] >= capacity:
            raise Problem(
                503,
                f"busy: {state['in_progress']} requests in progress; try again later",
                kind="busy",
                headers={"Retry-After": _retry_after()},
            )
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type == "multipart/form-data":
            reader = "upload"
        elif media_type == "application/json" or media_type.endswith("+json"):
            reader = "json"
        else:
            raise Problem(
                415,
                'send multipart/form-data with a part named "file", or application/json '
                '{"text": "..."}',
                kind="unsupported-media-type",
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        state["in_progress"] += 1
        tmp_paths: list[str] = []
        try:
            if reader == "upload":
                job = await _job_from_upload(request, what, deadline, tmp_paths)
            else:
                job = await _job_from_json(request, what, deadline)
            try:
                outcome = await pool.run(job, deadline)
            except _WorkerTimeout:
                raise Problem(
                    504,
                    f"parsing did not finish within the time limit of {timeout_s:g} s",
                    kind="timeout",
                ) from None
            except _WorkerDied:
                log.error("a worker process died while parsing (display name %r)", job.display_name)
                raise Problem(
                    500,
                    "the parser process died on this input; it has been logged",
                    kind="internal-error",
                ) from None
        finally:
            state["in_progress"] -= 1
            for path in tmp_paths:
                with contextlib.suppress(OSError):
                    os.unlink(path)
        status, first, fmt, reason = outcome
        if status == "ok":
            return Response(first, media_type="application/json")
        if first == "parse":  # our bug, not the file's fault
            log.error("internal parser error: %s", reason)
            raise Problem(
                500, "the parser failed on this input; it has been logged", kind="internal-error"
            )
        raise Problem(422, reason, kind="unreadable-file", stage=first, format=fmt)

    errors_for_post = _problem_responses(400, 401, 408, 413, 415, 422, 500, 503, 504)

    @app.post(
        "/v1/parse",
        summary="Parse one report",
        description='A multipart upload (one part named `file`) or JSON `{"text": ...}` → the '
        "contract's document JSON (see `/v1/schema`).",
        response_model=None,
        responses={200: {"model": Document, "description": "The document"}, **errors_for_post},
        openapi_extra=_REQUEST_BODY,
    )
    async def parse_endpoint(request: Request) -> Response:
        return await _handle(request, "document")

    @app.post(
        "/v1/tasks",
        summary="The task list of one report",
        description='Same inputs as `/v1/parse` → `{"tasks": [...]}`, the document\'s tasks.',
        response_model=None,
        responses={200: {"model": TaskList, "description": "The tasks"}, **errors_for_post},
        openapi_extra=_REQUEST_BODY,
    )
    async def tasks_endpoint(request: Request) -> Response:
        return await _handle(request, "tasks")

    schema_text = json.dumps(document_json_schema(), ensure_ascii=False)

    @app.get(
        "/v1/schema",
        summary="The JSON Schema of the document",
        response_model=None,
        responses={
            200: {
                "description": "JSON Schema (draft 2020-12)",
                "content": {"application/schema+json": {"schema": {"type": "object"}}},
            },
            **_problem_responses(401),
        },
    )
    async def schema_endpoint() -> Response:
        return Response(schema_text, media_type="application/schema+json")

    @app.get("/healthz", summary="Liveness and load", response_model=Health)
    async def healthz() -> Health:
        pool: WorkerPool | None = state["pool"]
        return Health(
            status="ok" if pool else "starting",
            version=__version__,
            workers=workers,
            ready=pool.ready if pool else 0,
            busy=pool.busy if pool else 0,
            in_progress=state["in_progress"],
            capacity=capacity,
        )

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = spec.setdefault("components", {})
            components.setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
            if token:
                components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
                for path, operations in spec["paths"].items():
                    if path not in OPEN_PATHS:
                        for operation in operations.values():
                            operation["security"] = [{"bearer": []}]
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    return app


def _validation_detail(errors: Any) -> str:
    parts = []
    for error in list(errors)[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


# --------------------------------------------------------------------------- running it


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int | None = None,
    token: str | None = None,
    *,
    max_upload_bytes: int = int(DEFAULT_MAX_UPLOAD_MB * 1048576),
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_pending: int = DEFAULT_MAX_PENDING,
    log_level: str = "info",
) -> None:
    """Run the service with uvicorn until interrupted (SIGINT/SIGTERM: graceful shutdown)."""
    import uvicorn

    app = create_app(
        token=token,
        max_upload_bytes=max_upload_bytes,
        timeout_s=timeout_s,
        workers=workers or default_workers(),
        max_pending=max_pending,
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        # A graceful stop waits for requests in progress, which end by their deadline anyway.
        timeout_graceful_shutdown=max(5, math.ceil(timeout_s) + 5),
    )


def add_serve_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register `baocao serve` on the CLI's subparsers (cli.py calls this)."""
    cmd = subparsers.add_parser(
        "serve",
        help="run the HTTP API (FastAPI + uvicorn)",
        description="Serve the parser over HTTP: POST /v1/parse, POST /v1/tasks, GET /v1/schema, "
        "GET /healthz, GET /openapi.json. Errors are RFC 7807 problem details.",
        epilog="examples:\n"
        "  baocao serve                                  127.0.0.1:8000\n"
        "  BAOCAO_TOKEN=s3cret baocao serve --host 0.0.0.0 --workers 4\n"
        "  curl -F file=@report.txt http://127.0.0.1:8000/v1/parse\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    cmd.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s)")
    cmd.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"parser processes (default min(4, CPUs) = {default_workers()})",
    )
    cmd.add_argument(
        "--token",
        default=None,
        metavar="T",
        help=f"require `Authorization: Bearer T` (default: ${TOKEN_ENV}; prefer the variable, "
        "a command line is visible to other users)",
    )
    cmd.add_argument(
        "--max-upload-mb",
        type=_positive_float,
        default=DEFAULT_MAX_UPLOAD_MB,
        metavar="N",
        help="largest upload in MiB (default %(default)g)",
    )
    cmd.add_argument(
        "--timeout",
        type=_positive_float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help="time limit per request in seconds (default %(default)g)",
    )
    cmd.add_argument(
        "--max-pending",
        type=_non_negative_int,
        default=DEFAULT_MAX_PENDING,
        metavar="N",
        help="requests that may wait for a worker before 503 (default %(default)s)",
    )
    return cmd


def run_serve(args: argparse.Namespace) -> int:
    """`baocao serve`: returns the exit status (0 after a clean stop, 2 for a usage error)."""
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV)
    token = token or None
    if not 0 <= args.port <= 65535:
        print(f"baocao: error: --port {args.port}: not a port number", file=sys.stderr)
        return 2
    try:
        import fastapi  # noqa: F401
        import python_multipart  # noqa: F401
        import uvicorn  # noqa: F401
    except ModuleNotFoundError as exc:
        print(
            f"baocao: error: `baocao serve` needs {exc.name} (pip install fastapi uvicorn "
            "python-multipart)",
            file=sys.stderr,
        )
        return 2
    if token is None and not _is_loopback(args.host):
        print(
            f"baocao: warning: serving on {args.host} without a token (set {TOKEN_ENV})",
            file=sys.stderr,
        )
    try:
        serve(
            args.host,
            args.port,
            args.workers,
            token,
            max_upload_bytes=int(args.max_upload_mb * 1048576),
            timeout_s=args.timeout,
            max_pending=args.max_pending,
        )
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"baocao: error: cannot serve: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value}: must be at least 1")
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value}: must be 0 or more")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0 or math.isinf(number):
        raise argparse.ArgumentTypeError(f"{value}: must be a positive number")
    return number


def main(argv: list[str] | None = None) -> int:
    """`python -m baocao.service ...`: the same options as `baocao serve`."""
    parser = argparse.ArgumentParser(prog="baocao-service")
    add_serve_command(parser.add_subparsers(dest="command", required=True))
    return run_serve(parser.parse_args(["serve", *(argv if argv is not None else sys.argv[1:])]))


if __name__ == "__main__":
    sys.exit(main())
