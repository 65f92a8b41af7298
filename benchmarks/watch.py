#!/usr/bin/env python3
"""Speed of a `kronika watch` round: 50 local feeds of 20 items each (RSS, Atom, JSON Feed and news
sitemaps in turn; pages made from the bundled samples, each made new by a last line of its own),
served by a local HTTP server, into a new SQLite store. Reports items per second and the share of
the round's time spent fetching (feeds and pages), extracting the pages' text (trafilatura) and
coding (the pipeline, the store and clustering).

usage: python benchmarks/watch.py [--feeds 50] [--items 20]
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from kronika.fetching import Fetcher
    from kronika.pipeline import Pipeline
    from kronika.store import Store
    from kronika.watch import Source, Watcher
    from tests.feedserver import FeedServer, atom, json_feed, news_sitemap, rss

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=50)
    ap.add_argument("--items", type=int, default=20)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    samples = sorted(p.stem for p in (ROOT / "src/kronika/samples").glob("*.txt"))
    web = FeedServer().start()
    web.set("/robots.txt", "User-agent: *\nAllow: /\n", type="text/plain")
    kinds = (("rss", rss, "application/rss+xml"), ("atom", atom, "application/atom+xml"),
             ("json", json_feed, "application/feed+json"), ("sitemap", None, "application/xml"))
    found = []
    for f in range(args.feeds):
        items = [web.page(f"/f{f}/a{i}", samples[(f * args.items + i) % len(samples)],
                          extra=f"(Feed {f}, item {i}.)") for i in range(args.items)]
        name, make, kind = kinds[f % len(kinds)]
        body = news_sitemap(items) if make is None else make(f"Feed {f}", items)
        found.append(Source(web.set(f"/feed{f}.{name}", body, type=kind)))
    from kronika.records import Article

    pipeline = Pipeline.default()
    for lang in ("en", "pl", "ru", "uk", "de", "cs", "bg"):  # warm: the dictionaries and indexes loaded
        pipeline.process(Article("warm", "Police detained 20 protesters in Kyiv on Monday.", lang=lang))
    store = Store(f"sqlite:///{Path(tempfile.mkdtemp()) / 'watch.db'}")
    watcher = Watcher(store, found, pipeline, fetcher=Fetcher(per_host=0.0), every=600.0)
    try:
        t = time.perf_counter()
        rs = watcher.round()
        wall = time.perf_counter() - t
    finally:
        web.stop()
    n = rs.items
    print(f"{len(found)} feeds, {n} items, {rs.batch.stored} articles stored, {rs.batch.events} events in {wall:.1f} s: "
          f"{n / wall:.1f} items/s")
    print(f"time: fetching {rs.fetch_s / wall:.0%} ({rs.fetch_s:.1f} s), extracting {rs.extract_s / wall:.0%} "
          f"({rs.extract_s:.1f} s), coding {(rs.code_s - rs.store_s) / wall:.0%} ({rs.code_s - rs.store_s:.1f} s), "
          f"storing and clustering {rs.store_s / wall:.0%} ({rs.store_s:.1f} s), "
          f"the rest (feeds parsed, state kept) {(wall - rs.fetch_s - rs.extract_s - rs.code_s) / wall:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
