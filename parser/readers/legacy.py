"""Legacy 8-bit Vietnamese encodings: TCVN3 (ABC) and VNI-Windows, to Unicode NFC.

Before Unicode, Vietnamese text was typed in fonts whose glyphs sit on Windows-1252 code points:
TCVN3 fonts (".VnTime", ".VnArial", ".VnTimeH" ...) put each toned letter on one byte (0xA1-0xFE);
VNI fonts ("VNI-Times", "VNI-Helve" ...) write a base letter followed by a diacritic byte. A Word
file keeps those bytes as the Windows-1252 characters they stand on ("B¸o c¸o", "Baùo caùo"), so
the text reads right only in that font. TCVN3's "H" fonts (".VnTimeH") draw capitals on the codes
of the small letters, the only way TCVN3 writes a toned capital: their text is upper-cased after
conversion.

A font name is not proof: many files name a legacy font on runs whose text is already Unicode.
`verdict` decides from the characters: Vietnamese letters that no legacy byte can produce ("ế",
"ư", "ọ") prove Unicode; otherwise the reading with more valid Vietnamese syllables wins.
The tables follow TCVN 5712:1993 (VN3 subset, as glibc's TCVN5712-1 maps bytes 0xA1-0xFE) and the
VNI-Windows layout (as in the xvnkb/Unikey keyboard tables); tests check them by round trips.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

TCVN3 = "tcvn3"
VNI = "vni"

# Tone marks in the order of the table columns below: none, grave, hook, tilde, acute, dot below.
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_TONE_MARKS = frozenset(_TONES[1:])

# TCVN3: per base letter, the byte of each toned form (ASCII letters stand for themselves).
# fmt: off
_TCVN3_VOWELS = {
    "a": (0x61, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xA8, 0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xA9, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0x65, 0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xAA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0x69, 0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0x6F, 0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xAB, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xAC, 0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0x75, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xAD, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0x79, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
# "đ", and the only capitals TCVN3 has codes for (toned capitals need an "H" font).
_TCVN3_OTHERS = {
    0xAE: "đ", 0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
}

# VNI-Windows: per base letter, the characters of each toned form (small letters; capitals are
# the same sequences upper-cased: "aù" → "AÙ").
_VNI_VOWELS = {
    "a": ("a", "aø", "aû", "aõ", "aù", "aï"),
    "ă": ("aê", "aè", "aú", "aü", "aé", "aë"),
    "â": ("aâ", "aà", "aå", "aã", "aá", "aä"),
    "e": ("e", "eø", "eû", "eõ", "eù", "eï"),
    "ê": ("eâ", "eà", "eå", "eã", "eá", "eä"),
    "i": ("i", "ì", "æ", "ó", "í", "ò"),
    "o": ("o", "oø", "oû", "oõ", "où", "oï"),
    "ô": ("oâ", "oà", "oå", "oã", "oá", "oä"),
    "ơ": ("ô", "ôø", "ôû", "ôõ", "ôù", "ôï"),
    "u": ("u", "uø", "uû", "uõ", "uù", "uï"),
    "ư": ("ö", "öø", "öû", "öõ", "öù", "öï"),
    "y": ("y", "yø", "yû", "yõ", "yù", "î"),
}
# fmt: on
_VNI_D = "ñ"

# Vietnamese letters that no legacy byte stands on: seeing one proves the text is Unicode.
_UNICODE_ONLY = re.compile("[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9\u0300\u0301\u0303\u0309\u0323]")

_TCVN3_FONT = re.compile(r"^\s*\.vn", re.IGNORECASE)
_VNI_FONT = re.compile(r"^\s*vni[-_ ]", re.IGNORECASE)


def _toned(base: str, tone: int) -> str:
    return unicodedata.normalize("NFC", base + _TONES[tone])


def _byte_char(byte: int) -> str:
    """The character Windows-1252 shows for a byte (Latin-1 where Windows-1252 has none)."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


@lru_cache(maxsize=1)
def _tcvn3_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for base, codes in _TCVN3_VOWELS.items():
        for tone, code in enumerate(codes):
            if code >= 0x80:
                table[_byte_char(code)] = _toned(base, tone)
    for code, letter in _TCVN3_OTHERS.items():
        table[_byte_char(code)] = letter
    return table


@lru_cache(maxsize=1)
def _vni_table() -> dict[str, str]:
    """VNI sequences (one or two characters) → Unicode letter."""
    table: dict[str, str] = {}
    for base, forms in _VNI_VOWELS.items():
        for tone, seq in enumerate(forms):
            if seq.isascii():
                continue
            letter = _toned(base, tone)
            table[seq] = letter
            table[seq.upper()] = letter.upper()
            if len(seq) == 2:  # capital base with a small mark, as some VNI typists leave it
                table[seq[0].upper() + seq[1]] = letter.upper()
    table[_VNI_D] = "đ"
    table[_VNI_D.upper()] = "Đ"
    return table


def is_legacy_font(name: str | None) -> str | None:
    """The legacy encoding a font name announces: "tcvn3" (".Vn…"), "vni" ("VNI-…") or None."""
    if not name:
        return None
    if _TCVN3_FONT.match(name):
        return TCVN3
    if _VNI_FONT.match(name):
        return VNI
    return None


def is_capitals_font(name: str | None) -> bool:
    """A TCVN3 "H" font (".VnTimeH", ".VnArialH"): it draws every letter as a capital."""
    if not name:
        return False
    return is_legacy_font(name) == TCVN3 and name.rstrip().endswith("H")


def looks_unicode_vietnamese(text: str) -> bool:
    """Does the text hold a Vietnamese letter (or tone mark) that only Unicode can encode?"""
    return bool(_UNICODE_ONLY.search(text))


def _unmap_symbol_area(text: str) -> str:
    # Word stores text in symbol-charset fonts at U+F020-U+F0FF: the byte is the low half.
    return "".join(chr(ord(c) - 0xF000) if 0xF020 <= ord(c) <= 0xF0FF else c for c in text)


def convert(text: str, encoding: str, *, caps: bool = False) -> str:
    """Legacy-font text (its bytes as Windows-1252 characters) → Unicode NFC.

    `caps` upper-cases the result, for TCVN3 "H" fonts whose small-letter codes draw capitals.
    """
    text = _unmap_symbol_area(text)
    if encoding == TCVN3:
        table = _tcvn3_table()
        out = "".join(table.get(c, c) for c in text)
    elif encoding == VNI:
        out = _convert_vni(text)
    else:
        raise ValueError(f"unknown legacy encoding: {encoding}")
    out = unicodedata.normalize("NFC", out)
    return out.upper() if caps else out


def _convert_vni(text: str) -> str:
    table = _vni_table()
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = table.get(text[i : i + 2])
        if pair is not None:
            out.append(pair)
            i += 2
            continue
        out.append(table.get(text[i], text[i]))
        i += 1
    return "".join(out)


@lru_cache(maxsize=1)
def _encoders() -> dict[str, dict[str, str]]:
    tcvn3 = {letter: seq for seq, letter in _tcvn3_table().items()}
    # Toned capitals have no TCVN3 code: an "H" font writes them with the small letter's code.
    for letter, seq in list(tcvn3.items()):
        tcvn3.setdefault(letter.upper(), seq)
    vni: dict[str, str] = {}
    for seq, letter in _vni_table().items():  # the canonical sequence comes first
        vni.setdefault(letter, seq)
    return {TCVN3: tcvn3, VNI: vni}


def encode(text: str, encoding: str) -> str:
    """Unicode → legacy-font characters: what a TCVN3 or VNI document stores (tests, fixtures)."""
    table = _encoders()[encoding]
    return "".join(table.get(c, c) for c in unicodedata.normalize("NFC", text))


def encode_bytes(text: str, encoding: str) -> bytes:
    """Unicode → the bytes of a legacy-encoded text file."""
    return encode(text, encoding).encode("cp1252")


def single_byte_text(data: bytes) -> str:
    """Bytes read as a legacy font's code page: each byte the Windows-1252 character on it."""
    return "".join(_BYTE_CHARS[b] for b in data)


def _bytes_of(text: str) -> bytes:
    """The inverse of `single_byte_text` (characters it cannot produce become "?")."""
    return bytes(_CHAR_BYTES.get(c, 0x3F) for c in text)


_BYTE_CHARS = [_byte_char(b) for b in range(256)]
_CHAR_BYTES = {c: b for b, c in enumerate(_BYTE_CHARS)}


# --- Vietnamese syllables -----------------------------------------------------------------------
# A small model of syllable structure: (initial consonant) + rhyme, the rhyme being a vowel nucleus
# (with its medial glide) and an optional final. Enough to tell Vietnamese from mojibake.

_INITIALS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip
# nucleus → its possible endings ("_": none).
_ENDINGS = {
    "a": "_ i o u y c ch m n ng nh p t",
    "ă": "c m n ng p t",
    "â": "u y c m n ng p t",
    "e": "_ o c m n ng p t",
    "ê": "_ u ch m n nh p t",
    "i": "_ a u ch m n nh p t",
    "iê": "u c m n ng p t",
    "yê": "u c m n ng p t",
    "o": "_ i c m n ng p t",
    "oo": "c ng",
    "ô": "_ i c m n ng p t",
    "ơ": "_ i m n p t",
    "u": "_ a i c m n ng p t",
    "uô": "i c m n ng t",
    "ư": "_ a i u c m n ng t",
    "ươ": "i u c m n ng p t",
    "y": "_",
    "oa": "_ i y o c ch m n ng nh p t",
    "oă": "c m n ng t",
    "oe": "_ o c n t",
    "uâ": "y n ng t",
    "uê": "_ ch nh n",
    "uơ": "_",
    "uy": "_ a u ch nh n p t",
    "uyê": "n t",
}
_RHYMES = frozenset(
    nucleus + ("" if end == "_" else end)
    for nucleus, ends in _ENDINGS.items()
    for end in ends.split()
)
# After "qu" the medial glide is the initial's "u": "quốc" = qu + ôc, "quy" = qu + y.
_QU_RHYMES = frozenset(r[1:] for r in _RHYMES if r[0] in "ou" and len(r) > 1)
_TOKEN_EDGES = "\"'()[]{}<>.,;:!?…“”‘’«»-–—/\\*+=%&#@_|~^`"


# Spelling: k, gh, ngh only before i, e, ê, y; c, g, ng never before them ("gi" is an initial).
_FRONT_ONLY = frozenset(("k", "gh", "ngh"))
_NOT_FRONT = frozenset(("c", "g", "ng"))
_FRONT_VOWELS = ("i", "e", "ê", "y")


def _rhyme_fits(initial: str, rest: str) -> bool:
    front = rest.startswith(_FRONT_VOWELS)
    if (initial in _FRONT_ONLY and not front) or (initial in _NOT_FRONT and front):
        return False
    if initial == "qu":
        return rest in _QU_RHYMES
    if initial == "gi":  # the i of "gi" doubles as the vowel: gì, gìn, giữa
        return rest in _RHYMES or "i" + rest in _RHYMES
    return rest in _RHYMES


@lru_cache(maxsize=65536)
def is_syllable(token: str) -> bool:
    """Is the token one Vietnamese syllable (any case, at most one tone mark)?"""
    decomposed = unicodedata.normalize("NFD", token.lower())
    tones = sum(1 for c in decomposed if c in _TONE_MARKS)
    if tones > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    return any(
        bare.startswith(initial) and _rhyme_fits(initial, bare[len(initial) :])
        for initial in _INITIALS
    )


def _tokens(text: str) -> Iterable[str]:
    for raw in text.split():
        token = raw.strip(_TOKEN_EDGES)
        if token and not any(c.isdigit() for c in token):
            yield token


def syllable_count(text: str) -> int:
    """How many whitespace-separated words of the text are valid Vietnamese syllables."""
    return sum(1 for t in _tokens(unicodedata.normalize("NFC", text)) if is_syllable(t))


# --- Deciding -----------------------------------------------------------------------------------


def verdict(text: str, encoding: str, *, caps: bool = False) -> int:
    """+1 when the text in a legacy font reads as legacy-encoded, -1 when it is Unicode already,
    0 when its characters cannot tell (both readings equally Vietnamese, or nothing to convert)."""
    if looks_unicode_vietnamese(text):
        return -1
    converted = convert(text, encoding, caps=caps)
    if converted == text:
        return 0
    as_is, as_legacy = syllable_count(text), syllable_count(converted)
    return (as_legacy > as_is) - (as_legacy < as_is)


def convert_if_legacy(text: str) -> tuple[str, str | None]:
    """Text whose encoding is unknown (a document property): converted when a legacy reading has
    clearly more Vietnamese syllables; returns the text and the encoding found (or None)."""
    if looks_unicode_vietnamese(text):
        return text, None
    best, best_encoding, best_count = text, None, syllable_count(text)
    for encoding in (VNI, TCVN3):
        converted = convert(text, encoding)
        count = syllable_count(converted)
        if count > best_count:
            best, best_encoding, best_count = converted, encoding, count
    return best, best_encoding


DETECTION_SAMPLE = 200_000  # characters: plenty to tell encodings apart


def detect_legacy_text(text: str) -> str | None:
    """The legacy encoding of a text file's bytes (given as `single_byte_text`), or None when
    Windows-1258 reads it at least as well: the reading with the most Vietnamese syllables wins."""
    sample = text[:DETECTION_SAMPLE]
    try:
        as_1258 = _bytes_of(sample).decode("cp1258")
    except UnicodeDecodeError:
        baseline = 0  # bytes Windows-1258 cannot decode
    else:
        baseline = syllable_count(as_1258)
    best, best_count = None, baseline
    for encoding in (TCVN3, VNI):
        count = syllable_count(convert(sample, encoding))
        if count > best_count:
            best, best_count = encoding, count
    return best
