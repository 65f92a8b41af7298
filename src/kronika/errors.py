"""One hierarchy of errors; every message names the input and the fix."""
from __future__ import annotations

import re

# Characters that could break a message line or disguise it: C0/C1 controls (a newline in a file
# name would forge a line of the summary), line and paragraph separators, bidi overrides, and lone
# surrogates (file names that are not UTF-8), which no output encoding accepts.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    r"""`text` safe to show on one line: control characters, separators, bidi controls and lone
    surrogates are written as escapes.

    >>> printable("bad\nname\x1b.txt")
    'bad\\nname\\x1b.txt'
    """
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


class KronikaError(Exception):
    """Base of every error kronika raises on purpose."""


class InputError(KronikaError):
    """An input file cannot be read as an article.

    `path` names the file (and the record in it: ``feed.jsonl:7``, ``crawl.warc.gz#record 3``), `fix`
    says what the user can do about it. The message shows them with control characters escaped, so
    an odd file name cannot forge or split a line of output.
    """

    def __init__(self, path: str, problem: str, fix: str):
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(printable(f"{path}: {problem} ({fix})"))


class InputProblem(KronikaError):
    """What is wrong with one input and what to do; a reader turns it into an InputError with the
    input's name."""

    def __init__(self, problem: str, fix: str):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


class DataError(KronikaError):
    """A bundled data file (lexicon, alias table) is malformed."""

    def __init__(self, path: str, problem: str):
        self.path = path
        super().__init__(f"{path}: {problem} (fix the data file; 'kronika check-data' validates all of them)")


class PipelineError(KronikaError):
    """Stages were assembled in an order that cannot work."""
