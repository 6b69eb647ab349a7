from __future__ import annotations

from pathlib import Path

import pytest

import baocao

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "corpus" / "docs"
GOLD = REPO / "corpus" / "gold"
SEED = DOCS / "000_43d4097de7ba60ac.txt"


@pytest.fixture(scope="session")
def seed_doc() -> baocao.Document:
    return baocao.parse(SEED)


@pytest.fixture(scope="session")
def parsed_corpus() -> dict[str, baocao.Document]:
    """Every text document of the corpus, parsed once for the whole session."""
    return {p.stem: baocao.parse(p) for p in sorted(DOCS.glob("*.txt"))}
