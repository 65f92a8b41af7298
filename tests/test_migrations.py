"""The store's Alembic migrations: a store written by the last release (schema version 2) upgraded
in place and still queried and ingested into, a fresh store, reopening, read-only opening, and
the errors of opening, on SQLite and (where cheap) PostgreSQL."""
from __future__ import annotations

import os
import shutil
import sqlite3

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from typer.testing import CliRunner

from kronika.cli import app
from kronika.errors import KronikaError
from kronika.filters import Filters
from kronika.readers import read_inputs
from kronika.store import MIGRATIONS, Store, query_clusters, query_mentions, stats

from .conftest import ROOT, SAMPLES

V2 = ROOT / "tests" / "data" / "store_v2.db"  # four samples (pl_01, pl_02, en_01, en_02) by kronika 0.1
HEAD = "0006"
RENAMED = {"events": {"location", "actor", "recipient", "source"}, "clusters": {"location"}}
OLD = {"events": {"location_name", "actor_name", "recipient_name", "source_name"}, "clusters": {"location_name"}}


def _revision(store: Store) -> str | None:
    with store.engine.connect() as c:
        return c.execute(sa.text("select version_num from alembic_version")).scalar()


def _columns(store: Store, table: str) -> set[str]:
    with store.engine.connect() as c:
        return {col["name"] for col in sa.inspect(c).get_columns(table)}


def _tables(store: Store) -> set[str]:
    with store.engine.connect() as c:
        return set(sa.inspect(c).get_table_names())


def _counts(store: Store) -> tuple[int, int, int]:
    with store.engine.connect() as c:
        return tuple(c.execute(sa.text(f"select count(*) from {t}")).scalar()
                     for t in ("articles", "events", "clusters"))


def _schema(path) -> list[tuple]:
    with sqlite3.connect(path) as c:
        return sorted(c.execute("select type, name, sql from sqlite_master").fetchall(), key=repr)


def _config(conn) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


@pytest.fixture
def v2_copy(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(V2, path)
    return path


def test_a_version_2_store_is_upgraded_in_place(v2_copy, pipeline):
    store = Store(str(v2_copy))
    assert _revision(store) == HEAD
    for table in ("events", "clusters"):
        cols = _columns(store, table)
        assert RENAMED[table] <= cols and not OLD[table] & cols, table
    assert "kronika_meta" not in _tables(store)
    assert _counts(store) == (4, 39, 34)
    with store.engine.connect() as c:  # 0004: the interval each stored date stands for, from its record
        spans = c.execute(sa.text("select date, date_start, date_end, date_precision, component_id, cluster_id "
                                  "from events")).all()
    assert all(s.date_start == s.date_end == s.date and s.date_precision == "day" for s in spans if s.date)
    assert all(s.component_id == s.cluster_id for s in spans)

    assert len(query_mentions(store, Filters(), limit=1000)) == 39
    georgia = query_mentions(store, Filters(country="GE"))
    assert georgia and all(r["location"]["country"] == "GE" for r in georgia)
    assert {r["event_type"] for r in query_mentions(store, Filters(event_type="PROTEST"))} == {"PROTEST"}
    police = query_mentions(store, Filters(text="police"))  # FTS5 and its triggers survive the renames
    assert police and all("police" in r["evidence"]["sentence"].lower() for r in police)
    assert query_mentions(store, Filters(actor="police")), "the renamed actor column is searched"
    assert stats(store)["clusters"] == 34
    shared = [c for c in query_clusters(store, Filters(country="GE", event_type="PROTEST")) if c["n_articles"] >= 2]
    assert shared, "the clusters across articles are still there"

    # one more report of the Tbilisi protest: stored, and joined to the clusters already there
    [article] = list(read_inputs([str(SAMPLES / "ru_01.txt")]))
    records = [e.to_dict() for e in pipeline.process(article).events]
    assert records and store.add(article, records)
    assert not store.add(article, records)
    articles, events, clusters = _counts(store)
    assert (articles, events) == (5, 39 + len(records)) and clusters < 34 + len(records)
    tbilisi = [c for c in query_clusters(store, Filters(country="GE")) if "ru_01" in c["articles"]]
    assert any(c["n_articles"] >= 3 and "ru" in c["languages"] for c in tbilisi)
    assert any(r["doc_id"] == "ru_01" for r in query_mentions(store, Filters(text="Тбилиси")))


def test_opening_twice_changes_nothing(tmp_path, v2_copy):
    fresh = tmp_path / "fresh.db"
    for path in (fresh, v2_copy):
        Store(str(path)).engine.dispose()
        before = _schema(path)
        store = Store(str(path))
        assert _revision(store) == HEAD and _schema(path) == before
    assert _columns(Store(str(fresh)), "events") == _columns(Store(str(v2_copy)), "events")


def test_a_version_1_store_gains_the_cluster_mode(v2_copy):
    with sqlite3.connect(v2_copy) as c:
        c.execute("alter table clusters drop column mode")
        c.execute("update kronika_meta set value = '1' where key = 'schema_version'")
    store = Store(str(v2_copy))
    assert {"mode", "location"} <= _columns(store, "clusters") and _revision(store) == HEAD


def test_downgrade_to_the_baseline_and_back(v2_copy):
    store = Store(str(v2_copy))
    with store.engine.begin() as conn:
        command.downgrade(_config(conn), "0001")
    assert OLD["events"] <= _columns(store, "events") and "kronika_meta" in _tables(store)
    store = Store(str(v2_copy))
    assert RENAMED["events"] <= _columns(store, "events") and query_mentions(store, Filters(text="police"))


def test_a_url_stored_twice_by_a_race_keeps_it_on_the_first_article(v2_copy, caplog):
    store = Store(str(v2_copy))
    with store.engine.begin() as conn:
        command.downgrade(_config(conn), "0002")
        ids = conn.execute(sa.text("select id from articles order by id")).scalars().all()
        for i, url in zip(ids, ("https://example.org/a", "https://example.org/a", "", "https://example.org/b")):
            conn.execute(sa.text("update articles set url = :u where id = :i"), {"u": url, "i": i})
    store.engine.dispose()
    with caplog.at_level("WARNING", logger="kronika"):
        store = Store(str(v2_copy))
    assert _revision(store) == HEAD and "1 articles repeated the URL" in caplog.text
    with store.engine.connect() as c:
        urls = c.execute(sa.text("select url from articles order by id")).scalars().all()
        unique = {i["name"]: i["unique"] for i in sa.inspect(c).get_indexes("articles")}
    assert urls == ["https://example.org/a", None, None, "https://example.org/b"]
    assert unique.get("uq_articles_url") and "ix_articles_url" not in unique
    assert _counts(store) == (4, 39, 34)  # no article, event or cluster lost


def test_reading_a_missing_file_makes_nothing(tmp_path):
    path = tmp_path / "none.db"
    with pytest.raises(KronikaError) as err:
        Store(str(path), create=False)
    message = str(err.value)
    assert str(path) in message and "kronika ingest" in message and "--db" in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(KronikaError):
        Store(f"sqlite:///{path}", create=False)
    assert list(tmp_path.iterdir()) == []


def test_reading_a_database_that_is_not_a_store(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as c:
        c.execute("create table notes (id integer primary key, text)")
    data = path.read_bytes()
    with pytest.raises(KronikaError, match="not a kronika store"):
        Store(str(path), create=False)
    assert path.read_bytes() == data and sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_a_store_in_a_missing_folder(tmp_path):
    with pytest.raises(KronikaError, match="does not exist"):
        Store(str(tmp_path / "no" / "such" / "k.db"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["mysql://kronika@localhost/news", "mysql+pymysql://u:secret@h/db", "foo://",
                                 "://nothing"])
def test_an_unknown_database_is_one_line(url):
    with pytest.raises(KronikaError) as err:
        Store(url)
    message = str(err.value)
    assert "\n" not in message and ("not supported" in message or "cannot be read" in message)
    assert "sqlite:///PATH" in message and "postgresql://USER@HOST/DB" in message and "secret" not in message


def test_a_newer_store_asks_for_a_newer_kronika(tmp_path):
    store = Store(str(tmp_path / "k.db"))
    with store.engine.begin() as c:
        c.execute(sa.text("update alembic_version set version_num = '0099'"))
    with pytest.raises(KronikaError, match="newer than this kronika.*upgrade kronika"):
        Store(str(tmp_path / "k.db"))


def test_read_commands_say_one_line_and_make_nothing(tmp_path):
    runner = CliRunner()
    missing = tmp_path / "none.db"
    for args in (["stats", "--db", str(missing)], ["events", "--db", str(missing)], ["stats", "--db", "mysql://h/db"]):
        res = runner.invoke(app, args)
        assert res.exit_code != 0 and "Traceback" not in res.output, (args, res.output)
        assert len(res.stderr.strip().splitlines()) == 1, (args, res.stderr)
    assert list(tmp_path.iterdir()) == []


# -- PostgreSQL ---------------------------------------------------------------------------------

def _pg_url(postgres, name: str) -> str:
    server, base = postgres
    return server.new_database(base, f"{name}_{os.getpid()}")


def test_a_fresh_postgresql_store(postgres, pipeline):
    url = _pg_url(postgres, "mig_fresh")
    store = Store(url)
    assert _revision(store) == HEAD and RENAMED["events"] <= _columns(store, "events")
    with store.engine.connect() as c:
        indexes = {i["name"] for i in sa.inspect(c).get_indexes("events")}
    assert "events_sentence_tsv" in indexes
    Store(url)  # again: nothing to do
    [article] = list(read_inputs([str(SAMPLES / "en_02.txt")]))
    store.add(article, [e.to_dict() for e in pipeline.process(article).events])
    assert query_mentions(store, Filters(text="police", country="GE"))
    with pytest.raises(KronikaError, match="not a kronika store"):
        Store(_pg_url(postgres, "mig_empty"), create=False)


def test_postgresql_columns_are_renamed_on_a_version_2_schema(postgres):
    url = _pg_url(postgres, "mig_v2")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://"))
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0001")
        conn.execute(sa.text("insert into articles (content_hash, doc_id, body, ingested_at) "
                             "values ('h', 'old_1', 'Police beat protesters in Tbilisi.', '2026-03-10T00:00:00')"))
        conn.execute(sa.text("insert into clusters (event_type, country, location_name, n_mentions, n_articles) "
                             "values ('ASSAULT', 'GE', 'Tbilisi', 1, 1)"))
        conn.execute(sa.text(
            "insert into events (article_id, cluster_id, event_type, date, country, location_name, actor_code, "
            "actor_name, source_name, sentence, record) select a.id, c.id, 'ASSAULT', '2026-03-10', 'GE', 'Tbilisi', "
            "'GEOCOP', 'Georgian police', 'TASS', 'Police beat protesters in Tbilisi.', "
            "'{\"doc_id\": \"old_1\", \"event_type\": \"ASSAULT\"}' from articles a, clusters c"))
        assert conn.execute(sa.text("select value from kronika_meta")).scalar() == "2"
    engine.dispose()
    store = Store(url, create=False)
    assert _revision(store) == HEAD and "kronika_meta" not in _tables(store)
    assert RENAMED["events"] <= _columns(store, "events") and not OLD["clusters"] & _columns(store, "clusters")
    with store.engine.connect() as c:
        row = c.execute(sa.text("select location, actor, source from events")).one()
    assert tuple(row) == ("Tbilisi", "Georgian police", "TASS")
    assert [r["doc_id"] for r in query_mentions(store, Filters(text="protesters", actor="georgian"))] == ["old_1"]
    assert query_clusters(store, Filters(country="GE"))[0]["n_articles"] == 1


def test_the_tables_the_code_describes_are_the_migrated_ones(tmp_path):
    from kronika.store import schema

    store = Store(str(tmp_path / "fresh.db"))
    inspector = sa.inspect(store.engine)
    for name, table in schema.md.tables.items():
        assert {c["name"] for c in inspector.get_columns(name)} == {c.name for c in table.columns}, name
