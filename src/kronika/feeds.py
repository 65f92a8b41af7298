"""Readers of feeds (RSS, Atom, JSON Feed, news sitemaps) and WARC archives (web crawls such as
CC-NEWS) into articles; `parse_feed` is also what `kronika watch` reads fetched feeds with.

A feed item or a WARC record that holds no article text, or cannot be read at all, becomes one
InputError naming the file and the item, and reading goes on with the next one; a WARC cut short
keeps what was read before it and says where it was cut.
"""
from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import json
import logging
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from .decoding import RecordStream, file_stem, human_size, open_input, read_bounded
from .errors import InputError, InputProblem, printable
from .formats import html_article, make_article, parse_date
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


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed: its key (id, else link, else text), link, title, day and text (the
    item's content, else its summary; often only a teaser)."""

    key: str
    link: str | None
    title: str | None
    date: str | None
    text: str


@dataclass(frozen=True)
class Feed:
    title: str | None
    entries: list[FeedEntry]
    kind: str  # rss, atom, json, sitemap or sitemapindex
    bad: list[InputError] = field(default_factory=list)  # items that could not be read


def parse_feed(data: bytes, where: str) -> Feed:
    """The items of an RSS or Atom feed (read by feedparser), a JSON Feed or a (news) sitemap
    (`<urlset>`, `<sitemapindex>`); raises InputProblem for anything else. `where` names the input
    in messages. Nothing is fetched: entity declarations are cut out and no DTD is read."""
    head = data[:64].lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    if head.startswith(b"{"):
        return _json_feed(data, where)
    data = _without_doctype(_as_utf8(data))
    if _SITEMAP.search(data[:2048]):
        return _sitemap(data, where)
    import feedparser

    # feedparser.parse takes a str for a URL to fetch or a path to open, and tries even bytes as a
    # path; a file object it only reads. So the bytes go in as BytesIO: nothing is fetched or opened.
    feed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    if not feed.entries:
        if feed.bozo:
            raise InputProblem(f"not a well-formed feed ({feed.bozo_exception})", _NOT_A_FEED)
        raise InputProblem("no RSS <item> or Atom <entry> in the feed",
                           "check it is an RSS or Atom feed, or save the articles as .txt")
    if feed.bozo:
        log.warning("%s: %s; reading the %d items feedparser recovered", printable(where),
                    printable(str(feed.bozo_exception)), len(feed.entries))
    entries, bad = [], []
    for n, entry in enumerate(feed.entries, 1):
        try:
            text = _body(entry)
            link = (entry.get("link") or "").strip() or None
            entries.append(FeedEntry(key=entry.get("id") or link or text, link=link,
                                     title=_text_of(entry.get("title_detail")) or None,
                                     date=_item_date(entry, f"{where} (item {n})"), text=text))
        except Exception as err:  # one odd item must not end the feed
            log.debug("feed item %s (item %d) failed", printable(where), n, exc_info=True)
            bad.append(InputError(f"{where} (item {n})", f"the feed item could not be read ({type(err).__name__}: "
                                  f"{err})", "please report it with this input; the other items are read"))
    kind = "atom" if (feed.get("version") or "").startswith("atom") else "rss"
    return Feed(_text_of(feed.feed.get("title_detail")) or None, entries, kind, bad)


_SITEMAP = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:urlset|sitemapindex)[\s>]")
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def _sitemap(data: bytes, where: str) -> Feed:
    """A sitemap's pages (newest first when they carry dates), with a news sitemap's title and
    publication day; a sitemap index lists sitemaps, each an entry to be read as a feed."""
    import lxml.etree

    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as err:
        raise InputProblem(f"not a well-formed sitemap ({err})", _NOT_A_FEED) from None
    index = root.tag.endswith("sitemapindex")
    entries = []
    for node in root:
        if not isinstance(node.tag, str) or not node.tag.endswith("sitemap" if index else "url"):
            continue
        loc = (node.findtext(f"{_SITEMAP_NS}loc") or node.findtext("loc") or "").strip()
        if not loc:
            continue
        title = (node.findtext(f"{_NEWS_NS}news/{_NEWS_NS}title") or "").strip() or None
        day = (node.findtext(f"{_NEWS_NS}news/{_NEWS_NS}publication_date")
               or node.findtext(f"{_SITEMAP_NS}lastmod") or "").strip()
        entries.append(FeedEntry(key=loc, link=loc, title=title,
                                 date=parse_date(day[:10], where) if _ISO_DAY.match(day) else None, text=""))
    if not entries:
        raise InputProblem("no <url> or <sitemap> with a <loc> in the sitemap", _NOT_A_FEED)
    entries.sort(key=lambda e: e.date or "", reverse=True)
    return Feed(None, entries, "sitemapindex" if index else "sitemap")


def _json_feed(data: bytes, where: str) -> Feed:
    """A JSON Feed (jsonfeed.org, versions 1 and 1.1)."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        raise InputProblem(f"not a well-formed JSON Feed ({err})", _NOT_A_FEED) from None
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", "")) \
            or not isinstance(doc.get("items"), list):
        raise InputProblem("JSON that is not a JSON Feed (no jsonfeed.org version or no items)", _NOT_A_FEED)
    entries = []
    for n, item in enumerate(doc["items"], 1):
        if not isinstance(item, dict):
            continue
        text = item.get("content_text") if isinstance(item.get("content_text"), str) else ""
        if not text and isinstance(item.get("content_html"), str):
            text = _text_of({"type": "text/html", "value": item["content_html"]})
        if not text and isinstance(item.get("summary"), str):
            text = item["summary"]
        link = item.get("url") if isinstance(item.get("url"), str) else None
        day = str(item.get("date_published") or item.get("date_modified") or "")
        entries.append(FeedEntry(key=str(item.get("id") or link or text), link=link,
                                 title=item["title"] if isinstance(item.get("title"), str) else None,
                                 date=parse_date(day[:10], f"{where} (item {n})") if _ISO_DAY.match(day) else None,
                                 text=text.strip()))
    if not entries:
        raise InputProblem("no items in the JSON Feed", _NOT_A_FEED)
    title = doc.get("title") if isinstance(doc.get("title"), str) else None
    return Feed(title, entries, "json")


def read_feed(path: str, max_bytes: int = 20_000_000) -> Iterator[Article | InputError]:
    """Items of an RSS, Atom or JSON feed file, one article each: the text of the item's content
    (else its summary or description), its title, link and day, and the feed's title as the
    outlet. ``wire.rss`` item 1 with guid G gets the id ``wire-`` + 12 hex digits of SHA-1(G).
    """
    data = read_bounded(path, max_bytes)
    if path.lower().endswith(".gz"):
        data = _gunzip(data, max_bytes)
    feed = parse_feed(data, path)
    yield from feed.bad
    stem = file_stem(path)
    for n, entry in enumerate(feed.entries, 1):
        where = f"{path} (item {n})"
        if not entry.text:
            yield InputError(where, "the feed item has no text", "feeds often carry only headlines; fetch the "
                             "linked pages and pass them as HTML (or follow the feed with kronika watch)")
            continue
        key = entry.key.encode("utf-8", "surrogatepass")
        yield make_article(doc_id=f"{stem}-{hashlib.sha1(key).hexdigest()[:12]}", body=entry.text, path=where,
                           date=entry.date, title=entry.title, url=entry.link, outlet=feed.title)


def read_warc(path: str, max_bytes: int = 20_000_000) -> Iterator[Article | InputError]:
    """HTML responses of a WARC file (plain or gzip), each through the HTML reader; other records are
    skipped. `max_bytes` limits one record; the archive is streamed, a record at a time.

    Read by a bounded reader of its own (warcio cannot bound a header line or a lying length): a
    record that cannot be read is one InputError naming it (``crawl.warc.gz#record 3``), and
    reading goes on at the next record found (the next gzip member, or the next ``WARC/1.`` line);
    a file cut short is one InputError saying after which record.
    """
    stem = file_stem(path).removesuffix(".warc")
    with open_input(path) as handle:
        stream = RecordStream(handle)
        yield from _warc_articles(stream, path, stem, max_bytes)


_MAX_HEADER_LINE = 64_000
_MAX_HEADERS = 256_000
_RECORD_START = b"WARC/1."
_DAMAGED = "check the download finished; the other records are read"


class _BadRecord(InputProblem):
    """A record that cannot be read; `then` says how reading goes on: ``resync`` (find the next
    record), ``next`` (the stream is already at the next one) or ``stop`` (the file ends here)."""

    def __init__(self, problem: str, then: str, fix: str = _DAMAGED):
        super().__init__(problem, fix)
        self.then = then


def _warc_articles(stream: RecordStream, path: str, stem: str, max_bytes: int) -> Iterator[Article | InputError]:
    number = responses = 0
    truncation_told = False
    while True:
        known_problems = len(stream.problems)
        if not _skip_blank_lines(stream):
            break
        number += 1
        bounded = stream.compressed and stream.member_start  # a record that starts a member ends with it
        where = f"{path}#record {number}"
        try:
            headers, block, oversized = _read_record(stream, max_bytes, bounded)
        except _BadRecord as err:
            found = stream.problems[known_problems:]  # damage in the gzip data is why this record failed
            del stream.problems[known_problems:]
            resumed = err.then != "resync" or _resync(stream, bounded)
            if number == 1 and not resumed and not found and isinstance(err, _NoRecord):
                raise InputProblem("not a WARC file (it does not start with a WARC/1.0 record)",
                                   "check the file is a WARC (.warc or .warc.gz) and that its download finished") from None
            yield InputError(where, "; ".join([err.problem, *found]), err.fix)
            if err.then == "stop":
                truncation_told = True
                break
            continue
        except OSError:
            raise
        except Exception as err:  # a record no rule above foresaw: reported, and reading goes on
            log.debug("WARC record %s failed", printable(where), exc_info=True)
            yield InputError(where, f"the record could not be read ({type(err).__name__}: {err})",
                             "please report it with this input; the other records are read")
            if not _resync(stream, bounded):
                break
            continue
        url = headers.get("warc-target-uri") or None
        where = f"{where} ({url})" if url else where
        if headers.get("warc-type") != "response":
            continue
        responses += 1
        doc_id = f"{stem}-{hashlib.sha1((url or str(responses)).encode('utf-8')).hexdigest()[:12]}"
        try:
            article = _warc_page(block, oversized, max_bytes, where, url, doc_id)
        except InputProblem as err:
            article = InputError(where, err.problem, err.fix)
        except Exception as err:  # one odd page must not end the archive
            log.debug("WARC record %s failed", printable(where), exc_info=True)
            article = InputError(where, f"the page could not be read ({type(err).__name__}: {err})",
                                 "please report it with this input; the other records are read")
        if article is not None:
            yield article
    for problem in stream.problems:
        yield InputError(path, problem, _DAMAGED)
    if stream.truncated and not truncation_told:
        yield InputError(path, f"the file ends early, after record {number}: it is truncated" if number else
                         "the file ends inside its first record: it is truncated",
                         "check the download finished; the records before the cut were read")
    elif not number and not stream.problems:
        raise InputProblem("no WARC records could be read",
                           "check the file is a WARC (.warc or .warc.gz) and that its download finished")


class _NoRecord(_BadRecord):
    """The bytes where a record should start are not a WARC record."""

    def __init__(self):
        super().__init__("no WARC record starts here (a damaged record before it, or not a WARC file)", "resync")


def _skip_blank_lines(stream: RecordStream) -> bool:
    """Skip the blank lines between records; False at the end of the file."""
    while not stream.at_end():
        chunk = stream.peek(4096)
        blank = len(chunk) - len(chunk.lstrip(b"\r\n"))
        if not blank:
            return True
        stream.read(blank)
    return False


def _resync(stream: RecordStream, bounded: bool) -> bool:
    """Go on at the next record: the next gzip member when the bad one filled a member, else the
    next line that starts a WARC record; False when there is none."""
    return stream.skip_member(b"WARC/") if bounded else stream.find_line(_RECORD_START)


def _cut_short(stream: RecordStream, bounded: bool, what: str, got: int, claimed: int | None = None) -> _BadRecord:
    """The record ended early: the file is cut (stop), or its gzip member ended (go on with the next)."""
    if stream.truncated or not bounded:
        said = f" ({got:,} of the {claimed:,} bytes it claims)" if claimed is not None else ""
        return _BadRecord(f"the file ends inside {what}{said}: it is truncated; the records before it were read",
                          "stop", "check the download finished")
    if claimed is not None:
        return _BadRecord(f"the record claims {claimed:,} bytes (Content-Length) but its gzip member holds {got:,}", "next")
    return _BadRecord(f"its gzip member ends inside {what}", "next")


def _read_record(stream: RecordStream, max_bytes: int, bounded: bool) -> tuple[dict[str, str], bytes, bool]:
    """The WARC headers (names in lower case), the block and whether the block is over `max_bytes`
    (then only its first 64 kB is kept, for the HTTP headers) of the record at the stream's
    position. Raises _BadRecord."""
    line = stream.readline(_MAX_HEADER_LINE, bounded)
    if not line.startswith(b"WARC/"):
        if not line.endswith(b"\n") and _RECORD_START.startswith(line):
            raise _cut_short(stream, bounded, "the record's headers", len(line))
        raise _NoRecord()
    headers: dict[str, str] = {}
    size, name = 0, ""
    while True:
        if not line.endswith(b"\n"):
            if len(line) >= _MAX_HEADER_LINE:
                raise _BadRecord(f"a header line of the record is over {human_size(_MAX_HEADER_LINE)}", "resync")
            raise _cut_short(stream, bounded, "the record's headers", len(line))
        size += len(line)
        if size > _MAX_HEADERS:
            raise _BadRecord(f"the record's headers are over {human_size(_MAX_HEADERS)}", "resync")
        if line in (b"\r\n", b"\n"):
            break
        if line[:1] in (b" ", b"\t") and name:  # a folded header line continues the one before
            headers[name] += " " + line.strip().decode("utf-8", "replace")
        elif size > len(line):  # not the WARC/1.x line
            key, colon, value = line.partition(b":")
            if colon:
                name = key.strip().decode("latin-1").lower()
                headers[name] = value.strip().decode("utf-8", "replace")
        line = stream.readline(_MAX_HEADER_LINE, bounded)
    length = headers.get("content-length", "")
    if not (length.isascii() and length.isdigit() and len(length) < 19):
        raise _BadRecord(f"the record has no valid Content-Length ({length[:40]!r})", "resync")
    claimed = int(length)
    if claimed <= max_bytes:
        block = stream.read(claimed, bounded)
        if len(block) < claimed and bounded and not stream.truncated and not _at_record(stream):
            block += stream.read(claimed - len(block))  # a gzip made of blocks (bgzip): records span members
        if len(block) < claimed:
            if not bounded and not stream.truncated and b"\n" + _RECORD_START in block:
                stream.unread(block, after_newline=True)
                raise _BadRecord(f"the record claims {claimed:,} bytes (Content-Length), more than the file holds; "
                                 "reading went on at the next record", "resync")
            raise _cut_short(stream, bounded, "the record", len(block), claimed)
        _end_of_record(stream, block, bounded, claimed)
        return headers, block, False
    remaining = stream.remaining()
    if remaining is not None and claimed > remaining:
        raise _BadRecord(f"the record claims {claimed:,} bytes (Content-Length) but only {remaining:,} remain in "
                         "the file; reading went on at the next record", "resync")
    head = stream.read(min(claimed, 65536), bounded)
    got = len(head) + stream.skip(claimed - len(head), bounded)
    if got < claimed:
        raise _cut_short(stream, bounded, "the record", got, claimed)
    _end_of_record(stream, None, bounded, claimed)
    return headers, head, True


def _at_record(stream: RecordStream) -> bool:
    """The stream (at the end of a gzip member) goes on with a WARC record, or ends."""
    return stream.at_end() or stream.peek(len(_RECORD_START)) == _RECORD_START


def _end_of_record(stream: RecordStream, block: bytes | None, bounded: bool, claimed: int) -> None:
    """Read the blank lines that end a record and check a record (or the end) follows: else the
    Content-Length does not fit the record, and the block read is pushed back to be searched."""
    ending = stream.peek(4)
    ending = ending[:len(ending) - len(ending.lstrip(b"\r\n"))]
    stream.read(len(ending))
    if stream.at_member_end():
        if ending not in (b"\r\n\r\n", b"\n\n") and stream.at_end():
            stream.truncated = True  # cut inside the record's end: the record is whole, what followed is lost
        return
    if stream.peek(5) == b"WARC/":
        return
    if block is not None and not bounded:
        stream.unread(block + ending, after_newline=True)
    raise _BadRecord(f"the record's Content-Length ({claimed:,}) does not fit its content: no record follows it; "
                     "reading went on at the next record found", "resync")


def _warc_page(block: bytes, oversized: bool, max_bytes: int, where: str, url: str | None,
               doc_id: str) -> Article | None:
    """The article of a response record's HTTP block, or None when it is not an HTML page with
    status 2xx; raises InputProblem for a damaged or oversized page."""
    status, http, payload = _http_response(block)
    if status is None:
        raise InputProblem("the record is damaged (no HTTP status)", _DAMAGED)
    if "html" not in http.get("content-type", "").lower() or not status.startswith("2"):
        return None
    if oversized:
        raise InputProblem(f"the record is over the {human_size(max_bytes)} limit", "raise --max-bytes to read it")
    return html_article(_decoded_payload(payload, http, max_bytes), where, doc_id, url)


def _http_response(block: bytes) -> tuple[str | None, dict[str, str], bytes]:
    """(status code, headers with names in lower case, payload) of an HTTP response."""
    end, gap = block.find(b"\r\n\r\n"), 4
    if end < 0:
        end, gap = block.find(b"\n\n"), 2
    head, payload = (block[:end], block[end + gap:]) if end >= 0 else (block, b"")
    lines = head.decode("latin-1").split("\n")
    words = lines[0].split()
    status = words[1] if len(words) > 1 and words[0].startswith("HTTP/") and words[1].isdigit() else None
    headers = {}
    for line in lines[1:]:
        key, colon, value = line.partition(":")
        if colon:
            headers[key.strip().lower()] = value.strip()
    return status, headers, payload


def _decoded_payload(payload: bytes, http: dict[str, str], max_bytes: int) -> bytes:
    """The page as sent before transfer and content encoding (chunked; gzip, deflate), at most
    `max_bytes`; a payload that does not decode as declared is taken as it stands."""
    if "chunked" in http.get("transfer-encoding", "").lower():
        payload = _dechunked(payload)
    coding = http.get("content-encoding", "").lower().strip()
    if coding in ("gzip", "x-gzip", "deflate"):
        for wbits in ((31,) if "gzip" in coding else (15, -15)):
            try:
                out = zlib.decompressobj(wbits).decompress(payload, max_bytes + 1)
            except zlib.error:
                continue
            if len(out) > max_bytes:
                raise InputProblem(f"the page is over the {human_size(max_bytes)} limit uncompressed",
                                   "raise --max-bytes to read it")
            return out
    elif coding not in ("", "identity"):
        raise InputProblem(f"the page is compressed as {coding[:40]!r}, which kronika cannot read",
                           "save the page uncompressed")
    return payload


def _dechunked(payload: bytes) -> bytes:
    """The body of HTTP chunked transfer encoding; the payload as it is when it is not chunked."""
    parts, pos = [], 0
    while pos < len(payload):
        end = payload.find(b"\n", pos)
        size = payload[pos:end if end >= 0 else len(payload)].split(b";")[0].strip()
        try:
            length = int(size, 16)
        except ValueError:
            return payload if not parts else b"".join(parts)
        if length == 0 or end < 0:
            break
        parts.append(payload[end + 1:end + 1 + length])
        pos = payload.find(b"\n", end + 1 + length) + 1 or len(payload)
    return b"".join(parts)
