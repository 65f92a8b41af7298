#!/usr/bin/env python3
"""Speed of the event store: ingest (articles/s, with extraction and writing only) into SQLite and
PostgreSQL, and query latency on a store of N events (100,000; --events 1000000 for a million),
one query at a time and with --clients threads querying at once.

usage: python benchmarks/store.py [--pg URL] [--articles N] [--events N] [--clients N] [--seconds S]
Without --pg a throw-away PostgreSQL server is started as the tests do (tests/pg.py). Articles are
the Polish SlavicNER raw texts in ../shared (or the bundled samples). The query stores are written
straight into the tables (tests/synthetic.py `bulk_store`: the samples' records in clusters of 1 to
5 reports over two years in 30 countries; a million events in about 5 minutes on each database).
"""
from __future__ import annotations

import argparse
import glob
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timeit(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> int:
    from tests.synthetic import bulk_store

    from kronika.readers import read_inputs
    from kronika.pipeline import Pipeline
    from kronika.filters import Filters
    from kronika.store import Store, query_clusters, query_mentions, stats

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg", help="PostgreSQL URL (default: start a throw-away server)")
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=0, help="threads querying at once (0: none)")
    ap.add_argument("--seconds", type=float, default=15)
    args = ap.parse_args()

    server = None
    pg_base = args.pg
    if not pg_base:
        from tests.pg import TempPostgres

        server = TempPostgres()
        pg_base = server.start()
    try:
        paths = sorted(glob.glob(str(ROOT.parent / "shared/benchmarks/slavicner/data/raw/*/pl/*")))[:args.articles] \
            or sorted(glob.glob(str(ROOT / "src/kronika/samples/*.txt")))
        articles = [a for a in read_inputs(paths) if not isinstance(a, Exception)]
        pipeline = Pipeline.default()
        t = time.perf_counter()
        extracted = [(a, [e.to_dict() for e in pipeline.process(a).events]) for a in articles]
        extract_s = time.perf_counter() - t
        tmp = Path(tempfile.mkdtemp())
        pg_ingest = server.new_database(pg_base, "bench_ingest") if server else pg_base
        for name, url in (("SQLite", f"sqlite:///{tmp / 'ingest.db'}"), ("PostgreSQL", pg_ingest)):
            store = Store(url)
            t = time.perf_counter()
            for a, recs in extracted:
                store.add(a, recs)
            write_s = time.perf_counter() - t
            n_ev = sum(len(r) for _, r in extracted)
            print(f"{name}: {len(articles)} articles, {n_ev} events: writing {len(articles) / write_s:.0f} articles/s "
                  f"({n_ev / write_s:.0f} events/s); with extraction {len(articles) / (write_s + extract_s):.1f} articles/s")

        pg_big = server.new_database(pg_base, "bench_query") if server else pg_base
        for name, url in (("SQLite", f"sqlite:///{tmp / 'big.db'}"), ("PostgreSQL", pg_big)):
            t = time.perf_counter()
            store, made, n_articles = bulk_store(url, args.events, pipeline)
            build_s = time.perf_counter() - t
            f_month = Filters(country="UA", since="2025-06-01", until="2025-06-30")
            results = {
                "country+month, clusters": _timeit(lambda: query_clusters(store, f_month, limit=500)),
                "country+month, mentions": _timeit(lambda: query_mentions(store, f_month, limit=500)),
                "type+text": _timeit(lambda: query_mentions(store, Filters(event_type="PROTEST", text="police"), limit=500)),
                "near 50 km": _timeit(lambda: query_mentions(store, Filters(near=(50.0, 33.0), km=50), limit=500)),
                "stats (all)": _timeit(lambda: stats(store), repeat=3),
            }
            print(f"{name}: store of {made} events ({n_articles} articles) built in {build_s:.0f} s; median query ms: "
                  + ", ".join(f"{k} {v:.0f}" for k, v in results.items()))
            if args.clients:
                _concurrent(name, store, args.clients, args.seconds)
    finally:
        if server:
            server.stop()
    return 0


def _concurrent(name: str, store, clients: int, seconds: float) -> None:
    """`clients` threads asking for one country and one month (a different one each time) at once."""
    import random
    import threading

    from kronika.filters import Filters
    from kronika.store import query_clusters

    countries = ["UA", "RU", "US", "PL", "DE", "IL", "KZ", "GE"]
    months = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    done, times, lock = threading.Event(), [], threading.Lock()

    def client(seed: int) -> None:
        rng, mine = random.Random(seed), []
        while not done.is_set():
            m = rng.choice(months)
            f = Filters(country=rng.choice(countries), since=f"{m}-01", until=f"{m}-28")
            t = time.perf_counter()
            query_clusters(store, f, limit=300)
            mine.append(time.perf_counter() - t)
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    time.sleep(seconds)
    done.set()
    for th in threads:
        th.join()
    took = time.perf_counter() - t
    times.sort()
    print(f"{name}: {clients} threads for {took:.0f} s, one country and one month each (nothing cached): "
          f"{len(times) / took:.0f} queries/s, p50 {times[len(times) // 2] * 1000:.0f} ms, "
          f"p99 {times[int(len(times) * 0.99)] * 1000:.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
