"""Cross-article clustering: the reports of one real-world happening, in any articles and languages,
end in one cluster, whatever order the articles came in.

Two events of different articles are *linked* (`link`) when nothing they say rules out one
happening and enough agrees: types of one family, for kinds whose modes are different acts the same
mode (an arrest is not a curfew), time intervals that meet within a tolerance that grows with how
long the kind of happening lasts (a shutdown or a deployment lasts; a shooting does not), places
that fit one hierarchy (a town report fits its country's; two towns far apart are two protests,
while a statement's place only weighs), actors and recipients that agree (either side of talks),
the names and numbers their sentences share in any language, and the same count of dead or
arrested. Every linked pair shares something concrete (a country the texts name, the actor, a name
or a number): that is also how candidates are looked up. Events whose time is unknown (undated
articles) must agree more.

Linked events form *components*. The clusters of a component are made by a deterministic merge:
links strongest first, two groups joining only when no pair across them is ruled out and their
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
from functools import lru_cache

import sqlalchemy as sa

from ..geodesy import distance_km
from .schema import articles, clusters, event_names, events

RADIUS_KM = 50.0
LINK = 1.5  # the score a pair needs to be linked
UNTIMED_EXTRA = 0.5  # what a pair without known times needs more
COMPONENT_CAP = 1500
CANDIDATES = 1000  # stored events looked at per new event, nearest in time first

# types one happening is often coded as by different reports ("agreed on joint patrols" / "will
# patrol jointly"; "police dispersed" / "police beat"; "rejected the criticism" / "criticised")
FAMILIES = {"AGREE": ("AGREE", "COOPERATE"), "COOPERATE": ("AGREE", "COOPERATE"),
            "ASSAULT": ("ASSAULT", "COERCE"), "COERCE": ("ASSAULT", "COERCE", "SANCTION"),
            "SANCTION": ("SANCTION", "COERCE"), "ACCUSE": ("ACCUSE", "REJECT"), "REJECT": ("ACCUSE", "REJECT")}
MUTUAL = frozenset({"AGREE", "COOPERATE", "CONSULT"})
PHYSICAL = frozenset({"PROTEST", "ASSAULT", "COERCE", "MOBILIZE", "RETREAT", "AID"})
MODE_CLASH = 0.25  # what two modes of one kind cost where reports may word one act either way
ACTOR_CLASH = 1.0  # what actors of different countries cost: a report may name the wrong party
# days two reports' intervals may lie apart and still tell one happening, by how long it lasts
LASTING_DAYS = {"MOBILIZE": 7, "PROTEST": 2, "COERCE": 2, "SANCTION": 2, "AID": 3, "RETREAT": 3, "COOPERATE": 3}
LASTING_MODES = {"restrict": 5, "censor": 5, "curfew": 5, "seize": 3, "occupy": 7, "blockade": 5}
# types whose modes are different acts (an arrest, a curfew and a seizure; an expulsion and an
# embargo); a protest told as a demonstration in one report and a blockade in another is one
EXCLUSIVE_MODES = frozenset({"COERCE", "SANCTION", "MOBILIZE", "AID", "THREATEN", "CONSULT"})
POINT_DAYS = 1  # statements, meetings, attacks: a report may date them a day off


def family(event_type: str) -> tuple[str, ...]:
    return FAMILIES.get(event_type, (event_type,))


@lru_cache(maxsize=20_000)
def iso_day(value: str | None) -> datetime.date | None:
    """The day of a stored YYYY-MM-DD (or longer) value; None when there is none."""
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
    city: bool  # placed at a town with a GeoNames id (not a country or region)
    named: bool  # the text names the place (not inferred from the actor)
    actor_code: str | None
    actor: str | None
    recipient_code: str | None
    recipient: str | None
    dead: int | None
    arrested: int | None
    names: frozenset[str]  # keys of the names and the numbers its sentences give
    cluster_id: int | None
    component_id: int | None
    # what `link` reads of the event, as one number: its text and offsets (which fix its type,
    # mode, place, parties and names) and its interval (which the article's date moves)
    signature: int = 0

    @property
    def tolerance(self) -> int:
        return max(LASTING_DAYS.get(self.type, POINT_DAYS), LASTING_MODES.get(self.mode or "", 0))


ITEM_COLUMNS = (events.c.id, events.c.article_id, articles.c.content_hash, events.c.sentence_start,
                events.c.trigger_start, events.c.event_type, events.c.mode, events.c.date, events.c.date_start,
                events.c.date_end, events.c.country, events.c.geonameid, events.c.location, events.c.lat, events.c.lon,
                events.c.resolution, events.c.location_text, events.c.actor_code, events.c.actor,
                events.c.recipient_code, events.c.recipient, events.c.dead, events.c.arrested, events.c.names,
                events.c.cluster_id, events.c.component_id)


_NO_NAMES: frozenset[str] = frozenset()


def item(r) -> Item:
    """An Item of a row of ITEM_COLUMNS (read by position: this runs for every candidate)."""
    (eid, article, content_hash, sentence_start, trigger_start, etype, mode, date, date_start, date_end, country,
     geonameid, location, lat, lon, resolution, location_text, actor_code, actor, recipient_code, recipient, dead,
     arrested, names, cluster_id, component_id) = r
    key = (content_hash, sentence_start or 0, trigger_start or 0, etype)
    start, end = iso_day(date_start), iso_day(date_end)
    # a country kronika put the event in because its actor is from there: not a place the text names
    named = not (resolution == "country" and not location_text)
    return Item(eid, article, key, etype, mode, date, start, end, country, geonameid, location, lat, lon,
                resolution in ("city", "place") and geonameid is not None, named, actor_code,
                actor.casefold() if actor else None, recipient_code, recipient.casefold() if recipient else None,
                dead, arrested, frozenset(names.split("|")) if names else _NO_NAMES, cluster_id, component_id,
                hash((key, start, end)))


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


def _close(a: Item, b: Item) -> bool:
    return None not in (a.lat, a.lon, b.lat, b.lon) and distance_km(a.lat, a.lon, b.lat, b.lon) <= RADIUS_KM


def _place(a: Item, b: Item) -> float | None:
    """Points for how well two places fit one place hierarchy; None when they cannot be one place."""
    if a.country is None or b.country is None:
        return 0.0
    if a.country != b.country:  # a border seen from both sides
        if a.city and b.city and _close(a, b):
            return 0.5
        # where a protest, an attack or an arrest happened is what it is; a statement's or a
        # sanction's place is often only where it was reported from
        return None if a.type in PHYSICAL or b.type in PHYSICAL else -0.5
    if a.city and b.city:
        if a.geonameid == b.geonameid:
            return 1.0
        return 0.5 if _close(a, b) else None if a.type in PHYSICAL or b.type in PHYSICAL else -0.5
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
        if a.actor_code == b.actor_code:
            score += 0.5
        elif a.type != "PROTEST":  # a crowd may hold people of several countries; other actors should not differ
            score -= ACTOR_CLASH
    if a.recipient_code and b.recipient_code:
        score += 0.5 if a.recipient_code == b.recipient_code else -0.5
    return score


def _named_actor(x: Item) -> bool:
    return bool(x.actor) and any(n.casefold() == x.actor for n in x.names)


def _names(a: Item, b: Item) -> float:
    """Points for the names and numbers two reports share: the same people, bodies and places
    below a country, and the same counts ("61 Canadians") in any language; two actors both named
    (a minister, a body) and different cost."""
    score = 0.0
    if a.actor and a.actor == b.actor and a.actor_code:
        score += 0.75
    elif _named_actor(a) and _named_actor(b):
        score -= ACTOR_CLASH
    shared = a.names & b.names
    numbers = sum(1 for x in shared if x.startswith("#"))
    return score + min(1.5, 0.75 * (len(shared) - numbers)) + min(1.0, 0.5 * numbers)


def _size(a: Item, b: Item) -> float:
    score = 0.0
    for x, y in ((a.dead, b.dead), (a.arrested, b.arrested)):
        if x and y:
            score += 0.5 if x == y else -0.5 if max(x, y) > 3 * min(x, y) else 0.0
    return score


def _anchored(a: Item, b: Item) -> bool:
    """Whether two reports share something concrete: a country the texts name, the acting party,
    a name or a number, or towns close together."""
    return bool((a.country and a.country == b.country and a.named and b.named)
                or (a.actor_code and a.actor_code == b.actor_code) or a.names & b.names
                or (a.city and b.city and _close(a, b)))


def link(a: Item, b: Item) -> float | None:
    """How strongly two events of different articles tell one happening (higher is closer); None when
    something they say contradicts it."""
    if a.article == b.article or b.type not in family(a.type):
        return None
    if a.type == b.type and a.type in EXCLUSIVE_MODES and a.mode and b.mode and a.mode != b.mode:
        return None
    parties = _parties(a, b)
    if parties is None:
        return None
    time = _time(a, b)
    if time is None:
        return None
    place = _place(a, b)
    if place is None:
        return None
    if not _anchored(a, b):
        return None
    score = time + place + parties + _names(a, b) + _size(a, b) + (0.5 if a.type == b.type else 0.0) \
        + (0.0 if not (a.mode and b.mode) else 0.5 if a.mode == b.mode else -MODE_CLASH)
    return score


_SCORES: dict[tuple, float | None] = {}  # link scores by the two events' signatures
SCORES_KEPT = 2_000_000


def cached_link(a: Item, b: Item) -> float | None:
    """`link`, remembered: a component is made again with every article that touches it, and its
    stored events' scores do not change."""
    k = (a.signature, b.signature) if a.signature <= b.signature else (b.signature, a.signature)
    if k not in _SCORES:
        if len(_SCORES) >= SCORES_KEPT:
            _SCORES.clear()
        _SCORES[k] = link(a, b)
    return _SCORES[k]


def _agreement(scores: list[float | None]) -> float | None:
    """The mean link of every pair across two groups, when no pair is ruled out and it reaches
    LINK (the groups may then be one cluster); else None."""
    if any(s is None for s in scores):
        return None
    mean = sum(scores) / len(scores)
    return mean if mean >= LINK else None


def needed(a: Item, b: Item) -> float:
    return LINK + (UNTIMED_EXTRA if a.start is None or b.start is None else 0.0)


def linked(a: Item, b: Item) -> float | None:
    s = cached_link(a, b)
    return s if s is not None and s >= needed(a, b) else None


_EDGES: dict[frozenset[int], list[tuple[float, int, int]]] = {}  # a component's links, by its signatures
EDGES_KEPT = 5_000


def _links(items: list[Item], made: list[list[Item]]) -> list[tuple[float, int, int]]:
    """(score, signature, signature) of every linked pair of `items`: the remembered links of the
    components `made` before (two of them have no link between them, or they would be one), and
    the pairs the other events are in, scored now."""
    known: set[int] = set()
    out: list[tuple[float, int, int]] = []
    for part in made:
        sigs = frozenset(x.signature for x in part)
        cached = _EDGES.get(sigs) if len(part) > 1 else []
        if cached is not None:
            out.extend(cached)
            known |= sigs
    fresh = [x for x in items if x.signature not in known]
    order = {x.signature: k for k, x in enumerate(fresh)}
    for k, a in enumerate(fresh):
        for b in items:
            kb = order.get(b.signature)
            if kb is not None and kb <= k:
                continue  # itself, or a pair scored when b came first
            s = cached_link(a, b)
            if s is not None and s >= needed(a, b):
                x, y = sorted((a.signature, b.signature))
                out.append((s, x, y))
    return out


def partition(items: list[Item], made: list[list[Item]] | None = None) -> list[list[Item]]:
    """The clusters of one component: a deterministic function of its events (see the module).
    `made`: the components made before that it takes in, whose links are not scored again."""
    items = sorted(items, key=lambda x: x.key)
    n = len(items)
    at = {x.signature: i for i, x in enumerate(items)}
    edges = _links(items, made or [])
    pairs = sorted((-s, *sorted((at[a], at[b]))) for s, a, b in edges)
    if len(_EDGES) >= EDGES_KEPT:
        _EDGES.clear()
    _EDGES[frozenset(at)] = edges
    root = list(range(n))
    members = {i: [i] for i in range(n)}
    arts = {i: {items[i].article} for i in range(n)}
    for _, i, j in pairs:
        ri, rj = root[i], root[j]
        if ri == rj or arts[ri] & arts[rj]:
            continue
        if _agreement([cached_link(items[x], items[y]) for x in members[ri] for y in members[rj]]) is None:
            continue
        keep, gone = min(ri, rj), max(ri, rj)
        for x in members[gone]:
            root[x] = keep
        members[keep].extend(members.pop(gone))
        arts[keep] |= arts.pop(gone)
    return [sorted((items[x] for x in group), key=lambda x: x.key) for _, group in sorted(members.items())]


def _candidates(conn, new: list[Item]) -> list[Item]:
    """Stored, clustered events of other articles that may be linked to any of `new` (one article's
    events): a superset of those `link` accepts, looked up by type, time and place (or actor) in one
    query, so the work per article stays small however large the store grows."""
    types = sorted({t for e in new for t in family(e.type)})
    cond = [events.c.event_type.in_(types), events.c.cluster_id.is_not(None), events.c.article_id != new[0].article]
    if all(e.start is not None for e in new):
        tol = max(max(LASTING_DAYS.values()), max(LASTING_MODES.values()), POINT_DAYS)
        lo = (min(e.start for e in new) - datetime.timedelta(days=tol)).isoformat()
        hi = (max(e.end for e in new) + datetime.timedelta(days=tol)).isoformat()
        cond.append(sa.or_(events.c.date_start.is_(None), sa.and_(events.c.date_start <= hi, events.c.date_end >= lo)))
    countries = sorted({e.country for e in new if e.country and e.named})
    actors = sorted({e.actor_code for e in new if e.actor_code})
    names = sorted({n for e in new for n in e.names})
    where = []  # what `_anchored` asks two reports to share
    if countries:
        where.append(events.c.country.in_(countries))
    if actors:
        where.append(events.c.actor_code.in_(actors))
    if names:
        where.append(events.c.id.in_(sa.select(event_names.c.event_id).where(event_names.c.name.in_(names))))
    for e in new:
        if e.lat is not None and e.city:  # a border crossing: the same place seen from both sides
            where.append(sa.and_(events.c.lat.between(e.lat - 0.5, e.lat + 0.5),
                                 events.c.lon.between(e.lon - 0.8, e.lon + 0.8)))
    if not where:
        return []
    q = (sa.select(*ITEM_COLUMNS).join(articles, articles.c.id == events.c.article_id).where(*cond, sa.or_(*where))
         .order_by(events.c.id.desc()).limit(CANDIDATES * len(new)))
    return [item(r) for r in conn.execute(q)]


def _load(conn, where) -> list[Item]:
    q = sa.select(*ITEM_COLUMNS).join(articles, articles.c.id == events.c.article_id).where(where)
    return [item(r) for r in conn.execute(q)]


ROW_FIELDS = tuple("content_hash" if c.table is articles else ("article_id" if c.name == "article_id" else c.name)
                   for c in ITEM_COLUMNS)


def items_of(rows: list[dict], ids: list[int], content_hash: str) -> list[Item]:
    """The Items of event rows just written (`rows` as inserted, `ids` their new ids), without
    reading them back."""
    out = []
    for row, eid in zip(rows, ids):
        values = dict(row, id=eid, content_hash=content_hash)
        out.append(item(tuple(values.get(f) for f in ROW_FIELDS)))
    return out


def cluster_article(conn, article_id: int, new: list[Item] | None = None) -> None:
    """Cluster the events of a stored article (whose events have no cluster yet, or `new`, their
    Items) with the clustered events of the store: the components they touch are made again (see
    the module)."""
    if new is None:
        new = _load(conn, sa.and_(events.c.article_id == article_id, events.c.cluster_id.is_(None)))
    new = sorted(new, key=lambda x: x.key)
    if not new:
        return
    cands = _candidates(conn, new)
    # the components each new event links to; new events that link one component are made with it
    groups: list[tuple[set[int], list[Item]]] = []  # (component ids, new events)
    for e in new:
        comps = {c.component_id for c in cands if linked(e, c) is not None}
        merged = (set(comps), [e])
        for g in [g for g in groups if g[0] & comps]:
            merged[0].update(g[0])
            merged[1].extend(g[1])
            groups.remove(g)
        groups.append(merged)
    every = set().union(*(g[0] for g in groups))
    stored = _load(conn, events.c.component_id.in_(sorted(every))) if every else []
    writes = _Writes()
    for comps, fresh in groups:
        old = [x for x in stored if x.component_id in comps]
        component = min(comps | {e.id for e in fresh})
        if len(old) + len(fresh) > COMPONENT_CAP:
            _join_best(writes, fresh, old)
        else:
            made = [[x for x in old if x.component_id == c] for c in sorted(comps)]
            writes.component(partition(old + fresh, made), component)
    writes.flush(conn)


def _join_best(writes: "_Writes", fresh: list[Item], old: list[Item]) -> None:
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
            agree = _agreement([cached_link(e, m) for m in ms])
            if agree is not None and (best is None or agree > best[0]):
                best = (agree, cid)
        if best is None:
            writes.component([[e]], component)
        else:
            by_cluster[best[1]].append(e)
            writes.component([by_cluster[best[1]]], component)


class _Writes:
    """The cluster rows and event assignments one article's clustering makes, written in a few
    statements: an existing cluster id is kept for the group holding most of its events; clusters
    no group keeps are deleted."""

    def __init__(self) -> None:
        self.new: list[tuple[dict, list[Item], int]] = []  # a new cluster's row, its events, their component
        self.kept: dict[int, tuple[dict, list[Item], int]] = {}
        self.previous: set[int] = set()

    def component(self, groups: list[list[Item]], component: int) -> None:
        taken = set(self.kept)
        for g in groups:
            self.previous.update(x.cluster_id for x in g if x.cluster_id is not None)
            votes = Counter(x.cluster_id for x in g if x.cluster_id is not None and x.cluster_id not in taken)
            cid = min(votes, key=lambda c: (-votes[c], c)) if votes else None
            if cid is None:
                self.new.append((_summary(g), g, component))
            else:
                self.kept[cid] = (_summary(g), g, component)
                taken.add(cid)

    def flush(self, conn) -> None:
        moves = []
        if self.new:
            ids = conn.execute(clusters.insert().returning(clusters.c.id, sort_by_parameter_order=True),
                               [row for row, _, _ in self.new]).scalars().all()
            for cid, (_, g, comp) in zip(ids, self.new):
                moves.extend((x, cid, comp) for x in g)
        if self.kept:
            conn.execute(clusters.update().where(clusters.c.id == sa.bindparam("cid")),
                         [dict(row, cid=cid) for cid, (row, _, _) in self.kept.items()])
            for cid, (_, g, comp) in self.kept.items():
                moves.extend((x, cid, comp) for x in g)
        changed = [{"eid": x.id, "cid": cid, "comp": comp} for x, cid, comp in moves
                   if x.cluster_id != cid or x.component_id != comp]
        if changed:
            conn.execute(events.update().where(events.c.id == sa.bindparam("eid"))
                         .values(cluster_id=sa.bindparam("cid"), component_id=sa.bindparam("comp")), changed)
        gone = self.previous - set(self.kept)
        if gone:
            conn.execute(clusters.delete().where(clusters.c.id.in_(sorted(gone))))


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
