"""Named entities for `kronika entities`: names of people, places, organisations, events and
products, with their base form in the article's language and one identity across languages.

Names the tables know come from the entity stage; the rest are capitalised runs typed by the
dictionaries' name classes (morfeusz2, pymorphy3), given names, organisation head words and acronyms.
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

from .gazetteer import NameIndex
from .lexicon import data_path, load_lexicon, load_yaml
from .morph import Morphology, case_of, guess_bases, is_known_common
from .records import Doc, Mention, Sentence, Token
from .syntax import natasha_models
from .translit import to_latin

OPENERS = {'"', "„", "“", "«", "(", "-", "–", "—", ":"}
CONNECTORS = {"i", "de", "da", "von", "van", "der", "den", "al", "bin", "of", "the", "и", "і", "a", "und", "la", "le", "du"}


NEURAL = frozenset({"ru"})  # languages whose names a tagger in an installed package also finds (natasha)


@functools.lru_cache(maxsize=4)
def neural_spans(body: str, lang: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, PER|LOC|ORG) of the names natasha's news NER model (inside its wheel) tags in
    `body`; none when the language has no tagger or natasha is not installed."""
    tagger = _tagger(lang)
    if tagger is None:
        return ()
    with _TAGGER_LOCK:
        return tuple((s.start, s.stop, s.type) for s in tagger(body).spans if s.type in ("PER", "LOC", "ORG"))


_TAGGER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=None)
def _tagger(lang: str):
    if lang not in NEURAL:
        return None
    try:
        return natasha_models()[0]
    except ImportError:
        return None


@dataclass(frozen=True, slots=True)
class NamedEntity:
    doc_id: str
    start: int
    end: int
    text: str
    type: str
    base: str
    key: str


@functools.lru_cache(maxsize=1)
def _ner_data():
    data = load_yaml(data_path("ner.yaml"))
    heads = {lang: frozenset(ws) for lang, ws in data["org_heads"].items()}
    canonical = {w.lower(): w for kind in ("pro", "evt") for w in data[kind]}
    return heads, frozenset(w.lower() for w in data["pro"]), frozenset(w.lower() for w in data["evt"]), canonical


class Recogniser:
    def __init__(self, index: NameIndex, morph: Morphology):
        self.index, self.morph = index, morph
        self._phrase_tables: dict[str, dict] = {}

    def add_mentions(self, doc: Doc) -> None:
        """Give the event stages the people and organisations that only the name classes found, so
        that an unlisted spokesman or company can act and speak."""
        for si, sent in enumerate(doc.sentences):
            taken = {k for m in doc.mentions[si] for k in range(m.first_token, m.last_token + 1)}
            starts = {t.start: k for k, t in enumerate(sent.tokens)}
            ends = {t.end: k for k, t in enumerate(sent.tokens)}
            new = []
            for ne in self.sentence_entities(doc, si, sent):
                if ne.type not in ("PER", "ORG") or ne.start not in starts or ne.end not in ends:
                    continue
                a, b = starts[ne.start], ends[ne.end]
                if any(k in taken for k in range(a, b + 1)):
                    continue
                new.append(Mention(ne.start, ne.end, ne.text, ne.type, ne.key, ne.base, None, None, None, None,
                                   False, (), a, b, si))
            if new:
                doc.mentions[si] = sorted(doc.mentions[si] + new, key=lambda m: m.start)

    def entities(self, doc: Doc) -> list[NamedEntity]:
        out: list[NamedEntity] = []
        for si, sent in enumerate(doc.sentences):
            out.extend(self.sentence_entities(doc, si, sent))
        return _article_bases(doc, out)

    def sentence_entities(self, doc: Doc, si: int, sent: Sentence) -> list[NamedEntity]:
        """The named entities of sentence `si`: its mentions with a name, then the runs only the name classes type."""
        from .entities import first_names

        heads, pro, evt, canonical = _ner_data()
        toks = sent.tokens
        lang = sent.lang
        out: list[NamedEntity] = []
        taken: set[int] = set()
        for m in doc.mentions[si]:
            kind = m.kind
            if kind not in ("PER", "ORG", "LOC") or not m.text[:1].isupper():
                continue  # "tego kraju", "stolicy": words that point at a place are no names
            if kind == "ORG" and m.key.lower() in pro:
                kind = "PRO"
            base = self._base(toks[m.first_token:m.last_token + 1], lang, kind)
            out.append(NamedEntity(doc.article.doc_id, m.start, m.end, m.text, kind, base, m.key))
            taken.update(range(m.first_token, m.last_token + 1))
        for k, j, typ, name in self._phrases(toks, lang, taken):  # "II wojny światowej", "холодной войны"
            run = toks[k:j + 1]
            base = _cased_run(name, run)  # the table's spelling is the base form
            out.append(NamedEntity(doc.article.doc_id, run[0].start, run[-1].end,
                                   sent.text[run[0].start - sent.start:run[-1].end - sent.start], typ, base,
                                   to_latin(base, lang)))
            taken.update(range(k, j + 1))
        known = len(out)  # the names the tables know; the runs below are typed by the name classes
        firsts = first_names()
        named = pro | evt
        k = 0
        while k < len(toks):
            if k in taken or not self._starts(toks, k, lang, heads.get(lang, frozenset()), named):
                k += 1
                continue
            j = k
            while j + 1 < len(toks) and j + 1 not in taken and (
                    capitalised(toks[j + 1]) or (toks[j + 1].lower in CONNECTORS and j + 2 < len(toks)
                                                 and capitalised(toks[j + 2])
                                                 and toks[j + 1].lower not in ("i", "и", "і", "a", "und", "and"))):
                j += 1
            run = toks[k:j + 1]
            typ = self._type(run, lang, heads.get(lang, frozenset()), firsts, pro, evt)
            if typ == "PER" and len(run) == 1 and k > 0 and not self.morph.name_class(run[0].text, lang) \
                    and run[0].lower not in firsts and _locative(toks[k - 1], lang):
                typ = "LOC"  # "у Пенсільванії": an unknown word after "in" is a place, not a person
            if typ is not None:
                text = sent.text[run[0].start - sent.start:run[-1].end - sent.start]
                special = next((canonical[f] for f in _forms(run, lang) if f in canonical), None)
                base = _cased_run(special, run) if special else self._base(run, lang, typ)
                out.append(NamedEntity(doc.article.doc_id, run[0].start, run[-1].end, text, typ, base,
                                       to_latin(special or base, lang)))  # one key however it is written
            k = j + 1
        if lang in NEURAL:
            out = self._retyped(doc, sent, out, known) + self._neural(doc, sent, out)
        return out

    def _retyped(self, doc: Doc, sent: Sentence, found: list[NamedEntity], kept: int) -> list[NamedEntity]:
        """Names only the name classes typed (those after the first `kept`, which the tables
        know), typed as the tagger types the same span where it does; dropped as people where it
        sees no name there at all."""
        spans = [x for x in neural_spans(doc.article.body, sent.lang) if x[0] < sent.end and sent.start < x[1]]
        out = found[:kept]
        for ne in found[kept:]:
            over = [t for s, e, t in spans if s < ne.end and ne.start < e]
            if over and ne.type in ("PER", "LOC", "ORG") and over[0] != ne.type:
                ne = NamedEntity(ne.doc_id, ne.start, ne.end, ne.text, over[0], ne.base, ne.key)
            elif not over and (ne.type == "PER" or (ne.start == sent.start and " " not in ne.text)):
                continue  # a person, or one word opening the sentence ("То", "Тем"), the tagger sees no name in
            out.append(ne)
        return out

    def _neural(self, doc: Doc, sent: Sentence, found: list[NamedEntity]) -> list[NamedEntity]:
        """Names a language's neural tagger finds in the sentence where nothing else did (whole
        kronika tokens only), typed by the tagger, with kronika's base form and key."""
        toks = sent.tokens
        starts = {t.start: k for k, t in enumerate(toks)}
        ends = {t.end: k for k, t in enumerate(toks)}
        out = []
        for start, end, typ in neural_spans(doc.article.body, sent.lang):
            if start < sent.start or end > sent.end or start not in starts or end not in ends:
                continue
            if any(f.start < end and start < f.end for f in found) or not toks[starts[start]].text[:1].isupper():
                continue
            run = toks[starts[start]:ends[end] + 1]
            base = self._base(run, sent.lang, typ)
            out.append(NamedEntity(doc.article.doc_id, start, end, sent.text[start - sent.start:end - sent.start],
                                   typ, base, to_latin(base, sent.lang)))
        return out

    def _phrases(self, toks: list[Token], lang: str, taken: set[int]) -> list[tuple[int, int, str, str]]:
        """(first token, last token, EVT|PRO, the table's name) of the tables' names of several words, matched on the
        words' forms and lemmas, the first word written with the table's capital or without it."""
        table = self._phrase_table(lang)
        out = []
        k = 0
        while k < len(toks):
            best = None
            if k not in taken:
                for f in (toks[k].lower, *toks[k].lemmas):  # the tables' words are dictionary words
                    for words, typ, capital, name in table.get(f, ()):
                        n = len(words)
                        if k + n <= len(toks) and capital == toks[k].text[:1].isupper() \
                                and not any(k + i in taken for i in range(n)) \
                                and all(toks[k + i].forms & words[i] for i in range(1, n)) \
                                and (best is None or n > best[0]):
                            best = (n, typ, name)
            if best is None:
                k += 1
                continue
            out.append((k, k + best[0] - 1, best[1], best[2]))
            k += best[0]
        return out

    def _phrase_table(self, lang: str) -> dict[str, list[tuple[tuple[frozenset[str], ...], str, bool, str]]]:
        """First-word form -> (every word's forms, type, written with a capital) of the EVT and PRO
        names of several words, the words' forms read in `lang`."""
        if lang in self._phrase_tables:
            return self._phrase_tables[lang]
        data = load_yaml(data_path("ner.yaml"))
        table: dict[str, list] = {}
        for typ in ("evt", "pro"):
            for name in data[typ]:
                words = name.split()
                if len(words) < 2:
                    continue
                forms = tuple(frozenset({w.lower(), *(x for x in self.morph.analyse(w, lang)[0])}) for w in words)
                for f in forms[0]:
                    table.setdefault(f, []).append((forms, typ.upper(), words[0][:1].isupper(), name))
        self._phrase_tables[lang] = table
        return table

    def _starts(self, toks: list[Token], k: int, lang: str, heads, special) -> bool:
        t = toks[k]
        low = _word_forms(t.text, t.lemmas, lang)
        if not special.isdisjoint(low):
            return True
        if not capitalised(t):
            return False
        initial = k == 0 or toks[k - 1].text in OPENERS or toks[k - 1].text in ".!?"
        lex = load_lexicon(lang)
        if lex is not None and lex.is_function_word(t.text):
            return False  # a capitalised "У", "Zhruba" opening a sentence
        if initial:
            return bool(self.morph.name_class(t.text, lang, strict=True)) or t.tags[:1] == ("ign",) \
                or (t.text.isupper() and len(t.text) > 1) \
                or not heads.isdisjoint(low) or (lang not in ("pl", "ru", "uk") and k > 0)
        return True

    def _type(self, run: list[Token], lang: str, heads, firsts, pro, evt) -> str | None:
        from .dates import calendar_words

        if all(t.lower in calendar_words() for t in run):
            return None  # "Thursday", "March": dates, not names
        lows = [set(_forms([t], lang)) for t in run]
        joined = " ".join(t.lower for t in run)
        if joined in evt or any(lw & evt for lw in lows[:1]):
            return "EVT"
        if joined in pro or any(lw & pro for lw in lows[:1]):
            return "PRO"
        classes = [self.morph.name_class(t.text, lang) for t in run]
        if lows[0] & heads or (len(run) >= 2 and any(lw & heads for lw in lows[1:])):
            return "ORG"  # "Instytut ...", "Warszawskiego Uniwersytetu Medycznego"
        if "first" in classes or "surname" in classes or (len(run) >= 2 and lows[0] & firsts):
            return "PER"
        if "org" in classes:
            return "ORG"
        if "geo" in classes:
            return "LOC"
        if all(t.text.isupper() and len(t.text) >= 2 for t in run):
            if len(run) == 1 and self.morph.common_abbreviation(run[0].text, lang):
                return None  # "СМИ" (the media), "ВВП" (GDP)
            return "ORG"
        if len(run) == 1 and (is_known_common(run[0].tags) if lang in ("pl", "ru", "uk")
                              else self.morph.common_word(run[0].text, lang)):
            return None  # a capitalised common word ("Rząd", "Prezydent", "Pokud") is no name
        if any(_camel(t.text) for t in run) or (lang in CYRILLIC and lang not in NEURAL and not any(
                "\u0400" <= c <= "\u04ff" for t in run for c in t.text)):
            return "ORG"  # "BioNTech", "AstraZeneca"; Latin letters in a Cyrillic text: people's names are transliterated
        if len(run) >= 2 and all(t.tags[:1] in (("ign",), ()) or lang not in ("pl", "ru", "uk") for t in run):
            return "PER"
        return "ORG" if len(run) >= 2 else "PER"

    def _base(self, run: list[Token], lang: str, typ: str) -> str:
        """The base form of a name in its language: the head and the words that agree with it in
        the nominative, the rest ("Partii Niepodległości Wielkiej Brytanii" -> "Partia Niepodległości
        Wielkiej Brytanii") as written."""
        if all(t.text.isupper() for t in run if t.text[:1].isalpha()):
            if typ == "LOC" and len(run) == 1 and len(run[0].text) > 3 and self.morph.name_class(
                    run[0].text.title(), lang, strict=True) == "geo":
                return self.morph.proper_lemma(run[0].text.title(), lang, run, typ)  # a dateline: "МОСКВА"
            return " ".join(t.text for t in run)
        head_cases = None
        words = []
        for i, t in enumerate(run):
            cases = set().union(*(case_of(tag, lang) for tag in t.tags)) if t.tags else set()
            if i > 0 and head_cases is not None and cases and not (cases & head_cases) and typ != "PER":
                words.extend(x.text for x in run[i:])
                break
            if i == 0:
                head_cases = cases or None
            words.append(self._lemma(t, lang, typ, run))
        if typ == "PER" and len(run) > 1 and lang in OBLIQUE:
            words = _person_words(run, words)
        return " ".join(words)

    def _lemma(self, t: Token, lang: str, typ: str, run: list[Token]) -> str:
        if not t.text[:1].isalpha():
            return t.text
        return _cased(self._word_lemma(t, lang, typ, run), t.text)

    def _word_lemma(self, t: Token, lang: str, typ: str, run: list[Token]) -> str:
        if t.tags[:1] == ("ign",) or not t.lemmas:
            if lang in OBLIQUE and typ in ("PER", "LOC") and t.text.lower().endswith(OBLIQUE[lang]):
                bases = guess_bases(t.text, lang)
                return bases[0] if bases else t.text
            return t.text
        lemma = self.morph.proper_lemma(t.text, lang, run, typ)
        if typ == "LOC" and len(run) == 1 and len(t.lemmas) > 1:
            # of a word's readings, the place the tables know as the largest (a country before a village)
            def size(name: str) -> int:
                return max((e.population for e in self.index.lookup((name.lower(),)) if e.kind == "LOC"), default=-1)
            best = max(t.lemmas, key=size)
            if size(best) > size(lemma):
                return best
        return lemma


# endings of a first name's oblique forms in Latin script, and what its nominative ends in instead
_FIRST_NAME_ENDINGS = (("y", "a"), ("i", "a"), ("ie", "a"), ("ę", "a"), ("ą", "a"), ("u", "a"), ("ou", "a"),
                       ("a", ""), ("owi", ""), ("em", ""), ("ovi", ""), ("ie", ""), ("u", ""), ("e", ""))


def _person_words(run: list[Token], words: list[str]) -> list[str]:
    """A person's base form with a foreign surname the dictionary does not know declined like the
    first name ("Donalda Trumpa" -> Donald Trump, "Vladimirem Putinem" -> Vladimir Putin,
    "Theresy May" -> Theresa May)."""
    from .entities import first_names

    names = first_names()
    first, base = run[0].text, words[0]
    if base == first and first.lower() not in names:  # a first name the dictionary does not know
        for end, nom in _FIRST_NAME_ENDINGS:
            if first.endswith(end) and (first[:len(first) - len(end)] + nom).lower() in names:
                base = first[:len(first) - len(end)] + nom
                break
        words = [base, *words[1:]]
    if base == first or not first.startswith(base) or base.lower() not in names:
        return words
    ending = first[len(base):]  # what the first name lost, the surname loses too
    return [words[0], *(w[:-len(ending)] if w == t.text and w.endswith(ending) and len(w) > len(ending) + 2 else w
                        for w, t in zip(words[1:], run[1:]))]


CYRILLIC = frozenset({"ru", "uk", "bg", "be", "sr", "mk"})


def _camel(word: str) -> bool:
    """A capital inside a word after two small letters ("BioNTech", "TurkStream") or more capitals
    than small letters ("PiS"): a brand or an organisation, not a person ("McDonald", "DiCaprio",
    "MacArthur" are people)."""
    if word.isascii() and any(c.islower() for c in word) and sum(c.isupper() for c in word) > sum(
            c.islower() for c in word):
        return True  # an acronym with small letters: "PiS", "UOKiK", "KfW"
    return any(word[k].isupper() and word[k - 1].islower() and word[k - 2].islower() for k in range(3, len(word))) \
        and not word.startswith("Mac")


def _locative(t: Token, lang: str) -> bool:
    """Whether a word is a preposition of place in its language ("in", "w", "у")."""
    lex = load_lexicon(lang)
    return lex is not None and t.lower in lex.locative


def _article_bases(doc: Doc, found: list[NamedEntity]) -> list[NamedEntity]:
    """Base forms the article itself settles: a lone surname written as in a full name elsewhere
    takes that name's base ("Захарова" beside "Мария Захарова"), and a one-word name no dictionary
    declined takes the shorter form the article also writes ("Gazpromu" beside "Gazprom",
    "Barniera" beside "Michel Barnier")."""
    surnames: dict[str, str] = {}
    for ne in found:
        words, bases = ne.text.split(), ne.base.split()
        if ne.type == "PER" and len(words) > 1 and len(words) == len(bases):
            surnames.setdefault(words[-1], bases[-1])
    written = {w for ne in found for w in ne.text.split()} | {w for ne in found for w in ne.base.split()}
    out = []
    for ne in found:
        if " " not in ne.text and ne.base == ne.text:
            base = surnames.get(ne.text) if ne.type == "PER" else None
            lang = _lang_at(doc, ne.start)
            if base is None and lang in OBLIQUE:
                base = next((ne.text[:-len(e)] for e in _ARTICLE_ENDINGS
                             if ne.text.endswith(e) and len(ne.text) - len(e) >= 3 and ne.text[:-len(e)] in written), None)
            if base and base != ne.text:
                ne = NamedEntity(ne.doc_id, ne.start, ne.end, ne.text, ne.type, base, ne.key)
        out.append(ne)
    return out


def _lang_at(doc: Doc, offset: int) -> str | None:
    return next((s.lang for s in doc.sentences if s.start <= offset < s.end), None)


# case endings a name takes on in Polish, Czech, Russian and Ukrainian, longest first
_ARTICLE_ENDINGS = ("owi", "ovi", "ego", "emu", "ого", "ому", "em", "om", "ie", "ем", "ом", "ою", "ой",
                    "u", "a", "e", "y", "у", "а", "е", "і", "ю", "я")


def _cased(lemma: str, surface: str) -> str:
    """A base form written in the word's own capitals: "covid-19" and "brexitu" stay lower-case,
    "Covid-19" is no "COVID-19", "BioNTech" and "МИДа" keep theirs."""
    if not any(c.isupper() for c in surface):
        return lemma.lower()
    if not any(c.isupper() for c in surface[1:]):
        return lemma[:1].upper() + lemma[1:].lower()
    if surface.isupper() and len(surface) > 1:
        return lemma.upper()
    return "".join(c.upper() if i < len(surface) and surface[i].isupper() else c.lower() for i, c in enumerate(lemma))


def _cased_run(base: str, run: list[Token]) -> str:
    """A table's base form written in the run's capitals, word by word where the words pair up."""
    words = base.split()
    if len(words) != len(run):
        return base
    return " ".join(_cased(w, t.text) for w, t in zip(words, run))


def _forms(run: list[Token], lang: str) -> list[str]:
    """Lower-cased forms of a run as written and as base forms ("brexitu" -> brexit)."""
    if len(run) > 1:
        return [" ".join(t.lower for t in run)]
    return list(_word_forms(run[0].text, run[0].lemmas, lang))


@functools.lru_cache(maxsize=300_000)
def _word_forms(text: str, lemmas: tuple[str, ...], lang: str) -> tuple[str, ...]:
    lower = text.lower()
    return tuple(dict.fromkeys([lower, *lemmas[:2], *(b.lower() for b in guess_bases(text, lang))]))


# endings that are never those of a nominative name, so a guessed base is safe
OBLIQUE = {"pl": ("owi", "em", "ego", "emu", "ą", "ę", "ach", "ami", "ów", "om"),
           "cs": ("ovi", "em", "ou", "ům", "ech", "ami"),
           "ru": ("ым", "ом", "ого", "ому", "ой", "ою", "ах", "ами", "ов"),
           "uk": ("им", "ом", "ого", "ому", "ою", "ах", "ами", "ів", "ові")}


def capitalised(t: Token) -> bool:
    """The token starts with a capital letter ("Kyiv", "NATO")."""
    return t.text[:1].isupper() and t.text[:1].isalpha()
