"""Geoparsing: every toponym of an article resolved to a GeoNames place, in-process.

Recognition reuses the entity stage (names in the name index, demonyms, unknown capitalised
names after a locative preposition). Resolution weighs, for each name, every place it can stand
for, with the whole article in view:

- a prior from population and the kind of place (a country or a state before a village);
- the countries and first-level regions the article names or whose towns it names unambiguously;
- "City, State" and "City, Country" patterns ("Alexandria, La.", "Paris, Texas");
- closeness to the places the article has already settled on;
- one sense per name in an article: every mention of a name gets the place all of them favour.

A toponym that cannot be resolved is still listed, with null fields and a `reason`.
"""
from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, replace

from .entities import EntityFinder, find_people
from .place_phrases import dateline_place
from .lexicon import data_path, load_lexicon, load_yaml
from .dates import calendar_words
from .ner import Recogniser, _cap
from .records import Article, Doc, Mention, Place

FEATURES = {"country": "country", "admin1": "admin1", "city": "city"}  # anything else is "other"
LIST_LINKS = frozenset(", and or und oder i a и й та і або lub albo".split())
HONORIFICS = frozenset("""mr mrs ms miss dr sen rep gov lt gen col sgt capt president senator governor mayor
judge rev st saint sir lord lady prof herr frau pan pani""".split())


@dataclass(slots=True)
class Toponym:
    doc_id: str
    start: int
    end: int
    text: str
    geonameid: int | None
    name: str | None
    country: str | None  # ISO 3166 alpha-2
    admin1: str | None  # name of the first-level division
    lat: float | None
    lon: float | None
    feature: str | None  # country, admin1, city, other
    score: float
    kind: str = "toponym"  # toponym, demonym
    reason: str | None = None  # why a toponym has no place

    def to_dict(self) -> dict:
        return asdict(self)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


@dataclass(slots=True)
class _Cand:
    mention: Mention
    places: list[Place]
    kind: str  # toponym, demonym
    after_preposition: bool
    within: list[Place]  # "City, <these>": a state or country named right after the name


class Geoparser:
    """Turns articles into toponyms; build once (it holds the pipeline's dictionaries)."""

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.index = pipeline.index
        self.finder = EntityFinder(pipeline.index, pipeline.morph)
        self.recogniser = Recogniser(pipeline.index, pipeline.morph)
        # GeoNames ids of national capitals: a capital outranks its homonyms
        self.capitals = frozenset(self.index.places[i][0] for i in self.index.capitals.values()
                                  if self.index.places[i][0])

    def parse(self, article: Article) -> list[Toponym]:
        doc = self.pipeline.process(article, until="segment")
        cands = self._candidates(doc)
        return self._resolve(doc, cands)

    # recognition -------------------------------------------------------------------------------

    def _candidates(self, doc: Doc) -> list[_Cand]:
        per_sentence = [self.finder.candidates(s, i) for i, s in enumerate(doc.sentences)]
        doc.mentions = [[m for m, _, _ in found] for found in per_sentence]
        places = {(m.sentence, m.start): p for found in per_sentence for m, p, _ in found}
        demonyms = {(m.sentence, m.start): d for found in per_sentence for m, _, d in found if d}
        dateline_place(doc, self.finder)
        find_people(doc)
        out: list[_Cand] = []
        unknown = self._unknown_names(doc)
        people = _people_words(doc)
        for si, sent in enumerate(doc.sentences):
            lex = load_lexicon(sent.lang)
            locative = lex.locative if lex else frozenset()
            ms = doc.mentions[si]
            for n, m in enumerate(ms):
                prev = sent.tokens[m.first_token - 1] if m.first_token > 0 else None
                after_prep = prev is not None and prev.lower in locative
                demonym = demonyms.get((si, m.start))
                if m.kind == "LOC" and demonym and not after_prep and m.place is not None \
                        and m.place.resolution == "city" and m.place.population < 100_000:
                    m = replace(m, kind="NORP", code=demonym)  # "Spanish officials", not Spanish, Ontario
                if m.kind == "NORP":
                    a2 = next((k for k, v in self.index.alpha3.items() if v == m.code), None)
                    if a2 in self.index.countries and m.text[:1].isupper():
                        out.append(_Cand(m, [self.index.place_at(self.index.countries[a2])], "demonym", False, []))
                    continue
                if m.kind != "LOC" or not m.text[:1].isupper():
                    continue
                if prev is not None and _cap(prev) and (prev.lower in HONORIFICS or _is_first_name(prev)):
                    continue  # "Jesse Jackson", "Mr. Lincoln"
                if m.first_token == m.last_token and m.text in people and not after_prep:
                    continue  # "Walsh said": the surname of someone named in full elsewhere
                cands = places.get((si, m.start)) or ([m.place] if m.place is not None else [])
                if len(cands) <= 1 and m.text.isupper() and len(m.text) > 3:  # a dateline: "LONDON, Ky. -"
                    cands = self.finder.places_for(m.text.title(), sent.lang) or cands
                if m.place is not None and m.place not in cands:
                    cands = [m.place, *cands]
                span = _facility_run(sent, m)
                if span is not None:  # "St. Mark's Cathedral", "Pearson International Airport"
                    a, b = span
                    text = sent.text[sent.tokens[a].start - sent.start:sent.tokens[b].end - sent.start]
                    own = a == m.first_token and m.last_token < b
                    head = sent.tokens[b]
                    institution = bool({head.lower, *head.lemmas} & _place_words().get("institutions", frozenset())) \
                        and not (a > 0 and sent.tokens[a - 1].lower in locative)
                    if institution and not own:
                        continue  # "Thomas Memorial Hospital said": an organisation named after no town
                    if not institution:  # "Toronto General Hospital" keeps Toronto; "Peace River" is one name
                        m = replace(m, start=sent.tokens[a].start, end=sent.tokens[b].end, text=text, first_token=a,
                                    last_token=b, key=text if not own else m.key)
                    if not own:
                        out.append(_Cand(m, [], "toponym", True, []))
                        continue
                # "Calgary, Saskatoon and Winnipeg": a name listed with other places is one of them
                listed = any(o.kind == "LOC" and o is not m and (
                    (o.last_token + 2 == m.first_token and sent.tokens[o.last_token + 1].lower in LIST_LINKS)
                    or (m.last_token + 2 == o.first_token and sent.tokens[m.last_token + 1].lower in LIST_LINKS))
                    for o in ms[max(0, n - 1):n + 2])
                after_prep = after_prep or listed
                within: list[Place] = []
                nxt = ms[n + 1] if n + 1 < len(ms) else None
                if nxt is not None and nxt.kind == "LOC" and nxt.first_token == m.last_token + 2 \
                        and sent.tokens[m.last_token + 1].text == ",":
                    within = places.get((si, nxt.start)) or ([nxt.place] if nxt.place else [])
                    within = [p for p in within if p.resolution in ("admin1", "country", "admin2")]
                out.append(_Cand(m, cands, "toponym", after_prep, within))
            for m in unknown.get(si, ()):
                out.append(_Cand(m, [], "toponym", True, []))
            out.extend(self._hyphen_parts(sent, si, ms))
            out.extend(self._capital_dateline(doc, sent, si, ms))
        out.sort(key=lambda c: c.mention.start)
        return out

    def _capital_dateline(self, doc: Doc, sent, si: int, ms: list[Mention]) -> list[_Cand]:
        """A place in capitals that opens a line ("TORRINGTON —", "PLYMOUTH CO. -", "DETROIT The
        ..."): the dateline of a report."""
        toks = sent.tokens
        body = doc.article.body
        k = next((i for i, t in enumerate(toks) if t.start == 0 or body[t.start - 1] == "\n"), None)
        if k is None or not toks[k].text.isupper() or len(toks[k].text) < 3 \
                or any(m.first_token <= k <= m.last_token for m in ms):
            return []
        j = k
        while j + 1 < len(toks) and toks[j + 1].text.isupper() and toks[j + 1].text.isalpha() and j - k < 3:
            j += 1
        words = [t.text.title() for t in toks[k:j + 1]]
        if words[-1] == "Co" or (j + 1 < len(toks) and words[-1] == "Co"):
            words[-1] = "County"
        name = " ".join(words)
        places = self.finder.places_for(name, sent.lang)
        while not places and j > k:  # "DETROIT THE": drop words from the end
            j -= 1
            words = words[:-1]
            name = " ".join(words)
            places = self.finder.places_for(name, sent.lang)
        if not places:
            return []
        end = toks[j].end + (1 if j + 1 < len(toks) and toks[j + 1].text == "." and words[-1] == "County" else 0)
        m = Mention(toks[k].start, end, body[toks[k].start:end], "LOC", name, name, None, None, places[0], None,
                    False, (), k, j, si)
        nxt = next((x for x in ms if x.first_token > j), None)
        within = []
        if nxt is not None and nxt.first_token == j + 2 and toks[j + 1].text == "," and nxt.place is not None:
            within = [p for p in (nxt.place, *nxt.alternatives) if p.resolution in ("admin1", "country", "admin2")]
        return [_Cand(m, places, "toponym", True, within)]

    def _hyphen_parts(self, sent, si: int, ms: list[Mention]) -> list[_Cand]:
        """Places inside hyphenated words that are no names themselves: "Seattle-based",
        "Russia-Turkey ties", "made-in-China"."""
        taken = {k for m in ms for k in range(m.first_token, m.last_token + 1)}
        out = []
        for k, tok in enumerate(sent.tokens):
            if k in taken or "-" not in tok.text.strip("-"):
                continue
            offset = tok.start
            for part in tok.text.split("-"):
                if len(part) >= 3 and part[:1].isupper() and part[1:2].islower():
                    places = [p for p in self.finder.places_for(part, sent.lang)
                              if p.resolution in ("country", "admin1", "continent") or p.population >= 100_000]
                    if places:
                        m = Mention(offset, offset + len(part), part, "LOC", part, part, None, None, places[0], None,
                                    False, (), k, k, si)
                        out.append(_Cand(m, places, "toponym", True, []))
                offset += len(part) + 1
        return out

    def _unknown_names(self, doc: Doc) -> dict[int, list[Mention]]:
        """Capitalised names after a locative preposition ("in Dzhankoi") that no table knows and
        that are no person, organisation or calendar word: toponyms without a place."""
        out: dict[int, list[Mention]] = defaultdict(list)
        typed = {(ne.start, ne.end): ne.type for ne in self.recogniser.entities(doc)}
        cal = calendar_words()
        for si, sent in enumerate(doc.sentences):
            lex = load_lexicon(sent.lang)
            if lex is None:
                continue
            locative = lex.locative
            taken = {k for m in doc.mentions[si] for k in range(m.first_token, m.last_token + 1)}
            toks = sent.tokens
            for k in range(1, len(toks)):
                if toks[k - 1].lower not in locative or k in taken or not _cap(toks[k]):
                    continue
                j = k
                while j + 1 < len(toks) and j + 1 not in taken and _cap(toks[j + 1]):
                    j += 1
                if toks[k].lower in cal or any(t.lower in cal for t in toks[k:j + 1]):
                    continue
                if typed.get((toks[k].start, toks[j].end), "LOC") in ("ORG", "EVT", "PRO") or toks[k].text.isupper():
                    continue
                if typed.get((toks[k].start, toks[j].end)) == "PER" and j > k:
                    continue
                text = sent.text[toks[k].start - sent.start:toks[j].end - sent.start]
                out[si].append(Mention(toks[k].start, toks[j].end, text, "LOC", text, text, None, None, None, None,
                                       False, (), k, j, si))
        return out

    # resolution --------------------------------------------------------------------------------

    def _resolve(self, doc: Doc, cands: list[_Cand]) -> list[Toponym]:
        # evidence of the article's countries and regions: names with one reading, countries,
        # regions, demonyms, and big cities
        country_w: Counter[str] = Counter()
        region_w: Counter[tuple[str, str]] = Counter()
        own: dict[str, Counter] = defaultdict(Counter)  # what each name adds to the evidence
        for c in cands:
            if not c.places:
                continue
            top = max(c.places, key=_prior)
            sure = len(_distinct(c.places)) == 1 or top.resolution == "country" or _prior(top) - max(
                (_prior(p) for p in _distinct(c.places) if p is not top), default=0) > 2.5
            # a village that only a capitalised word points at is no evidence of where the article is
            weighty = top.resolution != "city" or top.population >= 50_000 or c.after_preposition or c.within
            if not sure or not weighty:
                continue
            w = 1.0 if c.kind == "toponym" else 0.5
            key = _name_key(c)
            country_w[top.country] += w
            own[key][top.country] += w
            if top.resolution in ("admin1", "admin2", "city") and top.admin1:
                region_w[(top.country, top.admin1)] += w
                own[key][(top.country, top.admin1)] += w
        total = sum(country_w.values()) or 1.0
        capitals = self.capitals
        top_country = country_w.most_common(1)
        dominant = top_country[0][0] if top_country and top_country[0][1] >= 3 and top_country[0][1] / total >= 0.6 else None
        by_name: dict[str, list[_Cand]] = defaultdict(list)
        for c in cands:
            by_name[_name_key(c)].append(c)

        def base_score(key: str, group: list[_Cand], p: Place) -> float:
            s = _prior(p) + (1.0 if p.geonameid is not None and p.geonameid in capitals else 0.0)
            share = (country_w.get(p.country, 0) - own[key].get(p.country, 0)) / total
            s += 3.0 * share
            if share <= 0 and p.resolution not in ("country", "continent") and len(country_w) > 0:
                s -= 1.5  # a town in a country the article never brings up
            if p.resolution != "country" and p.admin1:
                rw = region_w.get((p.country, p.admin1), 0) - own[key].get((p.country, p.admin1), 0)
                if rw > 0:
                    s += 1.5 + 0.5 * min(rw, 4)
            if any(_inside(p, w) for c in group for w in c.within):
                s += 6.0
            if p.resolution == "country" and dominant and dominant != p.country and any(
                    q.country == dominant and q.resolution in ("admin1", "city") for q in group[0].places):
                s -= 3.0  # "Georgia" in an article about the United States is the state
            return s

        # pass 1: each name on the article's countries and regions (one sense per name)
        first: dict[str, Place] = {}
        scored: dict[str, list[tuple[float, Place]]] = {}
        for key, group in by_name.items():
            places = _distinct(group[0].places)
            if places:
                scored[key] = sorted(((base_score(key, group, p), p) for p in places), key=lambda x: -x[0])
                first[key] = scored[key][0][1]
        # pass 2: among several readings, those near the places the other names settled on
        chosen: dict[str, tuple[Place | None, float]] = {k: (None, 0.0) for k in by_name}
        cells = _cells(scored) if COHERENCE else {}
        for key, ranked in scored.items():
            if len(ranked) > 1:
                others = [q for k, q in first.items() if k != key and q.lat is not None
                          and q.resolution in ("city", "admin2", "other", "place")]
                rescored = []
                for s, p in ranked:
                    if p.lat is not None and p.resolution in ("city", "admin2") and others:
                        near = sum(1.0 if d < 50 else 0.6 if d < 150 else 0.3 if d < 300 else 0.0
                                   for d in (distance_km(p.lat, p.lon, q.lat, q.lon) for q in others))
                        s += min(near, 2.5)
                    if COHERENCE and p.lat is not None and p.resolution in ("city", "admin2"):
                        s += COHERENCE * min(_support(cells, key, p), 2.0)
                    rescored.append((s, p))
                ranked = sorted(rescored, key=lambda x: -x[0])
            best_s, best = ranked[0]
            margin = best_s - ranked[1][0] if len(ranked) > 1 else 3.0
            chosen[key] = (best, round(1 / (1 + math.exp(-margin)), 3))
        # a name that once follows a locative preposition or precedes its state is a place throughout
        supported = {k for k, group in by_name.items() if any(c.after_preposition or c.within for c in group)}
        out = []
        for c in cands:
            place, score = chosen[_name_key(c)]
            if c.within and place is not None:  # "Springfield, Ill." is in Illinois whatever the others say
                inside = [p for p in c.places if any(_inside(p, w) for w in c.within)]
                if inside and place not in inside:
                    place = max(inside, key=_prior)
            if place is not None and _name_key(c) not in supported and c.kind == "toponym" and (
                    (place.resolution == "city" and (
                        (place.population < 20_000
                         and country_w.get(place.country, 0) <= own[_name_key(c)].get(place.country, 0))
                        or (max(p.population for p in c.places) < 1_000_000 and _common_word(c.mention, doc))))
                    or (place.resolution in ("admin1", "admin2") and c.mention.first_token == 0
                        and _common_word(c.mention, doc))):
                continue  # a capitalised word ("Police", "Court", "Rivers ...") that is also a place, unsupported
            out.append(self._toponym(doc, c, place, score))
        return out

    def _toponym(self, doc: Doc, c: _Cand, place: Place | None, score: float) -> Toponym:
        m = c.mention
        if place is None:
            return Toponym(doc.article.doc_id, m.start, m.end, m.text, None, None, None, None, None, None, None, 0.0,
                           c.kind, "no gazetteer entry for this name")
        admin1 = None
        if place.admin1 and place.resolution != "admin1":
            pi = self.index.admin1.get((place.country, place.admin1))
            admin1 = self.index.places[pi][1] if pi is not None else None
        elif place.resolution == "admin1":
            admin1 = place.name
        reason = None if place.lat is not None else "the gazetteer has no coordinates for this place"
        return Toponym(doc.article.doc_id, m.start, m.end, m.text, place.geonameid if place.geonameid and place.geonameid > 0
                       else None, place.name, place.country, admin1, place.lat, place.lon,
                       FEATURES.get(place.resolution, "other"), score, c.kind, reason)


@functools.lru_cache(maxsize=1)
def _place_words() -> dict[str, frozenset[str]]:
    data = load_yaml(data_path("place_words.yaml")) or {}
    return {lang: frozenset(w.lower() for w in words or ()) for lang, words in data.items()}


def _facility_run(sent, m: Mention) -> tuple[int, int] | None:
    """The token span of a facility or feature name around a town's name, or None."""
    heads = _place_words().get(sent.lang)
    if not heads:
        return None
    toks = sent.tokens
    a, b = m.first_token, m.last_token
    while a - 1 > 0 and (_cap(toks[a - 1]) or (toks[a - 1].text == "." and toks[a - 2].text in ("St", "Mt", "Ft"))):
        a -= 1
    while b + 1 < len(toks) and (_cap(toks[b + 1]) or toks[b + 1].text in ("'s", "’s", "-")):
        b += 1
    while b > m.last_token and not _cap(toks[b]):
        b -= 1
    last = toks[b]
    if (a, b) == (m.first_token, m.last_token):
        return None  # the gazetteer knows the whole name ("College Station")
    if last.lower not in heads and not ({*last.lemmas} & heads):
        return None
    return a, b


COHERENCE = 1.0
_CELL = 0.5  # degrees


def _cells(scored: dict[str, list[tuple[float, Place]]]) -> dict[tuple[int, int], list]:
    """Every reading of every name in a grid of half-degree cells, weighted by 1/readings of its
    name: a name with one reading pins the article down, "Springfield" (forty readings) hardly."""
    cells: dict[tuple[int, int], list] = defaultdict(list)
    for key, ranked in scored.items():
        readings = [p for _, p in ranked[:60] if p.lat is not None and p.resolution in ("city", "admin2")]
        for p in readings:
            cells[(int(p.lat // _CELL), int(p.lon // _CELL))].append((key, 1.0 / math.sqrt(len(readings)), p.lat, p.lon))
    return cells


def _support(cells, key: str, p: Place, km: float = 60.0) -> float:
    """How strongly the article's other names have readings near p (each name counted once)."""
    cy, cx = int(p.lat // _CELL), int(p.lon // _CELL)
    best: dict[str, float] = {}
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            for other, w, lat, lon in cells.get((cy + dy, cx + dx), ()):
                if other != key and w > best.get(other, 0.0) and distance_km(p.lat, p.lon, lat, lon) <= km:
                    best[other] = w
    return sum(best.values())


def _distinct(places: list[Place]) -> list[Place]:
    """One reading per place (our alias tables and GeoNames can both hold a city)."""
    seen, out = set(), []
    for p in places:
        key = p.geonameid if p.geonameid else (p.name, p.country, p.resolution, p.admin1, p.lat, p.lon)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _prior(p: Place) -> float:
    if p.resolution == "admin1":  # a region weighs a tenth of its people against a town of its name
        return math.log10(max(p.population, 1) / 10 + 10) + 0.5
    bonus = {"country": 4.0, "continent": 4.0}.get(p.resolution, 0.0)
    return math.log10(max(p.population, 1) + 10) + bonus


def _people_words(doc: Doc) -> set[str]:
    """Capitalised words that follow a given name or an honorific somewhere in the article: surnames."""
    out = set()
    for sent in doc.sentences:
        toks = sent.tokens
        for k in range(1, len(toks)):
            prev = toks[k - 1]
            if _cap(toks[k]) and _cap(prev) and (_is_first_name(prev) or prev.lower in HONORIFICS) \
                    and toks[k].start - prev.end <= 2:
                out.add(toks[k].text)
    return out


def _common_word(m: Mention, doc: Doc) -> bool:
    """A one-word English name that the dictionary knows as a common word ("Police", "Court")."""
    if m.first_token != m.last_token or " " in m.text:
        return False
    lang = doc.sentences[m.sentence].lang if 0 <= m.sentence < len(doc.sentences) else None
    if lang != "en":
        return False  # pl/ru/uk names are checked against their dictionaries' tags at matching
    return _english_common(m.text.lower())


@functools.lru_cache(maxsize=4096)
def _english_common(word: str) -> bool:
    try:
        from simplemma.strategies.dictionaries import DefaultDictionaryFactory
    except ImportError:  # an older simplemma
        return False
    lemma = _english_dictionary(DefaultDictionaryFactory).get(word)
    if lemma is None:
        return False
    lemma = lemma.decode() if isinstance(lemma, bytes) else str(lemma)
    return lemma[:1].islower()


@functools.lru_cache(maxsize=1)
def _english_dictionary(factory):
    return factory().get_dictionary("en")


def _inside(p: Place, region: Place) -> bool:
    if region.resolution == "country":
        return p.country == region.country and p.resolution != "country"
    return p.country == region.country and p.admin1 == region.admin1 and p.resolution in ("city", "admin2")


def _name_key(c: _Cand) -> str:
    return (c.kind + ":" + c.mention.key + ":" + ",".join(str(id(p)) for p in c.places[:3])) if c.places \
        else "?" + c.mention.text


def _is_first_name(t) -> bool:
    from .entities import _first_names

    return t.lower in _first_names()
