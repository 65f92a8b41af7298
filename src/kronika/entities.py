"""Entities: names of countries, cities, people, organisations and agencies, demonyms, and
generic agents ("policja", "военные", "protesters") in each sentence.

Names are matched on tuples of token forms (surface, lemmas, and guessed bases of unknown inflected
names) against the name index, longest match first.
"""
from __future__ import annotations

import functools
from collections import Counter

from .dates import calendar_words
from .gazetteer import NameIndex
from .lexicon import Lexicon, data_path, group_index, load_lexicon, load_yaml
from .morph import Morphology, guess_bases, is_known_common, is_proper, name_forms
from .records import Doc, Mention, Place, Sentence, Token
from .sentences import tokenize

_KIND_RANK = {"PER": 0, "ORG": 0, "LOC": 1, "NORP": 2}
# determiners before a capitalised German word make it a common noun, not a town ("die Lage")
GERMAN_ARTICLES = frozenset("der die das den dem des ein eine einer einem einen eines diese dieser dieses".split())
# lower-case words inside town names ("Pomezí nad Ohří", "Frankfurt am Main", "Rostov-na-Donu")
NAME_LINKS = frozenset("nad pod am an der upon na над на".split())


def token_forms(tok: Token, lang: str) -> tuple[str, ...]:
    """Forms under which a token can start or continue a name (given to the sentence's tokens
    when they are made; worked out here for a name's own tokens)."""
    return tok.name_forms or name_forms(tok.text, tok.lemmas, tok.tags, lang)


class EntityFinder:
    """Finds mentions in sentences; one instance serves every document and language."""

    def __init__(self, index: NameIndex, morph: Morphology):
        self.index = index
        self.morph = morph
        self._steps: dict[tuple, tuple[list, tuple[str, ...] | None]] = {}

    def lookup_name(self, name: str, lang: str) -> Mention | None:
        """The entity a name on its own stands for (a dateline, a header), or None."""
        toks = [Token(s, e, t, *self.morph.analyse(t, lang)) if t[:1].isalpha() else Token(s, e, t)
                for s, e, t in tokenize(name)]
        found = self._longest(toks, [token_forms(t, lang) for t in toks], 0, 0, standalone=True, lang=lang)
        return found if found is not None and found.last_token == len(toks) - 1 else None

    def places_for(self, name: str, lang: str) -> list[Place]:
        """Every place a name on its own can stand for ("LONDON" in a dateline: London, Ky. too)."""
        toks = [Token(s, e, t, *self.morph.analyse(t, lang)) if t[:1].isalpha() else Token(s, e, t)
                for s, e, t in tokenize(name)]
        if not toks:
            return []
        found = self._match(toks, [token_forms(t, lang) for t in toks], 0, lang)
        if found is None or found[0] != len(toks) - 1:
            return []
        return list(dict.fromkeys(self.index.place_at(e.place) for e in found[1] if e.kind == "LOC" and e.place is not None))

    def find(self, sent: Sentence, sent_index: int) -> list[Mention]:
        toks = sent.tokens
        lang = sent.lang
        forms = [token_forms(t, lang) for t in toks]
        out: list[Mention] = []
        i = 0
        while i < len(toks):
            best = self._longest(toks, forms, i, sent_index, lang=lang)
            if best is not None:
                out.append(best)
                i = best.last_token + 1
            else:
                i += 1
        lex = load_lexicon(lang)
        if lex is not None:
            taken = {k for m in out for k in range(m.first_token, m.last_token + 1)}
            out.extend(self._groups(toks, lex, sent_index, taken))
        out.sort(key=lambda m: m.start)
        return out

    def _match(self, toks: list[Token], forms: list[tuple[str, ...]], i: int,
               lang: str | None = None) -> tuple[int, list, tuple[str, ...]] | None:
        """The longest name starting at token i: (last token, entries, key), or None."""
        if not toks[i].text[:1].isalnum():
            return None
        lower = not toks[i].text[:1].isupper() and not toks[i].text[:1].isdigit()
        merged, first_key, live = self._step(forms[i], lang, lower)
        found: tuple[int, list, tuple[str, ...]] | None = (i, merged, first_key) if merged else None
        j = i + 1
        while live and j < len(toks) and j - i < 6:
            partial = tuple(k + (f,) for k in live for f in forms[j])
            merged, first_key, live = self._step(partial, lang, lower, partial)
            if merged:
                found = (j, merged, first_key)
            j += 1
        return found

    def _step(self, memo_key: tuple, lang: str | None, lower: bool,
              keys: tuple[tuple[str, ...], ...] | None = None) -> tuple[list, tuple[str, ...] | None, tuple[tuple[str, ...], ...]]:
        """For the keys of one length of a name being read: the entries (the first key's first),
        the first key that has any, and the keys a longer name starts with. Remembered by
        `memo_key`: the first word's forms (its keys are one form each), else the keys; news
        repeats its names and its other words."""
        memo = (memo_key, lang, lower)
        have = self._steps.get(memo)
        if have is not None:
            return have
        if keys is None:
            keys = tuple((f,) for f in memo_key)
        merged: list = []
        first_key = None
        for key in keys:
            entries = self.index.lookup(key)
            if not entries:
                continue
            if lang is not None:  # "este" is an Estonian in German, "this" in Spanish
                entries = [e for e in entries if e.kind != "NORP" or e.source_kind in (None, lang)]
            if lower:  # only demonyms go uncapitalised: "polską" is no "Polską"
                entries = [e for e in entries if e.kind == "NORP"]
            if not entries:
                continue
            first_key = first_key or key
            merged.extend(e for e in entries if e not in merged)
            if not all(self._village(e) for e in merged):
                break  # "Chebu" as written is a Chinese village; its lemma "Cheb" a Czech town: read on
        live = tuple(k for k in keys if k in self.index.prefixes)
        if len(self._steps) >= 300_000:
            self._steps.clear()
        have = self._steps[memo] = (merged, first_key, live)
        return have

    def _village(self, e) -> bool:
        if e.kind != "LOC" or e.curated or e.place is None:
            return False
        p = self.index.place_at(e.place)
        return p.resolution == "city" and p.population < 5000

    def _longest(self, toks: list[Token], forms: list[list[str]], i: int, si: int,
                 standalone: bool = False, lang: str | None = None) -> Mention | None:
        found = self._match(toks, forms, i, lang)
        if found is None:
            return None
        j, entries, key = found
        lex = load_lexicon(lang) if lang else None
        if j == i and lex is not None and lex.is_function_word(toks[i].text):
            return None  # "Zhruba" (about) is no village, "У" (in) no person
        entry = self._choose(entries, toks, i, j, standalone, lang)
        if entry is None:
            return None
        last = toks[j]
        inflected = last.tags[:1] == ("ign",) and key[-1] not in (last.lower, *last.lemmas)
        alts: tuple[Place, ...] = ()
        if entry.kind == "LOC" and entry.place is not None:  # every other place of the name, for places.py to weigh
            others = dict.fromkeys(e.place for e in entries if e.kind == "LOC" and e.place is not None)
            alts = tuple(self.index.place_at(p) for p in others if p != entry.place)
        first = toks[i]
        text = "".join(t.text if k == i else " " * (t.start - toks[k - 1].end) + t.text for k, t in enumerate(toks[i:j + 1], i))
        return Mention(first.start, toks[j].end, text, entry.kind if entry.kind != "NORP" else "NORP", entry.key,
                       _base(toks, i, j), entry.code, entry.sector, self.index.place(entry), entry.source_kind,
                       inflected, alts, i, j, si)

    def _choose(self, entries, toks: list[Token], i: int, j: int, standalone: bool = False, lang: str | None = None):
        first = toks[i]
        ok = []
        if i == j and first.lower in calendar_words():
            entries = [e for e in entries if e.kind != "LOC"]  # "am Montag" is no town called Montag
        for e in entries:
            if e.kind == "NORP":
                ok.append(e)
                continue
            if not first.text[:1].isupper() and not first.text[:1].isdigit():
                continue  # names are capitalised in every language we read
            if e.kind == "LOC" and not e.curated and i == j:
                place = self.index.place_at(e.place)
                dateline = i == 0 and len(first.text) >= 4 and len(toks) > 1 and toks[1].text in (",", "-", "(", "–", "—")
                if place.resolution == "city" and (len(first.text) < 3 or (first.text.isupper() and not dateline)):
                    continue  # "AP", "NATO"; but "LONDON, Ky." opens a report
                if place.resolution == "city" and first.lower in _event_and_product_words():
                    continue  # "over Christmas" is no Christmas, Florida; "on Twitter" no town either
                if place.resolution == "city" and is_known_common(first.tags) and not is_proper(first.tags) \
                        and place.population < 500_000:
                    continue  # "Nie", "Bar": a common word that is also a town somewhere (the Ukrainian
                    # dictionary marks few places, so a big city's name is read as one: "Брюсселя")
                if place.resolution == "city" and i == 0 and not standalone and not first.tags[:1] == ("ign",) \
                        and place.population < 100_000 and not is_proper(first.tags):
                    continue
                if place.resolution == "city" and place.population < 1_000_000 and i > 0 \
                        and toks[i - 1].lower in GERMAN_ARTICLES:
                    continue  # "die Lage", "der Kessel": a German noun, not the town of that name
                if place.resolution == "city" and place.population < 100_000 and j + 1 < len(toks) \
                        and first.lower in first_names() and toks[j + 1].text[:1].isupper():
                    continue  # "Grace Wanjiru": a given name, not Grace, Idaho
            if e.kind == "LOC" and not e.curated and j + 2 < len(toks) and toks[j + 1].lower in NAME_LINKS \
                    and toks[j + 2].text[:1].isupper() and self.index.place_at(e.place).resolution == "city":
                continue  # "Pomezí nad Ohří" is a longer name than the Pomezí the index knows
            ok.append(e)
        if not ok:
            return None
        def rank(e):
            return (not e.curated, _KIND_RANK.get(e.kind, 3),
                    self.index.place_at(e.place).resolution != "country" if e.place is not None else False,
                    -e.population)

        best = min(ok, key=rank)
        if best.kind == "LOC" and best.place is not None and not standalone:
            place = self.index.place_at(best.place)
            demonyms = [e for e in ok if e.kind == "NORP"]
            lex = load_lexicon(lang) if lang else None
            after_locative = i > 0 and lex is not None and toks[i - 1].lower in lex.locative
            if demonyms and place.resolution == "city" and place.population < 100_000 and not after_locative:
                return min(demonyms, key=rank)  # "Spanish officials", not the town of Spanish, Ontario
        return best

    def _groups(self, toks: list[Token], lex: Lexicon, si: int, taken: set[int]) -> list[Mention]:
        out = []
        lemma_window = [t.forms for t in toks]
        order = _group_order(lex)
        firsts = _GROUP_FIRSTS[lex.lang]
        k = 0
        while k < len(toks):
            t = toks[k]
            if k in taken or firsts.isdisjoint(t.forms):
                k += 1
                continue
            found = []  # a generic agent and a nameless source can share words ("residents")
            for kind, index, rank in order:
                options = [o for f in dict.fromkeys((t.lower, *t.lemmas)) for o in index.get(f, ())]
                options.sort(key=lambda o: (-len(o[1]), rank[o[0]]))
                for r, rest in options:
                    end = k + len(rest)
                    if end >= len(toks) or any(w not in lemma_window[k + x] for x, w in enumerate(rest, 1)) \
                            or any(x in taken for x in range(k, end + 1)):
                        continue
                    if r.near and not any(r.near & lemma_window[x] for x in range(max(0, k - 3), min(len(toks), end + 4))
                                          if not k <= x <= end):
                        continue
                    found.append((kind, r, end))
                    break
            if not found:
                k += 1
                continue
            for kind, r, end in found:
                text = "".join(x.text if i == k else " " * (x.start - toks[i - 1].end) + x.text
                               for i, x in enumerate(toks[k:end + 1], k))
                base = " ".join(x.lemmas[0] if x.lemmas else x.lower for x in toks[k:end + 1])
                out.append(Mention(t.start, toks[end].end, text, kind, r.name, base, None, r.sector, None,
                                   "witness" if r.name == "witness" else None, False, (), k, end, si))
            k = max(end for _, _, end in found) + 1
        return out


_GROUP_ORDER: dict[str, tuple] = {}
_GROUP_FIRSTS: dict[str, frozenset[str]] = {}  # the words any of a language's rules starts with


def _group_order(lex: Lexicon):
    """(kind, first-word index, rule rank) for generic agents and nameless sources."""
    if lex.lang in _GROUP_ORDER:
        return _GROUP_ORDER[lex.lang]
    out = []
    for kind, rules in (("GEN", lex.generic_actors), ("SRC", lex.source_nouns)):
        out.append((kind, group_index(rules), {r: i for i, r in enumerate(rules)}))
    _GROUP_FIRSTS[lex.lang] = frozenset(w for _, index, _ in out for w in index)
    _GROUP_ORDER[lex.lang] = tuple(out)
    return _GROUP_ORDER[lex.lang]


def _base(toks: list[Token], i: int, j: int) -> str:
    return " ".join((t.lemmas[0] if t.lemmas and t.tags[:1] != ("ign",) else t.text) for t in toks[i:j + 1])


def main_country(doc: Doc, index: NameIndex) -> str | None:
    """Alpha-3 of the country an article is mostly about: named countries and the countries of its cities."""
    counts: Counter[str] = Counter()
    for ms in doc.mentions:
        for m in ms:
            if m.place is not None and m.place.country:
                counts[index.alpha3.get(m.place.country, "")] += 2 if m.place.resolution == "country" else 1
    counts.pop("", None)
    return counts.most_common(1)[0][0] if counts else None


@functools.lru_cache(maxsize=1)
def _event_and_product_words() -> frozenset[str]:
    """The one-word names of events and products the name classes know (data/ner.yaml)."""
    data = load_yaml(data_path("ner.yaml")) or {}
    return frozenset(w.lower() for kind in ("evt", "pro") for w in data.get(kind) or () if " " not in w)


@functools.lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Given names in every language we read, lower-cased (data/first_names.yaml)."""
    path = data_path("first_names.yaml")
    if not path.exists():
        return frozenset()
    data = load_yaml(path) or {}
    return frozenset(n.lower() for names in data.values() for n in names or [])


def _cap(t: Token) -> bool:
    return t.text[:1].isupper() and t.text[1:2].islower() and t.text[:1].isalpha()


def _surname_base(t: Token, lang: str) -> str:
    if t.tags[:1] == ("ign",) or not t.lemmas:
        bases = guess_bases(t.text, lang)
        return bases[0] if bases and t.text.endswith(("a", "ego", "u", "em", "owi", "y", "i", "ym", "а", "у", "ом", "ым", "ого", "ой", "ем")) \
            and lang in ("pl", "ru", "uk", "cs") else t.text
    lemma = t.lemmas[0]
    return lemma[:1].upper() + lemma[1:]


def find_people(doc: Doc) -> None:
    """People the name tables lack: a known given name and a capitalised surname ("Paweł Wroński",
    "Grace Wanjiru"), and later mentions of the surname alone ("Wroński dodał")."""
    firsts = first_names()
    if not firsts:
        return
    surnames: dict[str, str] = {}  # surname base -> key
    for si, sent in enumerate(doc.sentences):
        toks = sent.tokens
        taken = {k for m in doc.mentions[si] for k in range(m.first_token, m.last_token + 1)}
        new: list[Mention] = []
        k = 0
        while k < len(toks) - 1:
            t = toks[k]
            if k not in taken and _cap(t) and ({t.lower, *t.lemmas[:2]} & firsts) and k + 1 not in taken and _cap(toks[k + 1]):
                j = k + 1
                while j + 1 < len(toks) and j + 1 not in taken and _cap(toks[j + 1]) and j - k < 3 \
                        and toks[j + 1].start == toks[j].end + 1:
                    j += 1
                first = t.lemmas[0] if t.lemmas and t.tags[:1] != ("ign",) else t.text.lower()
                base = " ".join([first[:1].upper() + first[1:]] + [_surname_base(x, sent.lang) for x in toks[k + 1:j + 1]])
                surnames[_surname_base(toks[j], sent.lang)] = base
                new.append(Mention(t.start, toks[j].end, sent.text[t.start - sent.start:toks[j].end - sent.start], "PER",
                                   base, base, None, None, None, None, False, (), k, j, si))
                k = j + 1
                continue
            if k not in taken and _cap(t) and k > 0 and surnames:
                key = surnames.get(_surname_base(t, sent.lang)) or surnames.get(t.text)
                if key:
                    new.append(Mention(t.start, t.end, t.text, "PER", key, key, None, None, None, None, False, (), k, k, si))
            k += 1
        if new:
            doc.mentions[si] = sorted(doc.mentions[si] + new, key=lambda m: m.start)
