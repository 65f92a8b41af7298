"""Readers: article files (text, JSON Lines, HTML, RSS/Atom feeds, WARC archives), directories and
standard input into `Article` records.

Every problem with one input becomes an `InputError` in the output stream instead of an exception,
so a batch goes on past a bad file. Bodies are returned exactly as they stand after the header
(line endings normalised to ``\\n``): the offsets every later stage reports are offsets into them.
"""
from __future__ import annotations

import gzip
import io
import logging
import os
import re
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from .decoding import decode_bytes, file_stem, human_size, normalise_text, read_bounded
from .errors import InputError, InputProblem
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
    same ids and error positions as reading the whole file."""
    whole = first == 0 and last is None
    return _guard(path, lambda: _jsonl_lines(path, max_bytes, first, last, whole))


def open_binary(path: str):
    """A file's bytes, decompressed as its name says (.gz, .zst)."""
    lower = path.lower()
    if lower.endswith(".gz"):
        return gzip.open(path, "rb")
    if lower.endswith(".zst"):
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True)
    return open(path, "rb")


def _jsonl_lines(path: str, max_bytes: int, first: int, last: int | None, whole: bool) -> Iterator[Article | InputError]:
    stem, records = file_stem(path), 0
    with open_binary(path) as raw:
        handle = raw if hasattr(raw, "readline") and not path.lower().endswith(".zst") else io.BufferedReader(raw)
        number = 0
        while last is None or number < last:
            try:
                line = handle.readline(max_bytes + 1)
                complete = len(line) <= max_bytes
                tail = line
                while not complete and tail and not tail.endswith(b"\n"):
                    tail = handle.readline(1 << 20)  # skip the rest of the line without keeping it
            except (EOFError, zlib.error, gzip.BadGzipFile, ValueError) as err:
                raise InputProblem(f"compressed data is corrupt after line {number} ({err})",
                                   "re-create the compressed file") from None
            if not line:
                break
            number += 1
            if number <= first:
                continue
            where = f"{path}:{number}"
            if not complete:
                yield InputError(where, f"line is over the {human_size(max_bytes)} limit",
                                 "split the article or raise --max-bytes")
                continue
            if b"\0" in line:
                raise InputProblem("file is binary (it contains NUL bytes), not JSON Lines",
                                   "pass article files only (.txt, .jsonl, .html)")
            if not line.strip():
                continue
            records += 1
            try:
                yield jsonl_article(line, where, f"{stem}-{number}")
            except InputProblem as err:
                yield InputError(where, err.problem, err.fix)
    if whole and not records:
        raise InputProblem("file has no JSON lines", "remove it or add one article per line")


# -- HTML ------------------------------------------------------------------------------------------

def _read_html(path: str, max_bytes: int) -> Article:
    return html_article(read_bounded(path, max_bytes), path, file_stem(path))


