"""Cross-article clustering: the reports of one real-world happening, in any articles and languages,
end in one cluster, whatever order the articles came in.

Two events of different articles are *linked* (`link`) when nothing they say contradicts one
happening and enough agrees: types of one family, the same mode (an arrest is not a blockade),
time intervals that overlap within a tolerance that grows with how long the kind of happening
lasts (a shutdown or a deployment lasts; a shooting does not), places that fit one another's
hierarchy (a city report fits a country report; two cities far apart do not), actors and
recipients that do not differ (either side of talks), the same named actor, and the same count of
dead or arrested. Events whose time is unknown (undated articles) must agree more to be linked.

Linked events form *components*. The clusters of a component are made by a deterministic merge:
links strongest first, two groups joining only when no pair across them contradicts and their
links agree on average, and never two events of one article (the within-article merge kept them
apart on purpose). Events are ordered by a key of their article's text and their offsets, never by
database ids, so the clusters are a function of the stored events alone: the same articles
ingested in any order give the same clusters, and a new article recomputes only the components it
touches (a cluster can split when new evidence separates it). A component larger than
`COMPONENT_CAP` is not recomputed; new events join its best cluster instead.
"""
from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from ..geodesy import distance_km
from .schema import articles, clusters, events

RADIUS_KM = 50.0
LINK = 1.5  # the score a pair needs to be linked
UNTIMED_EXTRA = 1.0  # what a pair without known times needs more
COMPONENT_CAP = 1500
CANDIDATES = 1000  # stored events looked at per new event, nearest in time first

# types one happening is often coded as by different reports ("agreed on joint patrols" / "will
# patrol jointly"; "police dispersed" / "police beat"; "rejected the criticism" / "criticised")
FAMILIES = {"AGREE": ("AGREE", "COOPERATE"), "COOPERATE": ("AGREE", "COOPERATE"),
            "ASSAULT": ("ASSAULT", "COERCE"), "COERCE": ("ASSAULT", "COERCE", "SANCTION"),
            "SANCTION": ("SANCTION", "COERCE"), "ACCUSE": ("ACCUSE", "REJECT"), "REJECT": ("ACCUSE", "REJECT")}
MUTUAL = frozenset({"AGREE", "COOPERATE", "CONSULT"})
# days two reports' intervals may lie apart and still tell one happening, by how long it lasts
LASTING_DAYS = {"MOBILIZE": 7, "PROTEST": 2, "COERCE": 2, "SANCTION": 2, "AID": 3, "RETREAT": 3, "COOPERATE": 3}
LASTING_MODES = {"restrict": 5, "censor": 5, "curfew": 5, "seize": 3, "occupy": 7, "blockade": 5}
# types whose modes are different acts (an arrest, a curfew and a seizure; an expulsion and an
# embargo); a protest told as a demonstration in one report and a blockade in another is one
EXCLUSIVE_MODES = frozenset({"COERCE", "SANCTION", "MOBILIZE", "AID", "THREATEN", "CONSULT"})
POINT_DAYS = 1  # statements, meetings, attacks: a report may date them a day off


def family(event_type: str) -> tuple[str, ...]:
    return FAMILIES.get(event_type, (event_type,))


def _day(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass(slots=True)
class Item:
    """An event as clustering sees it."""

    id: int
    article: int
    key: tuple  # the canonical order: its article's text hash, its offsets, its type
    type: str
    mode: str | None
    date: str | None
    start: datetime.date | None
    end: datetime.date | None
    country: str | None
    geonameid: int | None
    location: str | None
    lat: float | None
    lon: float | None
    city: bool  # placed at a town (not a country or region), named in its text
    named: bool  # the text names the place (not inferred from the actor)
    actor_code: str | None
    actor: str | None
    recipient_code: str | None
    recipient: str | None
    dead: int | None
    arrested: int | None
    cluster_id: int | None
    component_id: int | None

    @property
    def tolerance(self) -> int:
        return max(LASTING_DAYS.get(self.type, POINT_DAYS), LASTING_MODES.get(self.mode or "", 0))


ITEM_COLUMNS = (events.c.id, events.c.article_id, articles.c.content_hash, events.c.sentence_start,
                events.c.trigger_start, events.c.event_type, events.c.mode, events.c.date, events.c.date_start,
                events.c.date_end, events.c.country, events.c.geonameid, events.c.location, events.c.lat, events.c.lon,
                events.c.resolution, events.c.location_text, events.c.actor_code, events.c.actor,
                events.c.recipient_code, events.c.recipient, events.c.dead, events.c.arrested,
                events.c.cluster_id, events.c.component_id)


def item(r) -> Item:
    # a country kronika put the event in because its actor is from there: not a place the text names
    named = not (r.resolution == "country" and not r.location_text)
    return Item(r.id, r.article_id, (r.content_hash, r.sentence_start or 0, r.trigger_start or 0, r.event_type),
                r.event_type, r.mode, r.date, _day(r.date_start), _day(r.date_end), r.country, r.geonameid,
                r.location, r.lat, r.lon, r.resolution in ("city", "place") and r.geonameid is not None, named,
                r.actor_code, (r.actor or "").casefold() or None, r.recipient_code,
                (r.recipient or "").casefold() or None, r.dead, r.arrested, r.cluster_id, r.component_id)


def _time(a: Item, b: Item) -> float | None:
    """Points for how well two intervals agree; None when they lie too far apart; 0 when unknown."""
    if a.start is None or b.start is None:
        return 0.0
    gap = (max(a.start, b.start) - min(a.end, b.end)).days  # negative: they overlap
    if gap > max(a.tolerance, b.tolerance):
        return None
    if gap > 0 and a.start == a.end and b.start == b.end and max(a.tolerance, b.tolerance) <= POINT_DAYS:
        return None  # two days the texts fix for a statement, a meeting or an attack: two happenings
    if a.start == a.end == b.start == b.end:
        return 1.0
    return 0.5 if gap <= 0 else 0.25


def _place(a: Item, b: Item) -> float | None:
    """Points for how well two places fit one place hierarchy; None when they cannot be one place."""
    if a.country is None or b.country is None:
        return 0.0
    close = None not in (a.lat, a.lon, b.lat, b.lon) and distance_km(a.lat, a.lon, b.lat, b.lon) <= RADIUS_KM
    if a.country != b.country:
        return 0.5 if close and a.city and b.city else None  # a border seen from both sides
    if a.city and b.city:
        if a.geonameid == b.geonameid:
            return 1.0
        return 0.5 if close else None
    if a.city or b.city:  # a town and its country (or region): the finer place is kept
        return 0.25
    return 0.25 if a.named and b.named else 0.0


def _parties(a: Item, b: Item) -> float | None:
    if a.type in MUTUAL and b.type in MUTUAL:
        sa_, sb = {a.actor_code, a.recipient_code} - {None}, {b.actor_code, b.recipient_code} - {None}
        if len(sa_) == 2 and len(sb) == 2 and not sa_ & sb:
            return None
        return 0.5 * len(sa_ & sb)
    score = 0.0
    if a.actor_code and b.actor_code:
        if a.actor_code != b.actor_code:
            if a.type != "PROTEST":  # a crowd may hold people of several countries; other actors may not differ
                return None
        else:
            score += 0.5
    if a.recipient_code and b.recipient_code:
        score += 0.5 if a.recipient_code == b.recipient_code else -0.5
    return score


def _names(a: Item, b: Item) -> float:
    score = 0.0
    if a.actor and a.actor == b.actor and a.actor_code:
        score += 0.75
    if a.recipient and a.recipient == b.recipient and a.recipient_code:
        score += 0.25
    return score


def _size(a: Item, b: Item) -> float:
    score = 0.0
    for x, y in ((a.dead, b.dead), (a.arrested, b.arrested)):
        if x and y:
            score += 0.5 if x == y else -0.5 if max(x, y) > 3 * min(x, y) else 0.0
    return score


def link(a: Item, b: Item) -> float | None:
    """How strongly two events of different articles tell one happening (higher is closer); None when
    something they say contradicts it."""
    if a.article == b.article or b.type not in family(a.type):
        return None
    if a.type == b.type and a.type in EXCLUSIVE_MODES and a.mode and b.mode and a.mode != b.mode:
        return None
    parts = [_time(a, b), _place(a, b), _parties(a, b)]
    if None in parts:
        return None
    if a.country is None or b.country is None:
        # without a place, only the same party acting ties two reports
        if not (a.actor_code and a.actor_code == b.actor_code):
            return None
    score = sum(parts) + _names(a, b) + _size(a, b) + (0.5 if a.type == b.type else 0.0) \
        + (0.5 if a.mode and a.mode == b.mode else 0.0)
    return score


def needed(a: Item, b: Item) -> float:
    return LINK + (UNTIMED_EXTRA if a.start is None or b.start is None else 0.0)


def linked(a: Item, b: Item) -> float | None:
    s = link(a, b)
    return s if s is not None and s >= needed(a, b) else None


def partition(items: list[Item]) -> list[list[Item]]:
    """The clusters of one component: a deterministic function of its events (see the module)."""
    items = sorted(items, key=lambda x: x.key)
    n = len(items)
    scores: dict[tuple[int, int], float | None] = {}

    def score(i: int, j: int) -> float | None:
        k = (i, j) if i < j else (j, i)
        if k not in scores:
            scores[k] = link(items[k[0]], items[k[1]])
        return scores[k]

    pairs = []
    for i in range(n):
        for j in range(i + 1, n):
            s = score(i, j)
            if s is not None and s >= needed(items[i], items[j]):
                pairs.append((-s, i, j))
    pairs.sort()
    root = list(range(n))
    members = {i: [i] for i in range(n)}
    arts = {i: {items[i].article} for i in range(n)}
    for _, i, j in pairs:
        ri, rj = root[i], root[j]
        if ri == rj or arts[ri] & arts[rj]:
            continue
        cross = [score(x, y) for x in members[ri] for y in members[rj]]
        if any(c is None for c in cross) or sum(cross) / len(cross) < LINK:
            continue
        keep, gone = min(ri, rj), max(ri, rj)
        for x in members[gone]:
            root[x] = keep
        members[keep].extend(members.pop(gone))
        arts[keep] |= arts.pop(gone)
    return [sorted((items[x] for x in group), key=lambda x: x.key) for _, group in sorted(members.items())]


def _candidates(conn, e: Item) -> list[Item]:
    """Stored, clustered events that may be linked to `e`: a superset of those `link` accepts,
    looked up by type, time and place (or actor), so the work per event stays small."""
    cond = [events.c.event_type.in_(family(e.type)), events.c.cluster_id.is_not(None), events.c.article_id != e.article]
    if e.start is not None:
        tol = max(e.tolerance, max(LASTING_DAYS.values()), max(LASTING_MODES.values()))
        lo = (e.start - datetime.timedelta(days=tol)).isoformat()
        hi = (e.end + datetime.timedelta(days=tol)).isoformat()
        cond.append(sa.or_(events.c.date_start.is_(None), sa.and_(events.c.date_start <= hi, events.c.date_end >= lo)))
    if e.country is None:
        if not e.actor_code:
            return []
        cond.append(events.c.actor_code == e.actor_code)
    else:
        where = [events.c.country == e.country, sa.and_(events.c.country.is_(None), events.c.actor_code == e.actor_code)]
        if e.lat is not None and e.city:
            where.append(sa.and_(events.c.lat.between(e.lat - 0.5, e.lat + 0.5), events.c.lon.between(e.lon - 0.8, e.lon + 0.8)))
        cond.append(sa.or_(*where))
    q = (sa.select(*ITEM_COLUMNS).join(articles, articles.c.id == events.c.article_id).where(*cond)
         .order_by(events.c.id.desc()).limit(CANDIDATES))
    return [item(r) for r in conn.execute(q)]


def _load(conn, where) -> list[Item]:
    q = sa.select(*ITEM_COLUMNS).join(articles, articles.c.id == events.c.article_id).where(where)
    return [item(r) for r in conn.execute(q)]


def cluster_article(conn, article_id: int) -> None:
    """Cluster the events of a stored article (whose events have no cluster yet) with the clustered
    events of the store: the components they touch are made again (see the module)."""
    new = _load(conn, sa.and_(events.c.article_id == article_id, events.c.cluster_id.is_(None)))
    if not new:
        return
    # the components each new event links to; new events that link the same component join
    groups: list[tuple[set[int], list[Item]]] = []  # (component ids, new events)
    for e in sorted(new, key=lambda x: x.key):
        comps = {c.component_id for c in _candidates(conn, e) if linked(e, c) is not None}
        touching = [g for g in groups if g[0] & comps]
        merged = (set(comps), [e])
        for g in touching:
            merged[0].update(g[0])
            merged[1].extend(g[1])
            groups.remove(g)
        groups.append(merged)
    for comps, fresh in groups:
        old = _load(conn, events.c.component_id.in_(comps)) if comps else []
        if len(old) + len(fresh) > COMPONENT_CAP:
            _join_best(conn, fresh, old)
            continue
        _rewrite(conn, partition(old + fresh), min(comps | {e.id for e in fresh}) if comps else None)


def _join_best(conn, fresh: list[Item], old: list[Item]) -> None:
    """Past the cap: each new event joins the existing cluster it links to best, or starts one."""
    by_cluster: dict[int, list[Item]] = {}
    for x in old:
        by_cluster.setdefault(x.cluster_id, []).append(x)
    component = min(x.component_id for x in old)
    for e in fresh:
        best = None
        for cid, ms in sorted(by_cluster.items()):
            if any(m.article == e.article for m in ms):
                continue
            ss = [link(e, m) for m in ms]
            if any(s is None for s in ss) or sum(ss) / len(ss) < LINK:
                continue
            s = sum(ss) / len(ss)
            if best is None or s > best[0]:
                best = (s, cid)
        if best is None:
            _rewrite(conn, [[e]], component)
        else:
            by_cluster[best[1]].append(e)
            _rewrite(conn, [by_cluster[best[1]]], component)


def _rewrite(conn, groups: list[list[Item]], component: int | None) -> None:
    """Store `groups` as the clusters of one component: an existing cluster id is kept for the
    group holding most of its events; clusters no group keeps are deleted."""
    everyone = [x for g in groups for x in g]
    comp = component if component is not None else min(x.id for x in everyone)
    previous = {x.cluster_id for x in everyone if x.cluster_id is not None}
    taken: set[int] = set()
    for g in groups:
        votes = Counter(x.cluster_id for x in g if x.cluster_id is not None and x.cluster_id not in taken)
        cid = min(votes, key=lambda c: (-votes[c], c)) if votes else None
        values = _summary(g)
        if cid is None:
            cid = conn.execute(clusters.insert().values(**values)).inserted_primary_key[0]
        else:
            conn.execute(clusters.update().where(clusters.c.id == cid).values(**values))
        taken.add(cid)
        moved = [x.id for x in g if x.cluster_id != cid or x.component_id != comp]
        for i in range(0, len(moved), 500):
            conn.execute(events.update().where(events.c.id.in_(moved[i:i + 500])).values(cluster_id=cid, component_id=comp))
        for x in g:
            x.cluster_id, x.component_id = cid, comp
    gone = previous - taken
    if gone:
        conn.execute(clusters.delete().where(clusters.c.id.in_(gone)))


def _summary(g: list[Item]) -> dict:
    """A cluster's row: its most reported type and mode, the finest place, the parties most named,
    and its first and last day."""
    def most(values):
        c = Counter(v for v in values if v is not None)
        return min(c, key=lambda v: (-c[v], v)) if c else None

    place = min(g, key=lambda x: (not x.city, x.geonameid is None, not x.named, x.country is None, x.key))
    days = sorted(x.date[:10] for x in g if x.date)
    return dict(event_type=most(x.type for x in g), mode=most(x.mode for x in g), country=place.country,
                geonameid=place.geonameid, lat=place.lat, lon=place.lon, location=place.location,
                actor_code=most(x.actor_code for x in g), recipient_code=most(x.recipient_code for x in g),
                first_date=days[0] if days else None, last_date=days[-1] if days else None,
                n_mentions=len(g), n_articles=len({x.article for x in g}))
