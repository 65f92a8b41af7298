"""Ingest: read article files (text, JSON Lines, HTML, directories, stdin) into `Article` records.

Every problem with one input becomes an `InputError` in the output stream instead of an exception,
so a batch goes on past a bad file. Bodies are returned exactly as they stand after the header
(line endings normalised to ``\\n``): the offsets every later stage reports are offsets into them.
"""
from __future__ import annotations

import codecs
import datetime
import gzip
import json
import logging
import os
import re
import sys
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from charset_normalizer import from_bytes

from kronika.errors import InputError
from kronika.records import Article

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".text")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
HTML_SUFFIXES = (".html", ".htm")
FEED_SUFFIXES = (".rss", ".atom", ".xml")
WARC_SUFFIXES = (".warc", ".warc.gz")
GOLD_SUFFIX = ".gold.jsonl"
# Single-byte encodings our languages were saved in before UTF-8 (Polish, Czech, Slovak, Russian,
# Ukrainian, Bulgarian, western European); UTF-16 is recognised by its BOM or its NUL pattern.
LEGACY_ENCODINGS = ("cp1250", "iso8859_2", "cp1251", "koi8_r", "iso8859_5", "cp1252")

HEADER_KEYS = ("date", "source", "title", "lang", "id")
_HEADER_LINE = re.compile(rf"[ \t]*({'|'.join(HEADER_KEYS)})[ \t]+(\S[^\n]*?)[ \t]*(?:\n|$)")
_BLANKS = re.compile(r"[ \t]*")
_BLANK_LINE = re.compile(r"[ \t]*\n")
_DATE_SHAPE = re.compile(r"\d{4}(?:-\d{1,2}){0,2}")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ]\d{2}:\d{2}\S*)?")
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


class _Problem(Exception):
    """What is wrong with one input and what to do; becomes an InputError with the path."""

    def __init__(self, problem: str, fix: str):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


# -- entry point -----------------------------------------------------------------------------------

def read_inputs(paths: Iterable[str], max_bytes: int = 20_000_000) -> Iterator[Article | InputError]:
    """Read article files, directories (recursively) and ``-`` (stdin, text format).

    Yields one `Article` per article, or one `InputError` per input (or JSON Lines line) that cannot
    be read; it never raises for a bad file. `max_bytes` limits a text or HTML file, and one line of
    a JSON Lines file (a JSON Lines corpus is streamed, so only its records need to fit in memory).

    >>> [a.doc_id for a in read_inputs(["articles/"])]  # doctest: +SKIP
    ['pl_01', 'ru_02']
    """
    for path in paths:
        if path == "-":
            yield from _guard("-", lambda: _read_stdin(max_bytes))
        elif os.path.isdir(path):
            files = list(iter_input_files(path))
            if not files:
                yield InputError(path, "directory has no .txt, .jsonl or .html files",
                                 "check the path, or pass the article files themselves")
            for file in files:
                yield from read_file(file, max_bytes)
        else:
            yield from read_file(path, max_bytes)


def iter_input_files(root: str) -> Iterator[str]:
    """Article files under `root`, recursively and sorted; hidden, gold and other files are skipped.

    >>> list(iter_input_files("corpus"))  # doctest: +SKIP
    ['corpus/pl/01.txt', 'corpus/ru/feed.jsonl']
    """
    found, skipped = [], 0
    for folder, dirs, names in os.walk(root, onerror=lambda err: log.warning("cannot list %s: %s",
                                                                             err.filename, err.strerror)):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            lower = name.lower()
            if (name.startswith(".") or lower.endswith(GOLD_SUFFIX)
                    or not lower.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES + FEED_SUFFIXES
                                          + WARC_SUFFIXES)):
                log.debug("skipping %s: not an article file", os.path.join(folder, name))
                skipped += 1
                continue
            found.append(os.path.join(folder, name))
    if skipped:
        log.info("%s: skipped %d files that are hidden, gold or not .txt/.jsonl/.html", root, skipped)
    yield from sorted(found, key=lambda p: Path(os.path.relpath(p, root)).parts)


def read_file(path: str, max_bytes: int = 20_000_000) -> Iterator[Article | InputError]:
    """Read one file, choosing the format by its extension (anything unknown is the text format)."""
    kind = _kind(os.path.basename(path))
    if kind == "gold":
        yield InputError(path, "this is a gold file (expected events), not an article",
                         "pass the article file beside it instead")
    elif kind == "jsonl":
        yield from _guard(path, lambda: _read_jsonl(path, max_bytes))
    elif kind == "html":
        yield from _guard(path, lambda: iter([_read_html(path, max_bytes)]))
    elif kind == "feed":
        from .feeds import read_feed

        yield from _guard(path, lambda: read_feed(path, max_bytes))
    elif kind == "warc":
        from .feeds import read_warc

        yield from _guard(path, lambda: read_warc(path, max_bytes))
    else:
        yield from _guard(path, lambda: iter([parse_article(_read_text(path, max_bytes), path)]))


def _guard(path: str, produce) -> Iterator[Article | InputError]:
    """Turn problems raised while reading `path` into one InputError at the end of its output."""
    try:
        yield from produce()
    except _Problem as err:
        yield InputError(path, err.problem, err.fix)
    except OSError as err:
        yield InputError(path, f"cannot read it: {err.strerror or err}",
                         "check that the path exists and is readable")


def _kind(name: str) -> str:
    lower = name.lower()
    if lower.endswith(GOLD_SUFFIX):
        return "gold"
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if lower.endswith(HTML_SUFFIXES):
        return "html"
    if lower.endswith(FEED_SUFFIXES):
        return "feed"
    if lower.endswith(WARC_SUFFIXES):
        return "warc"
    return "text"


def _stem(path: str) -> str:
    """File name without its extension: ``a/pl_01.txt`` -> ``pl_01``, ``feed.jsonl.gz`` -> ``feed``."""
    name = os.path.basename(path)
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[0] or name


# -- reading bytes ---------------------------------------------------------------------------------

def _read_bytes(path: str, max_bytes: int) -> bytes:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise _too_big(size, max_bytes)
        data = handle.read(max_bytes + 1)  # a pipe or a growing file may not know its size
    if len(data) > max_bytes:
        raise _too_big(len(data), max_bytes, at_least=True)
    if not data:
        raise _Problem("file is empty", "remove it or add the article text")
    return data


def _too_big(size: int, max_bytes: int, at_least: bool = False) -> _Problem:
    shown, limit = _human(size), _human(max_bytes)
    if shown == limit:
        shown, limit = f"{size:,} bytes", f"{max_bytes:,} bytes"
    problem = f"file is over the {limit} limit" if at_least else f"file is {shown}, over the {limit} limit"
    return _Problem(problem, "split it or raise --max-bytes")


def _human(n: int) -> str:
    if n >= 10_000_000:
        return f"{n / 1e6:.0f} MB"
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    if n >= 10_000:
        return f"{n / 1e3:.0f} kB"
    return f"{n:,} bytes"


def _read_text(path: str, max_bytes: int) -> str:
    return _normalise(decode_bytes(_read_bytes(path, max_bytes)))


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise _Problem("file has only white space", "remove it or add the article text")
    return text


def _read_stdin(max_bytes: int) -> Iterator[Article]:
    stream = sys.stdin
    if hasattr(stream, "buffer"):
        data = stream.buffer.read(max_bytes + 1)
    else:  # a text stream without bytes underneath (tests, embedding)
        data = stream.read(max_bytes + 1).encode("utf-8")
    if len(data) > max_bytes:
        raise _Problem(f"standard input is over the {_human(max_bytes)} limit",
                       "split the input or raise --max-bytes")
    if not data:
        raise _Problem("standard input is empty", "pipe the article text in")
    yield parse_article(_normalise(decode_bytes(data)), "-", default_id="stdin")


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
                raise _undecodable(codec, err) from None
    sample = data[:_SAMPLE]
    if b"\0" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise _Problem("file is binary (it contains NUL bytes), not text",
                           "pass article files only (.txt, .jsonl, .html)")
        return text
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > 0.05 * len(sample):
        raise _Problem("file is binary (mostly control bytes), not text",
                       "pass article files only (.txt, .jsonl, .html)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        utf8_error = err
    # Mostly valid UTF-8 with a few bad bytes is a damaged UTF-8 file, not a legacy one.
    lenient = sample.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    if sum(1 for c in lenient if ord(c) > 127) - bad >= 10 * bad:
        raise _undecodable("utf-8", utf8_error)
    return _decode_legacy(data)


def _undecodable(codec: str, err: UnicodeDecodeError) -> _Problem:
    return _Problem(f"bytes at offset {err.start} are not valid {codec}",
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
    raise _Problem("bytes are neither UTF-8 nor a legacy encoding (cp1250, ISO-8859-2, cp1251, "
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


# -- the text format -------------------------------------------------------------------------------

def split_header(text: str) -> tuple[dict[str, str], str]:
    """Split an article file's text into its header fields and its body.

    Header lines are ``key value`` (keys date, source, title, lang, id), then a blank line or the
    body directly. The inline form ``  date 2022-01 Body…`` puts the body on the date's line. Text
    without a header is all body, returned unchanged.

    >>> split_header("date 2022-01-06\\nsource PAP\\n\\nPolicja…")
    ({'date': '2022-01-06', 'source': 'PAP'}, 'Policja…')
    """
    headers: dict[str, str] = {}
    pos = len(text) - len(text.lstrip())
    while True:
        match = _HEADER_LINE.match(text, pos)
        if not match:
            break
        key, value = match.group(1), match.group(2)
        words = value.split(None, 1)
        if key == "date" and len(words) == 2 and _DATE_SHAPE.fullmatch(words[0]):
            # inline form: the body starts after the date and the white space that follows it
            headers.setdefault("date", words[0])
            return headers, text[_BLANKS.match(text, match.start(2) + len(words[0])).end():]
        if key in ("id", "lang", "date") and len(words) > 1:
            break  # "id est …", "date of the vote …": prose, not a header
        headers.setdefault(key, value)
        pos = match.end()
    if not headers:
        return {}, text
    blank = _BLANK_LINE.match(text, pos)
    return headers, text[blank.end():] if blank else text[pos:]


def parse_article(text: str, path: str, default_id: str | None = None) -> Article:
    """Build an Article from an article file's normalised text; `path` names it in messages.

    The doc id is the ``id`` header, else `default_id`, else the file name without its extension.
    """
    headers, body = split_header(text)
    if not body.strip():
        raise _Problem("file has headers but no article text",
                       "add the article text after the header lines")
    return Article(doc_id=headers.get("id") or default_id or _stem(path), body=body, path=path,
                   date=parse_date(headers.get("date"), path), title=headers.get("title"),
                   lang=headers.get("lang"), outlet=headers.get("source"))


def parse_date(value: str | None, where: str = "") -> str | None:
    """Validate a declared date: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (a time after it is dropped).

    A malformed or impossible date is logged as a warning and read as None.

    >>> parse_date("2022-01-06T10:00:00Z"), parse_date("2022-13")
    ('2022-01-06', None)
    """
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    match = _DATE.fullmatch(value)
    if match:
        year, month, day = match.groups()
        try:
            datetime.date(int(year), int(month or 1), int(day or 1))
            if int(year) >= 1000:
                return "-".join(part for part in (year, month, day) if part)
        except ValueError:
            pass
    log.warning("%s: date %r is not YYYY, YYYY-MM or YYYY-MM-DD; ignoring it", where or "input", value)
    return None


# -- JSON Lines ------------------------------------------------------------------------------------

def _read_jsonl(path: str, max_bytes: int) -> Iterator[Article | InputError]:
    opener = gzip.open if path.lower().endswith(".gz") else open
    stem, records = _stem(path), 0
    with opener(path, "rb") as handle:
        number = 0
        while True:
            try:
                line = handle.readline(max_bytes + 1)
                complete = len(line) <= max_bytes
                tail = line
                while not complete and tail and not tail.endswith(b"\n"):
                    tail = handle.readline(1 << 20)  # skip the rest of the line without keeping it
            except (EOFError, zlib.error, gzip.BadGzipFile) as err:
                raise _Problem(f"compressed data is corrupt after line {number} ({err})",
                               "re-create the .gz file") from None
            if not line:
                break
            number += 1
            where = f"{path}:{number}"
            if not complete:
                yield InputError(where, f"line is over the {_human(max_bytes)} limit",
                                 "split the article or raise --max-bytes")
                continue
            if b"\0" in line:
                raise _Problem("file is binary (it contains NUL bytes), not JSON Lines",
                               "pass article files only (.txt, .jsonl, .html)")
            if not line.strip():
                continue
            records += 1
            try:
                yield _jsonl_article(line, where, f"{stem}-{number}")
            except _Problem as err:
                yield InputError(where, err.problem, err.fix)
    if not records:
        raise _Problem("file has no JSON lines", "remove it or add one article per line")


def _jsonl_article(line: bytes, where: str, default_id: str) -> Article:
    try:
        record = json.loads(line.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise _undecodable("utf-8", err) from None
    except json.JSONDecodeError as err:
        raise _Problem(f"line is not valid JSON ({err.msg} at column {err.colno})",
                       "fix or remove the line") from None
    if not isinstance(record, dict):
        raise _Problem("line is not a JSON object", 'write one {"id": …, "text": …} object per line')
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _Problem('line has no "text"', 'add the article text as "text", or remove the line')

    def field(key: str) -> str | None:
        value = record.get(key)
        return None if value is None or value == "" else str(value)

    return Article(doc_id=field("id") or default_id, body=text.replace("\r\n", "\n").replace("\r", "\n"),
                   path=where, date=parse_date(field("date"), where), title=field("title"),
                   url=field("url"), lang=field("lang"), outlet=field("source") or field("outlet"))


# -- HTML ------------------------------------------------------------------------------------------

def _read_html(path: str, max_bytes: int) -> Article:
    return html_article(_read_bytes(path, max_bytes), path, _stem(path))


def html_article(data: bytes, path: str, doc_id: str, url: str | None = None) -> Article:
    """The article text, date, title and language of an HTML page (trafilatura, htmldate)."""
    import htmldate
    import trafilatura
    from trafilatura.utils import load_html

    html = _normalise(_decode_html(data))
    try:
        tree = load_html(html)  # a tree, not a string: htmldate fetches strings that look like URLs
        if tree is None:
            raise _Problem("file is not HTML that can be parsed",
                           "check the file is a saved web page, or save the article text as .txt")
        lang = tree.get("lang") or None
        date = htmldate.find_date(tree, extensive_search=False, original_date=True)
        doc = trafilatura.bare_extraction(tree, favor_recall=True, include_comments=False,
                                          include_tables=False, with_metadata=True,
                                          date_extraction_params={"extensive_search": False,
                                                                  "original_date": True})
    except _Problem:
        raise
    except Exception as err:  # third-party parsers on hostile markup: report, do not stop the batch
        log.debug("HTML extraction failed for %s", path, exc_info=True)
        raise _Problem(f"HTML could not be parsed ({type(err).__name__}: {err})",
                       "check the file is a saved web page, or save the article text as .txt") from None
    text = _get(doc, "text")
    if not text or not any(c.isalpha() for c in text):
        raise _Problem("no article text found in the HTML",
                       "check the file is an article page, or save the article text as .txt")
    return Article(doc_id=doc_id, body=text.replace("\r\n", "\n").replace("\r", "\n"), path=path,
                   date=parse_date(date, path), title=_get(doc, "title"), url=url or _get(doc, "url"),
                   lang=lang.split("-")[0].lower() if lang else None, outlet=_get(doc, "sitename"))


def _get(doc, key: str):
    return doc.get(key) if isinstance(doc, dict) else getattr(doc, key, None)


def _decode_html(data: bytes) -> str:
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
