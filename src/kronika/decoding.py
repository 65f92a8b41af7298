"""From bytes to text: bounded reading of a file (regular files only; whole, line by line, or gzip
member by member), and decoding that recognises UTF-8, UTF-16 and the legacy code pages our
languages were saved in before UTF-8, so nothing is read garbled.

Bounds: a text or HTML file and one JSON Lines line are at most `max_bytes`; a compressed JSON Lines
file expands to at most `EXPANSION` × `max_bytes` (1 GB at the default 20 MB), so a decompression
bomb ends with one error after a bounded amount of work; memory never holds more than one line or
record.

Every problem is an `InputProblem` (what is wrong and what to do); the readers turn it into an
`InputError` naming the input.
"""
from __future__ import annotations

import codecs
import logging
import os
import re
import stat
import unicodedata
import zlib
from collections.abc import Iterator

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
EXPANSION = 50  # a compressed JSON Lines file may expand to this many times max_bytes
_CHUNK = 1 << 20
_NON_BLANK_LINE = re.compile(rb"[^\n]+")


def file_stem(path: str) -> str:
    """File name without its extension: ``a/pl_01.txt`` -> ``pl_01``, ``feed.jsonl.gz`` -> ``feed``."""
    name = os.path.basename(path)
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[0] or name


# -- reading bytes ---------------------------------------------------------------------------------

def open_input(path: str):
    """Open a file for reading bytes, refusing what is not a regular file: a FIFO would block the
    batch forever and a device would never end. Raises InputProblem (or OSError)."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer
    fd = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputProblem(f"it is {special_file_kind(mode)}, not a regular file",
                               "pass regular files; a pipe can be read as standard input: kronika extract - < PIPE")
        if nonblocking:
            import fcntl

            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~nonblocking)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def special_file_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words: ``a FIFO (named pipe)``."""
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "a special file"


def expanded_limit(max_bytes: int) -> int:
    """How many bytes a compressed JSON Lines file may expand to (`EXPANSION` × `max_bytes`)."""
    return EXPANSION * max_bytes


def iter_lines(stream, max_line: int, max_total: int | None = None, compressed: bool = False,
               until: int | None = None) -> Iterator[tuple[int, bytes | None]]:
    """(number, line) for every line of a byte stream that is not blank, numbered from 1 and
    without its newline, up to line `until` when given; a line over `max_line` bytes comes as
    (number, None), its bytes skipped, not kept. Raises InputProblem when the stream holds more
    than `max_total` bytes (after the lines within them) or cannot be read (damaged compressed
    data). Blank lines cost no Python work: a stream of newlines is read at the speed of
    decompression.

    >>> import io; list(iter_lines(io.BytesIO(b'{"a": 1}\\n\\n  \\nxyz'), 5))
    [(1, None), (4, b'xyz')]
    """
    number = total = size = 0  # size: of the current line so far, whose bytes are in parts
    parts: list[bytes] = []
    while until is None or number < until:
        try:
            chunk = stream.read(_CHUNK)
        except Exception as err:  # gzip, zlib, zstandard and OS errors alike: the rest is unreadable
            what = "compressed data is corrupt" if compressed else "the file cannot be read"
            raise InputProblem(f"{what} after line {number} ({type(err).__name__}: {err})",
                               "re-create the compressed file" if compressed else "check the file") from err
        if not chunk:
            break
        over = max_total is not None and total + len(chunk) > max_total
        if over:
            chunk = chunk[:max_total - total]
        total += len(chunk)
        last = chunk.rfind(b"\n")
        if last < 0:
            size += len(chunk)
            parts = parts + [chunk] if size <= max_line else []
        else:
            end = chunk.find(b"\n")
            number += 1
            size += end
            line = b"".join(parts) + chunk[:end] if size <= max_line else None
            if line is None or line.strip():
                yield number, line
            pos = end + 1
            if chunk.count(b"\n", pos, last + 1) == last + 1 - pos:  # nothing but blank lines
                number += last + 1 - pos
            else:
                for match in _NON_BLANK_LINE.finditer(chunk, pos, last):
                    number += chunk.count(b"\n", pos, match.start()) + 1
                    pos = match.end() + 1
                    line = match.group()
                    if len(line) > max_line:
                        yield number, None
                    elif line.strip():
                        yield number, line
                number += chunk.count(b"\n", pos, last + 1)
            tail = chunk[last + 1:]
            size = len(tail)
            parts = [tail] if tail and size <= max_line else []
        if over and (until is None or number < until):
            raise InputProblem(f"the file expands to over {human_size(max_total)} after line {number} (a "
                               f"decompression bomb, or a corpus to split); the rest is not read",
                               f"split the file or raise --max-bytes: the limit is {EXPANSION} × --max-bytes")
    if size and (until is None or number < until):
        line = b"".join(parts) if size <= max_line else None
        if line is None or line.strip():
            yield number + 1, line


def read_bounded(path: str, max_bytes: int) -> bytes:
    with open_input(path) as handle:
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


# -- record files (WARC) ---------------------------------------------------------------------------

_GZIP_MAGIC = b"\x1f\x8b\x08"


class RecordStream:
    """The bytes of a record file (a WARC) for a reader that stays bounded: gzip decompressed member
    by member, so that a record, which starts a member and never spans one, cannot claim more than
    its member holds; reads and lines with limits; bytes pushed back for a re-scan. Damage in the
    compressed data (a member cut short, bytes that are not gzip) is noted in `problems`, and
    reading goes on at the next gzip member found. A file that does not start as gzip is plain.
    """

    def __init__(self, handle):
        self._raw = handle
        self._in = handle.read(_CHUNK)  # compressed bytes not yet decompressed
        self.compressed = self._in.startswith(b"\x1f\x8b")
        self._buf = bytearray()  # decompressed bytes of the current member (plain: of the file) not yet read
        self._decompressor = None
        self._member_done = False
        self._resyncing = False  # skipping damaged bytes: noted once
        self.member_start = True  # nothing read yet from the current member
        self.after_newline = True  # the last byte read ends a line (or nothing read yet)
        self.truncated = False  # the file ends inside a gzip member (or a reader found it cut)
        self.problems: list[str] = []
        if self.compressed:
            self._member_done = True
            self._next()
        else:
            self._buf += self._in
            self._in = b""

    # -- filling -------------------------------------------------------------------------------

    def _fill(self, n: int) -> None:
        """At least `n` bytes of the current member in the buffer, or all that is left of it."""
        while len(self._buf) < n and not self._member_done:
            if not self.compressed:
                data = self._raw.read(_CHUNK)
                self._buf += data
                self._member_done = not data
                continue
            if not self._in:
                self._in = self._raw.read(_CHUNK)
                if not self._in:  # the reader says which record the cut falls in
                    self.truncated = self._member_done = True
                    return
            try:
                out = self._decompressor.decompress(self._in, _CHUNK)
            except zlib.error as err:
                self._member_done = True
                self._in = self._in[1:]  # search for the next member after this one's start
                if not self._resyncing:
                    self.problems.append(f"the gzip data is damaged ({err}); reading went on at the next gzip member")
                self._resyncing = True
                return
            done = self._decompressor.eof
            self._in = self._decompressor.unused_data if done else self._decompressor.unconsumed_tail
            self._buf += out
            if done:
                self._member_done = True
                self._resyncing = False

    def _next(self) -> bool:
        """Start the next gzip member (at the next gzip header; zero padding is fine, other bytes are
        damage); False at the end of the file."""
        if not self.compressed:
            return False
        junk = 0
        while True:
            if len(self._in) < len(_GZIP_MAGIC):
                more = self._raw.read(_CHUNK)
                if more:
                    self._in += more
                    continue
            found = self._in.find(_GZIP_MAGIC)
            if found < 0 and len(self._in) >= len(_GZIP_MAGIC):
                found_at = len(self._in) - len(_GZIP_MAGIC) + 1  # keep a possible start of the magic
                junk += len(self._in[:found_at].strip(b"\0"))
                self._in = self._in[found_at:]
                continue
            if found < 0:  # the end of the file
                junk += len(self._in.strip(b"\0"))
                self._in = b""
            else:
                junk += len(self._in[:found].strip(b"\0"))
                self._in = self._in[found:]
            if junk and not self._resyncing:
                self.problems.append(f"{junk:,} bytes that are not gzip data were skipped")
            if found < 0:
                return False
            self._decompressor = zlib.decompressobj(31)
            self._member_done = False
            self.member_start = self.after_newline = True
            return True

    def _take(self, n: int) -> bytes:
        data = bytes(self._buf[:n])
        del self._buf[:n]
        if data:
            self.member_start = False
            self.after_newline = data.endswith(b"\n")
        return data

    # -- reading -------------------------------------------------------------------------------

    def at_member_end(self) -> bool:
        """Nothing is left of the current gzip member (of the file, when plain)."""
        self._fill(1)
        return not self._buf

    def at_end(self) -> bool:
        """Nothing is left of the file."""
        return self.at_member_end() and not self._next()

    def peek(self, n: int) -> bytes:
        """Up to `n` bytes of the current member, not read."""
        self._fill(n)
        return bytes(self._buf[:n])

    def read(self, n: int, within_member: bool = False) -> bytes:
        """Up to `n` bytes; fewer at the end of the file, or of the member when `within_member`."""
        parts, want = [], n
        while want > 0:
            self._fill(min(want, _CHUNK))
            if not self._buf and (within_member or not self._next()):
                break
            part = self._take(min(want, len(self._buf)))
            parts.append(part)
            want -= len(part)
        return b"".join(parts)

    def skip(self, n: int, within_member: bool = False) -> int:
        """Read and drop up to `n` bytes, a chunk at a time; returns how many were dropped."""
        dropped = 0
        while dropped < n:
            self._fill(min(n - dropped, _CHUNK))
            if not self._buf and (within_member or not self._next()):
                break
            count = min(n - dropped, len(self._buf))
            self.member_start, self.after_newline = False, self._buf[count - 1] == 10  # b"\n"
            del self._buf[:count]
            dropped += count
        return dropped

    def skip_member(self, start: bytes) -> bool:
        """Leave the current gzip member for the next one whose data begins with `start`, found in
        the compressed bytes, so that the rest of a damaged member (a 1 GB header line) is never
        decompressed; False (at the end of the file) when there is none."""
        self._buf.clear()
        if self._member_done:
            return not self.at_end()
        pos = 0
        while True:
            found = self._in.find(_GZIP_MAGIC, pos)
            if found < 0 or len(self._in) - found < 512:
                more = self._raw.read(_CHUNK)
                if more:
                    keep = min(found, len(self._in)) if found >= 0 else max(pos, len(self._in) - len(_GZIP_MAGIC))
                    self._in, pos = self._in[keep:] + more, 0
                    continue
                if found < 0:
                    self._in, self._member_done = b"", True
                    return False
            try:
                head = zlib.decompressobj(31).decompress(self._in[found:found + 4096], len(start))
            except zlib.error:
                head = b""
            if head == start:
                self._in = self._in[found:]
                self._member_done = True
                return self._next()
            pos = found + 1

    def readline(self, limit: int, within_member: bool = False) -> bytes:
        """Bytes through the next newline, at most `limit` (a longer line comes cut, without one)."""
        parts, size = [], 0
        while size < limit:
            self._fill(1)
            if not self._buf and (within_member or not self._next()):
                break
            end = self._buf.find(b"\n", 0, limit - size)
            part = self._take(end + 1 if end >= 0 else min(len(self._buf), limit - size))
            parts.append(part)
            size += len(part)
            if end >= 0:
                break
        return b"".join(parts)

    def unread(self, data: bytes, after_newline: bool) -> None:
        """Push bytes back in front of the stream (`after_newline`: the byte before them ends a line)."""
        self._buf[:0] = data
        self.after_newline = after_newline

    def find_line(self, start: bytes) -> bool:
        """Drop bytes up to the next line (or gzip member) that begins with `start`; False at the end."""
        while True:
            self._fill(_CHUNK)
            if not self._buf:
                if not self._next():
                    return False
                continue
            if (self.after_newline or self.member_start) and self._buf.startswith(start[:len(self._buf)]):
                self._fill(len(start))
                if self._buf.startswith(start):
                    return True
            found = self._buf.find(b"\n" + start)
            if found >= 0:
                self._take(found + 1)
                return True
            if len(self._buf) > len(start):  # keep what may be the start of a match
                self._take(len(self._buf) - len(start))
            elif self._member_done:
                self._take(len(self._buf))
            else:
                self._fill(len(self._buf) + _CHUNK)

    def remaining(self) -> int | None:
        """Bytes left in a plain file (None when compressed or not known)."""
        if self.compressed:
            return None
        try:
            return os.fstat(self._raw.fileno()).st_size - self._raw.tell() + len(self._buf)
        except (OSError, AttributeError, ValueError):
            return None
