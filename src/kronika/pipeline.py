"""The pipeline: stages over a Doc, each declaring what it needs and what it adds.

    clean -> segment (paragraphs, language, sentences, tokens with lemmas)
          -> entities (names, and their places resolved with the whole article in view: places.py)
          -> phrases (places named by phrases: "the capital"; noun-phrase units) -> dates
          -> attribution -> events -> sizes -> dedup -> coding

When the pipeline ends, every `Event` is complete: its CAMEO and ACLED codes, sizes and confidence
are set, and `Event.to_dict()` is the record every output writes.

The order is checked when the pipeline is built. Services (morphology, the name index) are
constructed once and passed in, so a worker builds its own and tests can pass small ones.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

from .attribution import attribute
from .clean import find_skips
from .coding import code_events
from .dates import resolve_dates
from .dedup import merge_events
from .entities import EntityFinder, find_people, main_country
from .errors import PipelineError
from .events import complete, extract_events, name_events
from .gazetteer import NameIndex, load_index
from .place_phrases import dateline_place, resolve_place_phrases
from .langid import identify, script_of
from .lexicon import load_lexicon
from .morph import Morphology
from .ner import Recogniser
from .places import PlaceResolver
from .records import Article, Doc, Notice, Paragraph, Sentence, Token
from .roles import build_units
from .sentences import WORD, paragraphs, split_sentences
from .size import attach_sizes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stage:
    name: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    run: Callable[[Doc], None]


class Pipeline:
    """Runs stages in order over articles; `Pipeline.default()` builds the standard one."""

    def __init__(self, stages: list[Stage]):
        have = {"article"}
        for st in stages:
            missing = [r for r in st.requires if r not in have]
            if missing:
                raise PipelineError(f"stage {st.name!r} needs {missing}, which no stage before it assigns; "
                                    f"reorder the stages")
            have.update(st.assigns)
        self.stages = stages

    @classmethod
    def default(cls, morph: Morphology | None = None, index: NameIndex | None = None) -> "Pipeline":
        morph = morph or Morphology()
        index = index or load_index(morph)
        finder = EntityFinder(index, morph)
        recogniser = Recogniser(index, morph)
        resolver = PlaceResolver(index, finder, recogniser)

        def segment(doc: Doc) -> None:
            _segment(doc, morph)

        def entities(doc: Doc) -> None:
            doc.mentions = [finder.find(s, i) for i, s in enumerate(doc.sentences)]
            doc.dateline = dateline_place(doc, finder)
            find_people(doc)
            # places are resolved on the names the tables know; the name classes' people and
            # organisations join after, around names that may yet turn out to be no place
            doc.toponyms, choice = resolver.resolve(doc)
            recogniser.add_mentions(doc)
            resolver.settle(doc, choice)
            doc.main_country = main_country(doc, index)

        def phrases(doc: Doc) -> None:
            resolve_place_phrases(doc, index)
            doc.units = [build_units(s, doc.mentions[i], load_lexicon(s.lang)) for i, s in enumerate(doc.sentences)]

        def attribution(doc: Doc) -> None:
            attribute(doc, doc.units)

        def events(doc: Doc) -> None:
            doc.events = extract_events(doc, index, doc.units)
            complete(doc, doc.events, index, doc.units)

        pipeline = cls([
            Stage("clean", ("article",), ("skips",), lambda d: setattr(d, "skips", find_skips(d.article.body))),
            Stage("segment", ("skips",), ("paragraphs", "sentences", "tokens"), segment),
            Stage("entities", ("tokens",), ("mentions", "toponyms", "main_country"), entities),
            Stage("phrases", ("mentions",), ("phrase_places", "units"), phrases),
            Stage("dates", ("tokens",), ("dates", "anchor_dates"), resolve_dates),
            Stage("attribution", ("units",), ("sources", "speakers"), attribution),
            Stage("events", ("units", "dates", "sources", "phrase_places"), ("events",), events),
            Stage("sizes", ("events",), ("sizes",), lambda d: attach_sizes(d.events, d.sentences)),
            Stage("dedup", ("events", "sizes"), ("merged",), lambda d: setattr(d, "events", merge_events(d.events))),
            Stage("names", ("merged",), ("names",), name_events),
            Stage("coding", ("names",), ("codes", "confidence"), lambda d: code_events(d.events)),
        ])
        pipeline.morph, pipeline.index = morph, index
        return pipeline

    def process(self, article: Article, until: str | None = None, timings: dict[str, float] | None = None) -> Doc:
        """Run the stages over one article; `until` stops after the stage of that name; `timings`
        adds each stage's seconds under its name."""
        doc = Doc(article)
        for st in self.stages:
            if timings is None:
                st.run(doc)
            else:
                t = time.perf_counter()
                st.run(doc)
                timings[st.name] = timings.get(st.name, 0.0) + time.perf_counter() - t
            if st.name == until:
                break
        return doc


def _segment(doc: Doc, morph: Morphology) -> None:
    """Paragraphs with their language, sentences, and tokens with lemmas (skip spans left out)."""
    body = doc.article.body
    if not doc.article.date:
        doc.warnings.append(Notice("undated", "the article has no date: 'on Tuesday' is read against full dates in "
                                   "its text only, and events with none get no date (give a `date` header or field)"))
    paras = paragraphs(body)
    declared = doc.article.lang
    prose = " ".join(body[s:e] for s, e, h in paras if not h)[:4000] or body[:4000]
    hint = declared or identify(prose)
    main_script = script_of(prose)
    for pi, (start, end, heading) in enumerate(paras):
        text = body[start:end]
        # a declared language holds for the paragraphs in its script; others are identified
        same_script = script_of(text) in (main_script, None)
        if declared and same_script:
            lang = declared
        else:
            # a paragraph in the article's script is told apart from its first few hundred characters
            lang = identify(text[:300] if same_script else text, hint)
        if load_lexicon(lang) is None and not any(w.reason == f"no-lexicon:{lang}" for w in doc.warnings):
            doc.warnings.append(Notice(f"no-lexicon:{lang}", f"no lexicon for language {lang!r}: its text is read "
                                       f"but yields no events (add data/lexicons/{lang}.yaml)"))
        doc.paragraphs.append(Paragraph(start, end, lang, heading))
        # once per paragraph, so that a long article's time grows with its length, not its square
        skips, script = doc.skips.within(start, end), script_of(text)
        for s, e in split_sentences(text, lang, start):
            if any(k.start <= s and e <= k.end for k in skips):
                continue
            stext = body[s:e]
            slang = lang
            if script_of(stext) != script:
                slang = identify(stext, lang)
            sent = Sentence(s, e, stext, slang, pi, heading)
            word = morph.word
            sent.tokens = [Token(m.start() + s, m.end() + s, m.group(), *word(m.group(), slang))
                           for m in WORD.finditer(stext)
                           if not skips or not any(k.start <= m.start() + s < k.end for k in skips)]
            doc.sentences.append(sent)

