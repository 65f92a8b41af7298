#!/usr/bin/env python3
"""Throughput of `kronika extract` in one process: articles/s, sentences/s, events/s, peak memory,
each stage's share of the time, and the time morfeusz2 alone takes to analyse the same texts.

usage: python benchmarks/throughput.py [FOLDER ...] [--limit N] [--profile]
Default folder: ../shared/benchmarks/slavicner/data/raw/*/pl (the Polish SlavicNER raw texts).
The name index is loaded (and built, if the cache is cold) before timing starts; each article is
seen once (no pass fills the caches with these texts first). The morfeusz2-only pass analyses each article's whole text with
one `Morfeusz.analyse` call, the least any Polish pipeline on morfeusz2 must spend; kronika's time
divided by it says how much of kronika's time is its own work.
"""
from __future__ import annotations

import argparse
import cProfile
import glob
import io
import os
import platform
import pstats
import resource
import sys
import time
from pathlib import Path

from kronika.readers import read_inputs
from kronika.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = str(ROOT.parent / "shared" / "benchmarks" / "slavicner" / "data" / "raw" / "*" / "pl")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", default=[DEFAULT])
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--profile", action="store_true", help="print where the time goes")
    args = ap.parse_args()
    paths = sorted(p for f in args.folders for p in glob.glob(f))
    t0 = time.perf_counter()
    pipeline = Pipeline.default()
    load_s = time.perf_counter() - t0
    articles = [a for a in read_inputs(paths) if not isinstance(a, Exception)]
    if args.limit:
        articles = articles[:args.limit]
    prof = cProfile.Profile() if args.profile else None
    n_sent = n_ev = 0
    stages: dict[str, float] = {}
    t1 = time.perf_counter()
    if prof:
        prof.enable()
    for a in articles:
        doc = pipeline.process(a, timings=stages)
        n_sent += len(doc.sentences)
        n_ev += len([e.to_dict() for e in doc.events])
    if prof:
        prof.disable()
    dt = time.perf_counter() - t1
    morfeusz_s = _morfeusz_only(articles)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"startup (pipeline + name index): {load_s:.2f} s")
    print(f"articles: {len(articles)}  sentences: {n_sent}  events: {n_ev}  chars: {sum(len(a.body) for a in articles)}")
    print(f"time: {dt:.2f} s  articles/s: {len(articles) / dt:.1f}  sentences/s: {n_sent / dt:.0f}  events/s: {n_ev / dt:.0f}")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    print("stages: " + ", ".join(f"{k} {v / dt:.0%}" for k, v in sorted(stages.items(), key=lambda kv: -kv[1])))
    if morfeusz_s is not None:
        print(f"morfeusz2 alone on the same texts: {morfeusz_s:.2f} s, {morfeusz_s / dt:.2f} of kronika's time")
    if prof:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(25)
        print(s.getvalue())
    return 0


def _morfeusz_only(articles) -> float | None:
    """Seconds morfeusz2 takes to analyse the articles' texts, one call an article."""
    try:
        import morfeusz2
    except ImportError:
        return None
    m = morfeusz2.Morfeusz(separate_numbering=True, expand_tags=False)
    m.analyse("rozgrzewka")
    t = time.perf_counter()
    for a in articles:
        m.analyse(a.body)
    return time.perf_counter() - t


if __name__ == "__main__":
    sys.exit(main())
