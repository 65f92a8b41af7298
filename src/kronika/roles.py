"""Units: the noun phrases that can act, receive or host an event, built from adjacent mentions
("rosyjskie linie lotnicze Aeroflot", "Premier Armenii Nikol Paszynian"), with the preposition
that governs them and the grammatical case of their head.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .lexicon import Lexicon
from .morph import case_of
from .records import Mention, Sentence

TAGGED = ("pl", "ru", "uk")


def _nominal(t, lang: str) -> bool:
    if lang not in TAGGED:
        return True
    return any(tag.removeprefix("prop:").startswith(("adj", "subst", "ppas", "pact", "ADJF", "NOUN", "PRTF", "ign"))
               for tag in t.tags)


def _adjectival(t, lang: str) -> bool:
    """Adjectives and quantifiers may stand between a preposition and its noun; in languages
    without tags, one word may."""
    if lang not in TAGGED:
        return True
    return any(tag.removeprefix("prop:").startswith(("adj", "ppas", "pact", "num", "ADJF", "PRTF", "NUMR", "Anum"))
               for tag in t.tags)


PUNCT_CLAUSE = {",", ";", ":", "–", "—", "(", ")", "-", "?", "!"}


@dataclass(slots=True)
class Unit:
    first: int
    last: int
    mentions: list[Mention]
    prep: str | None = None
    role: str | None = None  # the role the preposition gives: recipient, partner, location, agent
    cases: set[str] = field(default_factory=set)
    quantified: bool = False

    @property
    def start(self) -> int:
        return self.mentions[0].start

    @property
    def end(self) -> int:
        return self.mentions[-1].end

    @property
    def code(self) -> str | None:
        for kinds in (("PER", "ORG"), ("LOC",), ("NORP",)):
            for m in self.mentions:
                if m.kind in kinds and m.code:
                    return m.code
        return None

    @property
    def sector(self) -> str | None:
        for kinds in (("PER", "ORG"), ("GEN",)):
            for m in self.mentions:
                if m.kind in kinds and m.sector:
                    return m.sector
        if any(m.kind == "LOC" and m.place and m.place.resolution == "country" for m in self.mentions):
            return "GOV"
        return None

    @property
    def name(self) -> str:
        for kinds in (("PER", "ORG"), ("LOC",), ("GEN",), ("NORP", "SRC")):
            for m in self.mentions:
                if m.kind in kinds:
                    return m.key
        return self.mentions[0].key

    @property
    def only_place(self) -> bool:
        return all(m.kind == "LOC" for m in self.mentions)

    @property
    def can_act(self) -> bool:
        """Countries, people, organisations and groups act; of cities only a national capital, as the
        state it stands for ("Moskva to odmítá", "London said")."""
        if self.only_place:
            return all(m.place is not None and (m.place.resolution == "country" or m.place.capital) for m in self.mentions)
        return True

    def text(self, sent: Sentence) -> str:
        return sent.text[self.start - sent.start:self.end - sent.start]


def clause_bounds(sent: Sentence, lex: Lexicon | None) -> list[int]:
    """Clause index of every token: punctuation and relative pronouns open a new clause."""
    out = []
    c = 0
    for t in sent.tokens:
        if t.text in PUNCT_CLAUSE:
            c += 1
        out.append(c)
    return out


def build_units(sent: Sentence, mentions: list[Mention], lex: Lexicon | None) -> list[Unit]:
    """Merge adjacent mentions into units and note their preposition, case and quantifier."""
    toks = sent.tokens
    preps = lex.prepositions if lex else {}
    conj = lex.conjunctions if lex else frozenset()
    quants = lex.quantifiers if lex else frozenset()
    units: list[Unit] = []
    for m in sorted(mentions, key=lambda m: m.first_token):
        if units:
            u = units[-1]
            gap = toks[u.last + 1:m.first_token]
            if m.first_token > u.last and len(gap) <= (2 if sent.lang in TAGGED else 1) and all(
                    t.text[:1].isalpha() and t.lower not in preps and t.lower not in conj and _nominal(t, sent.lang)
                    and (t.text[:1].islower() or t.tags[:1] == ("ign",)) for t in gap) and not (u.only_place and m.kind == "LOC") \
                    and not (m.kind == "LOC" and m.place and m.place.resolution == "city" and u.mentions[-1].kind != "LOC"):
                u.mentions.append(m)
                u.last = m.last_token
                continue
        units.append(Unit(m.first_token, m.last_token, [m]))
    for u in units:
        k = u.first - 1
        # skip one adjective or quantifier between the preposition and the unit ("z międzynarodowego lotniska")
        while k >= 0 and k >= u.first - 2 and toks[k].lower not in preps and toks[k].text[:1].isalpha() \
                and toks[k].text[:1].islower() and toks[k].lower not in conj and _adjectival(toks[k], sent.lang):
            if toks[k].lower in quants or set(toks[k].lemmas) & quants:
                u.quantified = True
            k -= 1
        if k >= 0 and toks[k].lower in preps:
            u.prep = toks[k].lower
            u.role = preps[toks[k].lower]
        if u.first > 0 and (toks[u.first - 1].text[:1].isdigit()):
            u.quantified = True
        head = toks[u.first]
        for tag in head.tags:
            u.cases |= case_of(tag, sent.lang)
        if not u.cases and u.mentions[0].inflected:
            u.cases = {"obl"}  # an unknown name with a case ending: not the subject
    return units


def is_theme(u: Unit, sent: Sentence, near: frozenset[str]) -> bool:
    """True when a unit is what the event moves ("Kompania wojsk białoruskich" sent as aid)."""
    return bool(near) and any(set(sent.tokens[x].lemmas) & near or sent.tokens[x].lower in near
                              for x in range(u.first, u.last + 1))
