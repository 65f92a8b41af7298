"""Saved queries that tell someone when a matching event appears or grows.

An alert is a set of filters (those of `kronika events`) and a number of articles: a cluster that
passes the filters is sent when its articles first reach that number, and again each time they
grow by the alert's factor (3, 6, 12, ... for `--min-articles 3` and the default `--growth 2`;
every further article for `--growth 1`); one message per cluster and threshold, ever. A
cluster that jumps past several thresholds at once is sent once, for the highest. Messages go to
a webhook (a JSON POST, tried again with back-off; what could not be delivered is tried again
after the next round) and/or appended to a JSON Lines file. A message is taken (its row written)
before it is sent, so that two watchers on one store never both send it; a watcher killed between
the two loses that one message rather than sending it twice.
"""
from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa

from .errors import KronikaError
from .filters import make_filters
from .store import Store, query_clusters, stamp
from .store.schema import alerts, alerts_sent

log = logging.getLogger(__name__)
FILTER_KEYS = ("since", "until", "country", "event_type", "actor", "near", "km", "text", "lang")
MAX_SCAN = 5_000  # clusters of one alert's query looked at per round, the newest first
WEBHOOK_TRIES = 3
WEBHOOK_TIMEOUT = 10.0


class AlertError(KronikaError):
    """An alert that cannot be saved or found."""


@dataclass(frozen=True)
class Alert:
    id: int
    name: str
    filters: dict
    min_articles: int
    growth: float
    webhook: str | None
    jsonl: str | None


def thresholds(min_articles: int, growth: float, n_articles: int) -> list[int]:
    """The thresholds a cluster of `n_articles` has reached: the minimum, then each times `growth`
    (rounded up, and at least one more).

    >>> thresholds(3, 2.0, 13), thresholds(2, 1.0, 4), thresholds(2, 1.5, 5)
    ([3, 6, 12], [2, 3, 4], [2, 3, 5])
    """
    out, t = [], min_articles
    while t <= n_articles:
        out.append(t)
        t = max(t + 1, math.ceil(t * growth - 1e-9))
    return out


def add_alert(store: Store, name: str, filters: dict, min_articles: int = 1, webhook: str | None = None,
              jsonl: str | None = None, growth: float = 2.0) -> Alert:
    """Save an alert; the filters are checked as `kronika events` checks them."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AlertError("an alert needs a name of 1 to 100 characters")
    if min_articles < 1:
        raise AlertError(f"--min-articles {min_articles} is below 1; give the number of articles that makes it news")
    if not 1.0 <= growth <= 100.0:
        raise AlertError(f"--growth {growth} is out of range; give 1 (every article) to 100")
    kept = {k: v for k, v in filters.items() if v is not None and k in FILTER_KEYS}
    make_filters(**kept)  # raises FilterError with the CLI's words
    if webhook:
        parts = urlsplit(webhook)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise AlertError(f"webhook {webhook[:100]!r} is not an http(s) URL")
    if not webhook and not jsonl:
        raise AlertError("an alert needs somewhere to go: --webhook URL and/or --jsonl FILE")
    with store.engine.begin() as conn:
        if conn.execute(sa.select(alerts.c.id).where(alerts.c.name == name)).first():
            raise AlertError(f"an alert named {name!r} exists; remove it first (kronika alert remove) or pick "
                             f"another name")
        aid = conn.execute(alerts.insert().values(
            name=name, filters=json.dumps(kept, sort_keys=True), min_articles=min_articles, growth=growth,
            webhook=webhook or None,
            jsonl=jsonl or None, created_at=stamp()).returning(alerts.c.id)).scalar()
    return Alert(aid, name, kept, min_articles, growth, webhook or None, jsonl or None)


def list_alerts(store: Store) -> list[dict]:
    """The saved alerts with how many messages each has sent."""
    with store.engine.connect() as conn:
        sent = dict(conn.execute(sa.select(alerts_sent.c.alert_id, sa.func.count())
                                 .group_by(alerts_sent.c.alert_id)).all())
        rows = conn.execute(sa.select(alerts).order_by(alerts.c.name)).all()
    return [{"name": r.name, "filters": json.loads(r.filters), "min_articles": r.min_articles, "growth": r.growth,
             "webhook": r.webhook,
             "jsonl": r.jsonl, "created_at": r.created_at, "sent": sent.get(r.id, 0)} for r in rows]


def remove_alert(store: Store, name: str) -> None:
    with store.engine.begin() as conn:
        aid = conn.execute(sa.select(alerts.c.id).where(alerts.c.name == name)).scalar()
        if aid is None:
            raise AlertError(f"no alert named {name!r}; `kronika alert list` shows them")
        conn.execute(alerts_sent.delete().where(alerts_sent.c.alert_id == aid))
        conn.execute(alerts.delete().where(alerts.c.id == aid))


def _alerts(store: Store) -> list[Alert]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(alerts).order_by(alerts.c.id)).all()
    return [Alert(r.id, r.name, json.loads(r.filters), r.min_articles, r.growth, r.webhook, r.jsonl) for r in rows]


def evaluate(store: Store, post=None) -> int:
    """Send what the store's clusters call for; returns the number of messages delivered.
    `post(url, payload)` delivers to a webhook (default: httpx, with retries)."""
    post = post or post_json
    sent = 0
    for alert in _alerts(store):
        f = make_filters(**alert.filters)
        with store.engine.connect() as conn:
            done = {(r.cluster_id, r.threshold) for r in conn.execute(
                sa.select(alerts_sent.c.cluster_id, alerts_sent.c.threshold).where(alerts_sent.c.alert_id == alert.id))}
        for c in query_clusters(store, f, MAX_SCAN):
            reached = thresholds(alert.min_articles, alert.growth, c["n_articles"])
            if not reached or (c["cluster_id"], reached[-1]) in done:
                continue
            payload = _payload(alert, c, reached[-1], first=not any((c["cluster_id"], t) in done for t in reached))
            with store.engine.begin() as conn:  # taken before it is sent: two watchers never both send it
                won = conn.execute(store.insert_ignoring_conflicts(alerts_sent).values(alert_id=alert.id, cluster_id=c["cluster_id"],
                                                               threshold=reached[-1], sent_at=stamp())).rowcount
            if not won:
                continue
            try:
                if alert.webhook:
                    post(alert.webhook, payload)
                if alert.jsonl:
                    _append(alert.jsonl, payload)
            except (OSError, AlertError) as err:
                log.warning("alert %s: cluster %d could not be delivered (%s); tried again after the next round",
                            alert.name, c["cluster_id"], err)
                with store.engine.begin() as conn:
                    conn.execute(alerts_sent.delete().where(alerts_sent.c.alert_id == alert.id,
                                                            alerts_sent.c.cluster_id == c["cluster_id"],
                                                            alerts_sent.c.threshold == reached[-1]))
                continue
            with store.engine.begin() as conn:  # the lower thresholds it passed on the way count as sent
                for t in reached[:-1]:
                    if (c["cluster_id"], t) not in done:
                        conn.execute(store.insert_ignoring_conflicts(alerts_sent).values(alert_id=alert.id, cluster_id=c["cluster_id"],
                                                                 threshold=t, sent_at=stamp()))
            sent += 1
            log.info("alert %s: cluster %d at %d articles sent", alert.name, c["cluster_id"], c["n_articles"])
    return sent


def _payload(alert: Alert, c: dict, threshold: int, first: bool) -> dict:
    from .flat import flatten

    row = flatten(c, cluster=True)
    row["languages"] = c.get("languages") or []
    row["articles"] = c.get("articles") or []
    return {"alert": alert.name, "threshold": threshold, "new": first, "sent_at": stamp(), "cluster": row,
            "evidence": (c.get("evidence") or {}).get("sentence")}


def post_json(url: str, payload: dict) -> None:
    """POST `payload` as JSON; tried WEBHOOK_TRIES times with back-off; AlertError when none worked."""
    import httpx

    last = None
    for attempt in range(WEBHOOK_TRIES):
        if attempt:
            time.sleep(0.5 * 2 ** attempt)
        try:
            r = httpx.post(url, json=payload, timeout=WEBHOOK_TIMEOUT,
                           headers={"User-Agent": "kronika-alerts", "Content-Type": "application/json"})
            if 200 <= r.status_code < 300:
                return
            last = f"HTTP {r.status_code}"
            if 400 <= r.status_code < 500 and r.status_code not in (408, 429):
                break  # the receiver refuses it: trying again now will not help
        except httpx.HTTPError as err:
            last = type(err).__name__
    raise AlertError(f"the webhook answered {last}")


def _append(path: str, payload: dict) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(payload, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
