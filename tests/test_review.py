"""The review page: self-contained HTML that a headless Chromium renders (screenshot taken)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

import baocao
from baocao.parser.review import COLORS, render_review


@pytest.fixture(scope="module")
def page(seed_doc: baocao.Document) -> str:
    return render_review(seed_doc)


def test_page_needs_no_network(page: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "<script" not in page
    assert "@import" not in page and "url(" not in page


def test_page_shows_headings_entities_and_tasks(page: str, seed_doc: baocao.Document) -> None:
    assert "A. NHỮNG KẾT QUẢ ĐẠT ĐƯỢC." in page
    assert 'class="para heading level-1"' in page
    for kind in {e.type for e in seed_doc.entities}:
        assert f"background: {COLORS[kind]}" in page, kind
    assert page.count("<tr><td>t") == len(seed_doc.tasks) > 0
    assert "trước 10/12/2023" in page  # the seed's deadline, in the task table


def test_chromium_renders_the_page(page: str, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is installed by `make setup` (Debian package chromium)"
    html_path = tmp_path / "review.html"
    html_path.write_text(page, encoding="utf-8")
    shot = tmp_path / "review.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            html_path.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 1600)
    # Not a blank page: the highlight colours of entities are on screen.
    colors = {c for _, c in image.getcolors(maxcolors=1 << 20) or []}
    assert len(colors) > 50
    date_green = tuple(int(COLORS["DATE"][i : i + 2], 16) for i in (1, 3, 5))
    assert date_green in colors
