"""Organizations, places and people: our tokens, the three sources, and their fusion in spaCy.

`extract(text, claimed)` returns ORG, LOC and PER matches (`NameMatch`, a `Match` that also says
which source found it: "rule" for the ORG grammar and the name patterns, "gazetteer" for
administrative units, "ner" for underthesea). `analyze` returns the spaCy `Doc` behind it: built
on our own tokens (`doc.text == text`), with every candidate of every source in
`doc.spans["candidates"]` (overlaps allowed: an ORG contains its LOC) and the resolved names in
`doc.ents`, ready for displaCy.

Tokens are syllables. PDF text layers glue syllables ("Ban Thường vụĐảng uỷ", "Uỷban",
"đốitượngLêTùngCương") and space out letters ("S ở T à i c h í n h"); the tokenizer splits glued
runs at case changes and, for runs that are no Vietnamese syllable, into dictionary syllables
(underthesea's Viet74K word list), after collapsing letter-spaced runs (`rules.numbers`).

Keys: `tone_key` lower-cases and puts the tone of open oa/oe/uy syllables on the first vowel
("Hoà" and "Hòa", "Uỷ" and "Ủy" meet); `fold` also drops every diacritic, for lookup only.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from baocao.rules.base import Match
from baocao.rules.numbers import spaced_view

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

Source = Literal["rule", "gazetteer", "ner"]


@dataclass(frozen=True)
class NameMatch(Match):
    """A name found by one source; `source` maps to `Entity.source`."""

    source: Source = "rule"


# --- keys ------------------------------------------------------------------------------------

_TONED = {"o": "òóỏõọ", "a": "àáảãạ", "e": "èéẻẽẹ", "u": "ùúủũụ", "y": "ỳýỷỹỵ"}
_TONE_MOVES = {
    v1 + _TONED[v2][t]: _TONED[v1][t] + v2
    for v1, v2 in (("o", "a"), ("o", "e"), ("u", "y"))
    for t in range(5)
}
# Only at the end of a syllable ("hoàng" is written one way) and not after q ("quý").
_TONE_MOVE_RE = re.compile(rf"(?<!q)(?:{'|'.join(_TONE_MOVES)})(?![^\W\d_])")


def _fold_table() -> dict[int, str]:
    """Each precomposed Latin letter to its lower-case base letter ("Ữ" -> "u", "Đ" -> "d")."""
    table = {ord("đ"): "d", ord("Đ"): "d"}
    for cp in range(0xC0, 0x2000):
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base != chr(cp) and base.isascii() and base.isalpha():
            table[cp] = base.lower()
    return table


_FOLD_TABLE = _fold_table()


def _tone_keys(s: str) -> str:
    low = unicodedata.normalize("NFC", s).lower()
    return _TONE_MOVE_RE.sub(lambda m: _TONE_MOVES[m.group()], low)


@lru_cache(maxsize=65536)
def tone_key(s: str) -> str:
    """Lower case, NFC, one tone placement for open oa/oe/uy ("Khánh Hoà" -> "khánh hòa")."""
    return _tone_keys(s)


@lru_cache(maxsize=65536)
def fold(s: str) -> str:
    """Lower case without diacritics ("Tĩnh" -> "tinh"): a lookup key, never an output."""
    folded = unicodedata.normalize("NFC", s).translate(_FOLD_TABLE)
    if not folded.isascii():  # combining marks left over from odd input
        decomposed = unicodedata.normalize("NFD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return folded.lower()


def dash(s: str) -> str:
    """One dash for the hyphen, en and em dashes that reports mix freely."""
    return "-" if s in "-–—‐‑" else s


# --- the dictionary (underthesea's Viet74K) --------------------------------------------------


_VOWEL_RE = re.compile("[aeiouy]")


@dataclass(frozen=True)
class Vocabulary:
    syllables: frozenset[str]  # tone keys of Vietnamese syllables
    words: frozenset[str]  # tone keys of dictionary words, syllables joined by one space


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    spec = importlib.util.find_spec("underthesea")  # its data, without importing it (0.5 s)
    assert spec is not None and spec.origin is not None, "underthesea is not installed"
    path = Path(spec.origin).parent / "corpus" / "data" / "Viet74K.txt"
    # One pass of the key over the whole file: keying 74k lines one by one costs a second.
    keyed = _tone_keys(path.read_text(encoding="utf-8"))
    words = {w.strip() for w in keyed.splitlines()} - {""}
    syllables = {s for s in re.split(r"[\s\-]+", " ".join(words)) if _VOWEL_RE.search(fold(s))}
    return Vocabulary(frozenset(syllables), frozenset(words))


# --- tokens ----------------------------------------------------------------------------------

_RUN_RE = re.compile(r"[^\W\d_]+|\d+|\S")
_MAX_SYLLABLE = 8
# One-letter syllables that a glued run may contain ("ởmột"); others are likelier the tail of a
# name the dictionary lacks ("Niê" is not "Ni" + "ê").
_ONE_LETTER = frozenset({"ở", "ý"})


def _case_cuts(s: str, syllables: frozenset[str]) -> list[int]:
    """Where a glued run changes case: "vụĐảng", "uỷUBND"; after capitals, before the word
    that follows them: "BTVTỉnh" (BTV + Tỉnh), "UBNDđến" (UBND + đến), but not "TTr"."""
    cuts = []
    for k in range(1, len(s)):
        a, b = s[k - 1], s[k]
        if a.islower() and b.isupper():
            cuts.append(k)
        elif a.isupper() and b.islower() and k >= 2 and s[k - 2].isupper():
            end = next((e for e in range(k, len(s)) if s[e].isupper()), len(s))
            if _syllables_only(s[k - 1 : end], syllables):
                cuts.append(k - 1)
            elif _syllables_only(s[k:end], syllables):
                cuts.append(k)
    return cuts


def _syllables_only(s: str, syllables: frozenset[str]) -> bool:
    return tone_key(s) in syllables or bool(_syllable_cuts(s, syllables))


def _syllable_cuts(s: str, syllables: frozenset[str]) -> list[int]:
    """Cut a run that is no syllable into the fewest dictionary syllables ("sốnội"), or not
    at all when no such reading exists."""
    n = len(s)
    never = n + 1
    pieces = [0] + [never] * n  # fewest syllables that spell s[:i]
    back = [0] * (n + 1)  # where the last of them starts
    for i in range(1, n + 1):
        for j in range(max(0, i - _MAX_SYLLABLE), i):
            if pieces[j] == never or pieces[j] + 1 >= pieces[i]:
                continue
            piece = tone_key(s[j:i])
            if piece in syllables and (i - j > 1 or piece in _ONE_LETTER):
                pieces[i], back[i] = pieces[j] + 1, j
    if pieces[n] == never or pieces[n] < 2:
        return []
    cuts, i = [], back[n]
    while i > 0:
        cuts.append(i)
        i = back[i]
    return sorted(cuts)


@lru_cache(maxsize=65536)
def split_glued(s: str, loose: bool = False) -> tuple[tuple[int, int], ...]:
    """(offset, length) of the syllables of a letter run."""
    syllables = vocabulary().syllables
    pieces: list[tuple[int, int]] = []
    bounds = [0, *_case_cuts(s, syllables), len(s)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        part = s[a:b]
        glued = len(part) >= 3 and tone_key(part) not in syllables and not part.isupper()
        if glued and (loose or not part.isascii()):
            inner = [0, *_syllable_cuts(part, syllables), len(part)]
            pieces += [(a + x, y - x) for x, y in zip(inner, inner[1:], strict=False)]
        else:
            pieces.append((a, b - a))
    return tuple(pieces)


def _shape(s: str) -> str:
    if s[0].isdigit():
        return "digit"
    if not s[0].isalpha():
        return "punct"
    if s.isupper():
        return "upper" if len(s) > 1 else "title"
    return "title" if s[0].isupper() else "lower"


@dataclass
class Tokens:
    """The syllables and punctuation of a text, in order, with their spans in the text.

    `surf` is the token as read (letter-spaced runs collapsed); `low` its tone key, `key` its
    folded key; `shape` one of lower, title, upper, digit, punct; `nl[i]` whether a line break
    lies between token i-1 and i, `glued[i]` whether nothing does; `blocked[i]` whether the
    token belongs to a value the rule stage claimed (no name may take it).
    """

    text: str
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    surf: list[str] = field(default_factory=list)
    low: list[str] = field(default_factory=list)
    key: list[str] = field(default_factory=list)
    shape: list[str] = field(default_factory=list)
    nl: list[bool] = field(default_factory=list)
    glued: list[bool] = field(default_factory=list)
    blocked: list[bool] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.surf)

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Character span of tokens [a, b)."""
        return self.starts[a], self.ends[b - 1]

    def joined(self, a: int, b: int) -> str:
        """Tokens [a, b) as a name: one space between syllables (glued ones too), spacing
        around punctuation as in the text ("HĐND & UBND", "TT&TT")."""
        out = self.surf[a] if b > a else ""
        for i in range(a + 1, b):
            words = self.shape[i] != "punct" and self.shape[i - 1] != "punct"
            out += (" " if words or not self.glued[i] else "") + self.surf[i]
        return out

    def adjacent(self, i: int) -> bool:
        """Whether token i may continue the phrase of token i-1 (same line, not claimed)."""
        return 0 < i < len(self.surf) and not self.nl[i] and not self.blocked[i]

    def block(self, claimed: Sequence[Match]) -> None:
        """Mark the tokens that overlap a claimed span."""
        for m in claimed:
            a = bisect_right(self.ends, m.start)
            b = bisect_left(self.starts, m.end)
            self.blocked[a:b] = [True] * max(0, b - a)


def tokenize(text: str) -> Tokens:
    view = spaced_view(text)
    vtext = view.text
    toks = Tokens(text)
    prev_end = 0
    for m in _RUN_RE.finditer(vtext):
        s = m.group()
        loose = view.is_loose(m.start())
        pieces = split_glued(s, loose) if s[0].isalpha() else ((0, len(s)),)
        for off, length in pieces:
            a = m.start() + off
            start, end = view.span(a, a + length)
            piece = s[off : off + length]
            gap = text[prev_end:start]
            toks.starts.append(start)
            toks.ends.append(end)
            toks.surf.append(piece)
            toks.low.append(tone_key(piece))
            toks.key.append(fold(piece))
            toks.shape.append(_shape(piece))
            toks.nl.append("\n" in gap)
            toks.blocked.append(False)
            toks.glued.append(gap == "" and len(toks.starts) > 1)
            prev_end = end
    return toks


# --- the spaCy document ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _nlp() -> Language:
    import spacy

    return spacy.blank("xx")


def build_doc(toks: Tokens) -> tuple[Doc, list[int]]:
    """A spaCy Doc whose text is exactly `toks.text`; whitespace other than one space after a
    token becomes its own token. Returns the doc and, per token, its index in the doc."""
    from spacy.tokens import Doc

    text = toks.text
    words: list[str] = []
    spaces: list[bool] = []
    index: list[int] = []

    def gap(g: str) -> None:
        if not g:
            return
        if words and g[0] == " " and not spaces[-1]:
            spaces[-1] = True
            g = g[1:]
        if g:
            words.append(g)
            spaces.append(False)

    prev = 0
    for start, end in zip(toks.starts, toks.ends, strict=True):
        gap(text[prev:start])
        index.append(len(words))
        words.append(text[start:end])
        spaces.append(False)
        prev = end
    gap(text[prev:])
    return Doc(_nlp().vocab, words=words, spaces=spaces), index


# --- fusion ----------------------------------------------------------------------------------

# Lower wins where spans overlap: an ORG keeps the place inside it, a person's name its words.
TYPE_RANK = {"ORG": 0, "PER": 1, "LOC": 2}
SOURCE_RANK = {"rule": 0, "gazetteer": 1, "ner": 2}


@dataclass(frozen=True)
class Candidate:
    """What a source proposes: tokens [a, b) of `Tokens`, a type, a value."""

    a: int
    b: int
    type: str
    value: dict[str, Any]
    source: Source
    confidence: float
    inner: tuple[int, int] | None = None  # tokens of a place named inside an ORG


def resolve(cands: Sequence[Candidate], toks: Tokens) -> list[int]:
    """Indices of the candidates kept: none takes a claimed token; among the rest, the better
    type, then source, then the longer, then the earlier wins."""
    order = sorted(
        range(len(cands)),
        key=lambda i: (
            TYPE_RANK[cands[i].type],
            SOURCE_RANK[cands[i].source],
            cands[i].a - cands[i].b,
            cands[i].a,
        ),
    )
    taken = list(toks.blocked)
    kept = []
    for i in order:
        c = cands[i]
        if any(taken[c.a : c.b]):
            continue
        taken[c.a : c.b] = [True] * (c.b - c.a)
        kept.append(i)
    return sorted(kept, key=lambda i: cands[i].a)


def find_candidates(toks: Tokens) -> list[Candidate]:
    """Every source's candidates. ORG and LOC first: their places and the villages the text
    names feed the bare places, and people are looked for only outside all of these."""
    from baocao.models import gazetteer, orgs, people

    org_cands = orgs.find(toks)
    loc_cands = gazetteer.find(toks)
    covered = list(toks.blocked)
    for c in (*org_cands, *loc_cands):
        covered[c.a : c.b] = [True] * (c.b - c.a)
    known = gazetteer.known_places(toks, org_cands, loc_cands)
    bare_locs = gazetteer.bare_places(toks, covered, known)
    for c in bare_locs:
        covered[c.a : c.b] = [True] * (c.b - c.a)
    per_cands = people.find(toks, covered, known)
    return [*org_cands, *loc_cands, *bare_locs, *per_cands]


def analyze(text: str, claimed: Sequence[Match] = ()) -> Doc:
    """The spaCy Doc of `text` with `spans["candidates"]` and the resolved `ents`; each span's
    `id_` indexes `doc.user_data["names"]`, the candidates (type, value, source, confidence)."""
    from spacy.tokens import Span

    toks = tokenize(text)
    toks.block(claimed)
    doc, index = build_doc(toks)
    cands = find_candidates(toks)

    def span(i: int) -> Span:
        c = cands[i]
        return Span(doc, index[c.a], index[c.b - 1] + 1, label=c.type, span_id=str(i))

    doc.spans["candidates"] = [span(i) for i in range(len(cands))]
    doc.ents = [span(i) for i in resolve(cands, toks)]
    doc.user_data["names"] = cands
    return doc


def extract(text: str, claimed: Sequence[Match] = ()) -> list[NameMatch]:
    """ORG, LOC and PER in `text`, none overlapping another or a `claimed` span, by position."""
    doc = analyze(text, claimed)
    cands: list[Candidate] = doc.user_data["names"]
    out = []
    for ent in doc.ents:
        c = cands[int(ent.id_)]
        out.append(
            NameMatch(
                type=c.type,
                start=ent.start_char,
                end=ent.end_char,
                value=c.value,
                confidence=c.confidence,
                source=c.source,
            )
        )
    return out
