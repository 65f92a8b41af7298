"""The baseline: the store as kronika 0.1 made it (its own `kronika_meta` table said schema version 2).

On a store made by that release every table is there already and nothing changes, except that a
version-1 store gains `clusters.mode`. Text search is SQLite FTS5 (a table kept by triggers) or a
PostgreSQL GIN index on the sentence's tsvector.

Revision ID: 0001
Revises: none
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# the tables of schema version 2, frozen here
md = sa.MetaData()
sa.Table("kronika_meta", md, sa.Column("key", sa.String(64), primary_key=True),
         sa.Column("value", sa.String(200), nullable=False))
sa.Table(
    "articles", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("doc_id", sa.String(300), nullable=False),
    sa.Column("url", sa.String(2000), index=True),
    sa.Column("title", sa.Text), sa.Column("outlet", sa.String(300)), sa.Column("lang", sa.String(8)),
    sa.Column("date", sa.String(10), index=True), sa.Column("path", sa.Text),
    sa.Column("body", sa.Text, nullable=False), sa.Column("ingested_at", sa.String(32), nullable=False),
)
sa.Table(
    "clusters", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_type", sa.String(16), nullable=False, index=True), sa.Column("mode", sa.String(32)),
    sa.Column("country", sa.String(2), index=True),
    sa.Column("geonameid", sa.Integer), sa.Column("location_name", sa.String(300)),
    sa.Column("lat", sa.Float), sa.Column("lon", sa.Float),
    sa.Column("actor_code", sa.String(16)), sa.Column("recipient_code", sa.String(16)),
    sa.Column("first_date", sa.String(10), index=True), sa.Column("last_date", sa.String(10), index=True),
    sa.Column("n_mentions", sa.Integer, nullable=False),
    sa.Column("n_articles", sa.Integer, nullable=False),
)
sa.Table(
    "events", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), index=True),
    sa.Column("event_type", sa.String(16), nullable=False, index=True), sa.Column("mode", sa.String(32)),
    sa.Column("date", sa.String(10), index=True), sa.Column("country", sa.String(2), index=True),
    sa.Column("geonameid", sa.Integer), sa.Column("location_name", sa.String(300)),
    sa.Column("lat", sa.Float), sa.Column("lon", sa.Float),
    sa.Column("actor_code", sa.String(16), index=True), sa.Column("actor_name", sa.String(300)),
    sa.Column("recipient_code", sa.String(16)), sa.Column("recipient_name", sa.String(300)),
    sa.Column("source_name", sa.String(300)), sa.Column("language", sa.String(8), index=True),
    sa.Column("sentence", sa.Text, nullable=False), sa.Column("record", sa.Text, nullable=False),
)


def upgrade() -> None:
    bind = op.get_bind()
    old_clusters = sa.inspect(bind).has_table("clusters")
    md.create_all(bind, checkfirst=True)  # only the tables (with their indexes) that are missing
    if old_clusters and "mode" not in {c["name"] for c in sa.inspect(bind).get_columns("clusters")}:
        op.add_column("clusters", sa.Column("mode", sa.String(32)))  # a version-1 store
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5(sentence, content='events', "
                   "content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
        op.execute("CREATE TRIGGER IF NOT EXISTS events_fts_ai AFTER INSERT ON events BEGIN "
                   "INSERT INTO events_fts(rowid, sentence) VALUES (new.id, new.sentence); END")
        op.execute("CREATE TRIGGER IF NOT EXISTS events_fts_ad AFTER DELETE ON events BEGIN "
                   "INSERT INTO events_fts(events_fts, rowid, sentence) VALUES('delete', old.id, old.sentence); END")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS events_sentence_tsv ON events "
                   "USING GIN (to_tsvector('simple', sentence))")
    meta = md.tables["kronika_meta"]
    if bind.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar() != "2":
        op.execute(meta.delete().where(meta.c.key == "schema_version"))
        op.execute(meta.insert().values(key="schema_version", value="2"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS events_fts")  # its triggers go with the events table
    md.drop_all(bind, checkfirst=True)
