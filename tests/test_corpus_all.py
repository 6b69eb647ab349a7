"""Every real document shipped in corpus/docs converts, whatever its format, and its JSON
validates against the schema: the batch over the development corpus must have no failure."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import baocao
from baocao.models.schema import document_json_schema
from conftest import DOCS

ALL_DOCS = sorted(p for p in DOCS.iterdir() if p.is_file())


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(document_json_schema())


def test_every_format_is_represented() -> None:
    assert {p.suffix for p in ALL_DOCS} >= {".txt", ".docx", ".doc", ".pdf"}


@pytest.mark.parametrize("path", ALL_DOCS, ids=[p.name[:4] for p in ALL_DOCS])
def test_real_document_converts(path: Path, validator: jsonschema.Draft202012Validator) -> None:
    doc = baocao.parse(path)
    assert len(doc.text) > 500
    assert doc.meta.issuer or doc.meta.doc_type or doc.meta.place
    assert list(validator.iter_errors(json.loads(doc.to_json()))) == []
