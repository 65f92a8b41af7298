#!/usr/bin/env python3
"""Extraction time against the size of one article: does it grow linearly?

usage: python benchmarks/scaling_size.py [--max-size 2MB] [--kind real|repeated|both]
                                         [--budget SECONDS] [--profile SIZE]

One process, the pipeline built and warmed before timing. Each size is one article built two ways:

- real: Polish news articles of the SlavicNER raw texts (../shared/benchmarks/slavicner/data/raw/
  <topic>/pl; topics brexit, covid-19, nord_stream, russia_-_ukraine_war, then the others if more
  text is needed), joined by blank lines until the size is reached;
- repeated: one of those articles repeated as many times as the size takes.

Sizes are UTF-8 bytes of the body (10KB ... 2MB). The article has no date header, like a plain
file. Printed: seconds per size (the pipeline and the events' records), events found, the process's
peak memory (max RSS) after each size, and the ratio of the 1 MB time to the 0.5 MB time (linear
growth gives 2.0). `--profile SIZE` prints a cProfile of that one size instead. `--budget S`
skips the larger sizes of a kind once one took longer than S seconds (default 300).
"""
from __future__ import annotations

import argparse
import cProfile
import glob
import io
import os
import platform
import pstats
import re
import resource
import sys
import time
from pathlib import Path

from kronika.pipeline import Pipeline
from kronika.records import Article

ROOT = Path(__file__).resolve().parent.parent
RAW = Path(os.environ.get("KRONIKA_SHARED", ROOT.parent / "shared")) / "benchmarks" / "slavicner" / "data" / "raw"
TOPICS = ("brexit", "covid-19", "nord_stream", "russia_-_ukraine_war")  # other topics only when more text is needed
SIZES = ("10KB", "50KB", "100KB", "250KB", "500KB", "1MB", "2MB")
REPEATED = "brexit/pl/brexit_pl.txt_file_1263.txt"  # a 5 KB report with many events


def parse_size(text: str) -> int:
    """Bytes of "10KB", "0.5MB", "2MB" or "2000000"."""
    m = re.fullmatch(r"\s*([\d.]+)\s*(KB|MB|B)?\s*", text, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (write e.g. 500KB or 2MB)")
    unit = (m.group(2) or "B").upper()
    return int(float(m.group(1)) * {"B": 1, "KB": 1000, "MB": 1_000_000}[unit])


def label(n: int) -> str:
    return f"{n / 1e6:g}MB" if n >= 1_000_000 else f"{n / 1000:g}KB"


def _texts(topics: list[str]) -> list[str]:
    out = []
    for topic in topics:
        for path in sorted(glob.glob(str(RAW / topic / "pl" / "*"))):
            out.append(Path(path).read_text(encoding="utf-8").strip())
    return out


def real_text(size: int) -> str:
    """Whole articles joined by blank lines until `size` bytes, the last one cut at a paragraph."""
    others = sorted(p.name for p in RAW.iterdir() if p.is_dir() and p.name not in TOPICS) if RAW.is_dir() else []
    texts = _texts(list(TOPICS))
    parts: list[str] = []
    have = 0
    for extra in [None, *others]:
        if extra is not None:
            texts = _texts([extra])
        for t in texts:
            for para in t.split("\n\n") if have + len(t.encode()) > size else [t]:
                parts.append(para)
                have += len(para.encode()) + 2
                if have >= size:
                    return "\n\n".join(parts)
    if not parts:
        sys.exit(f"no SlavicNER raw texts under {RAW}: set KRONIKA_SHARED to the shared folder")
    sys.exit(f"only {have} bytes of Polish raw text under {RAW}; ask for a smaller --max-size")


def repeated_text(size: int) -> str:
    one = (RAW / REPEATED).read_text(encoding="utf-8").strip()
    n = max(1, -(-size // (len(one.encode()) + 2)))
    return "\n\n".join([one] * n)


def run_one(pipeline: Pipeline, body: str, name: str) -> tuple[float, int]:
    article = Article(doc_id=name, body=body, path=name)
    t = time.perf_counter()
    doc = pipeline.process(article)
    n = len([e.to_dict() for e in doc.events])
    return time.perf_counter() - t, n


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-size", type=parse_size, default=parse_size("2MB"))
    ap.add_argument("--kind", choices=("real", "repeated", "both"), default="both")
    ap.add_argument("--budget", type=float, default=300.0, help="skip larger sizes once one took longer")
    ap.add_argument("--profile", type=parse_size, metavar="SIZE", help="print a cProfile of this one size")
    args = ap.parse_args()
    kinds = ("real", "repeated") if args.kind == "both" else (args.kind,)
    build = {"real": real_text, "repeated": repeated_text}

    t0 = time.perf_counter()
    pipeline = Pipeline.default()
    run_one(pipeline, repeated_text(5000), "warm-up")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"startup and warm-up: {time.perf_counter() - t0:.2f} s; peak memory {peak_mb():.0f} MB")

    if args.profile:
        for kind in kinds:
            body = build[kind](args.profile)
            prof = cProfile.Profile()
            prof.enable()
            seconds, n = run_one(pipeline, body, f"{kind}-{label(args.profile)}")
            prof.disable()
            print(f"\n{kind} {label(args.profile)}: {seconds:.2f} s, {n} events")
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(30)
            print(s.getvalue())
        return 0

    sizes = [parse_size(s) for s in SIZES if parse_size(s) <= args.max_size]
    for kind in kinds:
        print(f"\n{kind} text")
        print(f"{'size':>7} {'chars':>9} {'seconds':>8} {'s/MB':>6} {'events':>7} {'peak MB':>8}")
        times: dict[int, float] = {}
        for size in sizes:
            if times and max(times.values()) > args.budget:
                print(f"{label(size):>7}  skipped: a smaller size took over {args.budget:g} s")
                continue
            body = build[kind](size)
            seconds, n = run_one(pipeline, body, f"{kind}-{label(size)}")
            times[size] = seconds
            print(f"{label(size):>7} {len(body):>9} {seconds:>8.2f} {seconds / size * 1e6:>6.1f} {n:>7} {peak_mb():>8.0f}",
                  flush=True)
        half, one = parse_size("500KB"), parse_size("1MB")
        if half in times and one in times:
            print(f"ratio 1MB / 0.5MB: {times[one] / times[half]:.2f} (linear: 2.0; target: at most 2.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
