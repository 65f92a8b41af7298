"""Scale-out on Dask (dask.distributed): the batch loop of `batch.py` over shards of the inputs, on
local worker processes or an existing cluster, resumably.

Inputs are cut into shards: a JSON Lines file into runs of records, a WARC or feed file whole, other
files in groups; a small job into about MIN_SHARDS of them. The largest go first and each worker
takes one at a time, so the workers end together. Each worker builds the pipeline once (its dictionaries and name index) and runs
`batch.run_batch` over a shard into Parquet files under the work folder: `articles/` and `events/`
(one file per shard; event columns are the flat schema of `flat.py` plus the JSON record), with the
shard's statistics and errors (each naming its input) in `stats/`. A shard's files are written
under temporary names and renamed, and a marker in `done/` is written last, so a rerun skips
finished shards and redoes any other; a worker that dies has its shard retried elsewhere. On the
driver, each finished shard is handed to the caller's sink (a store, a writer), as the local
executor would hand it article by article.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from bisect import bisect_right
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Callable

from .batch import BatchStats, Sink, run_batch
from .decoding import expanded_limit
from .errors import printable
from .flat import arrow_schema, flatten
from .readers import (
    FEED_SUFFIXES,
    iter_input_files,
    open_binary,
    read_inputs,
    read_jsonl,
)
from .records import Article

log = logging.getLogger(__name__)
ARTICLE_COLUMNS = ("doc_id", "path", "url", "title", "outlet", "lang", "date", "n_events", "body")
JSONL_SHARDED = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".jsonl.zst", ".ndjson.zst")


@dataclass
class Shard:
    id: str
    paths: list[str]
    lines: tuple[int, int | None] | None = None  # for a JSON Lines file: lines first+1 .. last (None: to the end)
    size: int = 1  # bytes of input (uncompressed for JSON Lines, as stored for others): the larger go first


@dataclass
class ShardResult:
    id: str
    stats: BatchStats
    skipped: bool = False  # done by an earlier run
    worker: int = 0  # the process id that ran it
    started: float = 0.0  # time.time() on the worker when it began and when it ended
    finished: float = 0.0
    setup_seconds: float = 0.0  # building the worker's pipeline (its first shard only)


MAX_SHARDS_PER_FILE = 1000  # a file of more records gets longer shards (a corpus this big, or a bomb)
_LINE_MARKS = bytes(0 if b == 10 else 1 for b in range(256))  # a newline as 0, any other byte as 1
_NON_BLANK = re.compile(rb"[^\n]+")


def make_shards(paths: list[str], lines_per_shard: int = 200, files_per_shard: int = 50,
                max_bytes: int = 20_000_000) -> list[Shard]:
    """Shards of the inputs, in a fixed order with ids that stay the same between runs.

    A JSON Lines file is cut into runs of `lines_per_shard` records (lines that are not blank), at
    most MAX_SHARDS_PER_FILE of them (then the runs are longer); a compressed file is counted only
    as far as its reader would read (50 × `max_bytes`), and the last run of a file reads to its
    end, where the reader reports anything past the limit. A file of blank lines is one shard.
    """
    files: list[str] = []
    for p in paths:
        files.extend(iter_input_files(p) if os.path.isdir(p) else [p])
    shards: list[Shard] = []
    loose: list[str] = []
    for f in files:
        low = f.lower()
        if low.endswith(JSONL_SHARDED):
            starts, end = _shard_starts(f, lines_per_shard, expanded_limit(max_bytes))
            ends = [*starts[1:], (None, end)]
            shards.extend(Shard(_sid(f, a), [f], (a, b), size=max(1, e - o))
                          for (a, o), (b, e) in zip(starts, ends))
        elif low.endswith((".warc", ".warc.gz", *FEED_SUFFIXES)):
            shards.append(Shard(_sid(f, 0), [f], size=_file_size(f)))
        else:
            loose.append(f)
    for i in range(0, len(loose), files_per_shard):
        group = loose[i:i + files_per_shard]
        shards.append(Shard(_sid("\n".join(group), 0), group, size=sum(map(_file_size, group))))
    return shards


MIN_SHARDS = 32  # a job of fewer shards is cut finer, so that no worker is left with a long last one
MIN_SHARD_SIZE = 10  # ... but not below this many records (or files / 4) a shard


def plan_shards(paths: list[str], shard_size: int = 200, max_bytes: int = 20_000_000) -> list[Shard]:
    """The shards of a job: runs of at most `shard_size` JSON Lines records, or groups of
    `shard_size` / 4 files (see make_shards). A job of fewer than MIN_SHARDS shards is cut into about
    MIN_SHARDS smaller ones: with six shards of 200 records two workers often end seconds apart,
    one of them idle. The plan depends only on the inputs and `shard_size`, never on the number of
    workers, so a rerun finds the same shards whatever runs it."""
    shards = make_shards(paths, lines_per_shard=shard_size, files_per_shard=max(1, shard_size // 4),
                         max_bytes=max_bytes)
    if len(shards) < MIN_SHARDS and shard_size > MIN_SHARD_SIZE:
        finer = max(MIN_SHARD_SIZE, -(-shard_size * len(shards) // MIN_SHARDS))
        if finer < shard_size:
            shards = make_shards(paths, lines_per_shard=finer, files_per_shard=max(1, finer // 4),
                                 max_bytes=max_bytes)
    return shards


def _file_size(path: str) -> int:
    try:
        return max(1, os.path.getsize(path))
    except OSError:  # the reader reports it
        return 1


def _sid(key: str, start: int) -> str:
    return hashlib.sha1(f"{os.path.abspath(key)}:{start}".encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _shard_starts(path: str, per_shard: int, max_total: int) -> tuple[list[tuple[int, int]], int]:
    """Where the shards of a JSON Lines file begin, as (lines before it, bytes before it), and the
    bytes of the file (as far as it is read): a shard begins before every `per_shard`-th record (a
    line that is not blank), so at lines 0, 200, 400 … of a file without blank lines. Lines and
    records are counted at C speed; a file of more than MAX_SHARDS_PER_FILE shards (a corpus to
    split, or a bomb) gets longer shards that begin at the 1 MB chunks of the count."""
    limit = max_total if path.lower().endswith((".gz", ".zst")) else None
    exact, chunks = [(0, 0)], []  # chunks: (lines, records, bytes) before each chunk
    records = lines = total = 0
    inside = False  # the last chunk ended inside a line
    try:
        with open_binary(path) as f:
            while chunk := f.read(1 << 20):
                if limit is not None:
                    chunk = chunk[:limit - total]
                chunks.append((lines, records, total))
                offset, total = total, total + len(chunk)
                newlines = chunk.count(b"\n")
                if newlines == len(chunk):  # blank lines only (a bomb of them)
                    lines, inside = lines + newlines, False
                    if limit is not None and total >= limit:
                        break
                    continue
                marks = chunk.translate(_LINE_MARKS)
                begun = marks.count(b"\0\1") + (marks[:1] == b"\1" and not inside)  # records that start here
                boundary = max(per_shard, -(-records // per_shard) * per_shard)  # the next record to begin a shard
                if boundary < records + begun and len(exact) < MAX_SHARDS_PER_FILE:
                    matches, pos, before, index = _NON_BLANK.finditer(chunk), 0, lines, records
                    if inside and marks[:1] == b"\1":
                        next(matches)  # the end of the last chunk's line
                    while boundary < records + begun and len(exact) < MAX_SHARDS_PER_FILE:
                        match = next(islice(matches, boundary - index, None))
                        before += chunk.count(b"\n", pos, match.start())
                        pos = match.start()
                        exact.append((before, offset + pos))
                        index, boundary = boundary + 1, boundary + per_shard
                records += begun
                lines += newlines
                inside = marks[-1:] == b"\1" if chunk else inside
                if limit is not None and total >= limit:
                    break
    except Exception:  # the reader reports the problem when the shard runs
        log.debug("counting the records of %s failed", printable(path), exc_info=True)
    if records <= per_shard * MAX_SHARDS_PER_FILE:
        return exact, total
    step = per_shard * -(-records // (per_shard * MAX_SHARDS_PER_FILE))
    firsts = [r for _, r, _ in chunks]
    starts = {chunks[bisect_right(firsts, b) - 1] for b in range(step, records, step)}
    return sorted({(0, 0), *((line, offset) for line, _, offset in starts)}), total


def shard_items(shard: Shard, max_bytes: int):
    """The articles (and input errors) of one shard."""
    if shard.lines is None:
        return read_inputs(shard.paths, max_bytes=max_bytes)
    return read_jsonl(shard.paths[0], max_bytes, first=shard.lines[0], last=shard.lines[1])


_PIPELINE = None


def _pipeline():
    """The worker's pipeline, built on its first shard and kept for the next ones."""
    global _PIPELINE
    if _PIPELINE is None:
        from .pipeline import Pipeline

        _PIPELINE = Pipeline.default()
    return _PIPELINE


# Each worker holds one shard at a time and takes the next from the scheduler when it is done (by
# default a worker is sent a second one to queue, which can leave the other idle at the end). The
# rest keeps Dask's own upkeep off the cores the shards need: no statistical profiler sampling the
# running shard every 10 ms, and the event loops' health check, system and memory monitors wake
# less often (at Dask's defaults two idle workers, their nannies and the scheduler take some 7%
# of a core, a GIL hand-over in the worker every 20 ms; this way about 1.5%).
CLUSTER_CONFIG = {
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "500ms",
    "distributed.deploy.cluster-repr-interval": "2s",
}


def local_cluster(workers: int):
    """A LocalCluster of `workers` processes of one thread each (what `--workers N` starts)."""
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set(CLUSTER_CONFIG):  # the scheduler and the nannies read it as they start
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            dashboard_address=":0", memory_limit="3GB", silence_logs=logging.ERROR)


class ParquetSink:
    """A shard's articles and events, written as two Parquet files when closed."""

    def __init__(self, root: Path, shard_id: str):
        self.root, self.shard_id = root, shard_id
        self.articles: list[dict] = []
        self.events: list[dict] = []

    def known(self, article: Article) -> bool:
        return False

    def take(self, article: Article, records: list[dict]) -> bool:
        self.articles.append({"doc_id": article.doc_id, "path": article.path, "url": article.url,
                              "title": article.title, "outlet": article.outlet, "lang": article.lang,
                              "date": article.date, "n_events": len(records), "body": article.body})
        for i, r in enumerate(records):
            self.events.append({"event_index": i, **flatten(r), "record": json.dumps(r, ensure_ascii=False)})
        return True

    def close(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        art_schema = pa.schema([(c, pa.int32() if c == "n_events" else pa.string()) for c in ARTICLE_COLUMNS])
        ev_schema = arrow_schema(extra=(("event_index", "int"),)).append(pa.field("record", pa.string()))
        for name, rows, schema in (("articles", self.articles, art_schema), ("events", self.events, ev_schema)):
            folder = self.root / name
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{self.shard_id}.{os.getpid()}.tmp"
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp)
            tmp.replace(folder / f"shard-{self.shard_id}.parquet")


def process_shard(shard: Shard, out: str, max_bytes: int = 20_000_000) -> ShardResult:
    """Extract one shard into Parquet under `out` (skipped when its marker says it is done)."""
    started = time.time()
    root = Path(out)
    done = root / "done" / f"{shard.id}.json"
    if done.exists():
        return ShardResult(shard.id, BatchStats.from_dict(json.loads(done.read_text("utf-8"))), skipped=True,
                           worker=os.getpid(), started=started, finished=time.time())
    stats = BatchStats()
    sink = ParquetSink(root, shard.id)
    building = _PIPELINE is None
    pipeline = _pipeline()
    setup = time.time() - started if building else 0.0
    # errors travel back in the statistics; the driver reports them
    run_batch(shard_items(shard, max_bytes), pipeline, sink, stats, report=lambda level, msg: None)
    sink.close()
    stats_dir = root / "stats"
    # paths may hold undecodable bytes (surrogate escapes): ASCII JSON keeps them writable
    stats_dir.mkdir(parents=True, exist_ok=True)
    (stats_dir / f"{shard.id}.json").write_text(json.dumps({**stats.to_dict(), "paths": shard.paths,
                                                            "lines": shard.lines}), "utf-8")
    done.parent.mkdir(parents=True, exist_ok=True)
    tmp = done.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(stats.to_dict()), "utf-8")
    tmp.replace(done)
    return ShardResult(shard.id, stats, worker=os.getpid(), started=started, finished=time.time(),
                       setup_seconds=setup)


def shard_contents(out: str, shard_id: str):
    """(Article, records) of every article of a finished shard, in order."""
    import pyarrow.parquet as pq

    root = Path(out)
    arts = pq.read_table(root / "articles" / f"shard-{shard_id}.parquet").to_pylist()
    evs = pq.read_table(root / "events" / f"shard-{shard_id}.parquet", columns=["doc_id", "record"]).to_pylist()
    by_doc: dict[str, list[dict]] = {}
    for e in evs:
        by_doc.setdefault(e["doc_id"], []).append(json.loads(e["record"]))
    for a in arts:
        yield (Article(a["doc_id"], a["body"], path=a["path"], date=a["date"], title=a["title"], url=a["url"],
                       lang=a["lang"], outlet=a["outlet"]), by_doc.get(a["doc_id"], []))


class DaskExecutor:
    """The batch on Dask workers: local processes (`workers`) or a cluster (`scheduler`), or a
    caller's `client` (tests, notebooks; left open). Shards go to `work_dir`."""

    def __init__(self, work_dir: str, workers: int = 2, scheduler: str | None = None, shard_size: int = 200,
                 client=None):
        self.work_dir, self.workers, self.scheduler = work_dir, workers, scheduler
        self.shard_size, self.client = shard_size, client
        self.shards = 0
        self.skipped_shards = 0
        self.results: list[ShardResult] = []  # the last run's shards, as they finished

    def run(self, paths: list[str], sink: Sink | None = None, max_bytes: int = 20_000_000,
            progress: Callable[[BatchStats], None] | None = None) -> BatchStats:
        """Process every shard; each finished shard's articles go to `sink` on this machine (a store
        skips what it has, so a rerun stores nothing twice). Returns the merged statistics."""
        from dask.distributed import Client, as_completed

        logging.getLogger("distributed").setLevel(logging.ERROR)
        shards = plan_shards(paths, self.shard_size, max_bytes)
        self.shards, self.skipped_shards, self.results = len(shards), 0, []
        Path(self.work_dir).mkdir(parents=True, exist_ok=True)
        cluster, client = None, self.client
        if client is None and self.scheduler:
            client = Client(self.scheduler)
        elif client is None:
            cluster = local_cluster(self.workers)
            client = Client(cluster)
        total = BatchStats()
        t = time.perf_counter()
        try:
            # the largest first, so that the shards left at the end are short and the workers end together
            order = sorted(shards, key=lambda s: -s.size)
            futures = [client.submit(process_shard, s, self.work_dir, max_bytes, key=f"shard-{s.id}", retries=3,
                                     pure=False, priority=len(order) - i) for i, s in enumerate(order)]
            for fut in as_completed(futures):
                res: ShardResult = fut.result()
                self.results.append(res)
                self.skipped_shards += res.skipped
                part = res.stats
                if not res.skipped:
                    for line in part.errors:
                        log.error("%s", line)
                part.stored = part.skipped = 0
                if sink is not None:
                    for article, records in shard_contents(self.work_dir, res.id):
                        if sink.take(article, records):
                            part.stored += 1
                        else:
                            part.skipped += 1
                total.merge(part)
                if progress is not None:
                    progress(total)
        finally:
            if sink is not None:
                sink.close()
            if self.client is None:
                client.close()
            if cluster is not None:
                cluster.close()
        total.seconds = round(time.perf_counter() - t, 1)
        summary = {**total.to_dict(), "shards": self.shards, "skipped_shards": self.skipped_shards}
        (Path(self.work_dir) / "summary.json").write_text(json.dumps(summary, indent=1), "utf-8")
        return total
