"""The event store: articles, events (with their evidence) and clusters of events across articles,
in SQLite (a file, the default) or PostgreSQL (a URL), through SQLAlchemy Core.

Writes are one transaction per article (the article, its events and their clusters), so an ingest
killed at any moment leaves whole articles only, and a rerun skips what is stored: an article is
known by the hash of its text (and by its URL when it has one), both unique in the database. The
article goes in first with "insert unless it is there" and its events are clustered only when it
went in, under a lock that one writer holds at a time, so processes that ingest the same input at
once store each article once and make the clusters one ingest would. `opening` opens a store (and
brings its tables to the newest revision of `migrations/`), `schema` describes the tables,
`clustering` puts an event into its cluster, `queries` reads them back.
"""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..dates import span_of_value, time_span
from ..errors import KronikaError
from ..flat import flatten
from .clustering import cluster_article, items_of
from .opening import MIGRATIONS, default_url, open_store
from .queries import query_clusters, query_mentions, query_stories, stats
from .schema import FLAT_EVENT_COLUMNS, articles, clusters, event_names, events, store_state

__all__ = ["MIGRATIONS", "Store", "default_url", "query_clusters", "query_mentions", "query_stories", "stamp", "stats"]

@dataclass(frozen=True)
class Reclustered:
    articles: int
    clusters: int


CLUSTER_LOCK = 7_310_413  # a PostgreSQL advisory lock: one writer at a time assigns clusters
INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def stamp(t: datetime.datetime | None = None) -> str:
    """A moment (default: now) as the store writes them: UTC, ISO 8601 to the second, so that the
    strings sort as the times do."""
    return (t or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC).isoformat(timespec="seconds")


class Store:
    """One event store: `Store(url)` opens it (a SQLite path, sqlite:///PATH or
    postgresql://USER@HOST/DB; default `default_url()`), its tables brought to the newest revision.
    With `create=False` (read commands) a missing SQLite file or a database without kronika's
    tables is an error and nothing is made, and a SQLite file that cannot be written (or whose
    folder cannot) is opened read-only (`read_only`). Every problem is one KronikaError line, e.g.
    `Store("kronika.db", create=False)` -> "no store at /…/kronika.db: …".

    >>> store = Store("events.db")                                    # doctest: +SKIP
    >>> store.ingest(["articles/"]).stored                            # doctest: +SKIP
    12
    >>> store.events(country="KZ", since="2022-01-05", per="cluster")  # doctest: +SKIP
    [{'cluster_id': 3, 'event_type': 'PROTEST', ...}]
    """

    def __init__(self, url: str | None = None, *, create: bool = True):
        opened = open_store(url, create)
        self.engine = opened.engine
        self.dialect = self.engine.dialect.name
        self.read_only = opened.read_only
        self._shown = opened.shown

    # -- the Python API -------------------------------------------------------------------------

    @property
    def shown(self) -> str:
        """The store as messages name it (a path, or a URL without its password)."""
        return self._shown

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
        """Stored events (`per="mention"`, each with its cluster's fields), clusters
        (`per="cluster"`) or stories (`per="story"`, see `query_stories`) that pass the filters of
        `filters.make_filters` (since, until, country, event_type, actor, near, km, text, lang, undated),
        newest first."""
        from ..filters import check_grouping, make_filters

        f = make_filters(**filters)
        query = {"cluster": query_clusters, "story": query_stories, "mention": query_mentions}[check_grouping(per)]
        return query(self, f, limit, offset)

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
        return self.article_id(url=article.url, body=article.body, conn=conn) is not None

    def article_id(self, *, url: str | None = None, body: str | None = None,
                   conn: sa.Connection | None = None) -> int | None:
        """The id of the stored article with this URL or this text (up to white space), if any."""
        conds = ([articles.c.content_hash == self.content_hash(body)] if body is not None else []) + \
                ([articles.c.url == url] if url else [])
        if not conds:
            return None
        q = sa.select(articles.c.id).where(sa.or_(*conds)).limit(1)
        if conn is not None:
            return conn.execute(q).scalar()
        with self.engine.connect() as own:
            return own.execute(q).scalar()

    def insert_ignoring_conflicts(self, table):
        """INSERT into `table` that skips a row a unique key already holds (ON CONFLICT DO NOTHING)."""
        return INSERTS[self.dialect](table).on_conflict_do_nothing()

    def add(self, article, records: list[dict]) -> bool:
        """Store one article and its events in one transaction; False if it was stored before (the
        same text or URL), also when another process stored it a moment ago."""
        if self.read_only:
            raise KronikaError(f"cannot write to the store at {self._shown}: it was opened read-only (the file "
                               f"or its folder cannot be written); make them writable")
        with self._writing() as conn:
            digest = self.content_hash(article.body)
            aid = conn.execute(self._insert_article(article, digest)).scalar()
            if aid is None:
                return False
            _next_revision(conn)
            if records and self.dialect == "postgresql":
                # clusters are read and then joined: one writer at a time, as in a serial ingest
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(CLUSTER_LOCK)))
            rows = [_event_row(rec, aid, article) for rec in records]
            if rows:
                ids = conn.execute(events.insert().returning(events.c.id, sort_by_parameter_order=True),
                                   rows).scalars().all()
                names = [{"event_id": i, "name": n[:300]} for i, rec in zip(ids, records)
                         for n in dict.fromkeys(rec.get("names") or ())]
                if names:
                    conn.execute(event_names.insert(), names)
                cluster_article(conn, aid, items_of(rows, ids, digest))
        return True

    def recluster(self, progress=None) -> "Reclustered":
        """Make every cluster again by the current rules: the clusters are emptied (one
        transaction), then each article's events are clustered as an ingest would (one transaction
        each). Events without a cluster are what is left to do, so a run that was stopped goes on
        where it stopped; a run that finds none starts over. `progress(n)` is told the articles done after each."""
        if self.read_only:
            raise KronikaError(f"cannot recluster the store at {self._shown}: it was opened read-only")
        with self._writing() as conn:
            if conn.execute(sa.select(events.c.id).where(events.c.cluster_id.is_(None)).limit(1)).first() is None:
                conn.execute(events.update().values(cluster_id=None, component_id=None))
                conn.execute(clusters.delete())
                _next_revision(conn)
        n = 0
        while True:
            with self._writing() as conn:
                if self.dialect == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(CLUSTER_LOCK)))
                aid = conn.execute(sa.select(sa.func.min(events.c.article_id))
                                   .where(events.c.cluster_id.is_(None))).scalar()
                if aid is None:
                    break
                cluster_article(conn, aid)
                _next_revision(conn)
            n += 1
            if progress is not None:
                progress(n)
        with self.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(clusters)).scalar()
        return Reclustered(n, total)

    def revision(self) -> int:
        """The store's revision: it changes with every write of articles, events or clusters, so
        an answer made at one revision holds as long as the revision does."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(store_state.c.value).where(store_state.c.name == "revision")).scalar() or 0

    @contextlib.contextmanager
    def _writing(self):
        """A transaction that, on SQLite, holds the write lock from its first statement (BEGIN
        IMMEDIATE): no other writer comes between its reads and its writes, and none finds the
        store locked (it waits its turn up to the busy timeout)."""
        with self.engine.begin() as conn:
            if self.dialect == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn

    def _insert_article(self, article, digest: str):
        """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new article's id, or no row when
        its text or its URL is stored (the unique content_hash and url)."""
        return (self.insert_ignoring_conflicts(articles).values(
            content_hash=digest, doc_id=article.doc_id, url=article.url or None,
            title=article.title, outlet=article.outlet, lang=article.lang, date=(article.date or "")[:10] or None,
            path=article.path, body=article.body, ingested_at=stamp())
            .returning(articles.c.id))


def _next_revision(conn) -> None:
    conn.execute(store_state.update().where(store_state.c.name == "revision").values(value=store_state.c.value + 1))


def _event_row(rec: dict, article_id: int, article) -> dict:
    """The events-table row of a record: its flat columns, with the article's date when the
    record has none."""
    flat = flatten(rec)
    row = {name: flat[name] for name in FLAT_EVENT_COLUMNS}
    if not flat["date_precision"]:  # a record made without an interval: the one its date stands for
        span = span_of_value(flat["date"]) if flat["date"] else time_span(None, article.date)
        row.update(date_start=span.start, date_end=span.end, date_precision=span.precision)
    row.update(article_id=article_id, date=(flat["date"] or article.date or "")[:10] or None,
               sentence=flat["sentence"] or "", record=json.dumps(rec, ensure_ascii=False),
               cluster_id=None, component_id=None)
    return row
