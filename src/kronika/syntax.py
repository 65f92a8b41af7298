"""Dependency parses for the languages that have a parser in an installed package (Russian:
natasha's slovnet syntax model, shipped inside its wheel), aligned with kronika's tokens.

A parse gives every token its head (a token index or None for the root) and its relation
(`nsubj`, `obj`, `iobj`, `obl`, `nsubj:pass` ...). Sentences are parsed only on demand, one at a
time, by the event stage; a language without a parser gets None and the stage falls back to case,
prepositions and position.
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

from .records import Sentence

PARSED = frozenset({"ru"})


@dataclass(frozen=True, slots=True)
class Parse:
    heads: tuple[int | None, ...]  # per kronika token: the index of its head, None for the root
    rels: tuple[str, ...]  # per kronika token: its relation to the head ("" when unaligned)

    def dependents(self, k: int, rels: tuple[str, ...]) -> list[int]:
        return [i for i, (h, r) in enumerate(zip(self.heads, self.rels)) if h == k and r in rels]


class _Natasha:
    def __init__(self) -> None:
        from natasha import NewsEmbedding, NewsSyntaxParser, Segmenter

        self.segmenter = Segmenter()
        self.parser = NewsSyntaxParser(NewsEmbedding())
        self.lock = threading.Lock()

    def parse(self, sent: Sentence) -> Parse | None:
        from natasha import Doc

        doc = Doc(sent.text)
        with self.lock:
            doc.segment(self.segmenter)
            doc.parse_syntax(self.parser)
        toks = sent.tokens
        # natasha token -> kronika token by character overlap
        ids: dict[str, int] = {}
        rows = []
        for nt in doc.tokens:
            a, b = sent.start + nt.start, sent.start + nt.stop
            k = next((i for i, t in enumerate(toks) if t.start < b and a < t.end), None)
            if k is not None:
                ids.setdefault(nt.id, k)
            rows.append((nt.id, k, nt.head_id, nt.rel))
        heads: list[int | None] = [None] * len(toks)
        rels = [""] * len(toks)
        for nid, k, head, rel in rows:
            if k is None or rels[k]:
                continue
            heads[k] = ids.get(head)
            rels[k] = rel or ""
        return Parse(tuple(heads), tuple(rels))


@functools.lru_cache(maxsize=None)
def _parser(lang: str):
    if lang not in PARSED:
        return None
    try:
        return _Natasha()
    except ImportError:  # natasha not installed: roles from case and position
        return None


def parse(sent: Sentence) -> Parse | None:
    """The dependency parse of a sentence, or None when its language has no parser here."""
    p = _parser(sent.lang)
    return p.parse(sent) if p is not None and sent.tokens else None
