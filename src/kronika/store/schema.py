"""The store's tables as the code uses them (the current revision of `migrations/`).

Event and cluster columns are named as in the flat schema (`kronika.flat`): an event row holds
the flat columns listed in `FLAT_EVENT_COLUMNS`, plus its article, its cluster and the whole record
as JSON. The migrations create and change the tables; this module only describes them.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..flat import EVENT_COLUMNS

md = sa.MetaData()

articles = sa.Table(
    "articles", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("doc_id", sa.String(300), nullable=False),
    sa.Column("url", sa.String(2000)),
    sa.Column("title", sa.Text), sa.Column("outlet", sa.String(300)), sa.Column("lang", sa.String(8)),
    sa.Column("date", sa.String(10), index=True), sa.Column("path", sa.Text),
    sa.Column("body", sa.Text, nullable=False), sa.Column("ingested_at", sa.String(32), nullable=False),
    sa.Index("uq_articles_url", "url", unique=True),  # many NULLs (no URL) are allowed
)

clusters = sa.Table(
    "clusters", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_type", sa.String(16), nullable=False, index=True), sa.Column("mode", sa.String(32)),
    sa.Column("country", sa.String(2), index=True),
    sa.Column("geonameid", sa.Integer), sa.Column("location", sa.String(300)),
    sa.Column("lat", sa.Float), sa.Column("lon", sa.Float),
    sa.Column("actor_code", sa.String(16)), sa.Column("recipient_code", sa.String(16)),
    sa.Column("first_date", sa.String(10), index=True), sa.Column("last_date", sa.String(10), index=True),
    sa.Column("n_mentions", sa.Integer, nullable=False, default=0),
    sa.Column("n_articles", sa.Integer, nullable=False, default=0),
)

events = sa.Table(
    "events", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), index=True),
    sa.Column("event_type", sa.String(16), nullable=False, index=True), sa.Column("mode", sa.String(32)),
    sa.Column("date", sa.String(10), index=True), sa.Column("country", sa.String(2), index=True),
    # the interval `date` stands for (records.TimeSpan): the filters and clustering use it
    sa.Column("date_start", sa.String(10), index=True), sa.Column("date_end", sa.String(10), index=True),
    sa.Column("date_precision", sa.String(10)),
    sa.Column("geonameid", sa.Integer), sa.Column("location", sa.String(300)),
    sa.Column("location_text", sa.String(300)), sa.Column("resolution", sa.String(10)),
    sa.Column("lat", sa.Float), sa.Column("lon", sa.Float),
    sa.Column("actor_code", sa.String(16), index=True), sa.Column("actor", sa.String(300)),
    sa.Column("recipient_code", sa.String(16)), sa.Column("recipient", sa.String(300)),
    sa.Column("source", sa.String(300)), sa.Column("language", sa.String(8), index=True),
    sa.Column("dead", sa.Integer), sa.Column("arrested", sa.Integer), sa.Column("names", sa.Text),
    sa.Column("sentence_start", sa.Integer), sa.Column("trigger_start", sa.Integer),
    # the linked events this one was clustered with (store.clustering): made again together
    sa.Column("component_id", sa.Integer, index=True),
    sa.Column("sentence", sa.Text, nullable=False), sa.Column("record", sa.Text, nullable=False),
)

# the names and numbers an event's sentences give (its `names`, one row each): clustering looks up
# the reports that share one
event_names = sa.Table(
    "event_names", md,
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("name", sa.String(300), nullable=False, index=True),
)

# the store's revision (name "revision"): one more with every write of articles, events or
# clusters, in the writing transaction; the server caches and tags its answers by it
store_state = sa.Table(
    "store_state", md,
    sa.Column("name", sa.String(32), primary_key=True), sa.Column("value", sa.Integer, nullable=False),
)

# the event columns taken by name from `flat.flatten(record)`
FLAT_EVENT_COLUMNS = tuple(c.name for c in events.columns if c.name in EVENT_COLUMNS)

# `kronika watch`: the feeds followed, what each gave (one row per item, claimed by one watcher
# before its page is fetched), and the saved alert queries with what each has sent
sources = sa.Table(
    "sources", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url", sa.String(2000), nullable=False, unique=True),
    sa.Column("name", sa.String(300)), sa.Column("lang", sa.String(8)), sa.Column("country", sa.String(2)),
    sa.Column("every_s", sa.Float),
    sa.Column("etag", sa.String(500)), sa.Column("last_modified", sa.String(100)),
    sa.Column("last_fetch", sa.String(32)), sa.Column("last_ok", sa.String(32)), sa.Column("next_due", sa.String(32)),
    sa.Column("last_status", sa.Integer), sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("items_seen", sa.Integer, nullable=False, default=0),
    sa.Column("items_stored", sa.Integer, nullable=False, default=0),
)

feed_items = sa.Table(
    "feed_items", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),  # SHA-256 of the item's id (else link, else text)
    sa.Column("url", sa.String(2000)),
    sa.Column("state", sa.String(10), nullable=False),  # claimed, done, retry or failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("claimed_by", sa.String(100)), sa.Column("claimed_at", sa.String(32)),
    sa.Column("first_seen", sa.String(32), nullable=False), sa.Column("done_at", sa.String(32)),
    sa.Column("article_id", sa.Integer), sa.Column("content_hash", sa.String(64)),
    sa.Column("meta", sa.Text),  # JSON: the feed's title, day and text of the item (the text when no page can be had)
    sa.Column("last_error", sa.Text),
    sa.UniqueConstraint("source_id", "key_hash", name="uq_feed_items_source_key"),
    sa.Index("ix_feed_items_state", "state"),
)

alerts = sa.Table(
    "alerts", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("filters", sa.Text, nullable=False),  # JSON: the query's filter values, as the CLI takes them
    sa.Column("min_articles", sa.Integer, nullable=False), sa.Column("growth", sa.Float, nullable=False),
    sa.Column("webhook", sa.String(2000)), sa.Column("jsonl", sa.Text),
    sa.Column("created_at", sa.String(32), nullable=False),
)

alerts_sent = sa.Table(
    "alerts_sent", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("cluster_id", sa.Integer, nullable=False),
    sa.Column("threshold", sa.Integer, nullable=False),
    sa.Column("sent_at", sa.String(32), nullable=False),
    sa.UniqueConstraint("alert_id", "cluster_id", "threshold", name="uq_alerts_sent"),
)
