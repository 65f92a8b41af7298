"""Scale-out on a Dask LocalCluster of two workers over a JSON Lines file and a WARC written here:
results equal to one process, a run aborted and resumed, a worker killed mid-run, and an ingest
into the store; and the plan of a job's shards (no cluster needed)."""
from __future__ import annotations

import json
import os
import signal
from io import BytesIO

import pytest

from kronika.readers import read_inputs
from kronika.batch import StoreSink
from kronika.scale import MIN_SHARDS, DaskExecutor, local_cluster, make_shards, plan_shards, process_shard, shard_items
from kronika.filters import Filters
from kronika.store import Store, query_mentions

from .conftest import SAMPLES

def _jsonl(path, n: int):
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"a{i}", "text": "Police detained protesters in Osh. " * (1 + i % 7)}) + "\n")
    return str(path)


def test_a_small_job_is_cut_finer_the_same_way_every_time(tmp_path):
    path = _jsonl(tmp_path / "news.jsonl", 450)
    assert len(make_shards([path], lines_per_shard=200)) == 3
    shards = plan_shards([path], 200)
    assert MIN_SHARDS // 2 <= len(shards) <= MIN_SHARDS and shards == plan_shards([path], 200)
    assert sum(s.size for s in shards) == os.path.getsize(path)  # sizes in bytes: the larger go first
    ids = [a.doc_id for s in shards for a in shard_items(s, 20_000_000)]
    assert len(ids) == len(set(ids)) == 450


def test_a_large_job_or_small_shards_keep_the_given_size(tmp_path):
    path = _jsonl(tmp_path / "news.jsonl", 450)
    assert plan_shards([path], 4) == make_shards([path], lines_per_shard=4)
    assert plan_shards([path], 10) == make_shards([path], lines_per_shard=10)  # 45 shards: enough


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    lines = []
    for article in read_inputs(sorted(str(p) for p in SAMPLES.glob("*.txt"))):
        lines.append({"id": article.doc_id, "text": article.body, "date": article.date, "lang": article.lang})
    with open(folder / "news.jsonl", "w", encoding="utf-8") as f:
        for r in lines:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
        f.write("{not json\n")  # a broken record: reported with its line, the rest goes on
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = {"https://example.org/osh": "Police detained 40 protesters in Osh on Tuesday after clashes outside the "
                                        "city hall, the interior ministry said.",
             "https://example.org/kyiv": "Russian drones struck an energy facility in Kyiv overnight, the city's "
                                         "military administration said on Sunday."}
    with open(folder / "crawl.warc.gz", "wb") as f:
        w = WARCWriter(f, gzip=True)
        for url, text in pages.items():
            html = f"<html lang='en'><body><article><h1>News</h1><p>{text}</p><p>More later.</p></article></body></html>"
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=BytesIO(html.encode()), http_headers=headers))
    return [str(folder / "news.jsonl"), str(folder / "crawl.warc.gz")]


@pytest.fixture(scope="module")
def single(corpus, pipeline):
    """What one process extracts from the corpus."""
    out = set()
    for a in read_inputs(corpus):
        if not hasattr(a, "body"):
            continue
        for r in (e.to_dict() for e in pipeline.process(a).events):
            out.add((a.doc_id, r["event_type"], r["date"], r["evidence"]["sentence"]))
    return out


def _events(out_dir) -> set:
    import pyarrow.parquet as pq

    rows = set()
    for p in (out_dir / "events").glob("shard-*.parquet"):
        for r in pq.read_table(p).to_pylist():
            rows.add((r["doc_id"], r["event_type"], r["date"], r["sentence"]))
    return rows


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client

    cluster = local_cluster(2)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.mark.slow
@pytest.mark.dask
def test_two_workers_equal_one_process(corpus, single, client, tmp_path):
    ex = DaskExecutor(str(tmp_path), client=client, shard_size=4)
    stats = ex.run(corpus)
    assert ex.shards >= 4 and stats.failed == 1  # the broken JSON line
    assert any("news.jsonl:" in e for e in stats.errors)
    assert _events(tmp_path) == single
    errors = [e for p in (tmp_path / "stats").glob("*.json") for e in json.loads(p.read_text())["errors"]]
    assert any("news.jsonl:" in e for e in errors)  # the error names the record's line


@pytest.mark.slow
@pytest.mark.dask
def test_aborted_run_resumes(corpus, single, client, tmp_path):
    shards = make_shards(corpus, lines_per_shard=4)
    for s in shards[:2]:  # a run that stopped after two shards
        process_shard(s, str(tmp_path))
    stamp = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "events").glob("*.parquet")}
    ex = DaskExecutor(str(tmp_path), client=client, shard_size=4)
    ex.run(corpus)
    assert ex.skipped_shards == 2
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "events").glob("*.parquet") if p.name in stamp} == stamp
    assert _events(tmp_path) == single


@pytest.mark.slow
@pytest.mark.dask
def test_a_killed_worker_has_its_shard_retried(corpus, single, tmp_path):
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40)
    c = Client(cluster)
    try:
        shards = make_shards(corpus, lines_per_shard=2)
        futures = [c.submit(process_shard, s, str(tmp_path), key=f"k-{s.id}", retries=3, pure=False) for s in shards]
        pids = c.run(os.getpid)
        done = as_completed(futures)
        next(done).result()  # one shard finished: now kill a worker while the others run
        os.kill(next(iter(pids.values())), signal.SIGKILL)
        for f in done:
            f.result()
    finally:
        c.close()
        cluster.close()
    assert _events(tmp_path) == single


@pytest.mark.slow
@pytest.mark.dask
def test_ingest_on_workers_equals_single_ingest(corpus, client, tmp_path, pipeline):
    dist = Store(f"sqlite:///{tmp_path / 'dist.db'}")
    DaskExecutor(str(tmp_path / "shards"), client=client, shard_size=4).run(corpus, StoreSink(dist))
    one = Store(f"sqlite:///{tmp_path / 'one.db'}")
    one.ingest(corpus, pipeline=pipeline)
    key = lambda s: sorted((r["doc_id"], r["event_type"], r["date"]) for r in query_mentions(s, Filters(), 10_000))
    assert key(dist) == key(one) and key(dist)
    again = DaskExecutor(str(tmp_path / "shards"), client=client, shard_size=4).run(corpus, StoreSink(dist))
    assert again.stored == 0 and again.skipped > 0 and key(dist) == key(one)


@pytest.mark.slow
@pytest.mark.dask
def test_one_worker_takes_the_largest_shards_first(tmp_path):
    from dask.distributed import Client

    path = _jsonl(tmp_path / "news.jsonl", 40)
    with local_cluster(1) as cluster, Client(cluster) as c:
        ex = DaskExecutor(str(tmp_path / "out"), client=c, shard_size=4)
        ex.run([path])
    sizes = {s.id: s.size for s in make_shards([path], lines_per_shard=4)}
    done = [sizes[r.id] for r in ex.results]
    assert len(done) == 10 and done == sorted(done, reverse=True)
    assert all(r.finished >= r.started and r.worker for r in ex.results)
    assert ex.results[0].setup_seconds > 0 and all(r.setup_seconds == 0 for r in ex.results[1:])
