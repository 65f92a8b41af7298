#!/usr/bin/env python3
"""Scaling of `kronika extract --workers N`: throughput with 1 and 2 local Dask workers, where the
time goes, and each worker's peak memory.

usage: python benchmarks/scaling.py [FOLDER ...] [--lang pl] [--limit N] [--workers 1 2]
                                    [--shard-size 200] [--repeat 1]
Default: the SlavicNER raw articles in ../shared, all languages (5,017 texts); `--lang pl` takes
one language's folders (`raw/*/pl`: 1,104 Polish texts). The articles are first written into one
JSON Lines file, so every run reads the same shards; `--repeat` runs the worker counts in turn
(1, 2, 1, 2 …) so that a slow spell of the machine hits both. Each run starts its own
LocalCluster; its time (`run`) begins when the workers are up and includes their start-up (each
worker loads the dictionaries and the name index once), as `kronika extract --workers N` pays it;
`cluster` is the starting of the worker processes before that. Per worker: start-up (building
the pipeline), work (the shards after it), idle (waiting for the first shard, between shards and
after its last one, until the run ends), its CPU seconds and peak memory; and the CPU of this
process, which holds the client, the scheduler and the workers' nannies.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT.parent / "shared" / "benchmarks" / "slavicner" / "data" / "raw"


def _usage() -> tuple[float, float]:
    """(peak memory in MB, CPU seconds) of the process this runs in."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_maxrss / 1024, r.ru_utime + r.ru_stime


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (Linux), else 0."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def run_once(corpus: Path, out: Path, n: int, shard_size: int) -> dict:
    from dask.distributed import Client

    from kronika.scale import DaskExecutor, local_cluster

    t0 = time.perf_counter()
    cluster = local_cluster(n)
    client = Client(cluster)
    try:
        client.wait_for_workers(n)
        cpu0 = _usage()[1]
        pids = client.run(os.getpid)
        before = {pids[addr]: u[1] for addr, u in client.run(_usage).items()}
        busy0 = _machine_busy()
        t1 = time.perf_counter()
        ex = DaskExecutor(str(out), client=client, shard_size=shard_size)
        stats = ex.run([str(corpus)])
        t2 = time.perf_counter()
        busy = _machine_busy() - busy0
        cpu_client = _usage()[1] - cpu0
        usage = {pids[addr]: (u[0], u[1] - before[pids[addr]]) for addr, u in client.run(_usage).items()}
    finally:
        client.close()
        cluster.close()
    seconds = t2 - t1
    workers = {}
    for r in ex.results:
        w = workers.setdefault(r.worker, {"startup": 0.0, "work": 0.0, "shards": 0})
        w["startup"] += r.setup_seconds
        w["work"] += r.finished - r.started - r.setup_seconds
        w["shards"] += 1
    for pid, w in workers.items():
        w["idle"] = seconds - w["startup"] - w["work"]
        w["peak_mb"], w["cpu"] = usage.get(pid, (0.0, 0.0))
    others = busy - cpu_client - sum(w["cpu"] for w in workers.values())
    return {"workers": n, "others_cpu": others, "articles": stats.articles, "events": stats.events, "shards": ex.shards,
            "cluster_s": t1 - t0, "run_s": seconds, "rate": stats.articles / seconds,
            "client_cpu": cpu_client, "per_worker": workers}


def main() -> int:
    from kronika.readers import read_inputs

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", help="folders or globs of articles (default: SlavicNER raw texts)")
    ap.add_argument("--lang", help="only this language's SlavicNER folders (raw/*/LANG)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--shard-size", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", help="write every run's figures here")
    args = ap.parse_args()
    folders = args.folders or [str(RAW / "*" / (args.lang or "*"))]
    paths = sorted(p for f in folders for p in glob.glob(f))
    articles = [a for a in read_inputs(paths) if hasattr(a, "body")]
    if args.limit:
        articles = articles[:args.limit]
    tmp = Path(tempfile.mkdtemp(prefix="kronika-scaling-"))
    corpus = tmp / "corpus.jsonl"
    with open(corpus, "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps({"id": a.doc_id, "text": a.body, "date": a.date, "lang": a.lang}, ensure_ascii=False) + "\n")
    import kronika

    print(f"{len(articles)} articles, {sum(len(a.body) for a in articles)} characters, shards of {args.shard_size} "
          f"records, {os.cpu_count()} cores; kronika from {Path(kronika.__file__).parent}")
    runs = []
    for i in range(args.repeat):
        for n in args.workers:
            r = run_once(corpus, tmp / f"out-{n}-{i}", n, args.shard_size)
            runs.append(r)
            print(f"{n} worker(s): {r['articles']} articles, {r['events']} events, {r['shards']} shards: "
                  f"run {r['run_s']:.1f} s (cluster start {r['cluster_s']:.1f} s before it): {r['rate']:.1f} articles/s; "
                  f"CPU of this process (client, scheduler, nannies) {r['client_cpu']:.1f} s, "
                  f"of other programs {max(0.0, r['others_cpu']):.1f} s")
            for w in sorted(r["per_worker"].values(), key=lambda w: -w["work"]):
                print(f"    worker: start-up {w['startup']:.1f} s, work {w['work']:.1f} s ({w['shards']} shards), "
                      f"idle {w['idle']:.1f} s, CPU {w['cpu']:.1f} s, peak memory {w['peak_mb']:.0f} MB")
    rates = {n: [r["rate"] for r in runs if r["workers"] == n] for n in args.workers}
    if 1 in rates and 2 in rates:
        one, two = statistics.median(rates[1]), statistics.median(rates[2])
        print(f"speed-up with 2 workers: {two / one:.2f}x (scaling efficiency {two / one / 2:.2f}; median of "
              f"{len(rates[1])} and {len(rates[2])} runs: {one:.1f} and {two:.1f} articles/s)")
        if args.repeat > 1:
            print("  each pair: " + ", ".join(f"{b / a:.2f}x" for a, b in zip(rates[1], rates[2])))
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
