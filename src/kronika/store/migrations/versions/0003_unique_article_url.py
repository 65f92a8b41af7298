"""An article's URL is unique, as its text hash is: two processes that store one URL at once
cannot both insert it (the writer's `INSERT ... ON CONFLICT DO NOTHING` skips the second).

An empty URL becomes no URL (NULL; unique indexes allow many). Before this revision a race could
store one URL twice; the later articles of such a URL keep their text and events and lose the
repeated URL, and the upgrade says how many.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

log = logging.getLogger("kronika.store")
articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("url", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    bind.execute(articles.update().where(articles.c.url == "").values(url=None))
    first = sa.select(sa.func.min(articles.c.id)).where(articles.c.url.is_not(None)).group_by(articles.c.url)
    later = sa.and_(articles.c.url.is_not(None), articles.c.id.not_in(first))
    repeated = bind.execute(sa.select(sa.func.count()).select_from(articles).where(later)).scalar()
    if repeated:
        log.warning("%d articles repeated the URL of an earlier one: their URL is cleared (their text and "
                    "events stay) so that a URL is stored once", repeated)
        bind.execute(articles.update().where(later).values(url=None))
    op.drop_index("ix_articles_url", table_name="articles")
    op.create_index("uq_articles_url", "articles", ["url"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_articles_url", table_name="articles")
    op.create_index("ix_articles_url", "articles", ["url"])
