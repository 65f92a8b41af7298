"""Alembic's entry point for the store's migrations; `Store.open` runs it on its own connection.

The connection comes in `config.attributes["connection"]`, inside a transaction the caller
commits, so there is no alembic.ini and no URL here. A new revision is a file in `versions/`
named `NNNN_what_it_does.py`, with `revision = "NNNN"`, `down_revision` the previous one, and
table definitions frozen in the file (never imported from `kronika.store.schema`, which moves on).
"""
from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("kronika's migrations run on a connection given by Store.open, not from the alembic command")
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
