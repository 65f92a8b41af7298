#!/usr/bin/env python3
"""Speed of `kronika serve` on a big store: /api/events for one country and one month (each month
asked once: nothing cached), the same view asked again (cached), counts, the time until the page is
interactive in headless Chromium, and many clients at once.

usage: python benchmarks/web.py [--events N] [--postgres | --db URL] [--clients 20] [--seconds 20]
                                [--workers 2] [--no-page]
Without --db a store of N events (default 1,000,000) is written straight into the tables
(tests/synthetic.py `bulk_store`: clusters of 1 to 5 reports over two years in 30 countries; about
20 minutes for a million on SQLite) and kept for the next run: SQLite at
/tmp/kronika-bench-bulk-N.db, PostgreSQL (--postgres) in a server whose files stay in
/tmp/kronika-bench-pg-N. --clients N: `kronika serve --workers W` in its own processes, and N
clients, each a user who opens map views (a country and a month, some with a type: counts and
clusters), most often the popular ones (the big countries, the latest months), the place names,
and the clusters of the view it has open (the most reported most often) and their articles; it
sends back the ETag of what it has (as a browser does) and reads every answer. The clients first
run --warmup seconds unmeasured (a server that has been up a while: the popular views made once),
then --seconds measured: requests per second, latencies, and how many answers were made anew.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOP = ["UA", "RU", "US", "PL", "DE", "IL", "KZ", "GE", "BY", "CZ"]
MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]


def month_range(month: str) -> tuple[str, str]:
    y, m = (int(x) for x in month.split("-"))
    nxt = f"{y + (m == 12)}-{m % 12 + 1:02d}-01"
    import datetime

    return f"{month}-01", (datetime.date.fromisoformat(nxt) - datetime.timedelta(days=1)).isoformat()


def store_url(args) -> tuple[str, object]:
    """The store's URL (built when missing) and what to stop at the end."""
    if args.db:
        return args.db, None
    from kronika.pipeline import Pipeline
    from tests.synthetic import bulk_store

    if args.postgres:
        from tests.pg import TempPostgres

        server = TempPostgres(root=f"/tmp/kronika-bench-pg-{args.events}")
        base = server.start()
        url = base.rsplit("/", 1)[0] + "/bench"
        done = Path(server.dir) / "built"
        if not done.exists():
            server.new_database(base, "bench")
            t = time.perf_counter()
            store, made, _ = bulk_store(url, args.events, Pipeline.default())
            store.engine.dispose()
            done.write_text(str(made))
            print(f"built a PostgreSQL store of {made} events in {time.perf_counter() - t:.0f} s")
        return url, server
    path = Path(f"/tmp/kronika-bench-bulk-{args.events}.db")
    if not path.exists():
        partial = path.with_name(path.name + ".partial")  # renamed when whole: an interrupted build is not reused
        for old in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            old.unlink(missing_ok=True)
        t = time.perf_counter()
        store, made, _ = bulk_store(f"sqlite:///{partial}", args.events, Pipeline.default())
        store.engine.dispose()
        partial.rename(path)
        print(f"built a SQLite store of {made} events in {time.perf_counter() - t:.0f} s")
    return f"sqlite:///{path}", None


def get(base: str, path: str) -> tuple[float, bytes]:
    t = time.perf_counter()
    body = urllib.request.urlopen(base + path).read()
    return (time.perf_counter() - t) * 1000, body


def latencies(base: str) -> None:
    """One client, one request at a time."""
    get(base, "/api/events?country=PL&since=2023-01-01&until=2023-01-31&page_size=300")  # connections, imports
    cold, n = [], 0
    for month in MONTHS[-12:]:  # each month once: every answer is made, none comes from the cache
        since, until = month_range(month)
        ms, body = get(base, f"/api/events?country=UA&since={since}&until={until}&page_size=300")
        cold.append(ms)
        n = len(json.loads(body)["items"])
    print(f"/api/events country+month (UA, 12 months, a page of 300; {n} clusters in the last): "
          f"median {statistics.median(cold):.0f} ms, max {max(cold):.0f} ms")
    since, until = month_range(MONTHS[-1])
    warm = [get(base, f"/api/events?country=UA&since={since}&until={until}&page_size=300")[0] for _ in range(10)]
    print(f"  the same view again (from the cache): median {statistics.median(warm):.1f} ms")
    for q in ("/api/events?page_size=500", "/api/events?per=mention&type=PROTEST&text=police&page_size=300",
              "/api/stats?country=UA", "/api/stats"):
        ms, _ = get(base, q)
        again, _ = get(base, q)
        print(f"{q}: {ms:.0f} ms, again {again:.1f} ms")
    ms, body = get(base, "/api/events?country=UA&page_size=500")
    nxt = json.loads(body)["next"]
    after, _ = get(base, f"/api/events?country=UA&page_size=500&after={nxt}")
    offset, _ = get(base, "/api/events?country=UA&page_size=500&page=40")
    print(f"/api/events country UA: first page {ms:.0f} ms, the next by keyset {after:.0f} ms, page 40 by offset {offset:.0f} ms")


def page_interactive(base: str) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        results = []
        for _ in range(3):
            t = time.perf_counter()
            driver.get(base + "/?country=UA")
            while not driver.execute_script(  # markers on the map, bubbled together or not
                    "return window.kronikaReady && window.kronikaMarkers && window.kronikaMarkers.getLayers().length > 0"):
                time.sleep(0.02)
            results.append(time.perf_counter() - t)
        markers = driver.execute_script("return window.kronikaMarkers.getLayers().length")
        print(f"page interactive (markers drawn, {markers} clusters): median {statistics.median(results):.2f} s "
              f"(first {results[0]:.2f} s)")
    finally:
        driver.quit()


def map_view(rng: random.Random) -> list[str]:
    """A view of the map a user opens: its counts and its clusters."""
    country = TOP[min(int(rng.paretovariate(1.2)) - 1, len(TOP) - 1)]
    month = MONTHS[-min(int(rng.paretovariate(1.0)), len(MONTHS))]
    since, until = month_range(month)
    q = f"country={country}&since={since}&until={until}"
    if rng.random() < 0.3:
        q += f"&type={rng.choice(['PROTEST', 'ASSAULT', 'ACCUSE', 'CONSULT'])}"
    return [f"/api/stats?{q}", f"/api/events?{q}&page_size=500"]


def ranked(rng: random.Random, items: list):
    """One of a list, the first most often (by rank: 1/k)."""
    return items[min(int(rng.paretovariate(1.0)), len(items)) - 1]


def clients(args, url: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "kronika", "serve", "--db", url, "--port", str(port),
                               "--workers", str(args.workers)], stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/labels").read()
                break
            except OSError:
                time.sleep(0.1)
        done, measuring = threading.Event(), threading.Event()
        times: list[float] = []
        statuses: dict = {}
        misses: dict[str, list[float]] = {}  # answers made anew, by route
        lock = threading.Lock()

        def user(seed: int) -> None:
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            kept: dict[str, tuple[str, object]] = {}  # the browser's cache: ETag and the answer read
            mine, codes, slow, made = [], {}, 0, {}
            view: list[str] = []

            def fetch(path: str):
                nonlocal slow
                headers = {"If-None-Match": kept[path][0]} if path in kept else {}
                t = time.perf_counter()
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                if measuring.is_set():
                    took = time.perf_counter() - t
                    mine.append(took)
                    kind = resp.status if resp.status != 200 else f"200 {resp.getheader('X-Kronika-Cache') or '-'}"
                    codes[kind] = codes.get(kind, 0) + 1
                    if kind == "200 miss":
                        made.setdefault(path.split("?")[0].rsplit("/", 1)[0] if path.count("/") > 2 else path.split("?")[0],
                                        []).append(took)
                if resp.status == 304:
                    return kept[path][1]
                data = orjson.loads(body) if resp.status == 200 and path.startswith(("/api/events", "/api/clusters")) else None
                if resp.getheader("ETag"):
                    kept[path] = (resp.getheader("ETag"), data)
                return data

            fetch("/api/labels")
            while not done.is_set():
                r = rng.random()
                if r < 0.5 or not view:  # another view of the map
                    paths = map_view(rng)
                    fetch(paths[0])
                    page = fetch(paths[1])
                    view = [c["cluster_id"] for c in (page or {}).get("items", [])[:50]]
                elif r < 0.85:  # a cluster of the view open, the big ones most often, and one of its reports
                    cluster = fetch(f"/api/clusters/{ranked(rng, view)}")
                    if cluster and cluster.get("mentions") and rng.random() < 0.5:
                        fetch(f"/api/articles/{ranked(rng, [m['article_id'] for m in cluster['mentions']])}")
                else:
                    fetch("/api/labels")
            with lock:
                times.extend(mine)
                for k, v in codes.items():
                    statuses[k] = statuses.get(k, 0) + v
                for k, v in made.items():
                    misses.setdefault(k, []).extend(v)

        threads = [threading.Thread(target=user, args=(i,)) for i in range(args.clients)]
        for th in threads:
            th.start()
        time.sleep(args.warmup)
        measuring.set()
        t = time.perf_counter()
        time.sleep(args.seconds)
        done.set()
        for th in threads:
            th.join()
        seconds = time.perf_counter() - t
        times.sort()
        p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000  # noqa: E731
        print(f"{args.clients} clients for {seconds:.0f} s after {args.warmup:.0f} s of warm-up, {args.workers} server "
              f"processes: {len(times)} requests, "
              f"{len(times) / seconds:.0f} requests/s; p50 {p(0.5):.0f} ms, p90 {p(0.9):.0f} ms, p99 {p(0.99):.0f} ms, "
              f"max {times[-1] * 1000:.0f} ms; answers {dict(sorted(statuses.items(), key=str))}")
        print("  answers made anew (misses): " + ", ".join(
            f"{k} {len(v)} (median {statistics.median(v) * 1000:.0f} ms)" for k, v in sorted(misses.items())))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    from kronika.web.app import create_app
    from tests.serving import serve

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db")
    ap.add_argument("--postgres", action="store_true")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=20)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-page", action="store_true", help="leave out the browser")
    args = ap.parse_args()
    url, server = store_url(args)
    try:
        base, stop = serve(create_app(url))
        try:
            latencies(base)
            if not args.no_page:
                page_interactive(base)
        finally:
            stop()
        if args.clients:
            clients(args, url)
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
