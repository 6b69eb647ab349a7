"""LOC: administrative units named with their level word, and the villages below them.

The index holds the units of vietnamadminunits (MIT; its `dataset.db`, read directly): the 63
provinces, 696 districts and 10,040 communes before July 2025, the 34 provinces and 3,321
communes after. A unit keeps its code across the reform when its name and code are unchanged
(`era` "both": "xã Công Hải" 22840, "tỉnh Khánh Hòa" 56); otherwise it is "pre-2025" ("huyện Cẩm
Xuyên": districts were abolished) or "post-2025". Archived reports name units that no longer
exist: that is the normal case, so both eras are searched. Keys are folded (no diacritics) for
lookup; a match needs the name with its diacritics, either tone placement.

Below the gazetteer (thôn, xóm, ấp, bản, khu dân cư, tổ dân phố, khu phố) a unit is accepted by
pattern: the level word and a capitalised name or a number. A village's name, once seen with its
level word (or as "đơn vị Mỹ Sơn", or in "chi hội Mỹ Trung"), is a place wherever else the
report writes it bare ("nhân dân Mỹ Yên").
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from baocao.models.names import Candidate, Tokens, fold, tone_key

PRE, POST, BOTH = "pre-2025", "post-2025", "both"
MAX_NAME = 4  # syllables

# Level words in text -> the unit kind in the index (lower case, as LOC values write them).
ADMIN_LEVELS = {
    "tỉnh": "tỉnh",
    "thành phố": "thành phố",
    "tp": "thành phố",
    "huyện": "huyện",
    "quận": "quận",
    "thị xã": "thị xã",
    "xã": "xã",
    "phường": "phường",
    "thị trấn": "thị trấn",
    "đặc khu": "đặc khu",
}
SUB_LEVELS = {
    "thôn": "thôn",
    "xóm": "xóm",
    "ấp": "ấp",
    "bản": "bản",
    "buôn": "buôn",
    "khu dân cư": "khu dân cư",
    "kdc": "khu dân cư",
    "tổ dân phố": "tổ dân phố",
    "tdp": "tổ dân phố",
    "khu phố": "khu phố",
}
NUMBERED = frozenset({"phường", "quận", "khu dân cư", "tổ dân phố", "khu phố", "thôn", "xóm"})
# Words after which a capitalised name is a place the report speaks of ("đơn vị Mỹ Sơn").
PLACE_WORDS = ("đơn vị",)


class Unit(NamedTuple):
    """One unit, merged across eras when its kind, name and code are unchanged."""

    kind: str
    name: str  # short name with diacritics: "Công Hải"
    code: str
    era: str
    parents: frozenset[str]  # codes of its province and district, in either era


@dataclass(frozen=True)
class Index:
    by_key: dict[str, tuple[Unit, ...]]  # folded name -> units

    def lookup(self, kinds: set[str], name: str) -> list[Unit]:
        """Units of these kinds named `name` (diacritics required, tone placement free)."""
        want = tone_key(name)
        units = self.by_key.get(name_key(name), ())
        return [u for u in units if u.kind in kinds and tone_key(u.name) == want]


_NOT_ALNUM_RE = re.compile(r"[^0-9a-z]+")


def name_key(name: str) -> str:
    return _NOT_ALNUM_RE.sub(" ", fold(name)).strip()


def _short(short: str, kind: str) -> str:
    """ "Phường 3" -> "3": numbered units repeat their level word in the short name."""
    if short[: len(kind) + 1].lower() == kind.lower() + " " and short.split()[-1].isdigit():
        return short[len(kind) + 1 :]
    return short


def database() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")
    assert spec is not None and spec.origin is not None, "vietnamadminunits is not installed"
    return Path(spec.origin).parent / "data" / "dataset.db"


# (era, SQL): kind, short name, code, parent codes of every unit, one level at a time.
_QUERIES = (
    (PRE, "SELECT DISTINCT province, provinceShort, provinceCode, '' FROM admin_units_legacy"),
    (
        PRE,
        "SELECT DISTINCT districtType, districtShort, districtCode, provinceCode"
        " FROM admin_units_legacy",
    ),
    (
        PRE,
        "SELECT wardType, wardShort, wardCode, provinceCode || ' ' || districtCode"
        " FROM admin_units_legacy WHERE ward IS NOT NULL",
    ),
    (POST, "SELECT DISTINCT province, provinceShort, provinceCode, '' FROM admin_units"),
    (POST, "SELECT wardType, wardShort, wardCode, provinceCode FROM admin_units"),
)


def _raw_units() -> list[tuple[str, str, str, str, str]]:
    """(era, kind, short name, code, parent codes) of every unit of both tables."""
    with sqlite3.connect(f"file:{database()}?mode=ro", uri=True) as conn:
        out = []
        for era, sql in _QUERIES:
            for kind, short, code, parents in conn.execute(sql):
                if kind.startswith(("Tỉnh ", "Thành phố ")):  # a province's full name
                    kind = _province_kind(kind)
                kind = kind.lower()
                out.append((era, kind, _short(short, kind), code, parents))
        return out


def _province_kind(full: str) -> str:
    return "thành phố" if full.lower().startswith("thành phố") else "tỉnh"


@lru_cache(maxsize=1)
def index() -> Index:
    """Built once from the installed package (about 0.2 s)."""
    eras: dict[tuple[str, str, str], str] = {}  # (kind, tone key, code) -> era
    parents: dict[tuple[str, str, str], str] = {}
    shorts: dict[tuple[str, str, str], str] = {}
    for era, kind, short, code, par in _raw_units():
        key = (kind, tone_key(short), code)
        if key in eras:
            eras[key] = eras[key] if eras[key] == era else BOTH
            parents[key] += " " + par
        else:
            eras[key], parents[key], shorts[key] = era, par, short
    by_key: dict[str, list[Unit]] = {}
    for key, era in eras.items():
        kind, _, code = key
        unit = Unit(kind, shorts[key], code, era, frozenset(parents[key].split()))
        by_key.setdefault(name_key(shorts[key]), []).append(unit)
    return Index({k: tuple(v) for k, v in by_key.items()})


@lru_cache(maxsize=1)
def _province_and_district_keys() -> frozenset[str]:
    return frozenset(
        k
        for k, units in index().by_key.items()
        if any(u.kind in ("tỉnh", "thành phố", "huyện", "quận", "thị xã") for u in units)
    )


def is_unit_name(key: str) -> bool:
    """Whether a folded name is some unit's name (any level, either era)."""
    return name_key(key) in index().by_key


def is_big_unit_name(key: str) -> bool:
    """Whether a folded name is a province's or district's name."""
    return name_key(key) in _province_and_district_keys()


# --- matching in text ------------------------------------------------------------------------


@dataclass
class Mention:
    a: int  # level word start (or name start when bare)
    b: int
    kind: str | None
    name: str
    units: list[Unit]


_FIRST_WORDS = frozenset(w.split()[0] for w in (*ADMIN_LEVELS, *SUB_LEVELS))


def _level_at(toks: Tokens, i: int, levels: dict[str, str]) -> tuple[int, str] | None:
    """(end, kind) of a level word at token i, longest first ("thị xã" before "xã")."""
    if toks.low[i] not in _FIRST_WORDS:
        return None
    for n in (3, 2, 1):
        if i + n <= len(toks) and all(toks.adjacent(k) for k in range(i + 1, i + n)):
            words = " ".join(toks.low[i : i + n])
            if words in levels:
                return i + n, levels[words]
    return None


def _title_run(toks: Tokens, j: int, shape: str = "title") -> int:
    k = j
    while k < len(toks) and k - j < MAX_NAME and toks.shape[k] == shape:
        if k > j and not toks.adjacent(k):
            break
        k += 1
    return k


def runs_into_word(toks: Tokens, k: int, start: int) -> bool:
    """Whether a one-syllable capitalised run [start, k) goes on into a lower-case common word
    ("khu dân cư Nông thôn mới"): a capital for emphasis, not a name."""
    from baocao.models.names import vocabulary

    if k - start != 1 or k >= len(toks) or not toks.adjacent(k) or toks.shape[k] != "lower":
        return False
    return f"{toks.low[k - 1]} {toks.low[k]}" in vocabulary().words


def _ordinary_word(toks: Tokens, i: int, j: int) -> bool:
    """ "xã Hội hóa", "Văn hoá – Xã Hội": a one-syllable level word and a one-syllable name
    that together are a common word."""
    from baocao.models.names import vocabulary

    if j - i != 1 or f"{toks.low[i]} {toks.low[j]}" not in vocabulary().words:
        return False
    return _title_run(toks, j) - j == 1


def sub_unit_at(toks: Tokens, i: int) -> int | None:
    """The end of a village named with its level word at token i ("thôn Mỹ Trung")."""
    found = _level_at(toks, i, SUB_LEVELS)
    if found is None:
        return None
    j, kind = found
    return _name_end(toks, i, j, kind, admin=False)


def _name_end(toks: Tokens, i: int, j: int, kind: str, admin: bool) -> int | None:
    if j >= len(toks) or not toks.adjacent(j) or _ordinary_word(toks, i, j):
        return None
    if toks.low[j] == "số" and toks.adjacent(j + 1) and j + 1 < len(toks):
        j += 1  # "tổ dân phố số 3"
    if toks.shape[j] == "digit":
        return j + 1 if kind in NUMBERED else None
    if toks.shape[j] == "title":
        from baocao.models.people import place_end  # people asks the gazetteer too

        k = place_end(toks, j, _title_run(toks, j))
        if k == j or runs_into_word(toks, k, j):
            return None
        numbered = k < len(toks) and toks.adjacent(k) and toks.shape[k] == "digit"
        if admin and numbered and is_unit_name(toks.joined(j, k + 1)):
            k += 1  # "Xuân Quang 3", not "xã Công Hải 5 năm"
        return k
    if admin and toks.shape[j] == "upper" and toks.shape[i] == "upper":
        k = _title_run(toks, j, "upper")
        while k > j and not is_unit_name(" ".join(toks.key[j:k])):
            k -= 1
        return k if k > j else None
    return None


def mentions(toks: Tokens) -> list[Mention]:
    """Every level word with a name, the names coordinated after it sharing its level
    ("hai xã Công Hải và Phước Chiến")."""
    idx = index()
    out: list[Mention] = []
    i = 0
    while i < len(toks):
        admin = _level_at(toks, i, ADMIN_LEVELS)
        found = admin or _level_at(toks, i, SUB_LEVELS)
        end = _name_end(toks, i, found[0], found[1], admin is not None) if found else None
        if found is None or end is None:
            i += 1
            continue
        j, kind = found
        units = _lookup(idx, kind, toks, j, end) if admin else []
        # a level word that the rule stage counted ("hai xã Công Hải") still names the kind
        start = j if any(toks.blocked[i:j]) else i
        out.append(Mention(start, end, kind, _name(toks, j, end), units))
        i = end
        while i + 1 < len(toks) and toks.adjacent(i) and toks.low[i] in (",", "và"):
            k = i + 1 + (toks.low[i] == "," and toks.low[i + 1] == "và")
            nxt = _name_end(toks, k - 1, k, kind, admin is not None) if toks.adjacent(k) else None
            if nxt is None or toks.shape[k] != "title" or _level_at(toks, k, ADMIN_LEVELS):
                break
            units = _lookup(idx, kind, toks, k, nxt) if admin else []
            if admin and not units and is_unit_name(toks.joined(k, nxt)):
                break  # "xã Công Hải, Ninh Thuận": a unit of another level follows
            out.append(Mention(k, nxt, kind, _name(toks, k, nxt), units))
            i = nxt
    return out


def _lookup(idx: Index, kind: str, toks: Tokens, j: int, end: int) -> list[Unit]:
    kinds = {"tỉnh", "thành phố"} if kind == "thành phố" else {kind}
    units = idx.lookup(kinds, toks.joined(j, end))
    if not units and toks.shape[j] == "upper":
        units = [u for u in idx.by_key.get(" ".join(toks.key[j:end]), ()) if u.kind in kinds]
    return units


def _name(toks: Tokens, j: int, end: int) -> str:
    name = toks.joined(j, end)
    return name.title() if toks.shape[j] == "upper" else name


def _resolve(ms: Sequence[Mention]) -> None:
    """Choose among same-named units by the provinces and districts the text names for sure:
    the one that shares most of them ("phường 7, Quận 3": Quận 3's, not another of the
    city's), if it is the only one."""
    context: set[str] = set()
    for m in ms:
        if len(m.units) == 1:
            context |= {m.units[0].code, *m.units[0].parents}
    for m in ms:
        if len(m.units) > 1:
            shared = [len(u.parents & context) for u in m.units]
            best = max(shared)
            if best and shared.count(best) == 1:
                m.units = [m.units[shared.index(best)]]


def value(m: Mention, surface_name: str) -> dict[str, Any]:
    code = era = None
    if len(m.units) == 1:
        code, era = m.units[0].code, m.units[0].era
    elif m.units and len({u.era for u in m.units}) == 1:
        era = m.units[0].era
    return {"name": surface_name, "kind": m.kind, "code": code, "era": era}


def find(toks: Tokens) -> list[Candidate]:
    """LOC candidates: units with their level word, and names after "đơn vị"."""
    ms = mentions(toks)
    _resolve(ms)
    out = []
    for m in ms:
        source = "gazetteer" if m.units else "rule"
        conf = 0.9 if m.units else 0.8
        out.append(Candidate(m.a, m.b, "LOC", value(m, m.name), source, conf))
    for i in range(len(toks) - 2):
        if toks.low[i] == "đơn" and toks.low[i + 1] == "vị" and toks.adjacent(i + 1):
            j = i + 2
            if toks.adjacent(j) and toks.shape[j] == "title":
                k = _title_run(toks, j)
                if runs_into_word(toks, k, j):
                    continue
                v = {"name": toks.joined(j, k), "kind": None, "code": None, "era": None}
                out.append(Candidate(j, k, "LOC", v, "rule", 0.75))
    return out


def known_places(
    toks: Tokens, orgs: Sequence[Candidate], locs: Sequence[Candidate]
) -> dict[str, dict[str, Any]]:
    """Place names the text has introduced (tone key -> LOC value without kind): villages and
    units named with their level word, names after "đơn vị", and the names of branches."""
    known: dict[str, dict[str, Any]] = {}
    for c in locs:
        name = c.value["name"]
        if " " in name or c.value["kind"] in SUB_LEVELS.values():
            known.setdefault(tone_key(name), {**c.value, "kind": None})
    for c in orgs:
        if c.inner is not None:
            name = toks.joined(*c.inner)
            blank = {"name": name, "kind": None, "code": None, "era": None}
            known.setdefault(tone_key(name), blank)
    return known


def bare_places(
    toks: Tokens, covered: list[bool], known: dict[str, dict[str, Any]]
) -> list[Candidate]:
    """A known place written bare, as a whole capitalised run outside other names."""
    out = []
    i = 0
    while i < len(toks):
        if covered[i] or toks.shape[i] != "title":
            i += 1
            continue
        k = i + 1
        while k < len(toks) and toks.shape[k] == "title" and toks.adjacent(k) and not covered[k]:
            k += 1
        key = tone_key(toks.joined(i, k))
        follows_number = k < len(toks) and toks.adjacent(k) and toks.shape[k] == "digit"
        if key in known and not follows_number and (i == 0 or toks.shape[i - 1] != "title"):
            v = {**known[key], "name": toks.joined(i, k)}
            out.append(Candidate(i, k, "LOC", v, "rule", 0.7))
        i = k
    return out
