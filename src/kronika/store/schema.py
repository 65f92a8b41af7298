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

# the event columns taken by name from `flat.flatten(record)`
FLAT_EVENT_COLUMNS = tuple(c.name for c in events.columns if c.name in EVENT_COLUMNS)
