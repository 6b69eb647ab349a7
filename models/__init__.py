"""The output contract (schema.py) and, later, the statistical stage."""

from baocao.models.schema import SCHEMA_ID, Document, ErrorRecord, document_json_schema

__all__ = ["SCHEMA_ID", "Document", "ErrorRecord", "document_json_schema"]
