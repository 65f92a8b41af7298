"""Morphology: lemmas and case tags of word forms, per language.

Polish uses morfeusz2 (its wheel ships the SGJP dictionary), Russian and Ukrainian pymorphy3 with
its dictionaries, every other language simplemma. Analyses are cached per word form: news text
repeats its words, so most tokens cost a dictionary lookup.
"""
from __future__ import annotations

import functools
import logging
import threading
import unicodedata
from collections.abc import Mapping

log = logging.getLogger(__name__)

# Case endings that Polish, Russian, Ukrainian and Czech add to foreign names the dictionaries lack
# ("w Ałmatach", "Tokajewa", "Łukaszenki"): (ending, replacement) pairs, longest first.
_SUFFIXES = {
    "pl": [("ach", "y"), ("ach", "a"), ("ach", ""), ("ami", "y"), ("ami", ""), ("ów", "y"), ("ów", ""),
           ("owi", ""), ("om", "y"), ("em", ""), ("ie", ""), ("ą", "a"), ("ę", "a"), ("u", ""),
           ("a", ""), ("i", "a"), ("y", "a"), ("e", "a"), ("o", ""),
           # consonant alternations of the locative and soft stems: Bachmucie, Chersoniu, Dnieprze
           ("cie", "t"), ("dzie", "d"), ("rze", "r"), ("niu", "ń"), ("nia", "ń"), ("niem", "ń"),
           ("ciu", "ć"), ("cia", "ć"), ("le", "ł"), ("u", "o")],
    "cs": [("ech", "y"), ("ách", "y"), ("ovi", ""), ("em", ""), ("ou", "a"), ("u", ""), ("a", ""),
           ("y", "a"), ("e", "a"), ("i", "a"), ("ě", "a"), ("ě", ""), ("u", "o"), ("ě", "o")],
    "ru": [("ами", "ы"), ("ах", "ы"), ("ов", "ы"), ("ом", ""), ("ым", ""), ("ым", "ы"), ("ой", "а"),
           ("ою", "а"), ("у", ""), ("а", ""), ("е", ""), ("е", "а"), ("ы", "а"), ("и", "а"), ("у", "а")],
    "uk": [("ами", "и"), ("ах", "и"), ("ів", "и"), ("ом", ""), ("им", ""), ("ою", "а"), ("ою", "я"),
           ("у", ""), ("а", ""), ("і", ""), ("і", "а"), ("и", "а"), ("у", "а"), ("ові", "")],
}
_SUFFIXES["sk"] = _SUFFIXES["cs"]
_SUFFIXES["bg"] = []
_SUFFIXES["de"] = [("s", "")]


@functools.lru_cache(maxsize=200_000)
def _guess(word: str, lang: str) -> tuple[str, ...]:
    low = word.lower()
    return tuple(word[: len(word) - len(ending)] + repl for ending, repl in _SUFFIXES.get(lang, ())
                 if low.endswith(ending) and len(word) - len(ending) >= 3)


def name_forms(text: str, lemmas: tuple[str, ...], tags: tuple[str, ...], lang: str) -> tuple[str, ...]:
    """Forms under which a word can start or continue a name: as written (lower-cased), its
    lemmas, and for a capitalised word the dictionary lacks (or knows as a name) its guessed bases."""
    lower = text.lower()
    forms = [lower, *lemmas[:4]]
    if lang == "en" and lower.endswith(("'s", "’s")) and len(lower) > 3:
        forms.append(lower[:-2])  # "Giza's", a name with its possessive
    if text[:1].isupper() and (not tags or "ign" in tags or lang not in ("pl", "ru", "uk")):
        forms.extend(b.lower() for b in guess_bases(text, lang))
    elif text[:1].isupper() and lang in ("pl", "ru", "uk") and not is_known_common(tags):
        forms.extend(b.lower() for b in guess_bases(text, lang))
    return tuple(dict.fromkeys(forms))


def guess_bases(word: str, lang: str) -> list[str]:
    """Candidate base forms of an unknown inflected name, most likely first.

    >>> guess_bases("Ałmatach", "pl")[0]
    'Ałmaty'
    """
    return list(_guess(word, lang))


class Morphology:
    """Lemmatiser for several languages; construct once and share (it is thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._morfeusz = None
        self._pymorphy: dict[str, object] = {}

    # -- back ends -------------------------------------------------------------------------
    def _pl(self):
        if self._morfeusz is None:
            import morfeusz2

            self._morfeusz = morfeusz2.Morfeusz(separate_numbering=True, expand_tags=False)
        return self._morfeusz

    def _pym(self, lang: str):
        if lang not in self._pymorphy:
            import pymorphy3

            self._pymorphy[lang] = pymorphy3.MorphAnalyzer(lang=lang)
        return self._pymorphy[lang]

    def inflections(self, word: str, lang: str) -> list[str]:
        """Every form of a one-word name the dictionary knows (morfeusz2 `generate` for Polish,
        pymorphy3's paradigm for Russian and Ukrainian); [] for unknown words and other languages."""
        if lang == "pl":
            with self._lock:
                try:
                    gen = self._pl().generate(word)
                except RuntimeError:  # morfeusz refuses lemmas it does not know
                    return []
            return sorted({g[0] for g in gen if g[2] != "ign"})
        if lang in ("ru", "uk"):
            with self._lock:
                parses = self._pym(lang).parse(word)
            known = [p for p in parses if p.is_known and p.normal_form == word.lower()]
            return sorted({f.word for p in known[:1] for f in p.lexeme}) if known else []
        return []

    @functools.lru_cache(maxsize=500_000)
    def analyse(self, word: str, lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(lemmas, tags) of one word form; lemmas are lower-cased, most likely first.

        Unknown words get their own lower-cased form and the tag "ign".
        """
        if lang == "pl":
            return self._analyse_pl(word)
        if lang in ("ru", "uk"):
            return self._analyse_pymorphy(word, lang)
        return self._analyse_simplemma(word, lang)

    @functools.lru_cache(maxsize=300_000)
    def word(self, text: str, lang: str) -> tuple[tuple[str, ...], tuple[str, ...], str, frozenset[str], tuple[str, ...]]:
        """A token's fields after its text: (lemmas, tags, lower-cased text, the lower-cased text and
        lemmas as a set, its name forms), worked out once per word form (news repeats its words;
        every stage reads them)."""
        lemmas, tags = self.analyse(text, lang) if text[:1].isalpha() else ((), ())
        lower = text.lower()
        return lemmas, tags, lower, frozenset((lower, *lemmas)), name_forms(text, lemmas, tags, lang)

    @functools.lru_cache(maxsize=200_000)
    def name_class(self, word: str, lang: str, strict: bool = False) -> str | None:
        """'geo', 'first', 'surname' or 'org' when the dictionary knows `word` as such a name;
        `strict`: only when it knows no common word of that form ("Jak" is a conjunction first)."""
        if lang == "pl":
            with self._lock:
                analyses = self._pl().analyse(word)
            if strict and any(not a[2][3] or "nazwa_pospolita" in a[2][3] for a in analyses):
                return None
            names = {q for a in analyses for q in a[2][3]}
            for q, cls in (("imię", "first"), ("nazwisko", "surname"), ("nazwa_geograficzna", "geo"),
                           ("nazwa_organizacji", "org"), ("nazwa_firmy", "org")):
                if q in names:
                    return cls
            return None
        if lang in ("ru", "uk"):
            parses = self._pym(lang).parse(word.translate(_APOSTROPHES))[:2]
            if strict and not parses[0].tag.grammemes & {"Name", "Surn", "Patr", "Geox", "Orgn"}:
                return None
            for p in parses:
                g = p.tag.grammemes
                for gram, cls in (("Name", "first"), ("Surn", "surname"), ("Patr", "surname"), ("Geox", "geo"),
                                  ("Orgn", "org")):
                    if gram in g:
                        return cls
        return None

    def proper_lemma(self, word: str, lang: str, run=(), kind: str = "") -> str:
        """The nominative of a word inside a name, in the name's casing; adjectives agree with
        the name's head noun ("Karolinie Północnej" -> "Karolina Północna")."""
        lemma = self._agreeing_lemma(word, lang, tuple(t.text for t in run), kind)
        if word[:1].isupper():
            lemma = lemma[:1].upper() + lemma[1:]
        return lemma

    @functools.lru_cache(maxsize=100_000)
    def _agreeing_lemma(self, word: str, lang: str, run: tuple[str, ...], kind: str = "") -> str:
        if lang == "pl":
            with self._lock:
                analyses = [a[2] for a in self._pl().analyse(word) if a[0] == 0]
            if not analyses:
                return word
            if word[:1].isupper():
                # a capitalised word in a name: the reading of the name's kind, then any proper-name
                # reading ("Polski" -> Polska, "Europie" -> Europa), in the case of the rest of the name
                wanted = {"LOC": "nazwa_geograficzna", "PER": "nazwisko", "ORG": "nazwa_organizacji"}.get(kind)
                others = [w for w in run if w != word]
                other_cases = set()
                for w in others[:2]:
                    with self._lock:
                        for a in self._pl().analyse(w):
                            p = a[2][2].split(":")
                            if len(p) > 2:
                                other_cases.update(p[2].split("."))

                def rank(a):
                    p = a[2].split(":")
                    agrees = not other_cases or (len(p) > 2 and bool(set(p[2].split(".")) & other_cases))
                    personal = kind in ("ORG", "LOC") and bool({"nazwisko", "imię"} & set(a[3]))
                    return (not agrees, not (wanted and wanted in a[3]), personal,  # "Rady" is no Rado's
                            not (a[3] and "nazwa_pospolita" not in a[3]))
                analyses = sorted(analyses, key=rank)
            first = analyses[0]
            lemma, tag = first[1].split(":", 1)[0], first[2]
            parts = tag.split(":")
            if parts[0] in ("adj", "ppas", "pact"):
                gender = self._pl_head_gender(run, word)
                degree = parts[-1] if parts[0] == "adj" else None
                number = parts[1] if len(parts) > 1 else "sg"
                if gender:
                    with self._lock:
                        forms = self._pl().generate(lemma)
                    for f in forms:
                        fp = f[2].split(":")
                        if fp[0] == parts[0] and fp[1] == number and "nom" in fp[2].split(".") \
                                and any(g in fp[3].split(".") for g in gender.split(".")) \
                                and (degree is None or fp[-1] == degree) and (parts[0] == "adj" or fp[-1] == parts[-1]):
                            return f[0]
            if parts[0] == "subst" and parts[1] == "pl" and not word.isupper():
                # a plural name stays plural ("Brytyjczyków" -> Brytyjczycy, "Wyspach" -> Wyspy)
                with self._lock:
                    forms = self._pl().generate(lemma)
                plural = [f[0] for f in forms if f[2].split(":")[:2] == ["subst", "pl"] and "nom" in f[2].split(":")[2].split(".")
                          and f[2].split(":")[3:4] == parts[3:4]]
                if plural:  # "Polaków" -> Polacy: the common plural before the family's "Polakowie"
                    return next((f for f in plural if not f.endswith("owie")), plural[0])
            return lemma
        if lang in ("ru", "uk"):
            lemma = self._pym_lemma(word, lang, run, kind)
            return lemma.replace("ё", "е") if "ё" not in word.lower() else lemma  # as written: "Елкин"
        lemma = self.analyse(word, lang)[0][0] if self.analyse(word, lang)[0] else word
        if lang == "cs" and lemma.endswith("ý") and word in run:
            return _czech_agreeing(lemma, [self.analyse(w, lang)[0][0] for w in run[run.index(word) + 1:]])
        return lemma

    def _pym_lemma(self, word: str, lang: str, run: tuple[str, ...], kind: str) -> str:
        parses = self._pym(lang).parse(word.translate(_APOSTROPHES))
        if not parses:
            return word
        p = parses[0]
        if kind == "PER" and len(run) > 1:
            # a person's words take the gender of the first name ("Мария Захарова", not Захаров)
            gender = _first_name_gender(self._pym(lang).parse(run[0].translate(_APOSTROPHES)))
            named = [q for q in parses if {"Name", "Surn", "Patr"} & q.tag.grammemes
                     and (gender is None or q.tag.gender == gender)]
            if named:
                q = next((x for x in named if "nomn" in x.tag.grammemes and x.tag.number != "plur"), named[0])
                form = q.inflect({"nomn", "sing"}) or q.inflect({"nomn"})
                return form.word if form is not None else q.normal_form
        if "NOUN" in p.tag.grammemes and len(run) > 1:
            # the reading that agrees with an adjective of the name ("Європейської ради" is a council's)
            for w in run:
                adj = self._pym(lang).parse(w.translate(_APOSTROPHES))[0] if w != word else None
                if adj is not None and {"ADJF", "PRTF"} & adj.tag.grammemes:
                    agree = [q for q in parses if "NOUN" in q.tag.grammemes and q.tag.case == adj.tag.case
                             and q.tag.gender in (None, adj.tag.gender)]
                    p = agree[0] if agree else p
                    break
        if {"ADJF", "PRTF"} & p.tag.grammemes:
            head = self._pym_head(run, word, lang, p)
            if head is not None:
                wanted = {"nomn", "plur"} if head.tag.number == "plur" and "Pltm" not in head.tag.grammemes \
                    else {"nomn", head.tag.gender} if head.tag.gender else None
                form = (p.inflect(wanted | {"sing"}) or p.inflect(wanted)) if wanted else None
                if form is not None:  # "Великої Британії" -> Велика Британія
                    return form.word
        elif "NOUN" in p.tag.grammemes and p.tag.number == "plur" and word[:1].isupper() and len(run) > 1 \
                and "Pltm" not in p.tag.grammemes:
            form = p.inflect({"nomn", "plur"})  # a plural name stays plural ("Соединенных Штатов")
            if form is not None:
                return form.word
        return p.normal_form

    def _pl_head_gender(self, run: tuple[str, ...], word: str) -> str | None:
        """Gender of the noun the word agrees with: a noun reading in the word's case and number."""
        with self._lock:
            mine = {(p[1], c) for a in self._pl().analyse(word) for p in [a[2][2].split(":")] if len(p) > 2
                    for c in p[2].split(".")}
        for w in run:
            if w == word:
                continue
            with self._lock:
                analyses = self._pl().analyse(w)
            nouns = [a[2][2].split(":") for a in analyses if a[2][2].startswith("subst")]
            nouns.sort(key=lambda p: not any((p[1], c) in mine for c in p[2].split(".")))
            if nouns and len(nouns[0]) >= 4:
                return nouns[0][3]
        return None

    def _pym_head(self, run: tuple[str, ...], word: str, lang: str, adj):
        """The noun reading of the name's head that agrees with the adjective `adj`, or None."""
        case, number = adj.tag.case, adj.tag.number
        for w in run:
            if w == word:
                continue
            nouns = [q for q in self._pym(lang).parse(w.translate(_APOSTROPHES)) if "NOUN" in q.tag.grammemes]
            if nouns:
                agree = [q for q in nouns if q.tag.case == case and (number is None or q.tag.number in (None, number))
                         and (adj.tag.gender is None or q.tag.gender in (None, adj.tag.gender))]
                return (agree or nouns)[0]
        return None

    def _analyse_pl(self, word: str):
        with self._lock:
            analyses = self._pl().analyse(word)
        lemmas: list[str] = []
        tags: list[str] = []
        suffix = ""
        if len({a[0] for a in analyses}) > 1:
            rest = [a for a in analyses if a[0] > 0]
            rest_tags = {a[2][2].split(":")[0] for a in rest}
            if rest and rest_tags <= {"aglt", "qub"} and len({a[0] for a in analyses}) <= 3:
                # "analizowaliśmy", "zatrzymałby": a verb with its person clitic or conditional particle
                if any(a[2][2].startswith("aglt") for a in rest):
                    suffix += ":" + next(a[2][2].split(":")[2] for a in rest if a[2][2].startswith("aglt"))
                if any(a[2][1] == "by" for a in rest):
                    suffix += ":cond"
                analyses = [a for a in analyses if a[0] == 0]
            else:
                # morfeusz split the form (hyphenated names, "Nur-Sułtanie"): treat it as unknown
                return (word.lower(),), ("ign",)
        if len(analyses) > 12:
            return (word.lower(),), ("ign",)
        for _, _, (_, lemma, tag, names, _) in analyses:
            if (names and names[0] != "nazwa_pospolita") or (lemma[:1].isupper() and tag.startswith("subst")):
                tag = "prop:" + tag  # a proper name: a place, a person, an organisation
            lemma = lemma.split(":", 1)[0].lower() if len(lemma) > 1 else lemma.lower()
            lemmas.append(lemma)
            tags.append(tag + suffix)
        return tuple(lemmas), tuple(tags)

    def _analyse_pymorphy(self, word: str, lang: str):
        # pymorphy3's dictionaries spell the apostrophe in ASCII ("об'єкт"); texts use ’ and ʼ
        parses = self._pym(lang).parse(word.translate(_APOSTROPHES))[:4]
        lemmas = [p.normal_form for p in parses]
        tags = ["ign" if not p.is_known else
                ("prop:" if {"Geox", "Name", "Surn", "Patr", "Orgn", "Trad"} & p.tag.grammemes else "") + str(p.tag)
                for p in parses]
        for p in parses:
            if "PRTF" in p.tag.grammemes:
                # a participle used as a noun ("протестующие") also gets its own base form, as in morfeusz
                nom = p.inflect({"sing", "masc", "nomn"})
                if nom is not None and nom.word not in lemmas:
                    lemmas.append(nom.word)
                    tags.append(str(p.tag))
        return tuple(lemmas), tuple(tags)

    def common_abbreviation(self, word: str, lang: str) -> bool:
        """Whether the Russian dictionary knows an abbreviation only as a common noun ("СМИ", "ВВП"),
        not as an organisation's or a place's ("МИД", "США")."""
        if lang != "ru":
            return False
        parses = self._pym(lang).parse(word)
        return bool(parses) and all(p.is_known and "Abbr" in p.tag.grammemes
                                    and not {"Orgn", "Geox", "Name", "Surn", "Trad"} & p.tag.grammemes for p in parses)

    def common_word(self, word: str, lang: str) -> bool:
        """Whether the dictionary of a language without word classes (simplemma's) knows the
        lower-cased word: a capitalised "Pokud" or "Evropské" is a word, "Prymula" is not."""
        lookup, _ = _simplemma()
        try:
            return lookup.get_lemma(unicodedata.normalize("NFC", word.lower()), lang) is not None
        except ValueError:
            return False

    def _analyse_simplemma(self, word: str, lang: str):
        _, lemmatizer = _simplemma()
        try:
            lemma = lemmatizer.lemmatize(word, lang)
        except ValueError:  # a language simplemma does not cover
            lemma = word
        lemma = lemma.lower()
        if lemma != word.lower():
            return (lemma, word.lower()), ("", "")
        return (lemma,), ("",)


class _MappedDictionary(Mapping):
    """One of simplemma's dictionaries (word form -> lemma) as a mapped table."""

    def __init__(self, table):
        self.table = table

    def get(self, key: str, default=None):
        value = self.table.get(key.encode())
        return default if value is None else value.decode()

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self):
        return (k.decode() for k in self.table.keys())

    def __len__(self) -> int:
        return len(self.table)


class _MappedDictionaries:
    """simplemma's dictionary factory over mapped tables: each language's dictionary is decoded
    from the package once, into the cache (simplemma decodes the German one, a million forms, in
    over a second at every start)."""

    def __init__(self) -> None:
        self._open: dict[str, _MappedDictionary] = {}

    def get_dictionary(self, lang: str) -> _MappedDictionary:
        if lang not in self._open:
            import hashlib
            from importlib import metadata

            from simplemma.strategies.dictionaries import DefaultDictionaryFactory

            from .mapped import Contents, cached_table

            if not isinstance(lang, str) or not lang.isalpha():
                raise ValueError(f"unsupported language {lang!r}")

            def build() -> Contents:
                words = DefaultDictionaryFactory(cache_max_size=0).get_dictionary(lang)  # ValueError if unknown
                return Contents(((k.encode(), words[k].encode()) for k in words), len(words))

            version = hashlib.sha256(f"simplemma={metadata.version('simplemma')}".encode()).hexdigest()[:16]
            self._open[lang] = _MappedDictionary(cached_table(f"simplemma-{lang}", version, build))
        return self._open[lang]


@functools.lru_cache(maxsize=1)
def _simplemma():
    """(dictionary lookup, lemmatizer) of simplemma over the mapped dictionaries."""
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy

    return DictionaryLookupStrategy(_DICTIONARIES), Lemmatizer(
        lemmatization_strategy=DefaultStrategy(dictionary_factory=_DICTIONARIES))


_DICTIONARIES = _MappedDictionaries()


def simplemma_dictionary(lang: str) -> Mapping:
    """simplemma's dictionary of a language (word form -> lemma); ValueError for one it lacks."""
    return _DICTIONARIES.get_dictionary(lang)


@functools.lru_cache(maxsize=20_000)
def case_of(tag: str, lang: str) -> frozenset[str]:
    """Grammatical cases a tag allows, as short names: nom gen dat acc inst loc voc."""
    if lang == "pl":
        parts = tag.removeprefix("prop:").split(":")
        out: set[str] = set()
        for p in parts[2:4]:
            out.update(c for c in p.split(".") if c in _PL_CASES)
        return frozenset(out)
    if lang in ("ru", "uk"):
        return frozenset(_PYM_CASES[c] for c in _PYM_CASES if c in tag)
    return frozenset()


@functools.lru_cache(maxsize=1)
def _czech_genders() -> dict:
    from .lexicon import data_path, load_yaml

    return load_yaml(data_path("czech_gender.yaml")) or {}


def _czech_agreeing(adjective: str, following: list[str]) -> str:
    """A Czech hard adjective's lemma (always masculine, "evropský") in the gender of the noun after
    it in the name, told by the noun's lemma: Evropská unie, Spojené království, Baltské moře."""
    data = _czech_genders()
    for noun in following:
        if noun not in data["neuter_words"] and not noun.endswith("ení") and (
                noun.endswith("ý") or noun.endswith(tuple(data["soft_adjective_endings"]))):
            continue  # another adjective ("Evropský hospodářský prostor", "Evropská centrální banka")
        if noun in data["neuter_words"] or noun.endswith(tuple(data["neuter_endings"])):
            return adjective[:-1] + "é"
        if noun in data["feminine_words"] or noun.endswith(tuple(data["feminine_endings"])):
            return adjective[:-1] + "á"
        return adjective
    return adjective


def _first_name_gender(parses) -> str | None:
    """The gender of a first name's reading, its nominative first ("Ангела" is Angela, not an angel's)."""
    names = [q for q in parses if "Name" in q.tag.grammemes]
    q = next((x for x in names if "nomn" in x.tag.grammemes), names[0] if names else None)
    return q.tag.gender if q is not None else None


_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})
_PL_CASES = {"nom", "gen", "dat", "acc", "inst", "loc", "voc"}
_PYM_CASES = {"nomn": "nom", "gent": "gen", "datv": "dat", "accs": "acc", "ablt": "inst", "loct": "loc",
              "voct": "voc", "gen2": "gen", "loc2": "loc", "acc2": "acc"}


def bare(tag: str) -> str:
    """A tag without kronika's proper-name prefix."""
    return tag[5:] if tag.startswith("prop:") else tag


def first_person(tags: tuple[str, ...]) -> bool:
    """True when a verb form is in the first person ("wzywamy", "призываем")."""
    return bool(tags) and all(":pri" in t or "1per" in t for t in tags[:1])


def is_proper(tags: tuple[str, ...]) -> bool:
    """True when an analysis marks the word as a proper name, or the dictionary lacks it."""
    return any(t.startswith("prop:") or t == "ign" for t in tags)


def is_known_common(tags: tuple[str, ...]) -> bool:
    """True when the dictionary knows the word and only as a common word."""
    return bool(tags) and all(t and not t.startswith("prop:") and t != "ign" for t in tags)
