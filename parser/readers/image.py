"""Image reader: png, jpg and tiff scans, every frame of a multi-page tiff a page, all by OCR.

The same path as a scanned PDF page (`ocr.py`, then the PDF reader's layout and paragraph
stages), so a scan gives the same blocks whether it arrived as a PDF or as images.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from baocao.parser.blocks import RawDocument
from baocao.parser.errors import BaocaoError
from baocao.parser.readers import ocr
from baocao.parser.readers.pdf import (
    MAX_OCR_PAGES,
    MAX_PAGES,
    OCR_WORKERS,
    PageLines,
    assemble_blocks,
    ocr_page_lines,
)

MAX_PIXELS = 200_000_000  # per frame: an A0 sheet at 300 dpi is 140 MP; beyond is a bomb
A4_LONG_SIDE_IN = 11.69
MIN_OCR_DPI = 250  # tesseract reads best with capitals 20-30 px high: scale smaller scans up


def read(data: bytes, *, path: str | None, sha256: str) -> RawDocument:
    try:
        return _read(data, path=path, sha256=sha256)
    except BaocaoError as exc:
        exc.path = exc.path or path
        exc.format = exc.format or "image"
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise BaocaoError(f"not a readable image: {exc}", path=path, fmt="image") from exc
    except Image.DecompressionBombError as exc:
        raise BaocaoError(f"image too large: {exc}", path=path, fmt="image") from exc
    except MemoryError as exc:
        raise BaocaoError("out of memory while reading the image", path=path, fmt="image") from exc
    except Exception as exc:  # a broken file must give its reason, never a traceback
        raise BaocaoError(
            f"not a readable image: {type(exc).__name__}: {exc}", path=path, fmt="image"
        ) from exc


def _read(data: bytes, *, path: str | None, sha256: str) -> RawDocument:
    with Image.open(io.BytesIO(data)) as image:
        frames = getattr(image, "n_frames", 1)
        if frames > MAX_PAGES:
            raise BaocaoError(f"too many pages: {frames}, the limit is {MAX_PAGES}")
        ocr.check_tesseract()
        pages = _ocr_frames(image, frames)
    warnings = []
    if frames > MAX_OCR_PAGES:
        warnings.append(
            f"{frames - MAX_OCR_PAGES} page(s) not OCRed: the cap is {MAX_OCR_PAGES} OCR pages"
        )
    if not any(p.lines for p in pages):
        warnings.append("no text found on any page")
    return RawDocument(
        blocks=assemble_blocks(pages),
        format="image",
        sha256=sha256,
        path=path,
        pages=frames,
        ocr=any(p.detail.method == "ocr" for p in pages),
        page_details=[p.detail for p in pages],
        warnings=warnings,
    )


def _ocr_frames(image: Image.Image, frames: int) -> list[PageLines]:
    """OCR every frame, a few at a time in parallel (tesseract runs as its own process)."""
    pages: list[PageLines] = []
    pending: list[tuple[int, Future[ocr.OcrPage]]] = []
    with ThreadPoolExecutor(max_workers=OCR_WORKERS) as pool:
        for number, (frame, dpi) in enumerate(_frames(image), start=1):
            if number > MAX_OCR_PAGES:
                break
            pending.append((number, pool.submit(ocr.ocr_image, frame, dpi)))
            while len(pending) > 2 * OCR_WORKERS:  # memory: a few frames in flight
                pages.append(_page(*pending.pop(0)))
        pages += [_page(number, future) for number, future in pending]
    return pages


def _page(number: int, future: Future[ocr.OcrPage]) -> PageLines:
    return ocr_page_lines(future.result(), number, "an image")


def _frames(image: Image.Image) -> Iterator[tuple[Image.Image, float]]:
    """Each frame in grayscale, upright (EXIF orientation), at a resolution tesseract likes."""
    for frame in ImageSequence.Iterator(image):
        width, height = frame.size
        if width * height > MAX_PIXELS:
            raise BaocaoError(f"image too large: {width}×{height} pixels in one page")
        upright = ImageOps.exif_transpose(frame).convert("L")
        dpi = _resolution(frame)
        if dpi < MIN_OCR_DPI:
            scale = ocr.OCR_DPI / dpi
            size = (round(upright.width * scale), round(upright.height * scale))
            upright = upright.resize(size, Image.LANCZOS)
            dpi = ocr.OCR_DPI
        yield upright, dpi


def _resolution(frame: Image.Image) -> float:
    """The scan's resolution: as recorded, or as if the image were an A4 page."""
    recorded = frame.info.get("dpi")
    if recorded and 72 < float(recorded[0]) <= 1200:
        return float(recorded[0])
    return max(frame.size) / A4_LONG_SIDE_IN
