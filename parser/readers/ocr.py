"""OCR: a page image → words with their boxes and tesseract's confidence, in the Vietnamese model.

The path a scanned page takes: rendered at 300 dpi (pypdfium2), cleaned up lightly (grayscale,
deskew by a projection-profile search over small angles, Otsu threshold, 3×3 median against
scanner speckle), then read by tesseract `-l vie` with page segmentation for full pages. The
Vietnamese model alone: vie+eng is less accurate on Vietnamese reports (readers issue).
A page with no ink (the back of a scanned sheet) skips tesseract.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from baocao.parser.errors import BaocaoError

OCR_DPI = 300
LANG = "vie"
# psm 3: automatic page segmentation, for full pages with a two-column header and a signature
# block. Inverted-text detection is off: administrative pages are dark on light and never need
# that extra pass over doubtful words.
TESSERACT_CONFIG = "--psm 3 -c tessedit_do_invert=0"
PAGE_TIMEOUT_S = 120
MISSING_TESSERACT = (
    "OCR needs tesseract with the Vietnamese model: apt-get install tesseract-ocr tesseract-ocr-vie"
)
MAX_SKEW_DEG = 5.0

# Tesseract's own OpenMP threads cost more than they give (3.0 s against 7.6 s of wall time per
# page on two cores, measured); pages are OCRed in parallel instead, one thread each.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@dataclass
class OcrWord:
    """One word tesseract read, its box in points (1/72 inch) from the page's top left."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    conf: float
    line_key: tuple[int, int, int]  # tesseract's (block, paragraph, line)


@dataclass
class OcrPage:
    words: list[OcrWord] = field(default_factory=list)
    width: float = 0.0  # points
    height: float = 0.0
    skew_deg: float = 0.0
    blank: bool = False  # no ink to read: tesseract was not run

    @property
    def confidence(self) -> float | None:
        """Mean word confidence, 0-100, over the words tesseract scored."""
        scores = [w.conf for w in self.words if w.conf >= 0]
        return round(sum(scores) / len(scores), 1) if scores else None

    @property
    def lines(self) -> list[str]:
        """The words grouped by tesseract's lines, top to bottom."""
        grouped: dict[tuple[int, int, int], list[str]] = {}
        for w in self.words:
            grouped.setdefault(w.line_key, []).append(w.text)
        return [" ".join(words) for words in grouped.values()]


@lru_cache(maxsize=1)
def check_tesseract() -> None:
    """Raise a clear error, once, when tesseract or its Vietnamese model is missing."""
    import pytesseract

    try:
        languages = pytesseract.get_languages()
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError) as exc:
        raise BaocaoError(MISSING_TESSERACT) from exc
    if LANG not in languages:
        raise BaocaoError(MISSING_TESSERACT)


def render_pdf_page(page: pdfium.PdfPage, dpi: int = OCR_DPI) -> Image.Image:
    """A PDF page as a grayscale image at `dpi`, form fields and annotations drawn."""
    bitmap = page.render(scale=dpi / 72, grayscale=True, may_draw_forms=True)
    try:
        return bitmap.to_pil().convert("L")
    finally:
        bitmap.close()


def ocr_image(image: Image.Image, dpi: float = OCR_DPI) -> OcrPage:
    """Clean up `image` (any mode) and read it; boxes come back in points."""
    check_tesseract()
    to_pt = 72.0 / dpi
    cleaned, angle = clean_up(image)
    if cleaned is None:  # no ink: the back of a scanned sheet
        return OcrPage(width=image.width * to_pt, height=image.height * to_pt, blank=True)
    page = run_tesseract(cleaned, dpi)
    page.skew_deg = angle
    return page


def clean_up(image: Image.Image) -> tuple[Image.Image | None, float]:
    """Grayscale, deskew, Otsu threshold, 3×3 median. Returns the image (None for a blank
    page) and the skew it fixed.

    The median filter runs on the thresholded image, where it is a majority vote of the 3×3
    neighbourhood: the same speckle removal as a gray-level median, several times faster.
    """
    gray = image.convert("L")
    if is_blank(gray):
        return None, 0.0
    angle = estimate_skew(gray)
    if abs(angle) >= 0.1:
        gray = gray.rotate(angle, resample=Image.BILINEAR, expand=False, fillcolor=255)
    threshold = otsu_threshold(gray)
    ink = np.asarray(gray) <= threshold
    # A 1-bit image (paper True): tesseract gets the same pixels from a smaller file.
    return Image.fromarray(~majority_3x3(ink)), angle


def is_blank(gray: Image.Image, min_contrast: float = 30, min_ink: float = 0.001) -> bool:
    """No ink to read: the page's two gray classes are both paper (noise, a faint texture), or
    the dark one covers almost nothing. Borders are left out, where scanners leave dark edges."""
    width, height = gray.size
    inner = gray.crop((width // 20, height // 20, width - width // 20, height - height // 20))
    threshold = otsu_threshold(inner)
    hist = np.asarray(inner.histogram(), dtype=np.float64)
    levels = np.arange(256)
    dark, light = hist[: threshold + 1], hist[threshold + 1 :]
    if dark.sum() == 0 or light.sum() == 0:
        return True
    contrast = (light * levels[threshold + 1 :]).sum() / light.sum() - (
        dark * levels[: threshold + 1]
    ).sum() / dark.sum()
    return bool(contrast < min_contrast or dark.sum() / hist.sum() < min_ink)


def majority_3x3(mask: np.ndarray) -> np.ndarray:
    """The median filter of a binary image: a pixel is set when 5 of its 3×3 neighbours are."""
    padded = np.pad(mask.astype(np.uint8), 1)
    height, width = mask.shape
    votes = np.zeros((height, width), dtype=np.uint8)
    for dy in range(3):
        for dx in range(3):
            votes += padded[dy : dy + height, dx : dx + width]
    return votes >= 5


def otsu_threshold(gray: Image.Image) -> int:
    """The gray level that best separates ink from paper (Otsu's between-class variance)."""
    hist = np.asarray(gray.convert("L").histogram(), dtype=np.float64)
    total = hist.sum()
    if total == 0:
        return 127
    levels = np.arange(256)
    weight_dark = np.cumsum(hist)
    weight_light = total - weight_dark
    sum_dark = np.cumsum(hist * levels)
    mean_dark = np.divide(sum_dark, weight_dark, out=np.zeros(256), where=weight_dark > 0)
    mean_light = np.divide(
        sum_dark[-1] - sum_dark, weight_light, out=np.zeros(256), where=weight_light > 0
    )
    between = weight_dark * weight_light * (mean_dark - mean_light) ** 2
    return int(np.argmax(between))


def estimate_skew(gray: Image.Image, max_deg: float = MAX_SKEW_DEG) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines horizontal.

    Projection-profile search: rotated to the right angle, ink gathers into sharp horizontal
    bands, so the row sums change most abruptly from row to row. Coarse then fine steps, on a
    reduced image (the answer is an angle, not a pixel, so 800 px of width is enough).
    """
    scale = min(1.0, 800 / max(gray.width, 1))
    small = gray.resize((max(1, int(gray.width * scale)), max(1, int(gray.height * scale))))
    threshold = otsu_threshold(small)
    ink = small.point(lambda v: 255 if v <= threshold else 0)
    if not np.asarray(ink).any():
        return 0.0
    best = _best_angle(ink, np.arange(-max_deg, max_deg + 1e-9, 0.5))
    return _best_angle(ink, np.arange(best - 0.5, best + 0.5 + 1e-9, 0.1))


def _best_angle(ink: Image.Image, angles: np.ndarray) -> float:
    def sharpness(angle: float) -> float:
        rows = np.asarray(ink.rotate(float(angle), resample=Image.NEAREST)).sum(axis=1, dtype=float)
        return float(np.square(np.diff(rows)).sum())

    scores = [sharpness(a) for a in angles]
    return round(float(angles[int(np.argmax(scores))]), 2)


def run_tesseract(image: Image.Image, dpi: float) -> OcrPage:
    """Tesseract on a prepared image: words with boxes (points) and confidences."""
    import pytesseract

    try:
        data = pytesseract.image_to_data(
            image,
            lang=LANG,
            config=f"{TESSERACT_CONFIG} --dpi {int(dpi)}",
            output_type=pytesseract.Output.DICT,
            timeout=PAGE_TIMEOUT_S,
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise BaocaoError(MISSING_TESSERACT) from exc
    except pytesseract.TesseractError as exc:
        if "language" in str(exc).lower():
            raise BaocaoError(MISSING_TESSERACT) from exc
        raise BaocaoError(f"OCR failed: tesseract: {exc.message}") from exc
    except RuntimeError as exc:  # pytesseract's timeout
        raise BaocaoError(f"OCR failed: {exc} after {PAGE_TIMEOUT_S} s") from exc
    to_pt = 72.0 / dpi
    page = OcrPage(width=image.width * to_pt, height=image.height * to_pt)
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text:
            continue
        left, top = data["left"][i], data["top"][i]
        page.words.append(
            OcrWord(
                text=text,
                x0=left * to_pt,
                x1=(left + data["width"][i]) * to_pt,
                top=top * to_pt,
                bottom=(top + data["height"][i]) * to_pt,
                conf=float(data["conf"][i]),
                line_key=(data["block_num"][i], data["par_num"][i], data["line_num"][i]),
            )
        )
    return page
