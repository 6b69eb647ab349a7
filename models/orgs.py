"""ORG: the bodies of the political system and the state, as maximal spans with their level and
place ("Hội Nông dân huyện Cẩm Xuyên"), each with a canonical spelled-out name.

The grammar, over the syllable tokens of `names.tokenize`, with its words in
`data/org_abbreviations.tsv`:

    org        := head complement? "Việt Nam"? number? level? place?
    head       := body | unit | committee | office dept | branch qualifier? name
    complement := org (for a unit or committee: "BTC huyện ủy", "Đảng ủy UBND xã"),
                  possibly two bodies joined by & or - ("Văn phòng HĐND & UBND xã")
    group      := org (conj org)*     the level of the last distributes to level-less bodies
                                      before it ("UBND – MTTQ xã": "UBND" is "Ủy ban nhân dân xã")
                                      and a branch's name to bare names ("chi hội Mỹ Trung, Mỹ Hà")

Lexicon forms match with either tone placement and, for a form of two or more syllables, with
one syllable's tone wrong ("Tĩnh ủy"), checked with rapidfuzz; upper-case abbreviations match
exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from baocao.models import gazetteer, people
from baocao.models.names import Candidate, Tokens, dash, tokenize

DATA = Path(__file__).with_name("data") / "org_abbreviations.tsv"

HEAD_KINDS = frozenset({"body", "unit", "committee", "office", "branch"})
MAX_NAME_TOKENS = 10  # syllables of a department's own name
# Words that end a department's name written in lower case: function words and the verbs that
# follow the subject ("Phòng Công nghệ thông tin chủ trì …").
NAME_STOPS = frozenset(
    [
        "của",
        "tại",
        "về",
        "và",
        "với",
        "để",
        "cho",
        "trong",
        "theo",
        "có",
        "đã",
        "đang",
        "sẽ",
        "được",
        "là",
        "các",
        "những",
        "thực",
        "tổ",
        "phối",
        "chủ",
        "tham",
        "chỉ",
        "triển",
        "đảm",
        "bảo",
        "bố",
        "cử",
        "kiểm",
        "xây",
        "tiếp",
        "hướng",
        "báo",
        "trình",
        "nộp",
        "thuộc",
        "trên",
        "dưới",
        "từ",
        "đến",
        "khi",
        "này",
        "đó",
        "thì",
        "mà",
        "nhưng",
        "hoặc",
        "hay",
    ]
)
# The trie's end-of-form key: not a string, so no token of the text (OCR gives "$" too) can be it.
_END = ("end",)
EXACT, FUZZY = 0.9, 0.75
MIN_FUZZ = 80.0  # rapidfuzz ratio of a one-syllable tone slip in a two-syllable form: ~85
MAX_PLACE = 4  # syllables of a place name
CONJ = frozenset({",", "-", "&", "/", "và"})
TIGHT_CONJ = frozenset({"-", "&", "/"})


@dataclass(frozen=True)
class Entry:
    form: str
    expansion: str
    kind: str
    flags: frozenset[str]
    lows: tuple[str | None, ...]  # tone keys of the spelled syllables; None: exact abbreviation


@dataclass(frozen=True)
class Lexicon:
    trie: dict[str, Any]

    def hits(self, toks: Tokens, keys: list[tuple[str, ...]], i: int) -> list[tuple[int, Entry]]:
        """(end, entry) of every form that the tokens from i spell, longest first."""
        out: list[tuple[int, Entry]] = []
        stack = [(i, self.trie)]
        while stack:
            j, node = stack.pop()
            if j > i:
                out += [(j, e) for e in node.get(_END, ())]
            if j >= len(toks) or (j > i and not toks.adjacent(j)):
                continue
            for k in keys[j]:
                child = node.get(k)
                if child is not None:
                    stack.append((j + 1, child))
        return sorted(out, key=lambda h: -h[0])


def token_keys(toks: Tokens) -> list[tuple[str, ...]]:
    """The trie keys of each token: an upper-case run is also its exact self ("A:UBND")."""
    out: list[tuple[str, ...]] = []
    for surf, key, shape in zip(toks.surf, toks.key, toks.shape, strict=True):
        if shape == "upper":
            out.append(("A:" + surf, key))
        elif shape == "punct":
            out.append((dash(surf),))
        else:
            out.append((key,))
    return out


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    trie: dict[str, Any] = {}
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        form, expansion, kind, flags = (c.strip() for c in line.split("\t"))
        ft = tokenize(form)
        keys = [k[0] for k in token_keys(ft)]  # the form's own spelling: exact for abbreviations
        lows = tuple(None if s == "upper" else lo for s, lo in zip(ft.shape, ft.low, strict=True))
        entry = Entry(form, expansion, kind, frozenset(flags.split(",")) - {"-"}, lows)
        node = trie
        for k in keys:
            node = node.setdefault(k, {})
        node.setdefault(_END, []).append(entry)
    return Lexicon(trie)


@dataclass
class Org:
    a: int
    b: int
    parts: list[str]
    kind: str
    entry: Entry
    conf: float
    level: list[str] = field(default_factory=list)  # level and place parts, for distribution
    complement: bool = False
    surface_upper: bool = False
    head_b: int = -1  # where the head's own words end
    inner: tuple[int, int] | None = None  # the place name's tokens

    def __post_init__(self) -> None:
        if self.head_b < 0:
            self.head_b = self.b

    @property
    def name(self) -> str:
        return " ".join([*self.parts, *self.level])


class Grammar:
    """One document's ORG parse: the tokens, their trie keys, and memoized lexicon hits."""

    def __init__(self, toks: Tokens) -> None:
        self.toks = toks
        self.lex = lexicon()
        self.keys = token_keys(toks)
        self.places = PlaceFinder(self)
        self._hits: dict[int, list[tuple[int, Entry, float]]] = {}

    # --- lexicon ---

    def hits(self, i: int, kinds: frozenset[str] | set[str]) -> list[tuple[int, Entry, float]]:
        """Verified hits at i of the given kinds, longest first: (end, entry, confidence)."""
        if i not in self._hits:
            found = []
            toks = self.toks
            if (
                0 <= i < len(toks)
                and not toks.blocked[i]
                and any(k in self.lex.trie for k in self.keys[i])
            ):
                for end, e in self.lex.hits(self.toks, self.keys, i):
                    conf = self.verify(i, end, e)
                    if conf is not None:
                        found.append((end, e, conf))
            self._hits[i] = found
        return [h for h in self._hits[i] if h[1].kind in kinds]

    def verify(self, i: int, j: int, e: Entry) -> float | None:
        toks = self.toks
        if "cap" in e.flags and not toks.surf[i][0].isupper():
            return None
        spelled = [(lo, toks.low[t]) for t, lo in zip(range(i, j), e.lows, strict=True) if lo]
        wrong = sum(a != b for a, b in spelled)
        if wrong == 0:
            return EXACT
        if wrong > 1 or (len(spelled) < 2 and "fuzzy" not in e.flags):
            return None
        score = fuzz.ratio(" ".join(b for _, b in spelled), " ".join(a for a, _ in spelled))
        return FUZZY if score >= MIN_FUZZ or len(spelled) == 1 else None

    # --- grammar ---

    def parse(self, i: int, depth: int = 0, kinds: frozenset[str] = HEAD_KINDS) -> Org | None:
        """The longest org starting at token i."""
        if depth > 3:
            return None
        for head in self.heads(i, kinds):
            org = self.extend(head, depth)
            if org is not None:
                return org
        return None

    def heads(self, i: int, kinds: frozenset[str]) -> Iterator[Org]:
        for end, e, conf in self.hits(i, kinds):
            upper = self.spelled_in_capitals(i, end, e)
            if e.kind == "office":
                depts = self.hits(end, {"dept"}) if self.toks.adjacent(end) else []
                for dend, d, dconf in depts:
                    parts = [f"{e.expansion} {d.expansion}"]
                    yield Org(i, dend, parts, "unit", e, min(conf, dconf), surface_upper=upper)
                named = self.named_unit(i, end, e, conf) if not depts else None
                if named is not None:
                    yield named
            elif e.kind == "branch":
                org = self.branch(i, end, e, conf)
                if org is not None:
                    yield org
            else:
                yield Org(i, end, [e.expansion], e.kind, e, conf, surface_upper=upper)

    def named_unit(self, i: int, end: int, e: Entry, conf: float) -> Org | None:
        """An office with a department name the lexicon does not hold, capitalised as names are:
        "Phòng Công nghệ thông tin", "Trung tâm CNTT Tây Bắc", "Công ty Cổ phần … EFY Việt Nam"."""
        toks = self.toks
        j = end
        if i > 0 and toks.low[i - 1] == "văn" and toks.adjacent(i):  # "Văn phòng", not "phòng"
            return None
        if not toks.adjacent(j) or j >= len(toks.shape) or toks.shape[j] not in ("title", "upper"):
            return None
        lower_ok = toks.shape[j] == "title"  # "Công nghệ thông tin": lower case after a capital
        while j < len(toks.shape) and toks.adjacent(j) and j - end < MAX_NAME_TOKENS:
            shape = toks.shape[j]
            if shape == "upper":
                lower_ok = False
            elif (
                shape == "lower"
                and (not lower_ok or toks.low[j] in NAME_STOPS)
                or shape not in ("title", "upper", "lower")
            ):
                break
            j += 1
        name = toks.joined(end, j)
        return Org(i, j, [f"{e.expansion} {name}"], "unit", e, conf * 0.9)

    def spelled_in_capitals(self, i: int, end: int, e: Entry) -> bool:
        """Whether words of the form are written in capitals ("ĐẢNG UỶ"), as titles are: then
        a place after it is in capitals too. An abbreviation alone ("UBND") says nothing."""
        spelled = [t for t, lo in zip(range(i, end), e.lows, strict=True) if lo is not None]
        return bool(spelled) and all(self.toks.shape[t] == "upper" for t in spelled)

    def branch(self, i: int, end: int, e: Entry, conf: float) -> Org | None:
        """chi hội / chi bộ / chi đoàn: only with a name ("chi hội CCB Mỹ Hà", "chi bộ thôn 3")."""
        parts = [e.expansion]
        j = end
        for qend, q, _ in self.hits(j, {"qualifier"}):
            if self.toks.adjacent(j):
                parts.append(q.expansion)
                j = qend
                break
        name_end = self.places.name_at(j) if self.toks.adjacent(j) else None
        if name_end is None:
            return None
        name = self.toks.joined(j, name_end)
        inner = (j, name_end) if self.toks.shape[j] == "title" else None
        return Org(i, name_end, [*parts, name], "branch", e, conf, inner=inner)

    def extend(self, org: Org, depth: int) -> Org | None:
        toks, e = self.toks, org.entry
        if org.kind in ("unit", "committee") and toks.adjacent(org.b):
            org = self.complement(org, depth)
        j = org.b
        vietnam = (
            toks.key[j : j + 2] == ["viet", "nam"] and toks.adjacent(j) and toks.adjacent(j + 1)
        )
        if vietnam and org.kind != "branch":
            if not org.parts[-1].endswith("Việt Nam"):
                org.parts.append("Việt Nam")
            org.b = j = j + 2
        if "num" in e.flags and toks.adjacent(j) and toks.shape[j] == "digit":
            org.parts.append(toks.surf[j])
            org.b = j = j + 1
        if "num" in e.flags and toks.adjacent(j):
            for pend, p, _ in self.hits(j, {"programme"}):
                org.parts.append(p.expansion)
                org.b = j = pend
                break
        if not org.level and org.kind != "branch":
            self.level_and_place(org, with_level="leveled" not in e.flags)
        if org.b == org.head_b and toks.adjacent(org.b) and toks.low[org.b] == "viên":
            return None  # "Đảng ủy viên", a person
        if "of" in e.flags and not org.complement:
            return None
        if "level" in e.flags and not (org.level or org.complement):
            return None
        return org

    def complement(self, org: Org, depth: int) -> Org:
        kinds = (
            frozenset({"body"})
            if org.kind == "committee"
            else frozenset({"body", "committee", "unit"})
        )
        comp = self.parse(org.b, depth + 1, kinds)
        if comp is None:
            return org
        parts = [*org.parts, *comp.parts]
        j = comp.b
        if toks_conj(self.toks, j, TIGHT_CONJ) and comp.kind == "body":
            second = self.parse(j + 1, depth + 1, frozenset({"body"}))
            if second is not None:
                parts += ["và", *second.parts]
                comp = second
        return replace(
            org,
            b=comp.b,
            parts=parts,
            level=comp.level,
            complement=True,
            inner=comp.inner,
            conf=min(org.conf, comp.conf),
        )

    def level_and_place(self, org: Org, with_level: bool = True) -> None:
        toks = self.toks
        j = org.b
        if not toks.adjacent(j):
            return
        upper = org.surface_upper
        for end, lv, _ in self.hits(j, {"level"}) if with_level else ():
            if self.is_level(j, end, lv):
                upper = upper or self.spelled_in_capitals(j, end, lv)
                org.level = [lv.expansion]
                org.b = j = end
                break
        if not toks.adjacent(j):
            return
        upper = upper and toks.shape[j] == "upper"
        end = self.places.place_at(j, bool(org.level), upper, org.level[:1])
        if end is not None:
            name = toks.joined(j, end)
            org.level.append(name.title() if upper else name)
            org.inner = (j, end)
            org.b = end

    def is_level(self, j: int, end: int, lv: Entry) -> bool:
        toks = self.toks
        if any(e > end for e, _, _ in self.hits(j, {"programme"})):
            return False  # "xã hội": a longer word begins with the level word
        if self.verify(j, end, lv) == FUZZY:
            # a tone slip on one syllable ("Tĩnh") only where nothing follows it
            nxt = end if end < len(toks) and toks.adjacent(end) else None
            return nxt is None or toks.shape[nxt] in ("punct", "digit")
        return True


def toks_conj(toks: Tokens, j: int, conj: frozenset[str]) -> bool:
    return toks.adjacent(j) and dash(toks.low[j]) in conj


class PlaceFinder:
    """Where a place name runs after an org: capitalised syllables on the same line, up to
    the next org or level word, or a person's name."""

    def __init__(self, grammar: Grammar) -> None:
        self.toks = grammar.toks
        self.grammar = grammar

    def run(self, j: int, shape: str) -> int:
        toks = self.toks
        k = j
        while k < len(toks) and k - j < MAX_PLACE and toks.shape[k] == shape:
            if k > j and not toks.adjacent(k):
                break
            if k > j and self.starts_org(k):
                break
            k += 1
        return k if shape == "upper" else people.place_end(toks, j, k)

    def starts_org(self, k: int, kinds: frozenset[str] = HEAD_KINDS | {"level"}) -> bool:
        """Whether an org's head or a level word begins at token k (exactly spelled)."""
        return any(conf == EXACT for _, _, conf in self.grammar.hits(k, kinds))

    def name_at(self, j: int) -> int | None:
        """The end of a branch's name: a capitalised run or a village ("thôn Mỹ Yên")."""
        sub = gazetteer.sub_unit_at(self.toks, j)
        if sub is not None:
            return sub
        if self.starts_org(j):
            return None
        k = self.run(j, "title")
        return k if k > j and not gazetteer.runs_into_word(self.toks, k, j) else None

    def place_at(self, j: int, after_level: bool, upper: bool, level: list[str]) -> int | None:
        toks = self.toks
        if upper:  # an all-capitals title: only a name the gazetteer knows
            k = self.run(j, "upper")
            while k > j:
                if gazetteer.is_unit_name(" ".join(toks.key[j:k])):
                    return k
                k -= 1
            return None
        if after_level and toks.shape[j] == "digit" and level and level[0] in ("phường", "quận"):
            return j + 1
        if self.starts_org(j, HEAD_KINDS | {"level", "role"}):
            return None
        k = self.run(j, "title")
        if k - j >= (1 if after_level else 2) and not gazetteer.runs_into_word(toks, k, j):
            return k
        return None


def find(toks: Tokens) -> list[Candidate]:
    """Every ORG of the text: groups of coordinated orgs, left to right."""
    grammar = Grammar(toks)
    out: list[Candidate] = []
    i = 0
    while i < len(toks):
        org = grammar.parse(i)
        if org is None:
            i += 1
            continue
        group = [org]
        j = org.b
        while toks_conj(toks, j, CONJ):
            k = j + 1
            if toks.low[j] == "," and toks.adjacent(k) and toks.low[k] == "và":
                k += 1
            nxt = grammar.parse(k) if toks.adjacent(k) else None
            if nxt is None and group[-1].kind == "branch":
                nxt = bare_branch(grammar, group[-1], k)
            if nxt is None:
                break
            group.append(nxt)
            j = nxt.b
        distribute(group)
        out += [candidate(toks, o) for o in group]
        i = j
    return out


def bare_branch(grammar: Grammar, prev: Org, k: int) -> Org | None:
    """ "chi hội Mỹ Trung, Quốc Tuấn và Mỹ Sơn": a bare name after a branch is another branch."""
    end = grammar.places.name_at(k) if grammar.toks.adjacent(k) else None
    if end is None:
        return None
    name = grammar.toks.joined(k, end)
    return Org(k, end, [*prev.parts[:-1], name], "branch", prev.entry, prev.conf, inner=(k, end))


def distribute(group: list[Org]) -> None:
    """Give level-less bodies the level and place of the next body that has them."""
    for n, org in enumerate(group):
        if org.level or org.kind not in ("body", "committee") or "leveled" in org.entry.flags:
            continue
        if org.complement:
            continue
        later = next((o for o in group[n + 1 :] if o.level), None)
        if later is not None:
            org.level = list(later.level)


def candidate(toks: Tokens, org: Org) -> Candidate:
    start, end = toks.span(org.a, org.b)
    value = {"name": org.name, "abbr": toks.text[start:end]}
    return Candidate(org.a, org.b, "ORG", value, "rule", org.conf, inner=org.inner)
