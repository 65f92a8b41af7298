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


# countries of the bulk store, most reported first, with a middle point: a Zipf-like share each
BULK_COUNTRIES = [("UA", 49.0, 32.0), ("RU", 56.0, 38.0), ("US", 39.0, -98.0), ("PL", 52.0, 19.0),
                  ("DE", 51.0, 10.0), ("IL", 31.5, 35.0), ("KZ", 48.0, 68.0), ("GE", 42.0, 43.5), ("BY", 53.0, 28.0),
                  ("CZ", 49.8, 15.5), ("FR", 46.5, 2.5), ("GB", 53.0, -1.5), ("TR", 39.0, 35.0), ("IR", 32.0, 53.0),
                  ("KE", 0.0, 38.0), ("NG", 9.0, 8.0), ("IN", 22.0, 79.0), ("CN", 35.0, 104.0), ("BR", -10.0, -52.0),
                  ("MX", 23.0, -102.0), ("SY", 35.0, 38.5), ("RS", 44.0, 21.0), ("BG", 42.7, 25.3), ("ES", 40.0, -3.7),
                  ("IT", 42.8, 12.5), ("HU", 47.2, 19.5), ("RO", 45.9, 24.9), ("MD", 47.2, 28.5), ("AM", 40.2, 45.0),
                  ("AZ", 40.3, 47.7)]


def bulk_store(url: str, n_events: int, pipeline, days: int = 730, seed: int = 7):
    """A store of `n_events` events written straight into the tables (in minutes, where ingesting
    a million would take days): the samples' records, each cluster of 1 to 5 reports of one event
    (type, place, day) from different articles, over `days` days ending 2025-12-31, in 30 countries
    (the first ones most often) with 8 towns each; one event in twenty undated. The rows are what
    `Store.add` writes (its `_event_row`), with the clusters' rows as clustering makes them; on
    SQLite the text index fills itself (a trigger). Returns (store, events, articles)."""
    import datetime
    import hashlib

    import sqlalchemy as sa

    from kronika.store import _event_row, stamp
    from kronika.store.schema import articles, clusters, event_names, events, store_state

    store = Store(url)
    samples = [(a, [e.to_dict() for e in pipeline.process(a).events])
               for a in read_inputs(sorted(str(p) for p in SAMPLES.glob("*.txt")))]
    by_type: dict[str, list[dict]] = {}
    for _, recs in samples:
        for r in recs:
            by_type.setdefault(r["event_type"], []).append(r)
    kinds = sorted(by_type)
    rng = random.Random(seed)
    weights = [1 / (i + 1) for i in range(len(BULK_COUNTRIES))]
    towns = {c: [(f"Town {k} {c}", la + rng.uniform(-3, 3), lo + rng.uniform(-3, 3)) for k in range(8)]
             for c, la, lo in BULK_COUNTRIES}
    last_day = datetime.date(2025, 12, 31)
    # the clusters: (type, country, place, day) and how many reports each has
    plan = []
    made = 0
    while made < n_events:
        cc, la, lo = rng.choices(BULK_COUNTRIES, weights)[0]
        size = min(rng.choices((1, 2, 3, 5), (60, 25, 10, 5))[0], n_events - made)
        day = None if rng.random() < 0.05 else (last_day - datetime.timedelta(days=rng.randrange(days))).isoformat()
        if rng.random() < 0.15:
            place = {"name": cc, "geonameid": None, "country": cc, "lat": la, "lon": lo, "resolution": "country"}
        else:
            name, tla, tlo = towns[cc][rng.randrange(8)]
            place = {"name": name, "geonameid": None, "country": cc, "lat": tla, "lon": tlo, "resolution": "city"}
        plan.append((rng.choice(kinds), place, day, size))
        made += size
    # every report of a cluster in another article: the reports are dealt to articles of ten
    slots = [(ci, k) for ci, (_, _, _, size) in enumerate(plan) for k in range(size)]
    rng.shuffle(slots)
    per_article = 10
    n_articles = -(-len(slots) // per_article)
    made_at = stamp()
    with store.engine.begin() as conn:
        _insert(conn, clusters, [
            {"id": ci + 1, "event_type": t, "mode": None, "country": p["country"], "geonameid": None,
             "location": p["name"], "lat": p["lat"], "lon": p["lon"], "actor_code": None, "recipient_code": None,
             "first_date": day, "last_date": day, "n_mentions": size, "n_articles": size}
            for ci, (t, p, day, size) in enumerate(plan)])
    event_id = 0
    for first in range(0, n_articles, 2000):  # a transaction per 2,000 articles
        art_rows, ev_rows, name_rows = [], [], []
        for ai in range(first, min(first + 2000, n_articles)):
            sample, _ = samples[ai % len(samples)]
            mine = slots[ai * per_article:(ai + 1) * per_article]
            day = next((plan[ci][2] for ci, _ in mine if plan[ci][2]), None)
            body = f"{sample.body}\n{ai}"
            article = dataclasses.replace(sample, doc_id=f"{sample.doc_id}-{ai}", body=body, date=day)
            art_rows.append({"id": ai + 1, "content_hash": hashlib.sha256(" ".join(body.split()).encode()).hexdigest(),
                             "doc_id": article.doc_id, "url": None, "title": sample.title, "outlet": f"outlet{ai % 97}",
                             "lang": sample.lang, "date": day, "path": None, "body": body, "ingested_at": made_at})
            for ci, _ in mine:
                t, place, cday, _ = plan[ci]
                rec = dict(rng.choice(by_type[t]), date=cday, time=None, location=dict(place, text=place["name"]))
                row = _event_row(rec, ai + 1, article)
                event_id += 1
                row.update(id=event_id, cluster_id=ci + 1, component_id=ci + 1)
                ev_rows.append(row)
                name_rows.extend({"event_id": event_id, "name": n[:300]} for n in dict.fromkeys(rec.get("names") or ()))
        with store.engine.begin() as conn:
            _insert(conn, articles, art_rows)
            _insert(conn, events, ev_rows)
            if name_rows:
                _insert(conn, event_names, name_rows)
            conn.execute(store_state.update().values(value=store_state.c.value + 1))  # as Store.add does
        print(f"  {event_id} events stored", file=sys.stderr, flush=True)
    if store.dialect == "postgresql":  # the ids were given: the sequences go on after them
        with store.engine.begin() as conn:
            for table in ("articles", "events", "clusters"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
            conn.execute(sa.text("ANALYZE"))
    else:
        with store.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    return store, event_id, n_articles


def _insert(conn, table, rows: list[dict]) -> None:
    """Rows into a table: COPY on PostgreSQL (an INSERT a row is twenty times slower), else one
    executemany. Every row has the same keys."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    import csv
    import io

    names = list(rows[0])
    out = io.StringIO()
    csv.writer(out).writerows([["\\N" if r[n] is None else r[n] for n in names] for r in rows])  # \N: NULL
    out.seek(0)
    cursor = conn.connection.dbapi_connection.cursor()
    cursor.copy_expert(f"COPY {table.name} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", out)
