"""Reading the store: events (one per mention) or clusters (one per real-world event) that pass
`kronika.filters.Filters`, and counts by day, type and country.

Every function takes an open `Store` (its `engine` and `dialect`).
"""
from __future__ import annotations

import json
import math

import orjson
import sqlalchemy as sa

from ..filters import Filters
from ..geodesy import distance_km
from .clustering import iso_day
from .schema import articles, clusters, events


def where_clauses(store, f: Filters, table) -> list:
    """The SQL conditions of `f` on `table` (the events table or one with its columns). `near` is
    a bounding box here; callers drop what lies outside the circle."""
    conds = []
    # an event passes a time window when the interval its date stands for meets it
    if f.since:
        conds.append(sa.func.coalesce(table.c.date_end, table.c.date) >= f.since)
    if f.until:
        conds.append(sa.func.coalesce(table.c.date_start, table.c.date) <= f.until)
    if f.undated:
        conds.append(table.c.date.is_(None))
    if f.added_since:  # what watchers and ingests stored since then (the page's "new since you opened")
        conds.append(table.c.article_id.in_(sa.select(articles.c.id).where(articles.c.ingested_at >= f.added_since)))
    if f.country:
        conds.append(table.c.country == f.country.upper())
    if f.event_type:
        conds.append(table.c.event_type == f.event_type.upper())
    if f.actor:
        conds.append(sa.or_(sa.func.lower(table.c.actor_code) == f.actor.lower(),
                            sa.func.lower(table.c.actor).like(contains_pattern(f.actor.lower()), escape=LIKE_ESCAPE)))
    if f.lang:
        conds.append(table.c.language == f.lang)
    if f.near:
        lat, lon = f.near
        dlat = f.km / 111.0
        dlon = f.km / max(1.0, 111.0 * math.cos(math.radians(lat)))
        conds.append(sa.and_(table.c.lat.between(lat - dlat, lat + dlat), table.c.lon.between(lon - dlon, lon + dlon)))
    if f.text:
        if store.dialect == "sqlite":
            conds.append(table.c.id.in_(sa.select(sa.column("rowid")).select_from(sa.table("events_fts"))
                                        .where(sa.text("events_fts MATCH :q").bindparams(q=_fts_query(f.text)))))
        elif store.dialect == "postgresql":
            conds.append(sa.func.to_tsvector("simple", table.c.sentence).op("@@")(
                sa.func.plainto_tsquery("simple", f.text)))
        else:
            conds.append(table.c.sentence.ilike(contains_pattern(f.text), escape=LIKE_ESCAPE))
    return conds


LIKE_ESCAPE = "/"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally (with LIKE_ESCAPE):
    `contains_pattern("50%")` -> "%50/%%"."""
    for ch in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(ch, LIKE_ESCAPE + ch)
    return f"%{text}%"


def _fts_query(text: str) -> str:
    """Words of a user query as an FTS5 query: each word a quoted string (quotes doubled, control
    characters dropped), so no user input is read as FTS syntax."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    words = [w for w in clean.split() if any(c.isalnum() for c in w)]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words) or '""'


def after_clause(day_col, id_col, after: tuple[str | None, int]):
    """The rows after (day, id) in the order newest day first (no day last), then id: keyset
    paging, which reads on from a row where an offset would count the rows before it. A cluster
    row's key is its (`first_date`, `cluster_id`)."""
    day, rid = after
    if day is None:
        return sa.and_(day_col.is_(None), id_col > rid)
    return sa.or_(day_col < day, sa.and_(day_col == day, id_col > rid), day_col.is_(None))


def query_mentions(store, f: Filters, limit: int = 1000, offset: int = 0) -> list[dict]:
    """Events (one per mention) that pass the filters, newest first: their records with
    `cluster_id` and `n_articles` added, e.g. `query_mentions(store, Filters(country="GE"), 10)`."""
    conds = where_clauses(store, f, events)
    q = (sa.select(events.c.id, events.c.record, events.c.cluster_id, clusters.c.n_articles, articles.c.doc_id,
                   articles.c.outlet)
         .join(clusters, clusters.c.id == events.c.cluster_id, isouter=True)
         .join(articles, articles.c.id == events.c.article_id)
         .where(*conds).order_by(events.c.date.desc().nulls_last(), events.c.id).limit(limit).offset(offset))
    out = []
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    for r in rows:
        rec = json.loads(r.record)
        loc = rec.get("location") or {}
        if f.near and loc.get("lat") is not None and distance_km(f.near[0], f.near[1], loc["lat"], loc["lon"]) > f.km:
            continue
        rec["cluster_id"] = r.cluster_id
        rec["n_articles"] = r.n_articles
        out.append(rec)
    return out


def query_clusters(store, f: Filters, limit: int = 1000, offset: int = 0,
                   after: tuple[str | None, int] | None = None) -> list[dict]:
    """Clusters with at least one mention that passes the filters: one row per real-world event,
    with its mentions' article count, outlets and languages, first and last report, and the story
    it belongs to among the results (`story_id`, `n_clusters`; see `query_stories`); `after` =
    (first day, cluster id) of the last row of the page before (keyset paging)."""
    q = _cluster_query(f, store)
    if after is not None:
        q = q.where(after_clause(clusters.c.first_date, clusters.c.id, after))
    with store.engine.connect() as conn:
        found = conn.execute(q.limit(limit).offset(offset)).all()
        rows = _cluster_rows(conn, found)
    _tell_stories(rows)
    for r in rows:
        del r["_members"]
    return rows



def query_stories(store, f: Filters, limit: int = 1000, offset: int = 0) -> list[dict]:
    """Stories among the clusters that pass the filters: happenings of one unfolding situation (one
    incident and the reactions to it, unrest in one country over some days). Two clusters are of
    one story when an article reports both and they share a country or a party, or when both are
    protests, attacks, arrests or deployments in one country at most STORY_DAYS apart; a story is
    what these links connect. One row per story: its most reported cluster's record, with the
    story's counts, languages, first and last day and `clusters` (their ids), newest first."""
    with store.engine.connect() as conn:
        found = conn.execute(_cluster_query(f, store).limit(STORY_SCAN)).all()
        rows = _cluster_rows(conn, found)
    _tell_stories(rows)
    stories: dict[int, list[dict]] = {}
    for r in rows:
        stories.setdefault(r["story_id"], []).append(r)
    out = []
    for sid, group in stories.items():
        lead = min(group, key=lambda r: (-r["n_mentions"], r["cluster_id"]))
        members = [m for r in group for m in r["_members"]]
        rec = {k: v for k, v in lead.items() if k != "_members"}
        rec.update(n_mentions=len(members), n_articles=len({m.doc_id for m in members}),
                   n_sources=len({m.outlet or m.doc_id for m in members}),
                   languages=sorted({m.language for m in members if m.language}),
                   first_date=min((r["first_date"] for r in group if r["first_date"]), default=None),
                   last_date=max((r["last_date"] for r in group if r["last_date"]), default=None),
                   articles=sorted({m.doc_id for m in members}), clusters=sorted(r["cluster_id"] for r in group))
        out.append(rec)
    out.sort(key=lambda r: (r["last_date"] is None, _desc(r["last_date"]), r["story_id"]))
    return out[offset:offset + limit]


STORY_DAYS = 2
STORY_SCAN = 20_000  # clusters a story query looks at, newest first
MATERIAL_CONFLICT = frozenset({"PROTEST", "ASSAULT", "COERCE", "MOBILIZE"})


def _desc(day: str | None) -> tuple:
    return tuple(-ord(ch) for ch in day or "")


def _cluster_query(f: Filters, store):
    """The clusters, newest first, with a mention that passes `f`: without filters read in order
    from the newest (ix_clusters_newest) while each has a mention. With a time window, a place or
    words, which keep few mentions, those mentions are found first (from the indexes of migration
    0006; MATERIALIZED, else PostgreSQL walks the newest clusters looking for a mention of each,
    ten times slower for a month back) and their clusters sorted; with a country, type, actor or
    language alone the database chooses (PostgreSQL walks the newest clusters: most have one)."""
    conds = where_clauses(store, f, events)
    if conds and (f.since or f.until or f.near or f.text or f.added_since or f.undated):
        matched = sa.select(events.c.cluster_id).where(*conds).cte("matched").prefix_with("MATERIALIZED")
        has = clusters.c.id.in_(sa.select(matched.c.cluster_id))
    elif conds:
        has = clusters.c.id.in_(sa.select(events.c.cluster_id).where(*conds))
    else:
        has = sa.exists().where(events.c.cluster_id == clusters.c.id)
    return sa.select(clusters).where(has).order_by(clusters.c.first_date.desc().nulls_last(), clusters.c.id)


def _cluster_rows(conn, found) -> list[dict]:
    """Cluster rows: the record of each cluster's first mention, with what its mentions add up to
    (only the first mention's record is read: a page of 500 clusters reads 500 records, not all)."""
    members: dict[int, list] = {c.id: [] for c in found}
    records: dict[int, str] = {}
    for i in range(0, len(found), 500):  # one query per 500 clusters, not one per cluster
        chunk = [c.id for c in found[i:i + 500]]
        for m in conn.execute(
                sa.select(events.c.id, events.c.cluster_id, events.c.language, events.c.country,
                          events.c.actor_code, events.c.recipient_code, events.c.article_id, articles.c.outlet,
                          articles.c.doc_id)
                .join(articles, articles.c.id == events.c.article_id)
                .where(events.c.cluster_id.in_(chunk)).order_by(events.c.id)):
            members[m.cluster_id].append(m)
        firsts = [members[c][0].id for c in chunk if members[c]]
        records.update(conn.execute(sa.select(events.c.id, events.c.record).where(events.c.id.in_(firsts))).all())
    out = []
    for c in found:
        ms = members[c.id]
        rec = dict(orjson.loads(records[ms[0].id])) if ms else {}
        rec["cluster_id"] = c.id
        rec["n_mentions"] = len(ms)
        rec["n_articles"] = len({m.doc_id for m in ms})
        rec["n_sources"] = len({m.outlet or m.doc_id for m in ms})
        rec["languages"] = sorted({m.language for m in ms if m.language})
        rec["first_date"], rec["last_date"] = c.first_date, c.last_date
        rec["articles"] = sorted({m.doc_id for m in ms})
        rec["_members"] = ms
        rec["_type"], rec["_country"] = c.event_type, c.country
        out.append(rec)
    return out


def _tell_stories(rows: list[dict]) -> None:
    """Set `story_id` (the smallest cluster id of its story) and `n_clusters` on cluster rows."""
    root = {r["cluster_id"]: r["cluster_id"] for r in rows}

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    def join(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            root[max(ra, rb)] = min(ra, rb)

    by_article: dict[int, list[tuple[int, set]]] = {}
    for r in rows:
        parties = {p for m in r["_members"] for p in (m.country, m.actor_code, m.recipient_code) if p}
        for aid in {m.article_id for m in r["_members"]}:
            by_article.setdefault(aid, []).append((r["cluster_id"], parties))
    for told in by_article.values():
        for i, (a, pa) in enumerate(told):
            for b, pb in told[i + 1:]:
                if pa & pb:
                    join(a, b)
    conflict: dict[str, list[dict]] = {}
    for r in rows:
        if r["_type"] in MATERIAL_CONFLICT and r["_country"] and r["first_date"]:
            conflict.setdefault(r["_country"], []).append(r)
    for group in conflict.values():
        group.sort(key=lambda r: (r["first_date"], r["cluster_id"]))
        reach, owner = None, None  # a sweep over start days: each cluster joins the run it falls in
        for r in group:
            first = iso_day(r["first_date"])
            last = iso_day(r["last_date"]) or first
            if reach is not None and (first - reach).days <= STORY_DAYS:
                join(owner, r["cluster_id"])
                reach = max(reach, last)
            else:
                owner, reach = r["cluster_id"], last
    sizes: dict[int, int] = {}
    for r in rows:
        sizes[find(r["cluster_id"])] = sizes.get(find(r["cluster_id"]), 0) + 1
    for r in rows:
        r["story_id"] = find(r["cluster_id"])
        r["n_clusters"] = sizes[r["story_id"]]
        del r["_type"], r["_country"]


def stats(store, f: Filters | None = None) -> dict:
    """Counts of events by day, type and country (mentions and clusters). One statement: the
    events that pass are read once (from the filters' indexes) and every count made from them."""
    f = f or Filters()
    conds = where_clauses(store, f, events)
    kept = sa.select(events.c.date, events.c.event_type, events.c.country, events.c.cluster_id,
                     events.c.article_id).where(*conds).cte("kept").prefix_with("MATERIALIZED")
    k = kept.c
    none = sa.null()

    def part(name: str, key1, key2, n, clusters_n, *group):
        q = sa.select(sa.literal(name).label("part"), sa.cast(key1, sa.String).label("k1"),
                      sa.cast(key2, sa.String).label("k2"), n.label("n"), clusters_n.label("c")).select_from(kept)
        return q.group_by(*group) if group else q
    count, distinct = sa.func.count, lambda col: sa.func.count(sa.distinct(col))
    every = sa.union_all(
        part("articles", none, none, distinct(k.article_id), none),
        part("events", none, none, count(), distinct(k.cluster_id)),
        part("by_day", k.date, none, count(), distinct(k.cluster_id), k.date),
        part("by_type", k.event_type, none, count(), distinct(k.cluster_id), k.event_type),
        part("by_country", k.country, none, count(), distinct(k.cluster_id), k.country),
        part("by_day_type", k.date, k.event_type, count(), none, k.date, k.event_type))
    parts: dict[str, list] = {}
    with store.engine.connect() as conn:
        for r in conn.execute(every):
            parts.setdefault(r.part, []).append(r)
        # no filters: every article stored, also those that gave no event
        articles_n = parts["articles"][0].n if conds else \
            conn.execute(sa.select(sa.func.count()).select_from(articles)).scalar()
    last = lambda v: (v is None, v or "")  # noqa: E731  ascending, no value last, as the SQL sorted
    out = {"articles": articles_n, "events": parts["events"][0].n, "clusters": parts["events"][0].c}
    for key in ("by_day", "by_type", "by_country"):
        out[key] = [{"key": r.k1, "events": r.n, "clusters": r.c} for r in sorted(parts.get(key, []), key=lambda r: last(r.k1))]
    # the timeline's stacks: events per day and type
    out["by_day_type"] = [{"key": r.k1, "type": r.k2, "events": r.n}
                          for r in sorted(parts.get("by_day_type", []), key=lambda r: (last(r.k1), r.k2 or ""))]
    return out
