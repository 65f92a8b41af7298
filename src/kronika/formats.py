"""Article formats: the text format (header lines, then the body), JSON Lines records and HTML pages,
each parsed into an `Article`; a problem is an `InputProblem` saying what to fix.

Every reader builds its articles with `make_article`, which makes their text safe to write anywhere.
"""
from __future__ import annotations

import datetime
import json
import logging
import re
from itertools import accumulate

from .decoding import decode_html, file_stem, normalise_text, undecodable
from .errors import InputProblem, printable
from .records import Article

log = logging.getLogger(__name__)

HEADER_KEYS = ("date", "source", "title", "lang", "id", "url")
_HEADER_LINE = re.compile(rf"[ \t]*({'|'.join(HEADER_KEYS)})[ \t]+(\S[^\n]*?)[ \t]*(?:\n|$)")
_BLANKS = re.compile(r"[ \t]*")
_BLANK_LINE = re.compile(r"[ \t]*\n")
_DATE_SHAPE = re.compile(r"\d{4}(?:-\d{1,2}){0,2}")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ]\d{2}:\d{2}\S*)?")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_JSON_DEPTH = 100  # arrays and objects nested in one JSON Lines record; news records need a few
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def make_article(**fields) -> Article:
    """An Article from the fields a reader found, made safe to write anywhere: lone surrogates (a
    JSON ``"\\ud800"``, a feed's ``&#xd800;``) become U+FFFD, which keeps every offset, and the path
    shows control characters escaped (it names the input in messages).

    >>> make_article(doc_id="a", body="x\\ud800y", path="odd\\nname.txt").body
    'x\ufffdy'
    """
    if isinstance(fields.get("path"), str):
        fields["path"] = printable(fields["path"])
    for key, value in fields.items():
        if isinstance(value, str) and not value.isascii() and _SURROGATE.search(value):
            log.debug("%s: lone surrogates in %s replaced by U+FFFD", fields.get("path"), key)
            fields[key] = _SURROGATE.sub("\ufffd", value)
    return Article(**fields)


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
        if key in ("id", "lang", "date", "url") and len(words) > 1:
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
        raise InputProblem("file has headers but no article text",
                       "add the article text after the header lines")
    return make_article(doc_id=headers.get("id") or default_id or file_stem(path), body=body, path=path,
                        date=parse_date(headers.get("date"), path), title=headers.get("title"),
                        url=headers.get("url"), lang=headers.get("lang"), outlet=headers.get("source"))


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
    log.warning("%s: date %r is not YYYY, YYYY-MM or YYYY-MM-DD; ignoring it", printable(where or "input"), value)
    return None


def jsonl_article(line: bytes, where: str, default_id: str) -> Article:
    """The Article of one JSON Lines record (``{"id": …, "text": …}``); raises InputProblem."""
    if b"\0" in line:
        raise InputProblem("line has NUL bytes (binary data), not JSON", "fix or remove the line")
    if too_deep(line):
        raise InputProblem(f"line nests arrays or objects over {MAX_JSON_DEPTH} deep",
                           "fix or remove the line; an article record needs only a few levels")
    try:
        record = json.loads(line.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise undecodable("utf-8", err) from None
    except json.JSONDecodeError as err:
        raise InputProblem(f"line is not valid JSON ({err.msg} at column {err.colno})",
                           "fix or remove the line") from None
    except (ValueError, RecursionError) as err:  # a number too long to convert; nesting that passed the check
        raise InputProblem(f"line is not JSON that can be read ({err})", "fix or remove the line") from None
    if not isinstance(record, dict):
        raise InputProblem("line is not a JSON object", 'write one {"id": …, "text": …} object per line')
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputProblem('line has no "text"', 'add the article text as "text", or remove the line')

    def field(key: str) -> str | None:
        value = record.get(key)
        return None if value is None or value == "" else str(value)

    return make_article(doc_id=field("id") or default_id, body=text.replace("\r\n", "\n").replace("\r", "\n"),
                        path=where, date=parse_date(field("date"), where), title=field("title"),
                        url=field("url"), lang=field("lang"), outlet=field("source") or field("outlet"))


def too_deep(line: bytes) -> bool:
    """True when a JSON text nests arrays and objects over MAX_JSON_DEPTH deep (brackets inside
    strings do not count). Costs two counts when the text has few brackets.

    >>> too_deep(b"[" * 101), too_deep(b'{"a": "' + b"[" * 500 + b'"}')
    (True, False)
    """
    if line.count(b"[") + line.count(b"{") <= MAX_JSON_DEPTH:
        return False
    steps = _JSON_STRING.sub(b"", line).translate(_BRACKET_STEPS, _NOT_BRACKETS)
    return max(accumulate(memoryview(steps).cast("b")), default=0) > MAX_JSON_DEPTH


def html_article(data: bytes, path: str, doc_id: str, url: str | None = None) -> Article:
    """The article text, date, title and language of an HTML page (trafilatura, htmldate)."""
    import htmldate
    import trafilatura
    from trafilatura.utils import load_html

    html = normalise_text(decode_html(data))
    try:
        tree = load_html(html)  # a tree, not a string: htmldate fetches strings that look like URLs
        if tree is None:
            raise InputProblem("file is not HTML that can be parsed",
                           "check the file is a saved web page, or save the article text as .txt")
        lang = tree.get("lang") or None
        date = htmldate.find_date(tree, extensive_search=False, original_date=True)
        doc = trafilatura.bare_extraction(tree, favor_recall=True, include_comments=False,
                                          include_tables=False, with_metadata=True,
                                          date_extraction_params={"extensive_search": False,
                                                                  "original_date": True})
    except InputProblem:
        raise
    except Exception as err:  # third-party parsers on hostile markup: report, do not stop the batch
        log.debug("HTML extraction failed for %s", path, exc_info=True)
        raise InputProblem(f"HTML could not be parsed ({type(err).__name__}: {err})",
                       "check the file is a saved web page, or save the article text as .txt") from None
    text = _get(doc, "text")
    if not text or not any(c.isalpha() for c in text):
        raise InputProblem("no article text found in the HTML",
                       "check the file is an article page, or save the article text as .txt")
    return make_article(doc_id=doc_id, body=text.replace("\r\n", "\n").replace("\r", "\n"), path=path,
                        date=parse_date(date, path), title=_get(doc, "title"), url=url or _get(doc, "url"),
                        lang=lang.split("-")[0].lower() if lang else None, outlet=_get(doc, "sitename"))


def _get(doc, key: str):
    return doc.get(key) if isinstance(doc, dict) else getattr(doc, key, None)

