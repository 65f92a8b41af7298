"""Readers of RSS/Atom feed files and WARC archives (web crawls such as CC-NEWS) into articles.

A feed item or a WARC record that holds no article text becomes one InputError naming the file and
the item, and reading goes on with the next one; a WARC broken half-way keeps what was read before.
"""
from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import logging
import re
import zlib
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

from .decoding import file_stem, human_size, read_bounded
from .errors import InputError, InputProblem
from .formats import html_article, parse_date
from .records import Article

log = logging.getLogger(__name__)

_NOT_A_FEED = "check the file is RSS or Atom XML as downloaded"
# UTF-16/32 feeds are turned into UTF-8 first, so that their DOCTYPE can be found and cut out too.
_WIDE = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"), (b"\0\0\0<", "utf-32-be"), (b"<\0\0\0", "utf-32-le"),
         (b"\0<", "utf-16-be"), (b"<\0", "utf-16-le"))
_DECLARED_ENCODING = re.compile(r"""\A(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""")
_PROLOG_PART = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
# an unclosed quote, comment or PI matches alone (and stops the scan) instead of being searched again
_DOCTYPE_PART = re.compile(rb"""<!--.*?-->|<\?.*?\?>|"[^"]*"|'[^']*'|<!--|<\?|["'\[\]>]""", re.DOTALL)
_ELEMENT = re.compile(rb"<[A-Za-z_:\x80-\xff]")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _text_of(detail: dict | None) -> str:
    """Plain text of one of feedparser's text constructs (its `value` and `type`): HTML or XHTML
    with paragraphs kept apart, plain text as it is."""
    value = (detail or {}).get("value") or ""
    if "html" not in (detail or {}).get("type", "") or not value.strip():
        return value.strip()
    import lxml.etree
    import lxml.html

    try:
        tree = lxml.html.fromstring(f"<div>{value}</div>")
    except (lxml.etree.LxmlError, ValueError):  # broken markup inside a feed: its text is still worth having
        return value.strip()
    for br in tree.iter("br", "p", "div", "li", "h1", "h2", "h3"):
        br.tail = "\n" + (br.tail or "")
    return "\n".join(line.strip() for line in tree.text_content().splitlines() if line.strip())


def _body(entry: dict) -> str:
    """Text of the item's content (content:encoded, Atom content), else of its summary or description."""
    for detail in (*entry.get("content", []), entry.get("summary_detail")):
        text = _text_of(detail)
        if any(c.isalpha() for c in text):
            return text
    return ""


def _item_date(entry: dict, where: str) -> str | None:
    """The item's day as the feed states it, in the feed's own time zone: feedparser's parsed time
    is in UTC (00:30 +02:00 would be the day before) and rolls 30 February over into March, so it
    only serves for forms that neither RFC 822 nor ISO 8601 reading understands."""
    key = "published" if entry.get("published") else "updated"
    value = (entry.get(key) or "").strip()
    if not value:
        return None
    try:  # RSS: "Tue, 10 Mar 2026 18:02:00 +0000"
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    parsed = entry.get(f"{key}_parsed")
    if _ISO_DAY.match(value):
        value = value[:10]
    elif parsed:
        value = f"{parsed.tm_year:04d}-{parsed.tm_mon:02d}-{parsed.tm_mday:02d}"
    return parse_date(value, where)  # a warning names a date that cannot be read


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            data = f.read(max_bytes + 1)  # a small file may hold a huge feed
    except (OSError, EOFError, zlib.error) as err:
        raise InputProblem(f"compressed data is corrupt ({err})", "re-create the compressed file") from None
    if len(data) > max_bytes:
        raise InputProblem(f"the feed is over the {human_size(max_bytes)} limit uncompressed",
                           "split it or raise --max-bytes")
    return data


def _as_utf8(data: bytes) -> bytes:
    for start, codec in _WIDE:
        if data.startswith(start):
            try:
                text = data.decode(codec).lstrip("\ufeff")
            except UnicodeDecodeError as err:
                raise InputProblem(f"not a well-formed feed (bad {codec.upper()} at byte {err.start})",
                                   _NOT_A_FEED) from None
            return _DECLARED_ENCODING.sub(r'\1"utf-8"', text, count=1).encode("utf-8")
    return data


def _without_doctype(data: bytes) -> bytes:
    """The feed with every DOCTYPE before its first element cut out, entity declarations and all,
    so that whichever XML parser feedparser picks has no entity to expand (billion laughs) and no
    external DTD or entity to read (XXE); a reference to a dropped entity stays as text. Anything
    else before the first element but comments and processing instructions is not a feed."""
    kept, start, pos = [], 0, 3 if data.startswith(codecs.BOM_UTF8) else 0
    while True:
        part = _PROLOG_PART.match(data, pos)
        if part:
            pos = part.end()
        elif data.startswith(b"<!DOCTYPE", pos):
            kept.append(data[start:pos])
            pos = start = _doctype_end(data, pos)
        elif _ELEMENT.match(data, pos):
            return b"".join(kept) + data[start:]
        else:
            raise InputProblem(f"not a well-formed feed (no XML element at byte {pos})", _NOT_A_FEED)


def _doctype_end(data: bytes, pos: int) -> int:
    depth = 0
    for part in _DOCTYPE_PART.finditer(data, pos + len(b"<!DOCTYPE")):
        token = part.group()
        if token in (b'"', b"'", b"<!--", b"<?"):
            break
        depth += {b"[": 1, b"]": -1}.get(token, 0)
        if token == b">" and depth <= 0:
            return part.end()
    raise InputProblem("not a well-formed feed (its DOCTYPE does not end)", _NOT_A_FEED)


def read_feed(path: str, max_bytes: int = 20_000_000) -> Iterator[Article | InputError]:
    """Items of an RSS or Atom file (read by feedparser), one article each: the text of the item's
    content (else its summary or description), its title, link and day, and the feed's title as
    the outlet. ``wire.rss`` item 1 with guid G gets the id ``wire-`` + 12 hex digits of SHA-1(G).
    """
    import feedparser

    data = read_bounded(path, max_bytes)
    if path.lower().endswith(".gz"):
        data = _gunzip(data, max_bytes)
    data = _without_doctype(_as_utf8(data))
    # feedparser.parse takes a str for a URL to fetch or a path to open, and tries even bytes as a
    # path; a file object it only reads. So the bytes go in as BytesIO: nothing is fetched or opened.
    feed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    if not feed.entries:
        if feed.bozo:
            raise InputProblem(f"not a well-formed feed ({feed.bozo_exception})", _NOT_A_FEED)
        raise InputProblem("no RSS <item> or Atom <entry> in the file",
                           "check the file is an RSS or Atom feed, or save the articles as .txt")
    if feed.bozo:
        log.warning("%s: %s; reading the %d items feedparser recovered", path, feed.bozo_exception,
                    len(feed.entries))
    stem = file_stem(path)
    outlet = _text_of(feed.feed.get("title_detail")) or None
    for n, entry in enumerate(feed.entries, 1):
        where = f"{path} (item {n})"
        text = _body(entry)
        if not text:
            yield InputError(where, "the feed item has no text", "feeds often carry only headlines; fetch the "
                             "linked pages and pass them as HTML")
            continue
        link = (entry.get("link") or "").strip() or None
        doc_id = f"{stem}-{hashlib.sha1((entry.get('id') or link or text).encode('utf-8')).hexdigest()[:12]}"
        yield Article(doc_id=doc_id, body=text, path=where, date=_item_date(entry, where),
                      title=_text_of(entry.get("title_detail")) or None, url=link, outlet=outlet)


def read_warc(path: str, max_bytes: int = 20_000_000) -> Iterator[Article | InputError]:
    """HTML responses of a WARC file, each through the HTML reader; other records are skipped.
    `max_bytes` limits one record, not the archive, which is streamed."""
    try:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed
    except ImportError:  # pragma: no cover - warcio is a dependency
        raise InputProblem("reading WARC files needs the warcio package", "pip install warcio") from None
    stem = file_stem(path).removesuffix(".warc")
    n = seen = 0
    try:
        with open(path, "rb") as f:
            for record in ArchiveIterator(f):
                seen += 1
                if record.rec_type != "response":
                    continue
                n += 1
                url = record.rec_headers.get_header("WARC-Target-URI")
                where = f"{path} ({url or f'record {n}'})"
                status = record.http_headers.get_statuscode() if record.http_headers is not None else None
                if not (status and str(status).isdigit()):
                    yield InputError(where, "the record is damaged (no HTTP status)",
                                     "check the download finished; other records are read")
                    continue
                ctype = (record.http_headers.get_header("Content-Type") if record.http_headers else "") or ""
                status = record.http_headers.get_statuscode() if record.http_headers else "200"
                if "html" not in ctype.lower() or not str(status).startswith("2"):
                    continue
                body = record.content_stream().read(max_bytes + 1)
                if len(body) > max_bytes:
                    yield InputError(where, f"record larger than {max_bytes} bytes", "raise --max-bytes to read it")
                    continue
                doc_id = f"{stem}-{hashlib.sha1((url or str(n)).encode('utf-8')).hexdigest()[:12]}"
                try:
                    yield html_article(body, where, doc_id, url)
                except InputProblem as err:
                    yield InputError(where, err.problem, err.fix)
        if not seen:
            raise InputProblem("no WARC records could be read", "check the file is a WARC (.warc or .warc.gz) and "
                           "that its download finished")
    except ArchiveLoadFailed as err:
        raise InputProblem(f"not a readable WARC file after {n} records ({err})",
                       "check the download finished; the records before the damage were read") from None
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise InputProblem(f"the WARC file is damaged after {n} records ({type(err).__name__}: {err})",
                       "check the download finished; the records before the damage were read") from None
