"""A store of many events for the page's tests and the benchmarks: the bundled samples' events
copied into new articles with dates spread over 2025 and places over 40 regions of 10 countries."""
from __future__ import annotations

import dataclasses
import random
import sys
from pathlib import Path

from kronika.readers import read_inputs
from kronika.store import Store

SAMPLES = Path(__file__).resolve().parent.parent / "src" / "kronika" / "samples"


def build_store(url: str, n_events: int, pipeline):
    """A store of about `n_events` events: the samples' events copied into new articles (20 an
    article), each article's dated to one day of 2025 (one in twenty undated) and placed in one of
    40 regions of 10 countries (one in seven at the country's middle only). Returns (store, events,
    articles)."""
    store = Store(url)
    samples = [(a, [e.to_dict() for e in pipeline.process(a).events])
               for a in read_inputs(sorted(str(p) for p in SAMPLES.glob("*.txt")))]
    pool = [r for _, recs in samples for r in recs]
    rng = random.Random(7)
    countries = [("UA", 49.0, 32.0), ("PL", 52.0, 19.0), ("RU", 56.0, 38.0), ("KZ", 48.0, 68.0), ("GE", 42.0, 43.5),
                 ("DE", 51.0, 10.0), ("CZ", 49.8, 15.5), ("BY", 53.0, 28.0), ("KE", 0.0, 38.0), ("US", 39.0, -98.0)]
    regions = [(c, la + d, lo + d, d) for d in range(4) for c, la, lo in countries]
    middles = {c: (la, lo) for c, la, lo in countries}
    made = n_articles = 0
    while made < n_events:
        cc, lat, lon, d = regions[rng.randrange(len(regions))]
        # one article in twenty undated, one in seven placed only at its country's middle
        day = None if rng.random() < 0.05 else f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        a, _ = samples[n_articles % len(samples)]
        a = dataclasses.replace(a, doc_id=f"{a.doc_id}-{n_articles}", body=a.body + f"\n{n_articles}",
                                date=day or None)
        n_articles += 1
        if rng.random() < 0.15:
            place = {"name": cc, "geonameid": None, "country": cc, "lat": middles[cc][0], "lon": middles[cc][1],
                     "resolution": "country"}
        else:
            place = {"name": f"Town {d} {cc}", "geonameid": None, "country": cc, "lat": lat + rng.uniform(-1, 1),
                     "lon": lon + rng.uniform(-1, 1), "resolution": "city"}
        recs = [dict(r, date=day, time=None, location=dict(place, text=place["name"]))
                for r in rng.sample(pool, k=min(20, n_events - made))]
        store.add(a, recs)
        made += len(recs)
        if n_articles % 500 == 0:
            print(f"  {made} events stored", file=sys.stderr, flush=True)
    return store, made, n_articles
