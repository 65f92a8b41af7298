"""Opening a store: the URL read, a SQLite file checked and opened in the mode its permissions
allow, the tables brought to the newest revision of `migrations/` (Alembic).

A SQLite store is opened through `file:` URIs: `mode=rw` once the file exists, so a file deleted
while a server runs is an error on the next connection, not a new empty database; `mode=ro` when
the file or its folder cannot be written, so read commands work on a read-only copy. Migrating and
creating run under a lock (SQLite's write lock, a PostgreSQL advisory lock), so processes that open
one fresh store at once make it once.
"""
from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from ..errors import KronikaError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SUPPORTED = "a SQLite file path, sqlite:///PATH, or postgresql://USER@HOST/DB"
DRIVERS = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite", "postgresql": "postgresql+psycopg2",
           "postgresql+psycopg2": "postgresql+psycopg2", "postgres": "postgresql+psycopg2"}
KRONIKA_TABLES = frozenset({"articles", "events", "clusters"})
MIGRATION_LOCK = 7_310_412  # a PostgreSQL advisory lock: one process migrates, the others wait
BUSY_TIMEOUT_S = 60  # how long a SQLite writer waits for another one's transaction to end


@dataclass(frozen=True)
class Opened:
    engine: sa.Engine
    shown: str  # the store as messages name it: a file path, or the URL without its password
    read_only: bool


def default_url() -> str:
    """SQLite in `kronika.db` of the working directory, or $KRONIKA_DB."""
    return os.environ.get("KRONIKA_DB") or f"sqlite:///{Path.cwd() / 'kronika.db'}"


def open_store(url: str | None, create: bool) -> Opened:
    """An engine on the store at `url`, migrated (see `kronika.store.Store`)."""
    target = parse_url(url or default_url())
    sqlite = target.get_backend_name() == "sqlite"
    memory = sqlite and target.database in (None, "", ":memory:")
    file = sqlite and not memory and not target.database.startswith("file:")
    path = Path(target.database) if file else None
    writable = check_sqlite_path(path, create) if file else True
    shown = str(path) if file else target.render_as_string(hide_password=True)
    engine = None
    try:
        if file:
            engine = _sqlite_file_engine(target, path, "rwc" if create else "rw" if writable else _read_mode(path))
        elif sqlite:
            engine = sa.create_engine(target, connect_args={"timeout": BUSY_TIMEOUT_S})
        else:
            engine = sa.create_engine(target, pool_pre_ping=True)
        if memory:
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        _migrate(engine, create, shown, writable)
        if sqlite and not memory and writable:
            # WAL changes the file, so it comes once the file is known to be a store; it stays
            _set_wal(engine)
            engine.dispose()
            if file:  # from now on the file must be there: a deleted store is an error, not a new one
                engine = _sqlite_file_engine(target, path, "rw")
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
    return Opened(engine, shown, not writable)


def parse_url(url: str) -> sa.URL:
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


def check_sqlite_path(path: Path, create: bool) -> bool:
    """Whether the store at `path` can be written; a KronikaError when it cannot be opened as asked
    (missing for a read, a folder, a write to a read-only file)."""
    if path.is_dir():
        raise KronikaError(f"cannot open the store at {path}: it is a folder; give a file, e.g. {path / 'kronika.db'}")
    if not path.exists():
        if not create:
            raise KronikaError(f"no store at {path}: run `kronika ingest` first to make one, or check --db")
        if not path.parent.is_dir():
            raise KronikaError(f"cannot make a store at {path}: the folder {path.parent} does not exist; "
                               f"create it or check --db")
        if not _writable(path.parent):
            raise KronikaError(f"cannot make a store at {path}: the folder {path.parent} is read-only; "
                               f"choose another --db or make the folder writable")
        return True
    # SQLite writes beside the file too (its journal or -wal): a read-only folder is a read-only store
    writable = _writable(path) and _writable(path.parent)
    if create and not writable:
        raise KronikaError(f"cannot write to the store at {path}: the file or its folder is read-only; "
                           f"make them writable, or only read it (`kronika events`, `kronika stats`)")
    return writable


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK | (os.X_OK if path.is_dir() else 0))


def _read_mode(path: Path) -> str:
    """`ro`; with `immutable` when SQLite could not make the -shm file a WAL reader needs (a
    read-only folder and no -wal file, so no writer has the store open)."""
    if _writable(path.parent) or Path(f"{path}-wal").exists():
        return "ro"
    return "ro&immutable=1"


def _sqlite_file_engine(url: sa.URL, path: Path, mode: str) -> sa.Engine:
    """An engine whose connections open `path` as `file:` URIs with `mode` (rwc, rw, ro)."""
    uri = f"file:{urllib.parse.quote(str(path))}?mode={mode}"

    def connect():
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)

    return sa.create_engine(url, creator=connect)  # `url` picks the dialect and a pool for a file


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _set_wal(engine: sa.Engine) -> None:
    """The store's journal in WAL mode, so readers go on while an ingest writes (kept in the file).
    The switch needs the file to itself and SQLite does not wait for it, so while another process
    opening the same fresh store holds it, this one tries again, up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.02
    while True:
        try:
            with engine.connect() as conn:
                if conn.exec_driver_sql("PRAGMA journal_mode").scalar() != "wal":
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            return
        except sa.exc.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def _migrate(engine: sa.Engine, create: bool, shown: str, writable: bool) -> None:
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
    if not writable:
        raise KronikaError(f"the store at {shown} is read-only and has schema revision {current or 'none'}, older "
                           f"than this kronika reads ({head}); open it once with write access to upgrade it")
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now: two openers do not both migrate
        elif engine.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
