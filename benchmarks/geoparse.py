#!/usr/bin/env python3
"""Speed and memory of `kronika geoparse` in one process: toponyms/s, articles/s, peak memory,
and the time to load the gazetteer (the name index) from its cache.

usage: python benchmarks/geoparse.py [--benchmark lgl|gwn|geovirus|trnews] [--limit N]
The articles are the texts of a geoparsing gold set in ../shared/benchmarks/geoparsing (LGL by
default: 588 local news articles). The index is built first if the cache is cold.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time

from kronika.eval import geobench
from kronika.gazetteer import load_index
from kronika.geoparse import geoparse
from kronika.morph import Morphology
from kronika.pipeline import Pipeline
from kronika.records import Article


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--benchmark", default="lgl", choices=geobench.BENCHMARKS)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    load_index(Morphology())  # build the cache if it is cold, outside the timing
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    morph = Morphology()
    index = load_index(morph)
    load_s = time.perf_counter() - t0
    pipeline = Pipeline.default(morph, index)
    docs = geobench.load(args.benchmark, limit=args.limit)
    t1 = time.perf_counter()
    n = 0
    for d in docs:
        n += len(geoparse(pipeline, Article(d.doc_id, d.text, lang="en")))
    dt = time.perf_counter() - t1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    chars = sum(len(d.text) for d in docs)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"gazetteer load from cache: {load_s:.2f} s ({len(index.names)} names, {len(index.places)} places)")
    print(f"articles: {len(docs)}  chars: {chars}  toponyms: {n}")
    print(f"time: {dt:.2f} s  toponyms/s: {n / dt:.0f}  articles/s: {len(docs) / dt:.1f}  chars/s: {chars / dt:.0f}")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB (before the timed load: {rss0:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
