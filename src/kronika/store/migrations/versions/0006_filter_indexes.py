"""Indexes for the filters at a million events: the events of a country, a type or the whole store
in a time window are read from an index that holds what the query needs (the interval each event's
date stands for, as the filters compare it, and its cluster), never from the rows; the newest
clusters are read in order from an index on their first day. And the store's revision
(`store_state`), one more with every write of articles, events or clusters: what the server's
answers are cached and tagged by.

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# the filters' time window compares these expressions (store.queries.where_clauses); the columns
# after them are what the queries and counts read, so that the index answers without the rows
WINDOW = "coalesce(date_end, date), coalesce(date_start, date), cluster_id, date_end, date_start, date, article_id"
INDEXES = (("ix_events_country_window", f"events (country, {WINDOW}, event_type)"),
           ("ix_events_type_window", f"events (event_type, {WINDOW}, country)"),
           ("ix_events_window", f"events ({WINDOW}, country, event_type)"),
           ("ix_clusters_newest", "clusters (first_date DESC NULLS LAST, id)"))


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, target in INDEXES:
        if sqlite:  # SQLite sorts NULL first, so last when descending, and takes no NULLS LAST here
            target = target.replace(" NULLS LAST", "")
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
    state = op.create_table("store_state", sa.Column("name", sa.String(32), primary_key=True),
                            sa.Column("value", sa.Integer, nullable=False))
    op.bulk_insert(state, [{"name": "revision", "value": 1}])


def downgrade() -> None:
    op.drop_table("store_state")
    for name, _ in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
