"""Place resolution: which place every name of a place in an article stands for, with the whole
article in view. The entity stage runs it; `kronika geoparse` and `kronika eval geo` read its
toponyms from the Doc, so the resolver the geoparsing benchmarks measure is the one events use.

Candidates are the mentions the entity stage found (a place name with its place and the other
places of that name, a demonym with its country), and three kinds of names no mention covers:
unknown capitalised names after a locative preposition ("in Dzhankoi"), places inside hyphenated
words ("Seattle-based") and a dateline in capitals ("TORRINGTON —"). Each name's readings are
weighed by:

- a prior from population and the kind of place (a country or a state before a village);
- the countries and first-level regions the article names or whose towns it names unambiguously;
- "City, State" and "City, Country" patterns ("Alexandria, La.", "Paris, Texas");
- closeness to the places the article has already settled on;
- one sense per name in an article: every mention of a name gets the place all of them favour.

Names that are no place here ("Jesse Jackson", "Police fired ...", a village of a capitalised word
nothing supports) are rejected; `PlaceResolver.settle` drops their mentions and gives the others
the reading chosen for them.
"""
from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from .dates import calendar_words
from .entities import EntityFinder, first_names
from .gazetteer import NameIndex
from .lexicon import data_path, load_lexicon, load_yaml
from .morph import simplemma_dictionary
from .ner import Recogniser, capitalised
from .geodesy import EARTH_RADIUS_KM, distance_km
from .records import Doc, Mention, Place, Sentence, Toponym

FEATURES = {"country": "country", "admin1": "admin1", "city": "city"}  # anything else is "other"
LIST_LINKS = frozenset(", and or und oder i a и й та і або lub albo".split())
HONORIFICS = frozenset("""mr mrs ms miss dr sen rep gov lt gen col sgt capt president senator governor mayor
judge rev st saint sir lord lady prof herr frau pan pani""".split())
COHERENCE = 1.0  # weight of the readings of the article's other names near a reading
_CELL = 0.5  # degrees
SMALL_TOWN = 20_000  # an unsupported town this small needs another name of its country to be a place
BIG_CITY = 500_000  # one smaller needs it when the article's other names put it firmly elsewhere
FIRM = 3.0  # weight of names (a demonym counts half) that puts an article firmly in a country

MentionKey = tuple[int, int, int]  # (sentence, start, end) of a mention
POSSESSIVE = frozenset({"'s", "’s", "'", "’"})


@dataclass(slots=True)
class _Cand:
    mention: Mention  # the toponym's span (a facility's whole name where it has one)
    places: list[Place]
    kind: str  # toponym, demonym
    after_preposition: bool
    within: list[Place]  # "City, <these>": a state or country named right after the name
    source: Mention | None = None  # the entity stage's mention it stands for, if any
    governed: bool = False  # followed by a word of government ("the Quebec government"): a state or country
    qualified: bool = False  # "Holliday, Mo." / "Holliday, Missouri, and": the state closes the name
    inside: bool = False  # no table knows the place; it is given the place the text says it lies in


class PlaceResolver:
    """Resolves the place names of documents; build once (it holds the name index) and share."""

    def __init__(self, index: NameIndex, finder: EntityFinder, recogniser: Recogniser):
        self.index = index
        self.finder = finder
        self.recogniser = recogniser
        # GeoNames ids of national capitals: a capital outranks its homonyms
        self.capitals = frozenset(index.places[i][0] for i in index.capitals.values() if index.places[i][0])
        self.alpha2: dict[str, str] = {}
        for a2, a3 in index.alpha3.items():
            self.alpha2.setdefault(a3, a2)

    def resolve(self, doc: Doc) -> tuple[list[Toponym], dict[MentionKey, Place | None]]:
        """The toponyms of a doc whose mentions the entity stage has found (names, dateline, people),
        and the choice for its place mentions: the place each stands for, or None for a name that is
        no place here.

        >>> tops, choice = resolver.resolve(doc)  # "Talks in London, Ontario" -> London, CA
        """
        cands, rejected = self._candidates(doc)
        picks = self._resolve(doc, cands)
        choice: dict[MentionKey, Place | None] = {_key(c.source): None for c in cands if c.source is not None}
        choice.update((_key(m), None) for m in rejected)
        for c, place, _ in picks:
            if c.source is not None:
                choice[_key(c.source)] = place
        return [self._toponym(doc, c, place, score) for c, place, score in picks], choice

    def settle(self, doc: Doc, choice: dict[MentionKey, Place | None]) -> None:
        """Give each place mention the place chosen for it (its key and country code with it), and
        drop the mentions of names that are no place here."""
        for si, ms in enumerate(doc.mentions):
            kept = []
            for m in ms:
                k = _key(m)
                if k not in choice or m.place is None:
                    kept.append(m)
                    continue
                place = choice[k]
                dateline = si == 0 and doc.dateline is not None and m.place == doc.dateline
                if place is None:
                    if dateline:
                        doc.dateline = None
                    continue
                if not _same(place, m.place):
                    m = replace(m, place=place, key=place.name, code=self.index.alpha3.get(place.country))
                    if dateline:
                        doc.dateline = place
                kept.append(m)
            doc.mentions[si] = kept

    # candidates --------------------------------------------------------------------------------

    def _candidates(self, doc: Doc) -> tuple[list[_Cand], list[Mention]]:
        out: list[_Cand] = []
        rejected: list[Mention] = []
        people = _people_words(doc)
        unknown = self._unknown_names(doc)
        for si, sent in enumerate(doc.sentences):
            lex = load_lexicon(sent.lang)
            locative = lex.locative if lex else frozenset()
            ms = doc.mentions[si]
            for n, m in enumerate(ms):
                if m.kind == "NORP":
                    a2 = self.alpha2.get(m.code)
                    if a2 in self.index.countries and m.text[:1].isupper():
                        out.append(_Cand(m, [self.index.place_at(self.index.countries[a2])], "demonym", False, []))
                    continue
                if m.kind != "LOC" or not m.text[:1].isupper():
                    continue
                prev = sent.tokens[m.first_token - 1] if m.first_token > 0 else None
                after_prep = prev is not None and (prev.lower in locative or (
                    prev.lower == "of" and m.first_token >= 2  # "the city of Bam"
                    and sent.tokens[m.first_token - 2].lower in _place_words().get("settlements", frozenset())))
                if prev is not None and capitalised(prev) and (prev.lower in HONORIFICS or _is_first_name(prev)):
                    rejected.append(m)
                    continue  # "Jesse Jackson", "Mr. Lincoln"
                if m.first_token == m.last_token and m.text in people and not after_prep:
                    rejected.append(m)
                    continue  # "Walsh said": the surname of someone named in full elsewhere
                cand = self._place_name(doc, sent, m, ms, n, locative, after_prep)
                if cand is None:
                    rejected.append(m)
                else:
                    out.append(cand)
            for m in unknown.get(si, ()):
                out.append(_Cand(m, [], "toponym", True, []))
            out.extend(self._hyphen_parts(sent, si, ms))
            out.extend(self._capital_dateline(doc, sent, si, ms))
        out.sort(key=lambda c: c.mention.start)
        return out, rejected

    def _place_name(self, doc: Doc, sent: Sentence, m: Mention, ms: list[Mention], n: int, locative,
                    after_prep: bool) -> _Cand | None:
        """The candidate of a place mention, or None when it only names an organisation ("Thomas
        Memorial Hospital said")."""
        places = [m.place, *m.alternatives] if m.place is not None else []
        if len(places) <= 1 and (m.text.isupper() and len(m.text) > 3 or self._is_dateline(doc, m)):
            name = m.text.title() if m.text.isupper() else m.text
            places = self.finder.places_for(name, sent.lang) or places  # "LONDON, Ky. -": London, Ky. too
            if m.place is not None and m.place not in places:
                places = [m.place, *places]
        source = m
        span = _facility_run(sent, m)
        if span is not None:  # "St. Mark's Cathedral", "Pearson International Airport"
            a, b = span
            text = sent.text[sent.tokens[a].start - sent.start:sent.tokens[b].end - sent.start]
            own = a == m.first_token and m.last_token < b
            head = sent.tokens[b]
            institution = bool({head.lower, *head.lemmas} & _place_words().get("institutions", frozenset())) \
                and not (a > 0 and sent.tokens[a - 1].lower in locative)
            if institution and not own:
                return None  # an organisation named after no town
            if not institution:  # "Toronto General Hospital" keeps Toronto; "Peace River" is one name
                m = replace(m, start=sent.tokens[a].start, end=sent.tokens[b].end, text=text, first_token=a,
                            last_token=b, key=text if not own else m.key)
            if not own:  # a town's name inside a longer feature's name: not the place meant
                return _Cand(m, [], "toponym", True, [], source)
        # "Calgary, Saskatoon and Winnipeg": a name listed with other places is one of them
        toks = sent.tokens
        listed = any(o.kind == "LOC" and o is not source and (
            (o.last_token + 2 == m.first_token and toks[o.last_token + 1].lower in LIST_LINKS)
            or (m.last_token + 2 == o.first_token and toks[m.last_token + 1].lower in LIST_LINKS))
            for o in ms[max(0, n - 1):n + 2])
        within: list[Place] = []
        nxt = ms[n + 1] if n + 1 < len(ms) else None
        if nxt is not None and nxt.kind == "LOC" and nxt.place is not None and nxt.first_token == m.last_token + 2 \
                and toks[m.last_token + 1].text == "," and not (places and max(places, key=_prior).resolution == "country"):
            # "Springfield, Ill."; a country lies in no other place ("in Russia, U.S. officials said")
            within = [p for p in (nxt.place, *nxt.alternatives) if p.resolution in ("admin1", "country", "admin2")]
        postal = None
        if not within and m.text.isupper() and (m.first_token == 0 or doc.article.body[m.start - 1:m.start] == "\n"):
            postal = self._postal_state(toks, m.last_token, m.sentence)  # "LOUISVILLE, KY--"
            within = postal.places if postal is not None else []
        after = nxt.last_token + 1 if within and postal is None else len(toks)
        qualified = bool(within) and within[0].resolution == "admin1" and not listed \
            and (after >= len(toks) or not toks[after].text[:1].isalnum())
        governed = m.last_token + 1 < len(toks) and toks[m.last_token + 1].lower.rstrip(".") in \
            _place_words().get("governments", frozenset())
        return _Cand(m, places, "toponym", after_prep or listed, within, source, governed, qualified)

    def _is_dateline(self, doc: Doc, m: Mention) -> bool:
        """The mention `dateline_place` made of a wire report's dateline (it carries one reading)."""
        return m.sentence == 0 and doc.dateline is not None and m.place == doc.dateline and not m.alternatives

    def _capital_dateline(self, doc: Doc, sent: Sentence, si: int, ms: list[Mention]) -> list[_Cand]:
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
        if words[-1] == "Co":
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
        out = []
        if nxt is not None and nxt.first_token == j + 2 and toks[j + 1].text == "," and nxt.place is not None:
            within = [p for p in (nxt.place, *nxt.alternatives) if p.resolution in ("admin1", "country", "admin2")]
        elif (postal := self._postal_state(toks, j, si)) is not None:
            within = postal.places
            out.append(postal)
        return [_Cand(m, places, "toponym", True, within, qualified=bool(within) and within[0].resolution == "admin1"),
                *out]

    def _postal_state(self, toks, j: int, si: int) -> _Cand | None:
        """The US state whose postal code follows a dateline's town ("LOUISVILLE, KY--", "EDMONTON,
        Ky (WBKO)"), as a toponym; two capitals are read as a state nowhere else."""
        if j + 2 >= len(toks) or toks[j + 1].text != "," or len(toks[j + 2].text) != 2 \
                or not toks[j + 2].text.isalpha() or not toks[j + 2].text[:1].isupper():
            return None
        pi = self.index.admin1.get(("US", toks[j + 2].text.upper()))
        if pi is None:
            return None
        state, code = self.index.place_at(pi), toks[j + 2]
        return _Cand(Mention(code.start, code.end, code.text, "LOC", state.name, state.name, None, None, state, None,
                             False, (), j + 2, j + 2, si), [state], "toponym", True, [])

    def _hyphen_parts(self, sent: Sentence, si: int, ms: list[Mention]) -> list[_Cand]:
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
                    first, start, name = k, offset, part
                    if offset == tok.start:  # "New York-based": the capitalised words before it too
                        for b in (k - 2, k - 1):
                            if b >= 0 and not any(j in taken for j in range(b, k)) \
                                    and all(capitalised(t) for t in sent.tokens[b:k]):
                                longer = sent.text[sent.tokens[b].start - sent.start:offset + len(part) - sent.start]
                                if self.finder.places_for(longer, sent.lang):
                                    first, start, name = b, sent.tokens[b].start, longer
                                    break
                    places = [p for p in self.finder.places_for(name, sent.lang)
                              if p.resolution in ("country", "admin1", "continent") or p.population >= 100_000]
                    if places:
                        m = Mention(start, offset + len(part), name, "LOC", name, name, None, None, places[0], None,
                                    False, (), first, k, si)
                        out.append(_Cand(m, places, "toponym", True, []))
                offset += len(part) + 1
        return out

    def _unknown_names(self, doc: Doc) -> dict[int, list[Mention]]:
        """Capitalised names after a locative preposition ("in Dzhankoi") that no table knows and
        that are no person, organisation or calendar word: toponyms without a place."""
        out: dict[int, list[Mention]] = defaultdict(list)
        cal = calendar_words()
        for si, sent in enumerate(doc.sentences):
            lex = load_lexicon(sent.lang)
            if lex is None:
                continue
            locative = lex.locative
            taken = {k for m in doc.mentions[si] for k in range(m.first_token, m.last_token + 1)}
            toks = sent.tokens
            typed: dict[tuple[int, int], str] | None = None  # the name classes' types, read when first needed
            kinds = _place_words().get("settlements", frozenset())
            features = _place_words().get(sent.lang, frozenset())
            last_end = -10
            for k in range(1, len(toks)):
                prev = toks[k - 1].lower
                opens = prev in locative or (prev == "of" and k >= 2 and toks[k - 2].lower in kinds) \
                    or (prev in ("and", ",") and last_end == k - 2)  # "the villages of Foua and Kfraya"
                owned = toks[k - 1].text.endswith(tuple(POSSESSIVE)) and any(
                    m.last_token == k - 1 and m.kind == "LOC" and m.place is not None and m.place.resolution == "city"
                    for m in doc.mentions[si])  # "Cairo's Abbasiya neighbourhood"
                if not (opens or owned) or (k in taken and not owned) or not capitalised(toks[k]):
                    continue
                j = k
                while j + 1 < len(toks) and (j + 1 not in taken or owned) and capitalised(toks[j + 1]):
                    j += 1
                if owned and not opens and not (
                        toks[j].lower in features or (j + 1 < len(toks) and toks[j + 1].lower in features | kinds)):
                    continue  # "London's Mayor Sadiq Khan" names no place
                if toks[k].lower in cal or any(t.lower in cal for t in toks[k:j + 1]) or toks[k].text.isupper():
                    continue
                if typed is None:
                    typed = {(ne.start, ne.end): ne.type for ne in self.recogniser.sentence_entities(doc, si, sent)}
                kind = typed.get((toks[k].start, toks[j].end), "LOC")
                if kind in ("ORG", "EVT", "PRO") or (kind == "PER" and j > k):
                    continue
                text = sent.text[toks[k].start - sent.start:toks[j].end - sent.start]
                out[si].append(Mention(toks[k].start, toks[j].end, text, "LOC", text, text, None, None, None, None,
                                       False, (), k, j, si))
                last_end = j
        return out

    # resolution --------------------------------------------------------------------------------

    def _resolve(self, doc: Doc, cands: list[_Cand]) -> list[tuple[_Cand, Place | None, float]]:
        """(candidate, place, score) for every candidate that is a place; those left out are no place."""
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
            if top.resolution == "city" and top.population < SMALL_TOWN and own[key]:
                continue  # a small town's name says where the article is once, however often it is repeated
            country_w[top.country] += w
            own[key][top.country] += w
            if top.resolution in ("admin1", "admin2", "city") and top.admin1:
                region_w[(top.country, top.admin1)] += w
                own[key][(top.country, top.admin1)] += w
        total = sum(country_w.values()) or 1.0
        capitals = self.capitals
        top_country = country_w.most_common(1)
        dominant = top_country[0][0] if top_country and top_country[0][1] >= FIRM and top_country[0][1] / total >= 0.6 \
            else None
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
            if p.resolution in ("admin1", "country") and any(c.governed for c in group):
                s += 3.0
            if p.resolution == "country" and dominant and dominant != p.country and any(
                    q.country == dominant and q.resolution == "admin1" for q in group[0].places):
                s -= 3.0  # "Georgia" in an article about the United States is the state (a town of
                # a country's name, Russia in Ohio, needs its state named beside it)
            return s

        # pass 1: each name on the article's countries and regions (one sense per name)
        first: dict[str, Place] = {}
        scored: dict[str, list[tuple[float, Place]]] = {}
        for key, group in by_name.items():
            places = _distinct(group[0].places)
            if places:
                scored[key] = sorted(((base_score(key, group, p), p) for p in places), key=lambda x: -x[0])
                first[key] = scored[key][0][1]
        # pass 2: among several readings, those near the places the other names settled on, and
        # of the kind of the names listed with it ("Montana and Wyoming" are both states)
        chosen: dict[str, tuple[Place | None, float]] = {k: (None, 0.0) for k in by_name}
        peers = _listed_kinds(doc, cands, first)
        # a small town in a country no other name brings up ("at Heathrow" read as Heathrow, Florida)
        # does not pull the article's other names towards it
        def stray(key: str, p: Place) -> bool:
            return p.population < SMALL_TOWN and country_w.get(p.country, 0) - own[key].get(p.country, 0) <= 0

        cells = _cells(scored, stray) if COHERENCE else {}
        settled = _Settled({k: p for k, p in first.items() if not stray(k, p)}, 300.0)
        for key, ranked in scored.items():
            if len(ranked) > 1:
                rescored = []
                for s, p in ranked:
                    if (p.country, p.resolution) in peers.get(key, ()) and p.resolution in ("admin1", "country"):
                        s += 2.0
                    if p.lat is not None and p.resolution in ("city", "admin2"):
                        near = sum(1.0 if d < 50 else 0.6 if d < 150 else 0.3 if d < 300 else 0.0
                                   for d in (distance_km(p.lat, p.lon, q.lat, q.lon) for q in settled.near(p, key)))
                        if near:
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
                elif not inside and c.qualified and all(p.resolution == "city" for p in c.places):
                    place = c.within[0]  # "Holliday, Mo.": a town the tables lack, somewhere in Missouri
                    c = replace(c, inside=True)
            key = _name_key(c)
            if place is not None and key not in supported and c.kind == "toponym" \
                    and _a_word(c, place, doc, country_w, own[key]):
                continue
            out.append((c, place, score))
        return _enclosed(doc, out)

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
        if c.inside:  # a place no table knows, at the point of the one the text puts it in
            return Toponym(doc.article.doc_id, m.start, m.end, m.text, None, place.name, place.country, admin1 or (
                place.name if place.resolution == "admin1" else None), place.lat, place.lon, "other", score, c.kind,
                f"no gazetteer entry for this name; placed at {place.name}, which the text says it lies in")
        return Toponym(doc.article.doc_id, m.start, m.end, m.text, place.geonameid if place.geonameid and place.geonameid > 0
                       else None, place.name, place.country, admin1, place.lat, place.lon,
                       FEATURES.get(place.resolution, "other"), score, c.kind, reason)


def _a_word(c: _Cand, place: Place, doc: Doc, country_w: Counter, own: Counter) -> bool:
    """Whether an unsupported name (no preposition, list or state by any of its mentions) is more
    likely a word than `place`: a small town of a country nothing else in the article brings up; a
    town of such a country while the other names put the article firmly elsewhere ("Kolona" in a
    Czech report is no Corona, California); a capitalised common English word ("Police", "Court")."""
    if place.resolution == "city":
        alone = country_w.get(place.country, 0) <= own.get(place.country, 0)
        elsewhere = sum(w - own.get(cc, 0) for cc, w in country_w.items()) >= FIRM
        if alone and (place.population < SMALL_TOWN or (elsewhere and place.population < BIG_CITY)):
            return True
        return max(p.population for p in c.places) < 1_000_000 and _common_word(c.mention, doc)
    return place.resolution in ("admin1", "admin2") and c.mention.first_token == 0 and _common_word(c.mention, doc)


def _enclosed(doc: Doc, found: list[tuple[_Cand, Place | None, float]]) -> list[tuple[_Cand, Place | None, float]]:
    """A name no table knows takes the place it is said to lie in: "the villages of Foua and Kfraya
    in Idlib", "Maoxian county in Sichuan province" (its point within that place's)."""
    links = {"in", "of", "near", ",", "and", "the", "a"} | _place_words().get("settlements", frozenset())
    out = list(found)
    placed: set[int] = set()  # names that took their place this way
    for n in range(len(out) - 1, -1, -1):  # right to left, so that a list takes its last member's place
        c, place, score = out[n]
        if place is not None or c.places:
            continue
        m = c.mention
        toks = doc.sentences[m.sentence].tokens if 0 <= m.sentence < len(doc.sentences) else []
        owner = next((op for o, op, _ in out[:n] if o.mention.sentence == m.sentence and op is not None
                      and op.resolution == "city" and o.mention.last_token == m.first_token - 1
                      and toks[m.first_token - 1].text.endswith(tuple(POSSESSIVE))), None)
        if owner is not None:  # "Cairo's Abbasiya neighbourhood" lies in Cairo
            out[n] = (replace(c, inside=True), owner, 0.5)
            placed.add(n)
            continue
        k = m.last_token + 1
        for i in range(n + 1, len(out)):
            o, op, _ = out[i]
            om = o.mention
            if om.sentence != m.sentence or om.first_token < k:
                continue
            between = toks[k:om.first_token]
            if len(between) > 4 or not all(t.lower in links for t in between) or not (i in placed or any(
                    t.lower in ("in", "of", "near", ",") for t in between)):
                break
            if op is not None and op.resolution in ("city", "admin1", "admin2"):
                out[n] = (replace(c, inside=True), op, 0.5)
                placed.add(n)
            break
    return out


def _listed_kinds(doc: Doc, cands: list[_Cand], first: dict[str, Place]) -> dict[str, set[tuple[str, str]]]:
    """For each name, the (country, kind) of the first readings of the names listed right beside it
    ("Alberta, Saskatchewan and Newfoundland")."""
    at = {(c.mention.sentence, c.mention.first_token): c for c in cands if c.places}
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for c in cands:
        m = c.mention
        if not c.places or not 0 <= m.sentence < len(doc.sentences):
            continue
        toks = doc.sentences[m.sentence].tokens
        k = m.last_token + 1
        if k + 1 >= len(toks) or toks[k].lower not in LIST_LINKS and toks[k].text != ",":
            continue
        o = at.get((m.sentence, k + 1))
        if o is None:
            continue
        a, b = first.get(_name_key(c)), first.get(_name_key(o))
        if a is not None and b is not None:
            out[_name_key(o)].add((a.country, a.resolution))
            out[_name_key(c)].add((b.country, b.resolution))
    return out


def _key(m: Mention) -> MentionKey:
    return m.sentence, m.start, m.end


def _same(a: Place, b: Place) -> bool:
    """One place, perhaps from two tables (our alias tables and GeoNames can both hold a city)."""
    return a == b or (a.geonameid is not None and a.geonameid > 0 and a.geonameid == b.geonameid)


@functools.lru_cache(maxsize=1)
def _place_words() -> dict[str, frozenset[str]]:
    data = load_yaml(data_path("place_words.yaml")) or {}
    return {lang: frozenset(w.lower() for w in words or ()) for lang, words in data.items()}


def _facility_run(sent: Sentence, m: Mention) -> tuple[int, int] | None:
    """The token span of a facility or feature name around a town's name, or None."""
    heads = _place_words().get(sent.lang)
    if not heads:
        return None
    toks = sent.tokens
    a, b = m.first_token, m.last_token
    while a - 1 > 0 and (capitalised(toks[a - 1])
                         or (toks[a - 1].text == "." and toks[a - 2].text in ("St", "Mt", "Ft"))):
        a -= 1
    while b + 1 < len(toks) and (capitalised(toks[b + 1]) or toks[b + 1].text in ("'s", "’s", "-")):
        b += 1
    while b > m.last_token and not capitalised(toks[b]):
        b -= 1
    last = toks[b]
    if (a, b) == (m.first_token, m.last_token):
        return None  # the gazetteer knows the whole name ("College Station")
    if last.lower not in heads and not ({*last.lemmas} & heads):
        return None
    return a, b


class _Settled:
    """The places the article's names first settled on (cities and smaller), in a grid of cubes as
    wide as the chord of `km`, so that a reading meets the few places near it instead of every
    other name's: a long article's time then grows with its names, not their square."""

    def __init__(self, first: dict[str, Place], km: float):
        self.size = 2 * math.sin(km / (2 * EARTH_RADIUS_KM)) * 1.001  # on the unit sphere, with a margin
        self.grid: dict[tuple[int, int, int], list[tuple[int, str, Place]]] = defaultdict(list)
        for n, (key, q) in enumerate(first.items()):
            if q.lat is not None and q.resolution in ("city", "admin2", "other", "place"):
                self.grid[self._cube(q)].append((n, key, q))

    def _cube(self, p: Place) -> tuple[int, int, int]:
        lat, lon = math.radians(p.lat), math.radians(p.lon)
        xyz = (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))
        return tuple(math.floor(c / self.size) for c in xyz)

    def near(self, p: Place, key: str) -> list[Place]:
        """The places of names other than `key` that may lie within `km` of p (and a few beyond),
        in the order of the names."""
        x, y, z = self._cube(p)
        found = sorted(item for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)
                       for item in self.grid.get((x + dx, y + dy, z + dz), ()) if item[1] != key)
        return [q for _, _, q in found]


def _cells(scored: dict[str, list[tuple[float, Place]]], stray) -> dict[tuple[int, int], list]:
    """Every reading of every name in a grid of half-degree cells, weighted by 1/readings of its
    name: a name with one reading pins the article down, "Springfield" (forty readings) hardly; a
    `stray(key, place)` reading counts a quarter."""
    cells: dict[tuple[int, int], list] = defaultdict(list)
    for key, ranked in scored.items():
        readings = [p for _, p in ranked[:60] if p.lat is not None and p.resolution in ("city", "admin2")]
        for p in readings:
            w = 1.0 / math.sqrt(len(readings)) * (0.25 if stray(key, p) else 1.0)
            cells[(int(p.lat // _CELL), int(p.lon // _CELL))].append((key, w, p.lat, p.lon))
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
            if capitalised(toks[k]) and capitalised(prev) and (_is_first_name(prev) or prev.lower in HONORIFICS) \
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
    lemma = simplemma_dictionary("en").get(word)
    return lemma is not None and lemma[:1].islower()


def _inside(p: Place, region: Place) -> bool:
    if region.resolution == "country":
        return p.country == region.country and p.resolution != "country"
    return p.country == region.country and p.admin1 == region.admin1 and p.resolution in ("city", "admin2")


def _name_key(c: _Cand) -> str:
    return (c.kind + ":" + c.mention.key + ":" + ",".join(str(id(p)) for p in c.places[:3])) if c.places \
        else "?" + c.mention.text


def _is_first_name(t) -> bool:
    return t.lower in first_names()
