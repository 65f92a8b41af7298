"""Readers: article files (text, JSON Lines, HTML, RSS/Atom feeds, WARC archives), directories and
standard input into `Article` records.

Every problem with one input becomes an `InputError` in the output stream instead of an exception,
so a batch goes on past a bad file; a bad record inside a file (a JSON Lines line, a feed item, a
WARC record) is one InputError naming it, and reading goes on with the next record. Only regular
files are read. Bodies are returned exactly as they stand after the header
(line endings normalised to ``\\n``): the offsets every later stage reports are offsets into them.
"""
from __future__ import annotations

import gzip
import logging
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from .decoding import (
    decode_bytes,
    expanded_limit,
    file_stem,
    human_size,
    iter_lines,
    normalise_text,
    open_input,
    read_bounded,
    special_file_kind,
)
from .errors import InputError, InputProblem, printable
from .feeds import read_feed, read_warc
from .formats import html_article, jsonl_article, parse_article
from .records import Article

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".text")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst")
HTML_SUFFIXES = (".html", ".htm")
FEED_SUFFIXES = (".rss", ".atom", ".xml", ".rss.gz", ".atom.gz", ".xml.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")
GOLD_SUFFIX = ".gold.jsonl"


# -- entry point -----------------------------------------------------------------------------------

def read_inputs(paths: Iterable[str], max_bytes: int = 20_000_000) -> Iterator[Article | InputError]:
    """Read article files, directories (recursively) and ``-`` (stdin, text format).

    Yields one `Article` per article, or one `InputError` per input (or record) that cannot be read;
    it never raises for a bad file. `max_bytes` limits a text, HTML or feed file, one line of a JSON
    Lines file and one WARC record (JSON Lines and WARC files are streamed); a compressed JSON Lines
    file may expand to 50 × `max_bytes`.

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
    """Article files under `root`, recursively and sorted; hidden, gold and other files are skipped,
    and so is anything that is not a regular file (a FIFO would block, a device never end).
    Symbolic links to files are read; links to folders are not followed, so a loop cannot trap it.

    >>> list(iter_input_files("corpus"))  # doctest: +SKIP
    ['corpus/pl/01.txt', 'corpus/ru/feed.jsonl']
    """
    found, skipped = [], 0
    for folder, dirs, names in os.walk(root, onerror=lambda err: log.warning(
            "cannot list %s: %s", printable(str(err.filename)), err.strerror)):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            lower, path = name.lower(), os.path.join(folder, name)
            if (name.startswith(".") or lower.endswith(GOLD_SUFFIX)
                    or not lower.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES + FEED_SUFFIXES
                                          + WARC_SUFFIXES)):
                log.debug("skipping %s: not an article file", printable(path))
                skipped += 1
                continue
            try:
                mode = os.stat(path).st_mode
            except OSError:
                mode = stat.S_IFREG  # a broken link: reading it reports the problem
            if not stat.S_ISREG(mode):
                log.warning("skipping %s: it is %s, not a regular file", printable(path), special_file_kind(mode))
                continue
            found.append(path)
    if skipped:
        log.info("%s: skipped %d files that are hidden, gold or not .txt/.jsonl/.html", printable(root), skipped)
    yield from sorted(found, key=lambda p: Path(os.path.relpath(p, root)).parts)


def read_file(path: str, max_bytes: int = 20_000_000) -> Iterator[Article | InputError]:
    """Read one file, choosing the format by its extension (anything unknown is the text format)."""
    kind = _kind(os.path.basename(path))
    if kind == "gold":
        yield InputError(path, "this is a gold file (expected events), not an article",
                         "pass the article file beside it instead")
    elif kind == "jsonl":
        yield from read_jsonl(path, max_bytes)
    elif kind == "html":
        yield from _guard(path, lambda: iter([_read_html(path, max_bytes)]))
    elif kind == "feed":
        yield from _guard(path, lambda: read_feed(path, max_bytes))
    elif kind == "warc":
        yield from _guard(path, lambda: read_warc(path, max_bytes))
    else:
        yield from _guard(path, lambda: iter([parse_article(_read_text(path, max_bytes), path)]))


def _guard(path: str, produce) -> Iterator[Article | InputError]:
    """Turn problems raised while reading `path` into one InputError at the end of its output."""
    try:
        yield from produce()
    except InputProblem as err:
        yield InputError(path, err.problem, err.fix)
    except OSError as err:
        yield InputError(path, f"cannot read it: {err.strerror or err}",
                         "check that the path exists and is readable")
    except Exception as err:  # a reader's bug or a library's on hostile bytes: this input only
        log.debug("reading %s failed", printable(path), exc_info=True)
        yield InputError(path, f"could not be read ({type(err).__name__}: {err})",
                         "please report it with this input; the other inputs are read")


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


def _read_text(path: str, max_bytes: int) -> str:
    return normalise_text(decode_bytes(read_bounded(path, max_bytes)))


def _read_stdin(max_bytes: int) -> Iterator[Article]:
    stream = sys.stdin
    if hasattr(stream, "buffer"):
        data = stream.buffer.read(max_bytes + 1)
    else:  # a text stream without bytes underneath (tests, embedding)
        data = stream.read(max_bytes + 1).encode("utf-8")
    if len(data) > max_bytes:
        raise InputProblem(f"standard input is over the {human_size(max_bytes)} limit",
                       "split the input or raise --max-bytes")
    if not data:
        raise InputProblem("standard input is empty", "pipe the article text in")
    if looks_like_html(data):
        yield html_article(data, "-", "stdin")
        return
    yield parse_article(normalise_text(decode_bytes(data)), "-", default_id="stdin")


_HTML_START = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
                         re.IGNORECASE | re.DOTALL)


def looks_like_html(data: bytes) -> bool:
    """True for bytes that open like a web page (a doctype or an <html>, <head> or <body> tag)."""
    sample = data[:4096].lstrip(b"\xef\xbb\xbf")
    return _HTML_START.match(sample) is not None


# -- JSON Lines ------------------------------------------------------------------------------------

def read_jsonl(path: str, max_bytes: int = 20_000_000, first: int = 0,
               last: int | None = None) -> Iterator[Article | InputError]:
    """Articles of a JSON Lines file (``.gz`` and ``.zst`` too), streamed: only one record at a time
    needs to fit in memory. `first`/`last` read lines first+1 .. last only (a Dask shard), with the
    same ids and error positions as reading the whole file. A compressed file may expand to
    50 × `max_bytes` (then one InputError ends it); when over `MAX_BAD_LINES` lines, and over half
    of those read, are not article records (a bomb of ``{}`` lines), the rest is not read."""
    whole = first == 0 and last is None
    return _guard(path, lambda: _jsonl_lines(path, max_bytes, first, last, whole))


MAX_BAD_LINES = 1000


def open_binary(path: str):
    """A regular file's bytes, decompressed as its name says (.gz, .zst)."""
    lower = path.lower()
    handle = open_input(path)
    if lower.endswith(".gz"):
        return gzip.open(handle, "rb")
    if lower.endswith(".zst"):
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(handle, closefd=True, read_across_frames=True)
    return handle


def _jsonl_lines(path: str, max_bytes: int, first: int, last: int | None, whole: bool) -> Iterator[Article | InputError]:
    stem, records, bad = file_stem(path), 0, 0
    compressed = path.lower().endswith((".gz", ".zst"))
    with open_binary(path) as stream:
        lines = iter_lines(stream, max_bytes, expanded_limit(max_bytes) if compressed else None, compressed, last)
        for number, line in lines:
            if last is not None and number > last:
                break
            if number <= first:
                continue
            records += 1
            item = _jsonl_item(line, f"{path}:{number}", f"{stem}-{number}", max_bytes)
            yield item
            if isinstance(item, InputError):
                bad += 1
                if bad >= MAX_BAD_LINES and 2 * bad > records:
                    raise InputProblem(f"{bad:,} of the {records:,} lines up to line {number} are not article "
                                       "records; the rest of the file is not read",
                                       'check the file is JSON Lines, one {"text": …} object per line')
    if whole and not records:
        raise InputProblem("file has no JSON lines", "remove it or add one article per line")


def _jsonl_item(line: bytes | None, where: str, default_id: str, max_bytes: int) -> Article | InputError:
    """One JSON Lines line as an Article, or whatever goes wrong with it as an InputError."""
    if line is None:
        return InputError(where, f"line is over the {human_size(max_bytes)} limit", "split the article or raise --max-bytes")
    try:
        return jsonl_article(line, where, default_id)
    except InputProblem as err:
        return InputError(where, err.problem, err.fix)
    except Exception as err:  # whatever one line does, the next is read
        log.debug("line %s failed", printable(where), exc_info=True)
        return InputError(where, f"line could not be read ({type(err).__name__}: {err})",
                          "please report it with this line; the other lines are read")


# -- HTML ------------------------------------------------------------------------------------------

def _read_html(path: str, max_bytes: int) -> Article:
    return html_article(read_bounded(path, max_bytes), path, file_stem(path))


