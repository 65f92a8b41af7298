"""Cross-article clustering: an event joins the cluster of the same happening reported elsewhere.

Two reports are of one event when their types are of one family (the same type; agreement and
cooperation; assault and coercion), the same country (or, across a border, places within 50 km),
places that agree (the same GeoNames id, or within 50 km, or one of them names only the country),
dates at most two days apart, and actors that do not contradict each other (the same code or one
unknown; either side of talks and agreements; any for crowds). A cluster never takes two events
of one article: the within-article merge kept them apart on purpose. Candidates are looked up by
type, country and date window, so the work per event stays small however large the store grows; a
new article joins the clusters already there.

The choice is deterministic: candidates come in the order of their ids and the best score wins,
a score better by less than `SCORE_TOLERANCE` counting as a tie that the older cluster wins, so
SQLite and PostgreSQL (whose rows come back in any order, and whose floats may differ in the last
bit) choose alike, and a resumed ingest chooses as an uninterrupted one.
"""
from __future__ import annotations

import datetime

import sqlalchemy as sa

from ..geodesy import distance_km
from .schema import clusters, events

WINDOW_DAYS = 2
RADIUS_KM = 50.0
SCORE_TOLERANCE = 1e-6  # far below a score's real steps (0.5, 1 and 1/50 per km), far above rounding


def _day(value: str | None) -> datetime.date | None:
    if not value:
        return None
    parts = value.split("-")
    try:
        return datetime.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return None


# types one happening is often coded as by different reports ("agreed on joint patrols" / "will
# patrol jointly"; "police dispersed" / "police beat") cluster together
FAMILIES = {"AGREE": ("AGREE", "COOPERATE"), "COOPERATE": ("AGREE", "COOPERATE"),
            "ASSAULT": ("ASSAULT", "COERCE"), "COERCE": ("ASSAULT", "COERCE")}


MUTUAL = frozenset({"AGREE", "COOPERATE", "CONSULT"})


def family(event_type: str) -> tuple[str, ...]:
    return FAMILIES.get(event_type, (event_type,))


def compatible(row: dict, c) -> float | None:
    """A score (higher is closer) when event `row` fits cluster `c`, else None."""
    actor = row.get("actor_code")
    if row["event_type"] in MUTUAL:
        # talks and agreements have two sides, and reports name either one first
        if actor and c.actor_code and actor not in (c.actor_code, c.recipient_code) \
                and row.get("recipient_code") not in (c.actor_code, c.recipient_code):
            return None
    elif row["event_type"] != "PROTEST" and c.actor_code and actor and c.actor_code != actor:
        return None  # a crowd may hold people of several countries; other actors may not differ
    if row["event_type"] == "COERCE" == c.event_type and c.mode and row.get("mode") and c.mode != row["mode"]:
        return None  # an arrest and a curfew on one day and square are two events
    score = 0.0 if c.event_type == row["event_type"] else -0.5
    if c.country != row.get("country") and (None in (row.get("lat"), c.lat) or
                                           distance_km(row["lat"], row["lon"], c.lat, c.lon) > RADIUS_KM):
        return None  # other countries meet only where their places lie close together
    if row.get("geonameid") and c.geonameid:
        if row["geonameid"] == c.geonameid:
            score += 2.0
        elif None not in (row.get("lat"), row.get("lon"), c.lat, c.lon):
            d = distance_km(row["lat"], row["lon"], c.lat, c.lon)
            if d > RADIUS_KM:
                return None
            score += 1.0 - d / RADIUS_KM
        else:
            return None
    if row.get("actor_code") and c.actor_code == row["actor_code"]:
        score += 1.0
    return score


def assign(conn, row: dict, article_id: int, named_place: bool = True) -> int | None:
    """The id of the cluster `row` (an event row of the store) joins (updated), or of a new one.
    An event whose country the text never names (kronika placed it in its actor's country) is too
    weakly placed to join reports of other articles: `named_place` False starts its own cluster."""
    day = _day(row.get("date"))
    best = None
    if day is not None and row.get("country") and named_place:
        lo = (day - datetime.timedelta(days=WINDOW_DAYS)).isoformat()
        hi = (day + datetime.timedelta(days=WINDOW_DAYS)).isoformat()
        taken = sa.select(events.c.cluster_id).where(events.c.article_id == article_id,
                                                      events.c.cluster_id.is_not(None))
        where = clusters.c.country == row["country"]
        if row.get("lat") is not None:  # a border crossing: the same place seen from both sides
            where = sa.or_(where, sa.and_(clusters.c.lat.between(row["lat"] - 0.5, row["lat"] + 0.5),
                                          clusters.c.lon.between(row["lon"] - 0.8, row["lon"] + 0.8)))
        q = sa.select(clusters).where(clusters.c.event_type.in_(family(row["event_type"])), where,
                                      clusters.c.first_date <= hi, clusters.c.last_date >= lo,
                                      clusters.c.id.not_in(taken)).order_by(clusters.c.id)
        for c in conn.execute(q):
            s = compatible(row, c)
            if s is not None and (best is None or s > best[0] + SCORE_TOLERANCE):
                best = (s, c)
    date = row.get("date")
    if best is None:
        return conn.execute(clusters.insert().values(
            event_type=row["event_type"], mode=row.get("mode"), country=row.get("country"), geonameid=row.get("geonameid"),
            location=row.get("location"), lat=row.get("lat"), lon=row.get("lon"),
            actor_code=row.get("actor_code"), recipient_code=row.get("recipient_code"),
            first_date=(date or "")[:10] or None, last_date=(date or "")[:10] or None,
            n_mentions=1, n_articles=1)).inserted_primary_key[0]
    c = best[1]
    values = {"n_mentions": c.n_mentions + 1, "n_articles": c.n_articles + 1}
    if date:
        values["first_date"] = min(c.first_date or date[:10], date[:10])
        values["last_date"] = max(c.last_date or date[:10], date[:10])
    # the cluster takes the most precise place and the known actors its reports give
    if row.get("geonameid") and not c.geonameid:
        values.update(geonameid=row["geonameid"], location=row.get("location"), lat=row.get("lat"),
                      lon=row.get("lon"))
    if row.get("actor_code") and not c.actor_code:
        values["actor_code"] = row["actor_code"]
    if row.get("recipient_code") and not c.recipient_code:
        values["recipient_code"] = row["recipient_code"]
    conn.execute(clusters.update().where(clusters.c.id == c.id).values(**values))
    return c.id
