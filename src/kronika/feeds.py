"""Readers of RSS/Atom feed files and WARC archives (web crawls such as CC-NEWS) into articles.

A feed item or a WARC record that holds no article text becomes one InputError naming the file and
the item, and reading goes on with the next one; a WARC broken half-way keeps what was read before.
"""
from __future__ import annotations

import gzip
import hashlib
import logging
from collections.abc import Iterator

from .errors import InputError
from .decoding import file_stem, read_bounded
from .errors import InputProblem
from .formats import html_article, parse_date
from .records import Article

log = logging.getLogger(__name__)

_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_DC_DATE = "{http://purl.org/dc/elements/1.1/}date"


def _text_of(markup: str | None) -> str:
    """Plain text of an item's (often HTML) content, paragraphs kept apart."""
    if not markup:
        return ""
    if "<" not in markup:
        return markup.strip()
    import lxml.html

    try:
        tree = lxml.html.fromstring(f"<div>{markup}</div>")
    except Exception:  # broken markup inside a feed: its text is still worth having
        return markup.strip()
    for br in tree.iter("br", "p", "div", "li", "h1", "h2", "h3"):
        br.tail = "\n" + (br.tail or "")
    return "\n".join(line.strip() for line in tree.text_content().splitlines() if line.strip())


def _feed_date(value: str | None, where: str) -> str | None:
    if not value:
        return None
    from email.utils import parsedate_to_datetime

    try:  # RSS: "Tue, 10 Mar 2026 18:02:00 +0000"
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return parse_date(value.strip()[:10], where)
    except Exception:
        return None


def read_feed(path: str, max_bytes: int = 20_000_000) -> Iterator[Article | InputError]:
    """Items of an RSS 2.0 or Atom file, one article each (title and link kept)."""
    import xml.etree.ElementTree as ET

    data = read_bounded(path, max_bytes)
    if path.lower().endswith(".gz"):
        data = gzip.decompress(data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        raise InputProblem(f"not a well-formed feed ({err})", "check the file is RSS or Atom XML as downloaded") from None
    items = root.findall(".//item") or root.findall(f".//{_ATOM}entry")
    if not items:
        raise InputProblem("no RSS <item> or Atom <entry> in the file",
                       "check the file is an RSS or Atom feed, or save the articles as .txt")
    stem = file_stem(path)
    for n, item in enumerate(items, 1):
        if item.tag == "item":
            title = item.findtext("title")
            link = item.findtext("link")
            body = item.findtext(_CONTENT) or item.findtext("description")
            date = item.findtext("pubDate") or item.findtext(_DC_DATE)
            guid = item.findtext("guid")
        else:
            title = item.findtext(f"{_ATOM}title")
            link_el = item.find(f"{_ATOM}link")
            link = link_el.get("href") if link_el is not None else None
            body = item.findtext(f"{_ATOM}content") or item.findtext(f"{_ATOM}summary")
            date = item.findtext(f"{_ATOM}published") or item.findtext(f"{_ATOM}updated")
            guid = item.findtext(f"{_ATOM}id")
        text = _text_of(body)
        where = f"{path} (item {n})"
        if not text or not any(c.isalpha() for c in text):
            yield InputError(where, "the feed item has no text", "feeds often carry only headlines; fetch the "
                             "linked pages and pass them as HTML")
            continue
        doc_id = f"{stem}-{hashlib.sha1((guid or link or text).encode('utf-8')).hexdigest()[:12]}"
        yield Article(doc_id=doc_id, body=text, path=where, date=_feed_date(date, where),
                      title=(title or "").strip() or None, url=(link or "").strip() or None)


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
