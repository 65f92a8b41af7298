"""Tokens and sentences; paragraphs split on blank lines, headings are lines without final stop."""
from __future__ import annotations

import functools
import re


from .lexicon import data_path, load_yaml

WORD = re.compile(r"\w+(?:[-'’]\w+)*|\d+(?:[.,:]\d+)*|[^\w\s]")
_END = re.compile(r"[.!?…]+[\"”»“')\]]*")
_OPENING = re.compile(r"\s+[\"“„«(\[–—-]?\s*[\w\"“„«]")
_FINAL = ".!?…\"”»:;)"
_SPACES = re.compile(r"\s*")


@functools.lru_cache(maxsize=1)
def _abbrevs() -> dict[str, frozenset[str]]:
    data = load_yaml(data_path("abbreviations.yaml"))
    return {k: frozenset(v) for k, v in data.items()}


def tokenize(text: str, offset: int = 0) -> list[tuple[int, int, str]]:
    """(start, end, text) of words, numbers and punctuation marks; offsets shifted by `offset`."""
    return [(m.start() + offset, m.end() + offset, m.group()) for m in WORD.finditer(text)]


def paragraphs(body: str) -> list[tuple[int, int, bool]]:
    """(start, end, heading) of non-empty lines; a heading is a short line without final punctuation."""
    out = []
    pos = 0
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            heading = stripped[-1] not in _FINAL and len(stripped.split()) <= 16
            out.append((start, start + len(stripped), heading))
        pos += len(line) + 1
    return out


def split_sentences(text: str, lang: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of one paragraph (offsets shifted by `offset`).

    A full stop ends a sentence when an upper-case letter, digit, quote or dash follows and the
    word before it is not an abbreviation or an initial.
    """
    abbrevs = _abbrevs().get(lang, frozenset())
    spans = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        nxt = _OPENING.match(text, end)
        if not nxt:
            continue
        following = text[nxt.end() - 1]
        if following.isalpha() and not following.isupper():
            continue
        if m.group()[0] == "." and len(m.group().rstrip("\"”»“')]")) == 1:
            word = _word_before(text, start, m.start()).lower()
            if word in abbrevs or (len(word) == 1 and word.isalpha()) or (word.isdigit() and len(word) <= 2 and lang == "de"):
                continue
        spans.append((start, end))
        start = _SPACES.match(text, end).end()
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return [(a + offset, b + offset) for a, b in spans if b > a]


def _word_before(text: str, start: int, end: int) -> str:
    """The run of word characters and dots that ends `text[start:end]` (before a final newline),
    read backwards from `end`: the cost is the word's length, not the sentence's."""
    if end > start and text[end - 1] == "\n":
        end -= 1
    k = end
    while k > start and (text[k - 1].isalnum() or text[k - 1] in "_."):
        k -= 1
    return text[k:end]
