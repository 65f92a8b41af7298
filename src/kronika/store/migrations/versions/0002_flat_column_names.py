"""Event and cluster columns named as in the flat schema (`location`, `actor`, `recipient`,
`source`); Alembic keeps the version, so the hand-kept `kronika_meta` table goes.

Columns are renamed in place (SQLite 3.25 or later, PostgreSQL): recreating the tables, as batch
mode does, would drop the SQLite text-search triggers.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

RENAMES = (("events", "location_name", "location"), ("events", "actor_name", "actor"),
           ("events", "recipient_name", "recipient"), ("events", "source_name", "source"),
           ("clusters", "location_name", "location"))


def upgrade() -> None:
    for table, old, new in RENAMES:
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")
    op.execute("DROP TABLE IF EXISTS kronika_meta")


def downgrade() -> None:
    for table, old, new in RENAMES:
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {new} TO {old}")
    meta = op.create_table("kronika_meta", sa.Column("key", sa.String(64), primary_key=True),
                           sa.Column("value", sa.String(200), nullable=False))
    op.execute(meta.insert().values(key="schema_version", value="2"))
