"""The read API at scale: answers cached and tagged by the store's revision (ETag, 304, made anew
after a write), keyset paging, the indexed filters giving what they gave before, the same answers
on SQLite and PostgreSQL, and `kronika serve --workers`."""
from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from fastapi.testclient import TestClient

from kronika.filters import make_filters
from kronika.readers import read_inputs
from kronika.store import Store, query_clusters
from kronika.web.app import create_app

from .conftest import SAMPLES
from .synthetic import bulk_store

QUERY = {"country": "UA", "since": "2025-03-01", "until": "2025-05-31"}


@pytest.fixture(scope="module")
def bulk(pipeline, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('bulk') / 'bulk.db'}"
    store, made, _ = bulk_store(url, 4000, pipeline, days=365)
    return store, url


def _sample(pipeline, n: int, day: str):
    """A sample article made new (its own text), dated `day`, and its events."""
    a = next(iter(read_inputs([str(sorted(SAMPLES.glob("uk_*.txt"))[0])])))
    a = dataclasses.replace(a, doc_id=f"new-{n}", body=a.body + f"\n(update {n})", date=day)
    return a, [dict(e.to_dict(), date=day) for e in pipeline.process(a).events]


def test_answers_are_tagged_kept_and_made_anew_after_a_write(bulk, pipeline):
    store, url = bulk
    client = TestClient(create_app(url))
    first = client.get("/api/stats", params=QUERY)
    assert first.status_code == 200 and first.headers["x-kronika-cache"] == "miss"
    tag = first.headers["etag"]
    again = client.get("/api/stats", params=dict(reversed(list(QUERY.items()))))  # the same view, other order
    assert again.headers["x-kronika-cache"] == "hit" and again.headers["etag"] == tag
    assert again.content == first.content
    unchanged = client.get("/api/stats", params=QUERY, headers={"If-None-Match": tag})
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == tag
    other = client.get("/api/stats", params={**QUERY, "country": "PL"})
    assert other.headers["etag"] != tag and other.headers["x-kronika-cache"] == "miss"
    before = store.revision()
    article, records = _sample(pipeline, 1, "2025-04-15")
    assert any(r["location"] and r["location"].get("country") == "UA" for r in records)
    assert store.add(article, records) and store.revision() == before + 1
    assert not store.add(article, records) and store.revision() == before + 1  # stored before: no write
    fresh = client.get("/api/stats", params=QUERY, headers={"If-None-Match": tag})
    assert fresh.status_code == 200 and fresh.headers["x-kronika-cache"] == "miss" and fresh.headers["etag"] != tag
    assert fresh.json()["events"] > first.json()["events"]
    assert fresh.json()["articles"] == first.json()["articles"] + 1
    # answers that are not kept: errors, the watchers' health, writes
    assert client.get("/api/stats", params={"country": "QQ"}).status_code in (400, 422)
    assert "etag" not in client.get("/api/clusters/999999999").headers
    assert "etag" not in client.get("/api/watch").headers


def test_recluster_changes_the_revision(pipeline, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'small.db'}")
    store.ingest(sorted(str(p) for p in SAMPLES.glob("pl_*.txt")), pipeline=pipeline)
    before = store.revision()
    assert before == 3  # made at 1, and one write per article
    client = TestClient(create_app(str(store.engine.url)))
    tag = client.get("/api/events").headers["etag"]
    store.recluster()
    assert store.revision() > before
    assert client.get("/api/events", headers={"If-None-Match": tag}).status_code == 200


def test_keyset_pages_hold_every_cluster_once_while_articles_come_in(bulk, pipeline):
    store, url = bulk
    client = TestClient(create_app(url))
    every = [r["cluster_id"] for r in query_clusters(store, make_filters(country="UA"), 100_000)]
    assert len(every) > 300
    seen, after, n = [], None, 0
    while True:
        params = {"country": "UA", "page_size": 97, **({"after": after} if after else {})}
        body = client.get("/api/events", params=params).json()
        seen += [x["cluster_id"] for x in body["items"]]
        n += 1
        if n == 2:  # new reports between two pages: of a day on a page already read, and of a later one
            for i, day in ((2, "2025-12-30"), (3, "2025-01-02")):
                assert store.add(*_sample(pipeline, i, day))
        if not body["more"]:
            assert body["next"] is None
            break
        after = body["next"]
    assert len(seen) == len(set(seen))  # no cluster twice
    assert set(every) <= set(seen)  # every cluster there at the start
    by_offset = [x["cluster_id"] for p in range(1, 4)
                 for x in client.get("/api/events", params={"country": "UA", "page_size": 97, "page": p}).json()["items"]]
    keyset, after = [], None
    for _ in range(3):
        body = client.get("/api/events", params={"country": "UA", "page_size": 97, **({"after": after} if after else {})}).json()
        keyset += [x["cluster_id"] for x in body["items"]]
        after = body["next"]
    assert keyset == by_offset  # with nothing added in between, the same pages
    mentions = {"per": "mention", "country": "UA", "page_size": 5}
    assert client.get("/api/events", params={**mentions, "after": "2025-01-01~5"}).json() == \
        client.get("/api/events", params=mentions).json()  # mentions page with page=
    assert client.get("/api/events", params={"after": "'; drop table events"}).status_code == 422


def test_the_indexed_filters_find_what_a_scan_of_the_events_finds(bulk):
    import sqlalchemy as sa

    from kronika.store.schema import clusters, events

    store, _ = bulk
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(events.c.cluster_id, events.c.country, events.c.event_type, events.c.date,
                                      events.c.date_start, events.c.date_end)).all()
        order = {c.id: (c.first_date is None, tuple(-ord(ch) for ch in c.first_date or ""), c.id)
                 for c in conn.execute(sa.select(clusters.c.id, clusters.c.first_date))}
    for kw in ({}, {"country": "UA"}, {"event_type": "PROTEST", "since": "2025-06-01"}, QUERY,
               {"since": "2025-02-01", "until": "2025-02-03"}):
        def passes(r) -> bool:
            end, start = r.date_end or r.date, r.date_start or r.date
            return (kw.get("country") in (None, r.country) and kw.get("event_type") in (None, r.event_type)
                    and ("since" not in kw or (end is not None and end >= kw["since"]))
                    and ("until" not in kw or (start is not None and start <= kw["until"])))
        expected = sorted({r.cluster_id for r in rows if passes(r)}, key=order.get)
        found = [r["cluster_id"] for r in query_clusters(store, make_filters(**kw), 100_000)]
        assert found == expected and found, kw


@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_gives_the_same_pages(pipeline, postgres, tmp_path):
    server, base = postgres
    lite, _, _ = bulk_store(f"sqlite:///{tmp_path / 'same.db'}", 3000, pipeline, days=200)
    pg, _, _ = bulk_store(server.new_database(base, "kronika_cache"), 3000, pipeline, days=200)
    for kw in ({}, {"country": "UA"}, {"event_type": "PROTEST", "since": "2025-09-01"}):
        f = make_filters(**kw)
        a, b = query_clusters(lite, f, 10_000), query_clusters(pg, f, 10_000)
        assert len(a) > 20 and [r["cluster_id"] for r in a] == [r["cluster_id"] for r in b]
        k = len(a) // 3
        key = (a[k]["first_date"], a[k]["cluster_id"])
        assert [r["cluster_id"] for r in query_clusters(lite, f, 10, after=key)] == \
            [r["cluster_id"] for r in query_clusters(pg, f, 10, after=key)] == [r["cluster_id"] for r in a[k + 1:k + 11]]
    client = TestClient(create_app(str(pg.engine.url.render_as_string(hide_password=False))))
    r = client.get("/api/stats", params={"country": "UA"})
    assert r.headers["x-kronika-cache"] == "miss" and client.get("/api/stats", params={"country": "UA"}).headers["x-kronika-cache"] == "hit"
    assert client.get("/api/stats", params={"country": "UA"}, headers={"If-None-Match": r.headers["etag"]}).status_code == 304


@pytest.mark.slow
def test_serve_with_two_processes(bulk):
    _, url = bulk
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "kronika", "serve", "--db", url, "--port", str(port), "--workers", "2"],
                            stderr=subprocess.PIPE)
    try:
        for _ in range(300):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/events?country=UA&page_size=5").read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("kronika serve --workers 2 did not answer")
        assert b'"items"' in body
        answers = [urllib.request.urlopen(f"http://127.0.0.1:{port}/api/stats?country=UA") for _ in range(6)]
        assert len({a.headers["ETag"] for a in answers}) == 1  # every process tags the same answer alike
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert b"2 processes" in proc.stderr.read()
