"""Dependency parses for the languages that have a parser in an installed package (Russian:
natasha's slovnet syntax model, shipped inside its wheel), over kronika's own tokens.

A parse gives every token its head (a token index or None for the root) and its relation
(`nsubj`, `obj`, `iobj`, `obl`, `nsubj:pass` ...). The event stage parses only the sentences that
have a trigger, an article's in one batch; a language without a parser gets none and the stage
falls back to case, prepositions and position.
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


@functools.lru_cache(maxsize=1)
def natasha_models():
    """(news NER tagger, syntax parser) of natasha, from the models in its wheel, sharing one word
    embedding; made once into the cache (loading them costs half a second at every start)."""
    from importlib import metadata

    from natasha import NewsEmbedding, NewsNERTagger, NewsSyntaxParser

    from .mapped import cached_object

    def build():
        embedding = NewsEmbedding()
        return NewsNERTagger(embedding), NewsSyntaxParser(embedding)
    return cached_object("natasha", f"natasha-{metadata.version('natasha')}", build)


class _Natasha:
    def __init__(self) -> None:
        self.parser = natasha_models()[1]
        self.lock = threading.Lock()

    def parse(self, sents: list[Sentence]) -> list[Parse]:
        """Parses of kronika's own tokens, all sentences in one batch."""
        with self.lock:
            markups = list(self.parser.map([[t.text for t in s.tokens] for s in sents]))
        out = []
        for sent, markup in zip(sents, markups):
            n = len(sent.tokens)
            heads: list[int | None] = [None] * n
            rels = [""] * n
            for i, tok in enumerate(markup.tokens[:n]):
                h = int(tok.head_id) - 1 if str(tok.head_id).isdigit() else -1
                heads[i] = h if 0 <= h < n and h != i else None
                rels[i] = tok.rel or ""
            out.append(Parse(tuple(heads), tuple(rels)))
        return out


@functools.lru_cache(maxsize=None)
def _parser(lang: str):
    if lang not in PARSED:
        return None
    try:
        return _Natasha()
    except ImportError:  # natasha not installed: roles from case and position
        return None


def parse_sentences(sents: list[Sentence]) -> dict[int, Parse]:
    """The parses, by `id` of the sentence, of the sentences whose language has a parser."""
    by_lang: dict[str, list[Sentence]] = {}
    for s in sents:
        if s.tokens and _parser(s.lang) is not None:
            by_lang.setdefault(s.lang, []).append(s)
    return {id(s): p for lang, group in by_lang.items() for s, p in zip(group, _parser(lang).parse(group))}
