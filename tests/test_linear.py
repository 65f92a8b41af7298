"""Extraction time grows with an article's length, not its square: within-article merging looks only
at the groups within reach, and look-ups by sentence, place or position use indexes built once per
article. Each test checks one mechanism against the plain all-pairs or scanning definition it
replaces, and counts the work on a long input so that the quadratic version fails. Timing itself is
in benchmarks/scaling_size.py.
"""
from __future__ import annotations

import random

import pytest

from kronika import dedup
from kronika.clean import Skips
from kronika.events import _Nearest
from kronika.geodesy import distance_km
from kronika.places import _Settled
from kronika.records import Actor, Article, Event, Place, Sentence, Skip, Trigger

WARSAW = Place(1, "Warszawa", "PL", 52.23, 21.01, "city")
POLAND = Place(2, "Polska", "PL", 52.0, 19.0, "country")
BERLIN = Place(3, "Berlin", "DE", 52.52, 13.40, "city")


def _events(n: int, seed: int, heading_share: float = 0.1, gap: int = 300) -> list[Event]:
    """Mentions in body order with arguments that agree or disagree by chance; each mention's
    trigger start is its identity."""
    rng = random.Random(seed)
    out, start, sent = [], 0, None
    for i in range(n):
        if sent is None or rng.random() < 0.7:
            start += rng.randint(1, gap)
            sent = Sentence(start, start + 50, "x", "pl", start // 1000, rng.random() < heading_share)
        ev = Event("d", rng.choice(("PROTEST", "COERCE")), rng.choice((None, None, "verbal")), sent,
                   Trigger(i, i + 1, "t"), "pl")
        code = rng.choice((None, "POL", "POL", "RUS"))
        ev.actor = Actor("a", "a", code, "GOV") if code or rng.random() < 0.5 else None
        rec = rng.choice((None, "POL", "UKR"))
        ev.recipient = Actor("r", "r", rec, "GOV") if rec else None
        ev.location = rng.choice((None, None, WARSAW, POLAND, BERLIN))
        ev.date = rng.choice((None, "2020", "2020-01", "2020-01-05", "2021-03-01"))
        out.append(ev)
    return out


def _all_pairs(events: list[Event]) -> list[tuple[int, list[int]]]:
    """The definition: a mention joins the first group all of whose members it can merge with; a
    group's first body mention is the event, the others its mentions."""
    groups: list[list[Event]] = []
    for ev in events:
        g = next((g for g in groups if all(dedup.mergeable(ev, o) for o in g)), None)
        if g is None:
            groups.append([ev])
        else:
            g.append(ev)
    out = []
    for g in groups:
        body = [e for e in g if not e.sentence.heading]
        if body:
            out.append((body[0].sentence.start, body[0].trigger.start, [e.trigger.start for e in g if e is not body[0]]))
    out.sort(key=lambda x: x[0])
    return [(t, ms) for _, t, ms in out]


@pytest.mark.parametrize("seed", range(6))
def test_windowed_merging_groups_as_all_pairs_do(seed):
    for shuffled in (False, True):
        events = _events(400, seed, gap=300 if seed % 2 else 40)
        expected = _all_pairs(events)
        if shuffled:  # out of body order, every group of the type is looked at
            order = list(range(len(events)))
            random.Random(seed).shuffle(order)
            events = [events[i] for i in order]
            expected = _all_pairs(events)
        merged = dedup.merge_events(events)
        assert [(e.trigger.start, [m.trigger.start for m in e.mentions]) for e in merged] == expected


def _count_calls(monkeypatch, owner, name: str) -> list[int]:
    """Replace owner.name by a wrapper that counts its calls; the count is the list's one item."""
    calls = [0]
    plain = getattr(owner, name)

    def counted(*args):
        calls[0] += 1
        return plain(*args)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_merging_a_long_article_compares_a_bounded_number_of_pairs(monkeypatch):
    calls = _count_calls(monkeypatch, dedup, "mergeable")
    n = 4000
    dedup.merge_events(_events(n, 7, heading_share=0.01))
    assert calls[0] < 20 * n  # all pairs: millions


def test_completing_events_looks_up_their_sentences_without_a_search(pipeline, monkeypatch):
    report = ("Policja zatrzymała w czwartek w Gdańsku 12 osób. Demonstranci protestowali przed "
              "urzędem miasta. Rosja zaatakowała Ukrainę.\n\n")
    doc = pipeline.process(Article("long", report * 60, date="2022-01-06", lang="pl"), until="events")
    assert len(doc.events) >= 60
    compared = _count_calls(monkeypatch, Sentence, "__eq__")
    doc = pipeline.process(Article("long", report * 60, date="2022-01-06", lang="pl"))
    assert compared[0] < len(doc.sentences)  # `sentences.index` per event: tens of thousands


def test_nearest_items_as_a_scan_finds_them():
    def scan(items, si, para, back):
        before = [x for x in items if x[1] == para and x[0] < si]
        if before:
            return before[-1][2]
        after = [x for x in items if x[1] == para and x[0] > si]
        if after:
            return after[0][2]
        earlier = [x for x in items if x[0] < si and para - x[1] <= back]
        return earlier[-1][2] if earlier else None

    rng = random.Random(3)
    paras = sorted(rng.randint(0, 40) for _ in range(200))  # sentence index -> paragraph
    items = [(si, paras[si], f"v{si}.{k}") for si in range(200) if rng.random() < 0.2 for k in range(rng.randint(1, 2))]
    index = _Nearest(items)
    for si in range(200):
        for back in (0, 3, 10**6):
            assert index.nearest(si, paras[si], back) == scan(items, si, paras[si], back)
        assert index.before(si, paras[si]) == scan([x for x in items if x[0] < si], si, paras[si], 0)


def test_settled_places_near_a_reading_are_all_those_within_reach():
    rng = random.Random(5)
    first = {}
    for i in range(400):
        lat = rng.choice((rng.uniform(-90, 90), rng.uniform(84, 90), rng.uniform(50, 54)))
        lon = rng.choice((rng.uniform(-180, 180), rng.uniform(178, 180), rng.uniform(14, 24)))
        first[f"name{i}"] = Place(i, f"p{i}", "PL", lat, lon, rng.choice(("city", "place", "admin1")))
    grid = _Settled(first, 300.0)
    for key, p in list(first.items())[:150]:
        near = grid.near(p, key)
        wanted = [q for k, q in first.items() if k != key and q.resolution != "admin1"
                  and distance_km(p.lat, p.lon, q.lat, q.lon) < 300]
        assert [q for q in near if distance_km(p.lat, p.lon, q.lat, q.lon) < 300] == wanted
        assert len(near) < 100  # a few cells, not the whole article


def test_skip_spans_within_a_stretch_as_a_scan_finds_them():
    rng = random.Random(11)
    spans = []
    for _ in range(300):
        a = rng.randint(0, 20000)
        spans.append(Skip(a, a + rng.choice((5, 30, 200, 3000)), "url"))
    skips = Skips(spans)
    assert [s.start for s in skips] == sorted(s.start for s in spans)
    for _ in range(500):
        a = rng.randint(0, 21000)
        b = a + rng.randint(1, 400)
        assert skips.within(a, b) == [s for s in skips if s.start < b and s.end > a]
