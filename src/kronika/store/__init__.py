"""The event store: articles, events (with their evidence) and clusters of events across articles,
in SQLite (a file, the default) or PostgreSQL (a URL), through SQLAlchemy Core.

Writes are one transaction per article (the article, its events and their clusters), so an ingest
killed at any moment leaves whole articles only, and a rerun skips what is stored: an article is
known by the hash of its text (and by its URL when it has one). Opening a store brings its tables
to the newest revision of `migrations/` (Alembic); `schema` describes them, `clustering` puts an
event into its cluster, `queries` reads them back.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from ..errors import KronikaError
from ..flat import flatten
from .clustering import assign
from .queries import query_clusters, query_mentions, stats
from .schema import FLAT_EVENT_COLUMNS, articles, events

__all__ = ["Store", "default_url", "query_clusters", "query_mentions", "stats"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SUPPORTED = "a SQLite file path, sqlite:///PATH, or postgresql://USER@HOST/DB"
DRIVERS = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite", "postgresql": "postgresql+psycopg2",
           "postgresql+psycopg2": "postgresql+psycopg2", "postgres": "postgresql+psycopg2"}
KRONIKA_TABLES = frozenset({"articles", "events", "clusters"})
MIGRATION_LOCK = 7_310_412  # a PostgreSQL advisory lock: one process migrates, the others wait


def default_url() -> str:
    """SQLite in `kronika.db` of the working directory, or $KRONIKA_DB."""
    return os.environ.get("KRONIKA_DB") or f"sqlite:///{Path.cwd() / 'kronika.db'}"


class Store:
    """One event store: `Store(url)` opens it (a SQLite path, sqlite:///PATH or
    postgresql://USER@HOST/DB; default `default_url()`), its tables brought to the newest revision.
    With `create=False` (read commands) a missing SQLite file or a database without kronika's
    tables is an error and nothing is made. Every problem is one KronikaError line, e.g.
    `Store("kronika.db", create=False)` -> "no store at /…/kronika.db: …".

    >>> store = Store("events.db")                                    # doctest: +SKIP
    >>> store.ingest(["articles/"]).stored                            # doctest: +SKIP
    12
    >>> store.events(country="KZ", since="2022-01-05", per="cluster")  # doctest: +SKIP
    [{'cluster_id': 3, 'event_type': 'PROTEST', ...}]
    """

    def __init__(self, url: str | None = None, *, create: bool = True):
        self.engine = _connect(url, create)
        self.dialect = self.engine.dialect.name

    # -- the Python API -------------------------------------------------------------------------

    def ingest(self, inputs, *, max_bytes: int = 20_000_000, pipeline=None, executor=None):
        """Extract and store articles: paths (files, folders, JSON Lines, HTML, feeds, WARC) and/or
        `Article`s. Stored articles are skipped unread; a bad input is logged and counted. Returns
        the batch's `BatchStats` (`stored`, `skipped`, `failed`, `events`, ...). `executor`: a
        `scale.DaskExecutor` to extract on Dask workers."""
        from ..api import articles_of
        from ..batch import BatchStats, LocalExecutor, StoreSink, run_batch

        paths, arts = articles_of(inputs)
        local = LocalExecutor(pipeline)
        stats = BatchStats()
        if arts:
            run_batch(arts, local.pipeline, StoreSink(self), stats)
        if paths:
            stats.merge((executor or local).run(paths, StoreSink(self), max_bytes=max_bytes))
        return stats

    def events(self, *, per: str = "mention", limit: int = 1000, offset: int = 0, **filters) -> list[dict]:
        """Stored events (`per="mention"`, each with its cluster's fields) or clusters
        (`per="cluster"`) that pass the filters of `filters.make_filters` (since, until, country,
        event_type, actor, near, km, text, lang), newest first."""
        from ..filters import check_grouping, make_filters

        f = make_filters(**filters)
        return (query_clusters if check_grouping(per) == "cluster" else query_mentions)(self, f, limit, offset)

    def stats(self, **filters) -> dict:
        """Counts of events and clusters by day, type and country, under the same filters."""
        from ..filters import make_filters

        return stats(self, make_filters(**filters))

    # -- writing ----------------------------------------------------------------------------

    @staticmethod
    def content_hash(body: str) -> str:
        return hashlib.sha256(" ".join(body.split()).encode("utf-8")).hexdigest()

    def has_article(self, article, conn: sa.Connection | None = None) -> bool:
        """True when `article` is stored: the same text (up to white space) or the same URL; looked
        up on `conn` when given (inside a write), else on a connection of its own."""
        cond = articles.c.content_hash == self.content_hash(article.body)
        if article.url:
            cond = sa.or_(cond, articles.c.url == article.url)
        q = sa.select(articles.c.id).where(cond).limit(1)
        if conn is not None:
            return conn.execute(q).first() is not None
        with self.engine.connect() as own:
            return own.execute(q).first() is not None

    def add(self, article, records: list[dict]) -> bool:
        """Store one article and its events in one transaction; False if it was stored before."""
        with self.engine.begin() as conn:
            if self.has_article(article, conn):
                return False
            aid = conn.execute(articles.insert().values(
                content_hash=self.content_hash(article.body), doc_id=article.doc_id, url=article.url,
                title=article.title, outlet=article.outlet, lang=article.lang, date=(article.date or "")[:10] or None,
                path=article.path, body=article.body,
                ingested_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))).inserted_primary_key[0]
            for rec in records:
                row = _event_row(rec, aid, article)
                row["cluster_id"] = assign(conn, row, aid)
                conn.execute(events.insert().values(**row))
        return True


def _connect(url: str | None, create: bool) -> sa.Engine:
    """An engine on the store at `url`, migrated (see `Store`)."""
    target = _parse_url(url or default_url())
    sqlite = target.get_backend_name() == "sqlite"
    memory = sqlite and target.database in (None, "", ":memory:")
    file = sqlite and not memory and not target.database.startswith("file:")
    if file:
        _check_sqlite_path(Path(target.database), create)
    shown = target.database if file else target.render_as_string(hide_password=True)
    engine = None
    try:
        if sqlite:
            engine = sa.create_engine(target, connect_args={"timeout": 60})
        else:
            engine = sa.create_engine(target, pool_pre_ping=True)
        if memory:
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        _migrate(engine, create, shown)
        if sqlite and not memory:
            # the pragmas (WAL) change the file, so they come once it is known to be a store
            engine.dispose()
            sa.event.listen(engine, "connect", _sqlite_pragmas)
    except (sa.exc.SQLAlchemyError, CommandError, OSError) as exc:
        if engine is not None:
            engine.dispose()
        first = (str(exc).strip().splitlines() or [""])[0]
        fix = ("check --db: a store is a SQLite file that `kronika ingest` made" if sqlite
               else "check the --db URL and that the server runs")
        raise KronikaError(f"cannot open the store at {shown}: {type(exc).__name__}: {first}; {fix}") from exc
    except KronikaError:
        if engine is not None:
            engine.dispose()
        raise
    return engine


def _event_row(rec: dict, article_id: int, article) -> dict:
    """The events-table row of a record: its flat columns, with the article's date when the
    record has none."""
    flat = flatten(rec)
    row = {name: flat[name] for name in FLAT_EVENT_COLUMNS}
    row.update(article_id=article_id, date=(flat["date"] or article.date or "")[:10] or None,
               sentence=flat["sentence"] or "", record=json.dumps(rec, ensure_ascii=False))
    return row


# -- opening -----------------------------------------------------------------------------------

def _parse_url(url: str) -> sa.URL:
    """A SQLAlchemy URL for what the user gave, or a KronikaError naming what kronika takes."""
    if "://" not in url:  # a plain path means a SQLite file
        return sa.make_url(f"sqlite:///{Path(url).expanduser().resolve()}")
    scheme = url.split("://", 1)[0]
    driver = DRIVERS.get(scheme.lower())
    if driver is None:
        raise KronikaError(f"cannot open the store: {scheme or 'an empty'}:// URLs are not supported; "
                           f"give {SUPPORTED}")
    try:
        return sa.make_url(url).set(drivername=driver)
    except (sa.exc.ArgumentError, ValueError):
        raise KronikaError(f"cannot open the store: the {scheme}:// URL cannot be read; give {SUPPORTED}") from None


def _check_sqlite_path(path: Path, create: bool) -> None:
    if path.is_dir():
        raise KronikaError(f"cannot open the store at {path}: it is a folder; give a file, e.g. {path / 'kronika.db'}")
    if not create and not path.exists():
        raise KronikaError(f"no store at {path}: run `kronika ingest` first to make one, or check --db")
    if create and not path.parent.is_dir():
        raise KronikaError(f"cannot make a store at {path}: the folder {path.parent} does not exist; "
                           f"create it or check --db")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers go on while an ingest writes
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _migrate(engine: sa.Engine, create: bool, shown: str) -> None:
    """Bring the database to the newest revision; reads only when it is there already."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    head = scripts.get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        tables = set(sa.inspect(conn).get_table_names())
    if current == head:
        return
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        raise KronikaError(f"the store at {shown} has schema revision {current}, newer than this kronika knows "
                           f"(up to {head}); upgrade kronika")
    if current is None and not create and not KRONIKA_TABLES <= tables:
        raise KronikaError(f"{shown} is not a kronika store (it has no articles, events and clusters tables); "
                           f"check --db, or run `kronika ingest` to make a store")
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now: two openers do not both migrate
        elif engine.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
