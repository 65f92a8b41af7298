"""What `kronika watch` keeps in the store: the feeds it follows (`sources`: conditional-request
validators, last fetch, failures), every item a feed gave (`feed_items`: claimed by one watcher,
then done, to retry or failed), the saved alert queries (`alerts`) and what each has sent
(`alerts_sent`: one row per cluster and threshold). New tables only; nothing existing changes.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(2000), nullable=False, unique=True),
        sa.Column("name", sa.String(300)), sa.Column("lang", sa.String(8)), sa.Column("country", sa.String(2)),
        sa.Column("every_s", sa.Float),
        sa.Column("etag", sa.String(500)), sa.Column("last_modified", sa.String(100)),
        sa.Column("last_fetch", sa.String(32)), sa.Column("last_ok", sa.String(32)), sa.Column("next_due", sa.String(32)),
        sa.Column("last_status", sa.Integer), sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("items_seen", sa.Integer, nullable=False), sa.Column("items_stored", sa.Integer, nullable=False),
    )
    op.create_table(
        "feed_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False), sa.Column("url", sa.String(2000)),
        sa.Column("state", sa.String(10), nullable=False), sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_by", sa.String(100)), sa.Column("claimed_at", sa.String(32)),
        sa.Column("first_seen", sa.String(32), nullable=False), sa.Column("done_at", sa.String(32)),
        sa.Column("article_id", sa.Integer), sa.Column("content_hash", sa.String(64)), sa.Column("last_error", sa.Text),
        sa.Column("meta", sa.Text),
        sa.UniqueConstraint("source_id", "key_hash", name="uq_feed_items_source_key"),
    )
    op.create_index("ix_feed_items_state", "feed_items", ["state"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("filters", sa.Text, nullable=False), sa.Column("min_articles", sa.Integer, nullable=False), sa.Column("growth", sa.Float, nullable=False),
        sa.Column("webhook", sa.String(2000)), sa.Column("jsonl", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "alerts_sent",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("cluster_id", sa.Integer, nullable=False), sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("sent_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("alert_id", "cluster_id", "threshold", name="uq_alerts_sent"),
    )


def downgrade() -> None:
    for name in ("alerts_sent", "alerts", "feed_items", "sources"):
        op.drop_table(name)
