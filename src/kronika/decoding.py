"""From bytes to text: bounded reading of a file, and decoding that recognises UTF-8, UTF-16 and the
legacy code pages our languages were saved in before UTF-8, so nothing is read garbled.

Every problem is an `InputProblem` (what is wrong and what to do); the readers turn it into an
`InputError` naming the input.
"""
from __future__ import annotations

import codecs
import logging
import os
import re
import unicodedata

from charset_normalizer import from_bytes

from .errors import InputProblem

log = logging.getLogger(__name__)

# Ukrainian, Bulgarian, western European); UTF-16 is recognised by its BOM or its NUL pattern.
LEGACY_ENCODINGS = ("cp1250", "iso8859_2", "cp1251", "koi8_r", "iso8859_5", "cp1252")

_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)


# Letters each language writes beyond ASCII: a right decoding keeps an article inside one of them.
_ALPHABETS = {
    "pl": "ąćęłńóśźż", "cs": "áčďéěíňóřšťúůýž", "sk": "áäčďéíĺľňóôŕšťúýž", "de": "äöüß",
    "fr": "àâæçéèêëîïôœùûüÿ", "es": "áéíñóúü",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "bg": "абвгдежзийклмнопрстуфхцчшщъьюя", "be": "абвгдеёжзійклмнопрстуўфхцчшыьэюя",
}
# Cyrillic letter frequencies (per mille, Russian, plus Ukrainian і ї є): a wrong Cyrillic code page
# maps letters onto others, so the text's letters become rarer on average.
_CYRILLIC_FREQ = dict(zip("оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъёіїєґ", (
    110, 85, 80, 74, 67, 63, 55, 47, 45, 44, 35, 32, 30, 28, 26, 20, 19, 17, 17, 17, 16, 14, 12, 10, 9,
    7, 6, 5, 4, 3, 3, 1, 1, 60, 6, 4, 1)))
_WORD_CHARS_OK = set("’‘ʼ‐‑°")  # non-letters at home inside words in any of our languages
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32), 127])
_SAMPLE = 65536


def file_stem(path: str) -> str:
    """File name without its extension: ``a/pl_01.txt`` -> ``pl_01``, ``feed.jsonl.gz`` -> ``feed``."""
    name = os.path.basename(path)
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[0] or name


# -- reading bytes ---------------------------------------------------------------------------------

def read_bounded(path: str, max_bytes: int) -> bytes:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise _too_big(size, max_bytes)
        data = handle.read(max_bytes + 1)  # a pipe or a growing file may not know its size
    if len(data) > max_bytes:
        raise _too_big(len(data), max_bytes, at_least=True)
    if not data:
        raise InputProblem("file is empty", "remove it or add the article text")
    return data


def _too_big(size: int, max_bytes: int, at_least: bool = False) -> InputProblem:
    shown, limit = human_size(size), human_size(max_bytes)
    if shown == limit:
        shown, limit = f"{size:,} bytes", f"{max_bytes:,} bytes"
    problem = f"file is over the {limit} limit" if at_least else f"file is {shown}, over the {limit} limit"
    return InputProblem(problem, "split it or raise --max-bytes")


def human_size(n: int) -> str:
    if n >= 10_000_000:
        return f"{n / 1e6:.0f} MB"
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    if n >= 10_000:
        return f"{n / 1e3:.0f} kB"
    return f"{n:,} bytes"


def normalise_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputProblem("file has only white space", "remove it or add the article text")
    return text



# -- decoding --------------------------------------------------------------------------------------

def decode_bytes(data: bytes) -> str:
    """Decode an article's bytes: UTF-8 (BOM or not), UTF-16 (BOM or NUL pattern), else the legacy
    code page whose text reads best. A leading BOM is dropped; binary data raises a problem.

    >>> decode_bytes("Łódź".encode("cp1250"))
    'Łódź'
    """
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as err:
                raise undecodable(codec, err) from None
    sample = data[:_SAMPLE]
    if b"\0" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise InputProblem("file is binary (it contains NUL bytes), not text",
                           "pass article files only (.txt, .jsonl, .html)")
        return text
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > 0.05 * len(sample):
        raise InputProblem("file is binary (mostly control bytes), not text",
                       "pass article files only (.txt, .jsonl, .html)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        utf8_error = err
    # Mostly valid UTF-8 with a few bad bytes is a damaged UTF-8 file, not a legacy one.
    lenient = sample.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    if sum(1 for c in lenient if ord(c) > 127) - bad >= 10 * bad:
        raise undecodable("utf-8", utf8_error)
    return _decode_legacy(data)


def undecodable(codec: str, err: UnicodeDecodeError) -> InputProblem:
    return InputProblem(f"bytes at offset {err.start} are not valid {codec}",
                    "re-save the file as UTF-8")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM has its NUL bytes (high bytes of ASCII) all on one side."""
    sample = data[:_SAMPLE]
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if len(data) % 2 or min(even, odd) > 0.02 * max(even, odd):
        return None
    try:
        text = data.decode("utf-16-le" if odd > even else "utf-16-be")
    except UnicodeDecodeError:
        return None
    return text if _looks_like_text(text[:_SAMPLE]) else None


def _decode_legacy(data: bytes) -> str:
    """Pick the legacy code page: charset-normalizer's mess ratio plus how much the text reads like
    one of our languages (letters from one alphabet, mostly lower case, common Cyrillic letters)."""
    sample = data[:_SAMPLE]
    chaos = {}
    for match in from_bytes(sample, cp_isolation=list(LEGACY_ENCODINGS)):
        for encoding in match.could_be_from_charset:
            chaos[encoding] = min(chaos.get(encoding, 1.0), match.chaos)
    best, best_score = None, float("-inf")
    for encoding in LEGACY_ENCODINGS:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _language_score(text) - chaos.get(encoding, 0.3)
        log.debug("legacy candidate %s scores %.3f", encoding, score)
        if score > best_score:
            best, best_score = encoding, score
    if best is not None:
        try:
            text = data.decode(best)
        except UnicodeDecodeError:
            text = None
        if text is not None and _looks_like_text(text[:_SAMPLE]):
            log.info("decoded as %s (not UTF-8)", best)
            return text
    raise InputProblem("bytes are neither UTF-8 nor a legacy encoding (cp1250, ISO-8859-2, cp1251, "
                   "KOI8-R, ISO-8859-5, cp1252) that gives readable text",
                   "re-save the file as UTF-8")


def _language_score(text: str) -> float:
    """How much decoded text reads like one of our languages; higher is better."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return -1.0
    lower = sum(1 for c in letters if c.islower()) / len(letters)
    foreign = [c.lower() for c in letters if ord(c) > 127]
    coverage = 1.0
    if foreign:
        coverage = max(sum(1 for c in foreign if c in alphabet) / len(foreign)
                       for alphabet in _ALPHABETS.values())
    cyrillic = [_CYRILLIC_FREQ.get(c.lower(), 0) for c in letters if "\u0400" <= c <= "\u04ff"]
    frequency = sum(cyrillic) / len(cyrillic) / 110 if cyrillic else 0.0
    return coverage + 2 * frequency + 0.25 * lower - 2 * _odd_ratio(text)


def _letter_ratio(text: str) -> float:
    visible = [c for c in text if not c.isspace()]
    return sum(1 for c in visible if c.isalpha()) / len(visible) if visible else 0.0


def _looks_like_text(text: str) -> bool:
    return _letter_ratio(text) >= 0.4 and _odd_ratio(text) < 0.2


def _odd_ratio(text: str) -> float:
    """Share of words with non-ASCII characters that show a wrong decoding: control characters,
    symbols stuck to letters (``ż±da``, ``©est``), Latin and Cyrillic letters mixed (``Mдnner``)."""
    words = [w for w in text.split() if not w.isascii()]
    if not words:
        return 0.0
    return sum(1 for w in words if _is_odd(w)) / len(words)


def _is_odd(word: str) -> bool:
    latin = cyrillic = False
    for i, char in enumerate(word):
        if char.isalpha():
            cyrillic |= "\u0400" <= char <= "\u04ff"
            latin |= char.isascii()
            continue
        kind = unicodedata.category(char)
        if kind in ("Cc", "Co", "Cn"):
            return True
        if char.isascii() or char.isdigit() or kind[0] == "M" or char in _WORD_CHARS_OK:
            continue
        before = i > 0 and word[i - 1].isalpha()
        after = i + 1 < len(word) and word[i + 1].isalpha()
        if (before and after) or (kind[0] == "S" and (before or after)):
            return True
    return latin and cyrillic



def decode_html(data: bytes) -> str:
    """An HTML page's declared charset wins when the bytes agree with it; else detect."""
    declared = _META_CHARSET.search(data[:4096])
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        name = declared.group(1).decode("ascii").lower()
        if name in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"):
            name = "cp1252"  # what browsers do
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            log.debug("declared charset %s does not fit the bytes; detecting", name)
    return decode_bytes(data)
