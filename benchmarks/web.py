#!/usr/bin/env python3
"""Speed of `kronika serve` on a store of 100,000 events: /api/events for one country and month,
and the time until the page is interactive (markers on the map) in headless Chromium.

usage: python benchmarks/web.py [--db sqlite:///PATH] [--events N]
Without --db a SQLite store of N events is built first (tests/synthetic.py, as benchmarks/store.py
does; 33 minutes for 100,000 on 2 cores) and kept at /tmp/kronika-bench-N.db for the next run.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from kronika.web.app import create_app

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db")
    ap.add_argument("--events", type=int, default=100_000)
    args = ap.parse_args()
    db = args.db
    if not db:
        path = Path(f"/tmp/kronika-bench-{args.events}.db")
        db = f"sqlite:///{path}"
        if not path.exists():
            from kronika.pipeline import Pipeline
            from tests.synthetic import build_store

            t = time.perf_counter()
            partial = path.with_name(path.name + ".partial")  # renamed when whole: an interrupted build is not reused
            for old in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
                old.unlink(missing_ok=True)
            store, made, _ = build_store(f"sqlite:///{partial}", args.events, Pipeline.default())
            store.engine.dispose()
            partial.rename(path)
            print(f"built a store of {made} events in {time.perf_counter() - t:.0f} s")
    from tests.serving import serve

    base, stop = serve(create_app(db))
    try:
        url = base + "/api/events?country=UA&since=2025-06-01&until=2025-06-30&page_size=300"
        urllib.request.urlopen(url).read()  # warm
        times = []
        for _ in range(10):
            t = time.perf_counter()
            body = urllib.request.urlopen(url).read()
            times.append((time.perf_counter() - t) * 1000)
        n = len(json.loads(body)["items"])
        print(f"/api/events country+month ({n} clusters of a page of 300): median {statistics.median(times):.0f} ms, "
              f"max {max(times):.0f} ms")
        for q in ("/api/events?per=mention&type=PROTEST&text=police&page_size=300", "/api/stats?country=UA"):
            t = time.perf_counter()
            urllib.request.urlopen(base + q).read()
            print(f"{q}: {(time.perf_counter() - t) * 1000:.0f} ms")
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
            print(f"page interactive (markers drawn, {markers} clusters): median {statistics.median(results):.2f} s")
        finally:
            driver.quit()
    finally:
        stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
