"""Attribution: who each sentence's claims come from.

"Reuters informował, że ...", "Jak informuje agencja RIA Novosti, ...", "\"...\" - relacjonował
świadek", "сообщил Лукашенко", "according to police". A source holds for the sentences of a quote
it closes and, in reported speech, for the rest of its paragraph until another source is named.
"""
from __future__ import annotations

from .lexicon import Lexicon, load_lexicon
from .records import Actor, Doc, Source
from .roles import Unit

OPEN_QUOTES = "\"„“«‘'"
CLOSE_QUOTES = "\"”“»’'"


def _source_from_unit(unit: Unit, text: str) -> Source | None:
    agency = next((m for m in unit.mentions if m.source_kind == "agency"), None)
    if agency is not None:
        return Source(text, agency.key)
    for kinds in (("PER",), ("ORG",), ("SRC",), ("GEN",), ("LOC",)):
        for m in unit.mentions:
            if m.kind in kinds:
                if m.kind == "GEN":
                    return Source(text, f"{m.key} ({unit.code})" if unit.code else m.key)
                if m.kind == "LOC" and not (m.place and m.place.resolution == "country"):
                    continue
                return Source(text, m.key)
    return None


def sentence_source(doc: Doc, si: int, units: list[Unit], lex: Lexicon) -> tuple[Source | None, Unit | None, bool]:
    """(source, its unit, whether the sentence reports speech without naming who)."""
    sent = doc.sentences[si]
    toks = sent.tokens
    lowers = [t.lower for t in toks]
    # "według X", "jak informuje X", "according to X"
    firsts = {p[0] for p in lex.according_to}
    starts = [k for k, w in enumerate(lowers) if w in firsts]
    for phrase in (lex.according_to if starts else ()):
        n = len(phrase)
        for k in starts:
            if tuple(lowers[k:k + n]) == phrase:
                after = [u for u in units if k + n <= u.first <= k + n + 2]
                if after:
                    src = _source_from_unit(after[0], after[0].text(sent))
                    if src:
                        return src, after[0], False
    # a reporting verb and its subject, just before or after it; a news agency that reports what a
    # speaker said ("X said ..., TASS reports") is the source before the speaker
    found: list[tuple[Source, Unit]] = []
    reported = False
    for k, t in enumerate(toks):
        if not (set(t.lemmas) & lex.reporting_verbs or t.lower in lex.reporting_verbs):
            continue
        reported = True
        cands = [u for u in units if u.role is None and (0 < k - u.last <= 3 or 0 < u.first - k <= 2)]
        cands.sort(key=lambda u: (u.first < k and k - u.last > 1, abs(u.first - k)))
        for u in cands:
            src = _source_from_unit(u, u.text(sent))
            if src:
                found.append((src, u))
                break
    if found:
        src, u = next(((s, u) for s, u in found if _is_agency(u)), found[0])
        return src, u, False
    return None, None, reported


def _is_agency(unit: Unit) -> bool:
    return any(m.source_kind == "agency" for m in unit.mentions)


def attribute(doc: Doc, units_per_sentence: list[list[Unit]]) -> None:
    """Fill `doc.sources`, one Source (or None) per sentence."""
    n = len(doc.sentences)
    own: list[Source | None] = [None] * n
    speakers: list[Actor | None] = [None] * n
    unnamed = [False] * n
    for si, sent in enumerate(doc.sentences):
        lex = load_lexicon(sent.lang)
        if lex is None:
            continue
        own[si], unit, unnamed[si] = sentence_source(doc, si, units_per_sentence[si], lex)
        unit_sent = sent
        if own[si] is None and unnamed[si] and si > 0 and doc.sentences[si - 1].paragraph == sent.paragraph:
            # "... – napisał na platformie X.": the person the sentence before was about
            prev = doc.sentences[si - 1]
            people = [u for u in units_per_sentence[si - 1] if u.role is None and any(m.kind in ("PER", "ORG") for m in u.mentions)
                      and (not u.cases or "nom" in u.cases)]
            if people:
                unit, unit_sent = people[-1], prev
                own[si] = _source_from_unit(unit, unit.text(prev))
        if unit is not None and unit.can_act and not any(m.source_kind for m in unit.mentions) \
                and any(m.kind in ("PER", "ORG", "GEN", "LOC") for m in unit.mentions):
            person = any(m.kind == "PER" for m in unit.mentions)
            speakers[si] = Actor(unit.text(unit_sent), unit.name, unit.code or (doc.main_country if person else None),
                                 unit.sector or "UNK")
    # a quote that spans sentences takes the source named where it closes or opens
    sources = list(own)
    open_at: int | None = None
    for si, sent in enumerate(doc.sentences):
        quotes = sum(sent.text.count(q) for q in "\"„“”«»")
        if open_at is None and quotes % 2 == 1:
            open_at = si
        elif open_at is not None and quotes % 2 == 1:
            src = own[si] or own[open_at]
            if src is not None and doc.sentences[open_at].paragraph == sent.paragraph:
                for k in range(open_at, si + 1):
                    sources[k] = sources[k] or src
            open_at = None
        if open_at is not None and doc.sentences[open_at].paragraph != sent.paragraph:
            open_at = None
    # reported speech carries forward within a paragraph
    last: Source | None = None
    last_speaker: Actor | None = None
    para = -1
    for si, sent in enumerate(doc.sentences):
        if sent.paragraph != para:
            para, last, last_speaker = sent.paragraph, None, None
        if sources[si] is None and last is not None:
            sources[si] = last
            speakers[si] = speakers[si] or last_speaker
        elif sources[si] is not None:
            last, last_speaker = sources[si], speakers[si]
    doc.sources = sources
    doc.speakers = speakers
