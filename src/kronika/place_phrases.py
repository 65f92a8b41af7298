"""Places: phrases that point at a place without naming it ("największe miasto Kazachstanu",
"the capital", "tego kraju"), and the place an event happened when its sentence names none.
"""
from __future__ import annotations

import functools
import re


from .gazetteer import NameIndex
from .lexicon import data_path, load_yaml
from .records import Doc, Mention, Place


@functools.lru_cache(maxsize=1)
def _phrases() -> dict[str, dict[str, list[tuple[str, ...]]]]:
    data = load_yaml(data_path("geo_phrases.yaml"))
    return {kind: {lang: [tuple(p.split()) for p in ps] for lang, ps in per.items()} for kind, per in data.items()}


def _matches(tokens, k: int, phrase: tuple[str, ...]) -> bool:
    if k + len(phrase) > len(tokens):
        return False
    return all((t.lower.startswith(w[:-1]) if w.endswith("*") else (w == t.lower or w in t.lemmas))
               for w, t in zip(phrase, tokens[k:k + len(phrase)]))


def resolve_place_phrases(doc: Doc, index: NameIndex) -> None:
    """Add LOC mentions for "the largest city of X", "the capital (of X)" and "that country"."""
    table = _phrases()
    last_country: Mention | None = None
    for si, sent in enumerate(doc.sentences):
        toks = sent.tokens
        mentions = doc.mentions[si]
        by_first = {m.first_token: m for m in mentions}
        added: list[Mention] = []
        phrases = [(kind, p) for kind in ("largest_city", "capital", "this_country") for p in table.get(kind, {}).get(sent.lang, ())]
        firsts = {p[0].rstrip("*")[:3] for _, p in phrases}
        for k in range(len(toks)):
            if toks[k].lower[:3] not in firsts and not any(lem[:3] in firsts for lem in toks[k].lemmas):
                continue
            for kind, phrase in phrases:
                if not _matches(toks, k, phrase):
                    continue
                end = k + len(phrase) - 1
                if kind == "this_country":
                    if last_country is not None and last_country.place is not None:
                        added.append(_copy(last_country, sent, k, end, si))
                    continue
                country = by_first.get(end + 1)
                cc = country.place.country if country and country.place and country.place.resolution == "country" else None
                if cc is None and kind == "capital" and doc.main_country:
                    cc = next((a2 for a2, a3 in index.alpha3.items() if a3 == doc.main_country), None)
                    end_tok = end
                else:
                    end_tok = end + 1 if cc else end
                table_idx = index.largest if kind == "largest_city" else index.capitals
                if cc and cc in table_idx:
                    place = index.place_at(table_idx[cc])
                    added.append(Mention(toks[k].start, toks[end_tok].end, sent.text[toks[k].start - sent.start:toks[end_tok].end - sent.start],
                                         "LOC", place.name, place.name, index.alpha3.get(cc), None, place, None, False,
                                         (), k, end_tok, si))
        if added:
            covered = {(m.first_token, m.last_token) for m in added}
            keep = [m for m in mentions if not any(a <= m.first_token and m.last_token <= b for a, b in covered)
                    or m.kind != "LOC" or m.place is None or m.place.resolution != "country"]
            # the country inside "the largest city of X" names the city now, not a place of its own
            doc.mentions[si] = sorted(keep + added, key=lambda m: (m.start, -m.end))
        for m in doc.mentions[si]:
            if m.kind == "LOC" and m.place is not None and m.place.resolution == "country":
                last_country = m


def _copy(src: Mention, sent, k: int, end: int, si: int) -> Mention:
    toks = sent.tokens
    return Mention(toks[k].start, toks[end].end, sent.text[toks[k].start - sent.start:toks[end].end - sent.start], "LOC", src.key,
                   src.base, src.code, src.sector, src.place, None, False, (), k, end, si)


def best_place(places: list[Place]) -> Place | None:
    """The most specific of several places: a city before a region before a country."""
    rank = {"place": 0, "city": 1, "admin1": 2, "country": 3}
    return min(places, key=lambda p: rank.get(p.resolution, 4)) if places else None


# "NAIROBI, May 21 (Reuters) - ", "Schirnding (dpa) - ", "Brno - ", "МОСКВА, 10 марта. /ТАСС/. "
_UP = "A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁІЇЄҐ"
DATELINE = re.compile(rf"\s*([{_UP}][\w'’.-]*(?:[ -][{_UP}][\w'’.-]*){{0,3}})\s*(?:,\s*[^()\n–—/-]{{2,30}}?)?\s*"
                      rf"(?:\(([^)\n]{{2,40}})\)|/([^/\n]{{2,30}})/\.?)?\s*[-–—.]\s+")


def dateline_place(doc: Doc, finder) -> Place | None:
    """The place of a wire report's dateline, added as a mention of the first sentence."""
    if not doc.sentences:
        return None
    sent = doc.sentences[0]
    m = DATELINE.match(sent.text)
    if not m or len(m.group(1)) < 3:
        return None
    name = m.group(1).strip()
    toks = [t for t in sent.tokens if t.start < sent.start + m.end(1)]
    if not toks:
        return None
    found = finder.lookup_name(name.title() if name.isupper() else name, sent.lang)
    if found is None or found.place is None:
        return None
    ment = Mention(toks[0].start, toks[-1].end, sent.text[toks[0].start - sent.start:toks[-1].end - sent.start], "LOC",
                   found.key, name, found.code, None, found.place, None, False, (), 0, len(toks) - 1, 0)
    doc.mentions[0] = [x for x in doc.mentions[0] if x.last_token >= len(toks)] + [ment]
    doc.mentions[0].sort(key=lambda x: x.start)
    return found.place
