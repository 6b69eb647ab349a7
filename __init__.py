"""baocao: Vietnamese administrative reports → normalized, structured JSON.

>>> import baocao
>>> doc = baocao.parse("report.txt")       # a path, or the report's text
>>> doc.meta.date, [s.title for s in doc.sections]
"""

__version__ = "0.1.0"

from baocao.models.schema import Document  # noqa: E402
from baocao.parser.errors import BaocaoError  # noqa: E402
from baocao.parser.pipeline import parse, parse_file, parse_text  # noqa: E402

__all__ = ["BaocaoError", "Document", "__version__", "parse", "parse_file", "parse_text"]
