"""Writers at once, on SQLite and PostgreSQL: processes that ingest one input together store what
one ingest stores (the same articles, events and clusters) without an error; threads that add one
article (or one URL) at once store it once; processes that open one fresh store at once make it
once; a killed PostgreSQL ingest resumes to the same clusters. And the store's edges: a read-only
SQLite store is read, a store deleted while open is not made again, LIKE wildcards are literal."""
from __future__ import annotations

import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from kronika.errors import KronikaError
from kronika.filters import Filters
from kronika.readers import read_inputs
from kronika.records import Article
from kronika.store import Store, query_mentions, stats
from kronika.store.queries import contains_pattern

from .conftest import ROOT, SAMPLES
from .test_store import KRONIKA, snapshot

HEAD = "0006"
SHIFTS = (0, 0, 1, 2, 0, 3, 1, 5, 0, 2, 8, 1)  # days after the sample's date, one per report of it
SWAPS = {"en": (("Nairobi", "Mombasa"), ("Kisumu", "Nakuru"), ("Tbilisi", "Batumi"))}
RAW_TOPICS = ("brexit", "covid-19", "nord_stream", "russia_-_ukraine_war")
RAW_LANGS = ("bg", "cs", "pl", "ru", "uk")


def _sample(path: Path) -> tuple[dict, str]:
    head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    return dict(line.split(" ", 1) for line in head.splitlines() if " " in line), body


def race_articles(shared: Path, n_raw: int = 132) -> list[dict]:
    """About 300 JSON Lines records: each sample's first paragraphs reported 12 times over some
    days (some in other cities, two under one URL, the second a duplicate by its URL), so clusters
    span articles and compete; and real news openings from the SlavicNER collection."""
    out = []
    for path in sorted(SAMPLES.glob("*.txt")):
        meta, body = _sample(path)
        lead = "\n\n".join(body.split("\n\n")[:3])
        day = datetime.date.fromisoformat(meta["date"])
        for v, shift in enumerate(SHIFTS):
            text = lead
            if v % 3 == 2:
                for a, b in SWAPS.get(meta["lang"], ()):
                    text = text.replace(a, b)
            rec = {"id": f"{meta['id']}_v{v}", "text": f"{text}\n\n({meta['source']}, report {v + 1})",
                   "date": (day + datetime.timedelta(days=shift)).isoformat(), "title": meta["title"],
                   "lang": meta["lang"], "source": meta["source"]}
            if v in (3, 4):
                rec["url"] = f"https://example.org/{meta['id']}/updated"
            out.append(rec)
    raw_root = shared / "benchmarks" / "slavicner" / "data" / "raw"
    raw = sorted(p for t in RAW_TOPICS for lang in RAW_LANGS for p in (raw_root / t / lang).glob("*.txt"))
    for i, path in enumerate(raw[::max(1, len(raw) // n_raw)][:n_raw]):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        out.append({"id": f"raw_{i:03d}", "text": body.strip()[:700].rsplit(".", 1)[0] + ".", "title": title.strip(),
                    "lang": path.parent.name, "date": (datetime.date(2026, 3, 1) + datetime.timedelta(days=i % 9)).isoformat()})
    return out


@pytest.fixture(scope="module")
def race_input(shared, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("races") / "articles.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in race_articles(shared))
    return path


@pytest.fixture(scope="module")
def one_ingest(race_input, tmp_path_factory, pipeline) -> dict:
    """The store one uninterrupted ingest makes (SQLite), as `snapshot` sees it."""
    store = Store(str(tmp_path_factory.mktemp("serial") / "serial.db"))
    done = store.ingest([str(race_input)], pipeline=pipeline)
    assert done.failed == 0 and done.stored > 250 and done.skipped == 14, done
    got = snapshot(store)
    store.engine.dispose()
    assert sum(len(members) > 1 for members, _ in got["clusters"]) > 50  # clusters across articles
    return got


def _ingests(db: str, path: Path, n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([*KRONIKA, "ingest", str(path), "--db", db], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for _ in range(n)]


def _finish(procs: list[subprocess.Popen]) -> list[str]:
    errs = [p.communicate(timeout=600)[1] for p in procs]
    for p, err in zip(procs, errs):
        assert p.returncode == 0 and "error" not in err and "Traceback" not in err, err
    return errs


def _stored(errs: list[str]) -> int:
    """The articles the ingests say they stored, summed ("kronika: N articles stored, ...")."""
    return sum(int(line.split()[1]) for err in errs for line in err.splitlines() if " articles stored, " in line)


def _pg_database(postgres, name: str) -> str:
    server, base = postgres
    return server.new_database(base, f"{name}_{os.getpid()}")


@pytest.mark.slow
def test_two_ingests_at_once_into_a_fresh_sqlite_store(race_input, one_ingest, tmp_path):
    db = str(tmp_path / "both.db")  # not there yet: both processes also make the schema at once
    errs = _finish(_ingests(db, race_input, 2))
    assert _stored(errs) == len(one_ingest["articles"])
    assert snapshot(Store(db, create=False)) == one_ingest


def test_two_ingests_at_once_into_postgresql_and_the_same_clusters_as_sqlite(race_input, one_ingest, postgres):
    url = _pg_database(postgres, "races_two")
    errs = _finish(_ingests(url, race_input, 2))
    assert _stored(errs) == len(one_ingest["articles"])
    assert snapshot(Store(url, create=False)) == one_ingest  # one_ingest is SQLite's


def test_a_killed_postgresql_ingest_resumes_to_the_same_clusters(race_input, one_ingest, postgres):
    url = _pg_database(postgres, "races_killed")
    store = Store(url)
    [proc] = _ingests(url, race_input, 1)
    deadline = time.time() + 300
    while _count(store, "articles") < 100 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the ingest ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert 0 < _count(store, "articles") < len(one_ingest["articles"])
    _finish(_ingests(url, race_input, 1))
    assert snapshot(store) == one_ingest


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as c:
        return c.execute(sa.text(f"select count(*) from {table}")).scalar()


# -- one article from many threads ---------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "threads.db")
    return _pg_database(request.getfixturevalue("postgres"), f"races_threads_{abs(hash(request.node.name)) % 10**6}")


def _at_once(n: int, work) -> tuple[list, list]:
    """`work(i)` in n threads started together: (results, exceptions)."""
    barrier, results, errors = threading.Barrier(n), [None] * n, []

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 (any of them is a failure the test reports)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_one_article_added_by_eight_threads_at_once_is_stored_once(fresh_url, pipeline):
    store = Store(fresh_url)
    [article] = list(read_inputs([str(SAMPLES / "en_02.txt")]))
    records = [e.to_dict() for e in pipeline.process(article).events]
    results, errors = _at_once(8, lambda i: store.add(article, records))
    assert not errors and sorted(results) == [False] * 7 + [True]
    assert (_count(store, "articles"), _count(store, "events")) == (1, len(records))

    # eight texts under one URL (an updated page): the first stored, the others known by the URL
    def updated(i):
        page = Article(f"page_{i}", f"{article.body}\n\nUpdated {i}.", path=f"page {i}", url="https://example.org/x")
        return store.add(page, records)

    results, errors = _at_once(8, updated)
    assert not errors and sorted(results) == [False] * 7 + [True]
    assert _count(store, "articles") == 2


def test_eight_identical_api_ingests_at_once(fresh_url, pipeline):
    from fastapi.testclient import TestClient

    from kronika.web.app import create_app

    Store(fresh_url)  # serving never makes a store
    app = create_app(fresh_url, token="t0ken")
    body = {"articles": [{"text": (SAMPLES / "en_02.txt").read_text(encoding="utf-8").partition("\n\n")[2],
                          "date": "2026-03-11", "lang": "en"}]}
    results, errors = _at_once(8, lambda i: TestClient(app).post("/api/ingest", json=body,
                                                                 headers={"Authorization": "Bearer t0ken"}))
    assert not errors and [r.status_code for r in results] == [200] * 8, [r.text for r in results]
    assert sorted(r.json()["stored"] for r in results) == [0] * 7 + [1]
    assert all(r.json()["failed"] == 0 for r in results)


def _reports(pipeline, n: int) -> tuple[list[Article], list[dict]]:
    """n reports of one happening: the sample's text with a line of its own, and its records."""
    [article] = list(read_inputs([str(SAMPLES / "en_02.txt")]))
    records = [e.to_dict() for e in pipeline.process(article).events]
    return [Article(f"report_{i}", f"{article.body}\n\nReport {i}.", path=f"report {i}", date=article.date)
            for i in range(n)], records


def test_reports_of_one_happening_added_at_once_cluster_as_added_in_turn(fresh_url, pipeline, tmp_path):
    reports, records = _reports(pipeline, 8)
    together = Store(fresh_url)
    results, errors = _at_once(8, lambda i: together.add(reports[i], records))
    assert not errors and all(results)
    in_turn = Store(str(tmp_path / "in_turn.db"))
    for report in reports:
        in_turn.add(report, records)
    shape = [sorted(len(m) for m, _ in snapshot(s)["clusters"]) for s in (together, in_turn)]
    assert shape[0] == shape[1] and max(shape[0]) == 8  # one cluster per happening, none made twice


# -- making a store -----------------------------------------------------------------------------

OPEN_AT = ("import sys, time; from kronika.store import Store; start = float(sys.argv[2]); "
           "time.sleep(max(0.0, start - time.time())); Store(sys.argv[1]); print('opened')")


def _open_at_once(url: str, n: int = 4) -> None:
    start = time.time() + 3  # after the imports: the openings themselves meet
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_AT, url, str(start)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(n)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out.strip() == "opened", err


def _check_made_once(store: Store) -> None:
    with store.engine.connect() as c:
        assert c.execute(sa.text("select version_num from alembic_version")).scalars().all() == [HEAD]
        assert {"articles", "events", "clusters"} <= set(sa.inspect(c).get_table_names())


@pytest.mark.slow
def test_four_processes_make_one_fresh_sqlite_store(tmp_path):
    path = tmp_path / "fresh.db"
    _open_at_once(str(path))
    store = Store(str(path), create=False)
    _check_made_once(store)
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_four_processes_make_one_fresh_postgresql_store(postgres):
    url = _pg_database(postgres, "races_fresh")
    _open_at_once(url)
    _check_made_once(Store(url, create=False))


# -- edges: read-only, deleted, LIKE ------------------------------------------------------------

def _small_store(path: Path, pipeline) -> Store:
    store = Store(str(path))
    store.ingest([str(SAMPLES / "en_02.txt"), str(SAMPLES / "pl_02.txt")], pipeline=pipeline)
    return store


READ_ONLY = ("import json, sys; from kronika.store import Store, stats; from kronika.errors import KronikaError\n"
             "store = Store(sys.argv[1], create=False)\n"
             "try:\n    Store(sys.argv[1]); write = 'opened'\nexcept KronikaError as exc:\n    write = str(exc)\n"
             "print(json.dumps({'read_only': store.read_only, 'articles': stats(store)['articles'], 'write': write}))")


def _run_in_read_only_folder(folder: Path, argv: list[str]) -> subprocess.CompletedProcess:
    """`argv` run where `folder` cannot be written: a read-only bind mount of its own (as root,
    whom permissions do not stop), else the folder and its files without write permission."""
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("as root a read-only folder needs `unshare` (util-linux) for a read-only bind mount")
        script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
        return subprocess.run(["unshare", "--mount", "sh", "-c", script, str(folder), *argv], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=False)
    modes = {p: p.stat().st_mode for p in (folder, *folder.iterdir())}
    try:
        for p in modes:
            p.chmod(0o555 if p.is_dir() else 0o444)
        return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


def test_a_read_only_sqlite_store_is_read_and_not_written(tmp_path, pipeline):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "k.db"
    _small_store(path, pipeline).engine.dispose()  # closed: no -wal or -shm file beside it
    before = sorted(p.name for p in folder.iterdir())
    res = _run_in_read_only_folder(folder, [sys.executable, "-c", READ_ONLY, str(path)])
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    assert got["read_only"] and got["articles"] == 2
    assert "read-only" in got["write"] and str(path) in got["write"]
    res = _run_in_read_only_folder(folder, [*KRONIKA, "events", "--db", str(path), "--format", "jsonl"])
    assert res.returncode == 0 and len(res.stdout.splitlines()) > 3, res.stderr
    assert sorted(p.name for p in folder.iterdir()) == before


def test_an_old_read_only_store_asks_for_an_upgrade(tmp_path, pipeline, monkeypatch):
    from alembic import command
    from alembic.config import Config

    from kronika.store import MIGRATIONS, opening

    path = tmp_path / "old.db"
    store = _small_store(path, pipeline)
    with store.engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")
    store.engine.dispose()
    monkeypatch.setattr(opening, "_writable", lambda path: False)  # as if nothing could be written
    with pytest.raises(KronikaError, match="read-only and has schema revision 0002.*write access"):
        Store(str(path), create=False)


def test_a_store_deleted_while_open_is_not_made_again(tmp_path, pipeline):
    path = tmp_path / "gone.db"
    store = _small_store(path, pipeline)
    assert stats(store)["articles"] == 2
    for p in tmp_path.iterdir():
        p.unlink()
    store.engine.dispose()  # the next query needs a new connection, as a server's new worker does
    with pytest.raises(sa.exc.OperationalError, match="unable to open"):
        stats(store)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(KronikaError, match="no store"):
        Store(str(path), create=False)


def test_like_wildcards_in_the_actor_filter_are_literal(tmp_path, pipeline):
    store = _small_store(tmp_path / "like.db", pipeline)
    with store.engine.begin() as c:
        first = c.execute(sa.text("select min(id) from events")).scalar()
        c.execute(sa.text("update events set actor = 'Union 100% _Solidarity_' where id = :i"), {"i": first})
    everyone = len(query_mentions(store, Filters(), limit=1000))
    for wildcard, n in (("%", 1), ("_", 1), ("100%", 1), ("% _s", 1), ("%%", 0), ("1_0", 0)):
        assert len(query_mentions(store, Filters(actor=wildcard), limit=1000)) == n < everyone, wildcard
    assert contains_pattern("a/b%c_d") == "%a//b/%c/_d%"
