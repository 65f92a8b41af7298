#!/usr/bin/env python3
"""Scaling of `kronika extract --workers N`: throughput with 1 and 2 local Dask workers on the
SlavicNER raw articles (all languages, 5,017 texts in ../shared), and each worker's peak memory.

usage: python benchmarks/scaling.py [--limit N] [--workers 1 2] [--lang pl]
The articles are first written into one JSON Lines file (so both runs read the same shards); each
run starts its own LocalCluster, and its time includes the workers' start-up (loading the
dictionaries and the name index once per worker).
"""
from __future__ import annotations

import argparse
import glob
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    from dask.distributed import Client, LocalCluster

    from kronika.readers import read_inputs
    from kronika.scale import DaskExecutor

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--shard-size", type=int, default=200)
    ap.add_argument("--lang", default="*", help="one language's articles only (pl: the 1,104 Polish ones)")
    args = ap.parse_args()
    paths = sorted(glob.glob(str(ROOT.parent / f"shared/benchmarks/slavicner/data/raw/*/{args.lang}/*")))
    articles = [a for a in read_inputs(paths) if hasattr(a, "body")]
    if args.limit:
        articles = articles[:args.limit]
    tmp = Path(tempfile.mkdtemp())
    corpus = tmp / "corpus.jsonl"
    with open(corpus, "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps({"id": a.doc_id, "text": a.body, "date": a.date, "lang": a.lang}, ensure_ascii=False) + "\n")
    print(f"{len(articles)} articles, {sum(len(a.body) for a in articles)} characters")
    rates = {}
    for n in args.workers:
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                               memory_limit="3GB", silence_logs=40)
        client = Client(cluster)
        try:
            t = time.perf_counter()
            stats = DaskExecutor(str(tmp / f"out-{n}"), client=client, shard_size=args.shard_size).run([str(corpus)])
            seconds = time.perf_counter() - t
            peaks = client.run(_peak_mb)
        finally:
            client.close()
            cluster.close()
        rates[n] = stats.articles / seconds
        print(f"{n} worker(s): {stats.articles} articles, {stats.events} events in {seconds:.0f} s: "
              f"{rates[n]:.1f} articles/s; peak memory per worker {max(peaks.values()):.0f} MB")
    if 1 in rates and 2 in rates:
        print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x (scaling efficiency {rates[2] / rates[1] / 2:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
