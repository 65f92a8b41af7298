"""The event store: articles, events (with their evidence) and clusters of events across articles,
in SQLite (a file, the default) or PostgreSQL (a URL), through SQLAlchemy Core.

Writes are one transaction per article (the article, its events and their clusters), so an ingest
killed at any moment leaves whole articles only, and a rerun skips what is stored: an article is
known by the hash of its text (and by its URL when it has one).
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from .errors import KronikaError

SCHEMA_VERSION = 2  # 1: first schema; 2: clusters.mode
md = sa.MetaData()

meta = sa.Table("kronika_meta", md, sa.Column("key", sa.String(64), primary_key=True),
                sa.Column("value", sa.String(200), nullable=False))

articles = sa.Table(
    "articles", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("doc_id", sa.String(300), nullable=False),
    sa.Column("url", sa.String(2000), index=True),
    sa.Column("title", sa.Text), sa.Column("outlet", sa.String(300)), sa.Column("lang", sa.String(8)),
    sa.Column("date", sa.String(10), index=True), sa.Column("path", sa.Text),
    sa.Column("body", sa.Text, nullable=False), sa.Column("ingested_at", sa.String(32), nullable=False),
)

clusters = sa.Table(
    "clusters", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_type", sa.String(16), nullable=False, index=True), sa.Column("mode", sa.String(32)),
    sa.Column("country", sa.String(2), index=True),
    sa.Column("geonameid", sa.Integer), sa.Column("location_name", sa.String(300)),
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
    sa.Column("geonameid", sa.Integer), sa.Column("location_name", sa.String(300)),
    sa.Column("lat", sa.Float), sa.Column("lon", sa.Float),
    sa.Column("actor_code", sa.String(16), index=True), sa.Column("actor_name", sa.String(300)),
    sa.Column("recipient_code", sa.String(16)), sa.Column("recipient_name", sa.String(300)),
    sa.Column("source_name", sa.String(300)), sa.Column("language", sa.String(8), index=True),
    sa.Column("sentence", sa.Text, nullable=False), sa.Column("record", sa.Text, nullable=False),
)


def default_url() -> str:
    """SQLite in `kronika.db` of the working directory, or $KRONIKA_DB."""
    return os.environ.get("KRONIKA_DB") or f"sqlite:///{Path.cwd() / 'kronika.db'}"


def _normalise_url(url: str) -> str:
    if "://" not in url:  # a plain path means a SQLite file
        url = f"sqlite:///{Path(url).resolve()}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return url


@dataclass
class IngestStats:
    articles: int = 0
    skipped: int = 0
    events: int = 0
    failed: int = 0


class Store:
    """One database; create with `Store.open(url)`."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.dialect = engine.dialect.name

    @classmethod
    def open(cls, url: str | None = None) -> "Store":
        url = _normalise_url(url or default_url())
        try:
            if url.startswith("sqlite"):
                engine = sa.create_engine(url, connect_args={"timeout": 60})

                @sa.event.listens_for(engine, "connect")
                def _pragmas(conn, _):
                    cur = conn.cursor()
                    cur.execute("PRAGMA journal_mode=WAL")  # readers go on while an ingest writes
                    cur.execute("PRAGMA foreign_keys=ON")
                    cur.execute("PRAGMA synchronous=NORMAL")
                    cur.close()
            else:
                engine = sa.create_engine(url, pool_pre_ping=True)
            store = cls(engine)
            store.migrate()
        except sa.exc.SQLAlchemyError as exc:
            raise KronikaError(f"cannot open the store at {url}: {exc.__class__.__name__}: "
                               f"{str(exc).splitlines()[0]}; check the --db URL and that the server runs") from exc
        return store

    # -- schema -----------------------------------------------------------------------------

    def migrate(self) -> None:
        """Create the schema or bring an older one up to SCHEMA_VERSION."""
        with self.engine.begin() as conn:
            md.create_all(conn, checkfirst=True)
            row = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).first()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise KronikaError(f"the store has schema version {version}, newer than this kronika "
                                   f"({SCHEMA_VERSION}); upgrade kronika")
            if version < 1:
                self._create_text_search(conn)
            if version < 2 and "mode" not in {c["name"] for c in sa.inspect(conn).get_columns("clusters")}:
                conn.exec_driver_sql("ALTER TABLE clusters ADD COLUMN mode VARCHAR(32)")
            if version < SCHEMA_VERSION:
                if row:
                    conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))
                else:
                    conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))

    def _create_text_search(self, conn) -> None:
        if self.dialect == "sqlite":
            conn.exec_driver_sql("CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5("
                                 "sentence, content='events', content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
            conn.exec_driver_sql("CREATE TRIGGER IF NOT EXISTS events_fts_ai AFTER INSERT ON events BEGIN "
                                 "INSERT INTO events_fts(rowid, sentence) VALUES (new.id, new.sentence); END")
            conn.exec_driver_sql("CREATE TRIGGER IF NOT EXISTS events_fts_ad AFTER DELETE ON events BEGIN "
                                 "INSERT INTO events_fts(events_fts, rowid, sentence) VALUES('delete', old.id, old.sentence); END")
        elif self.dialect == "postgresql":
            conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS events_sentence_tsv ON events "
                                 "USING GIN (to_tsvector('simple', sentence))")

    # -- writing ----------------------------------------------------------------------------

    @staticmethod
    def content_hash(body: str) -> str:
        return hashlib.sha256(" ".join(body.split()).encode("utf-8")).hexdigest()

    def has_article(self, conn, article) -> bool:
        h = self.content_hash(article.body)
        cond = articles.c.content_hash == h
        if article.url:
            cond = sa.or_(cond, articles.c.url == article.url)
        return conn.execute(sa.select(articles.c.id).where(cond).limit(1)).first() is not None

    def add(self, article, records: list[dict]) -> bool:
        """Store one article and its events in one transaction; False if it was stored before."""
        from .cluster import assign

        with self.engine.begin() as conn:
            if self.has_article(conn, article):
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


def _event_row(rec: dict, article_id: int, article) -> dict:
    loc = rec.get("location") or {}
    actor = rec.get("actor") or {}
    recipient = rec.get("recipient") or {}
    source = rec.get("source") or {}
    return {"article_id": article_id, "event_type": rec["event_type"], "mode": rec.get("mode"),
            "date": (rec.get("date") or article.date or "")[:10] or None, "country": loc.get("country"),
            "geonameid": loc.get("geonameid"), "location_name": loc.get("name"), "lat": loc.get("lat"),
            "lon": loc.get("lon"), "actor_code": actor.get("code"), "actor_name": actor.get("name"),
            "recipient_code": recipient.get("code"), "recipient_name": recipient.get("name"),
            "source_name": source.get("name"), "language": rec.get("language"),
            "sentence": (rec.get("evidence") or {}).get("sentence") or "",
            "record": json.dumps(rec, ensure_ascii=False)}


def ingest_paths(store: Store, paths, max_bytes: int = 20_000_000, pipeline=None) -> IngestStats:
    """Read, extract and store every input under `paths`; stored articles are skipped unread by
    the pipeline, bad inputs reported and counted."""
    import sys

    from .errors import InputError
    from .readers import read_inputs
    from .pipeline import Pipeline
    from .run import _progress

    stats = IngestStats()
    pipeline = pipeline or Pipeline.default()
    with _progress() as advance:
        for item in read_inputs(paths, max_bytes=max_bytes):
            if isinstance(item, InputError):
                stats.failed += 1
                print(f"kronika: error: {item}", file=sys.stderr)
                continue
            with store.engine.connect() as conn:
                known = store.has_article(conn, item)
            if known:
                stats.skipped += 1
                continue
            try:
                records = [e.to_dict() for e in pipeline.process(item).events]
            except Exception as exc:  # one article must not stop the batch
                stats.failed += 1
                print(f"kronika: error: {item.path}: could not process ({type(exc).__name__}: {exc}); "
                      f"please report it with this file", file=sys.stderr)
                continue
            if store.add(item, records):
                stats.articles += 1
                stats.events += len(records)
            else:
                stats.skipped += 1
            advance(stats)
    return stats


# -- queries -----------------------------------------------------------------------------------

@dataclass
class Filters:
    since: str | None = None
    until: str | None = None
    country: str | None = None
    event_type: str | None = None
    actor: str | None = None
    near: tuple[float, float] | None = None
    km: float = 50.0
    text: str | None = None
    lang: str | None = None


def _where(store: Store, f: Filters, table) -> list:
    conds = []
    if f.since:
        conds.append(table.c.date >= f.since)
    if f.until:
        conds.append(table.c.date <= f.until)
    if f.country:
        conds.append(table.c.country == f.country.upper())
    if f.event_type:
        conds.append(table.c.event_type == f.event_type.upper())
    if f.actor:
        like = f"%{f.actor.lower()}%"
        conds.append(sa.or_(sa.func.lower(table.c.actor_code) == f.actor.lower(),
                            sa.func.lower(table.c.actor_name).like(like)))
    if f.lang:
        conds.append(table.c.language == f.lang)
    if f.near:
        lat, lon = f.near
        dlat = f.km / 111.0
        import math

        dlon = f.km / max(1.0, 111.0 * math.cos(math.radians(lat)))
        conds.append(sa.and_(table.c.lat.between(lat - dlat, lat + dlat), table.c.lon.between(lon - dlon, lon + dlon)))
    if f.text:
        if store.dialect == "sqlite":
            conds.append(table.c.id.in_(sa.select(sa.column("rowid")).select_from(sa.table("events_fts"))
                                        .where(sa.text("events_fts MATCH :q").bindparams(q=_fts_query(f.text)))))
        elif store.dialect == "postgresql":
            conds.append(sa.func.to_tsvector("simple", table.c.sentence).op("@@")(
                sa.func.plainto_tsquery("simple", f.text)))
        else:
            conds.append(table.c.sentence.ilike(f"%{f.text}%"))
    return conds


def _fts_query(text: str) -> str:
    """Words of a user query as an FTS5 query: each word a quoted string (quotes doubled, control
    characters dropped), so no user input is read as FTS syntax."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    words = [w for w in clean.split() if any(c.isalnum() for c in w)]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words) or '""'


def query_mentions(store: Store, f: Filters, limit: int = 1000, offset: int = 0) -> list[dict]:
    """Events (one per mention) that pass the filters, newest first, with their cluster."""
    conds = _where(store, f, events)
    q = (sa.select(events.c.id, events.c.record, events.c.cluster_id, clusters.c.n_articles, articles.c.doc_id,
                   articles.c.outlet)
         .join(clusters, clusters.c.id == events.c.cluster_id, isouter=True)
         .join(articles, articles.c.id == events.c.article_id)
         .where(*conds).order_by(events.c.date.desc().nulls_last(), events.c.id).limit(limit).offset(offset))
    out = []
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
        for r in rows:
            rec = json.loads(r.record)
            if f.near and rec.get("location") and rec["location"].get("lat") is not None:
                from .geoparse import distance_km

                if distance_km(f.near[0], f.near[1], rec["location"]["lat"], rec["location"]["lon"]) > f.km:
                    continue
            rec["cluster_id"] = r.cluster_id
            rec["n_articles"] = r.n_articles
            out.append(rec)
    return out


def query_clusters(store: Store, f: Filters, limit: int = 1000, offset: int = 0) -> list[dict]:
    """Clusters with at least one mention that passes the filters: one row per real-world event,
    with its mentions' article count, outlets and languages and first and last report."""
    conds = _where(store, f, events)
    ids = sa.select(events.c.cluster_id).where(*conds, events.c.cluster_id.is_not(None)).distinct()
    q = (sa.select(clusters).where(clusters.c.id.in_(ids))
         .order_by(clusters.c.first_date.desc().nulls_last(), clusters.c.id).limit(limit).offset(offset))
    out = []
    with store.engine.connect() as conn:
        found = conn.execute(q).all()
        members: dict[int, list] = {c.id: [] for c in found}
        for i in range(0, len(found), 500):  # one query per 500 clusters, not one per cluster
            chunk = [c.id for c in found[i:i + 500]]
            for m in conn.execute(
                    sa.select(events.c.cluster_id, events.c.record, events.c.language, articles.c.outlet,
                              articles.c.doc_id)
                    .join(articles, articles.c.id == events.c.article_id)
                    .where(events.c.cluster_id.in_(chunk)).order_by(events.c.id)):
                members[m.cluster_id].append(m)
        for c in found:
            ms = members[c.id]
            rec = dict(json.loads(ms[0].record)) if ms else {}
            rec["cluster_id"] = c.id
            rec["n_mentions"] = len(ms)
            rec["n_articles"] = len({m.doc_id for m in ms})
            rec["n_sources"] = len({m.outlet or m.doc_id for m in ms})
            rec["languages"] = sorted({m.language for m in ms if m.language})
            rec["first_date"], rec["last_date"] = c.first_date, c.last_date
            rec["articles"] = sorted({m.doc_id for m in ms})
            out.append(rec)
    return out


def stats(store: Store, f: Filters | None = None) -> dict:
    """Counts of events by day, type and country (mentions and clusters)."""
    f = f or Filters()
    conds = _where(store, f, events)
    out = {}
    with store.engine.connect() as conn:
        out["articles"] = conn.execute(sa.select(sa.func.count()).select_from(articles)).scalar()
        out["events"] = conn.execute(sa.select(sa.func.count()).select_from(events).where(*conds)).scalar()
        out["clusters"] = conn.execute(sa.select(sa.func.count(sa.distinct(events.c.cluster_id))).where(*conds)).scalar()
        for key, col in (("by_day", events.c.date), ("by_type", events.c.event_type), ("by_country", events.c.country)):
            rows = conn.execute(sa.select(col, sa.func.count(), sa.func.count(sa.distinct(events.c.cluster_id)))
                                .where(*conds).group_by(col).order_by(col.asc().nulls_last())).all()
            out[key] = [{"key": r[0], "events": r[1], "clusters": r[2]} for r in rows]
    return out
