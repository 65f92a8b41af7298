"""Scale-out on Dask (dask.distributed): the same pipeline over shards of the inputs, on local
worker processes or an existing cluster, resumably.

Inputs are cut into shards: a JSON Lines file into runs of lines, a WARC or feed file whole, other
files in groups. Each worker builds the pipeline once (its dictionaries and name index) and turns a
shard into Parquet files under the output folder: `articles/`, `events/` and `mentions/`
(one file per shard), with the shard's statistics and errors (each naming its input) in `stats/`.
A shard's files are written under temporary names and renamed, and a marker in `done/` is written
last, so a rerun skips finished shards and redoes any other; a worker that dies has its shard
retried elsewhere. Nothing is written twice: a shard's files have fixed names.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ARTICLE_COLUMNS = ("doc_id", "path", "url", "title", "outlet", "lang", "date", "content_hash", "n_events")
EVENT_COLUMNS = ("doc_id", "event_index", "event_type", "mode", "date", "country", "geonameid", "location", "lat",
                 "lon", "actor_code", "actor_name", "recipient_code", "recipient_name", "source", "language",
                 "sentence", "record")


@dataclass
class Shard:
    id: str
    paths: list[str]
    lines: tuple[int, int] | None = None  # for a JSON Lines file: [first, last) line numbers


@dataclass
class ShardResult:
    id: str
    articles: int = 0
    events: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[dict] = field(default_factory=list)
    skipped: bool = False


def make_shards(paths: list[str], lines_per_shard: int = 200, files_per_shard: int = 50) -> list[Shard]:
    """Shards of the inputs, in a fixed order with ids that stay the same between runs."""
    from .readers import iter_input_files

    files: list[str] = []
    for p in paths:
        files.extend(iter_input_files(p) if os.path.isdir(p) else [p])
    shards: list[Shard] = []
    loose: list[str] = []
    for f in files:
        low = f.lower()
        if low.endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".jsonl.zst")):
            n = _count_lines(f)
            for a in range(0, max(n, 1), lines_per_shard):
                shards.append(Shard(_sid(f, a), [f], (a, min(a + lines_per_shard, n))))
        elif low.endswith((".warc", ".warc.gz", ".rss", ".atom", ".xml")):
            shards.append(Shard(_sid(f, 0), [f]))
        else:
            loose.append(f)
    for i in range(0, len(loose), files_per_shard):
        group = loose[i:i + files_per_shard]
        shards.append(Shard(_sid("\n".join(group), 0), group))
    return shards


def _sid(key: str, start: int) -> str:
    return hashlib.sha1(f"{os.path.abspath(key)}:{start}".encode()).hexdigest()[:16]


def _open_lines(path: str):
    import gzip

    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    if path.endswith(".zst"):
        import io

        import zstandard

        return io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(open(path, "rb")), encoding="utf-8",
                                errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _count_lines(path: str) -> int:
    try:
        with _open_lines(path) as f:
            return sum(1 for _ in f)
    except OSError:
        return 1  # the reader reports the problem when the shard runs


_PIPELINE = None


def _pipeline():
    """The worker's pipeline, built on its first shard and kept for the next ones."""
    global _PIPELINE
    if _PIPELINE is None:
        from .pipeline import Pipeline

        _PIPELINE = Pipeline.default()
    return _PIPELINE


def _articles(shard: Shard, max_bytes: int):
    from .readers import read_inputs

    if shard.lines is None:
        yield from read_inputs(shard.paths, max_bytes=max_bytes)
        return
    from .errors import InputError
    from .readers import _Problem, _jsonl_article, _stem

    a, b = shard.lines
    path = shard.paths[0]
    stem = _stem(path)
    try:
        with _open_lines(path) as f:
            for n, line in enumerate(f):
                if n >= b:
                    break
                if n < a or not line.strip():
                    continue
                where = f"{path}:{n + 1}"  # the same ids and places as reading the whole file
                data = line.encode("utf-8")
                if len(data) > max_bytes:
                    yield InputError(where, "line is over the size limit", "split the article or raise --max-bytes")
                    continue
                try:
                    yield _jsonl_article(data, where, f"{stem}-{n + 1}")
                except _Problem as err:
                    yield InputError(where, err.problem, err.fix)
    except OSError as err:
        yield InputError(path, f"cannot read it: {err}", "check that the path exists and is readable")


def process_shard(shard: Shard, out: str, max_bytes: int = 20_000_000) -> ShardResult:
    """Extract one shard into Parquet under `out` (skipped when its marker says it is done)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .errors import InputError
    from .store import Store

    root = Path(out)
    done = root / "done" / f"{shard.id}.json"
    if done.exists():
        return ShardResult(shard.id, skipped=True, **{k: v for k, v in json.loads(done.read_text()).items()
                                                       if k in ("articles", "events", "failed")})
    t = time.perf_counter()
    res = ShardResult(shard.id)
    arts, evs = [], []
    pipeline = _pipeline()
    for item in _articles(shard, max_bytes):
        if isinstance(item, InputError):
            res.failed += 1
            res.errors.append({"input": item.path, "error": f"{item.problem} ({item.fix})"})
            continue
        try:
            records = [e.to_dict() for e in pipeline.process(item).events]
        except Exception as exc:  # one article must not stop the shard
            res.failed += 1
            res.errors.append({"input": item.path, "error": f"{type(exc).__name__}: {exc}"})
            continue
        res.articles += 1
        res.events += len(records)
        arts.append({"doc_id": item.doc_id, "path": item.path, "url": item.url, "title": item.title,
                     "outlet": item.outlet, "lang": item.lang, "date": item.date,
                     "content_hash": Store.content_hash(item.body), "n_events": len(records), "body": item.body})
        for i, r in enumerate(records):
            loc = r.get("location") or {}
            evs.append({"doc_id": item.doc_id, "event_index": i, "event_type": r["event_type"], "mode": r.get("mode"),
                        "date": r.get("date"), "country": loc.get("country"), "geonameid": loc.get("geonameid"),
                        "location": loc.get("name"), "lat": loc.get("lat"), "lon": loc.get("lon"),
                        "actor_code": (r.get("actor") or {}).get("code"), "actor_name": (r.get("actor") or {}).get("name"),
                        "recipient_code": (r.get("recipient") or {}).get("code"),
                        "recipient_name": (r.get("recipient") or {}).get("name"),
                        "source": (r.get("source") or {}).get("name"), "language": r.get("language"),
                        "sentence": (r.get("evidence") or {}).get("sentence"),
                        "record": json.dumps(r, ensure_ascii=False)})
    res.seconds = round(time.perf_counter() - t, 3)
    for name, rows, cols in (("articles", arts, (*ARTICLE_COLUMNS, "body")), ("events", evs, EVENT_COLUMNS)):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(rows, schema=_schema(cols)) if rows else pa.Table.from_pylist([], schema=_schema(cols))
        tmp = folder / f".{shard.id}.{os.getpid()}.tmp"
        pq.write_table(table, tmp)
        tmp.replace(folder / f"shard-{shard.id}.parquet")
    stats_dir = root / "stats"
    stats_dir.mkdir(parents=True, exist_ok=True)
    (stats_dir / f"{shard.id}.json").write_text(json.dumps({**asdict(res), "paths": shard.paths,
                                                            "lines": shard.lines}, ensure_ascii=False), "utf-8")
    done.parent.mkdir(parents=True, exist_ok=True)
    tmp = done.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"articles": res.articles, "events": res.events, "failed": res.failed}), "utf-8")
    tmp.replace(done)
    return res


def _schema(cols):
    import pyarrow as pa

    types = {"event_index": pa.int32(), "geonameid": pa.int64(), "lat": pa.float64(), "lon": pa.float64(),
             "n_events": pa.int32()}
    return pa.schema([(c, types.get(c, pa.string())) for c in cols])


def run(paths: list[str], out: str, workers: int = 2, scheduler: str | None = None, max_bytes: int = 20_000_000,
        store_url: str | None = None, progress: bool = True, shard_size: int = 200, client=None) -> dict:
    """Process every shard on Dask; with `store_url`, also put the results into the store (each
    article in one transaction, so a rerun stores nothing twice). Returns a summary."""
    import logging

    from dask.distributed import Client, LocalCluster, as_completed

    logging.getLogger("distributed").setLevel(logging.ERROR)
    shards = make_shards(paths, lines_per_shard=shard_size, files_per_shard=max(1, shard_size // 4))
    Path(out).mkdir(parents=True, exist_ok=True)
    cluster = None
    own_client = client is None
    if client is not None:
        pass  # a caller's client (tests, notebooks): left open
    elif scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               memory_limit="3GB", silence_logs=logging.ERROR)
        client = Client(cluster)
    t = time.perf_counter()
    summary = {"shards": len(shards), "skipped_shards": 0, "articles": 0, "events": 0, "failed": 0, "stored": 0}
    try:
        futures = [client.submit(process_shard, s, out, max_bytes, key=f"shard-{s.id}", retries=3, pure=False)
                   for s in shards]
        store = None
        if store_url:
            from .store import Store

            store = Store.open(store_url)
        bar = _Bar(len(shards)) if progress and sys.stderr.isatty() else None
        for fut in as_completed(futures):
            res: ShardResult = fut.result()
            summary["skipped_shards"] += res.skipped
            summary["articles"] += res.articles
            summary["events"] += res.events
            summary["failed"] += res.failed
            for e in res.errors:
                print(f"kronika: error: {e['input']}: {e['error']}", file=sys.stderr)
            if store is not None:
                summary["stored"] += store_shard(store, out, res.id)
            if bar:
                bar.update(summary, time.perf_counter() - t)
        if bar:
            bar.close()
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()
    summary["seconds"] = round(time.perf_counter() - t, 1)
    summary["articles_per_s"] = round(summary["articles"] / summary["seconds"], 1) if summary["seconds"] else None
    (Path(out) / "summary.json").write_text(json.dumps(summary, indent=1), "utf-8")
    return summary


def store_shard(store, out: str, shard_id: str) -> int:
    """Put one finished shard's articles and events into the store; articles stored before are
    skipped, so this is safe to repeat."""
    import pyarrow.parquet as pq

    from .records import Article

    root = Path(out)
    arts = pq.read_table(root / "articles" / f"shard-{shard_id}.parquet").to_pylist()
    evs = pq.read_table(root / "events" / f"shard-{shard_id}.parquet").to_pylist()
    by_doc: dict[str, list[dict]] = {}
    for e in evs:
        by_doc.setdefault(e["doc_id"], []).append(json.loads(e["record"]))
    stored = 0
    for a in arts:
        article = Article(a["doc_id"], a["body"], path=a["path"], date=a["date"], title=a["title"], url=a["url"],
                          lang=a["lang"], outlet=a["outlet"])
        stored += store.add(article, by_doc.get(a["doc_id"], []))
    return stored


class _Bar:
    def __init__(self, total: int):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.p = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} shards"),
                          TimeElapsedColumn(), transient=True)
        self.p.start()
        self.task = self.p.add_task("extracting", total=total)

    def update(self, s: dict, seconds: float) -> None:
        self.p.update(self.task, advance=1, description=f"{s['articles']} articles, {s['events']} events, "
                                                         f"{s['articles'] / max(seconds, 1e-6):.1f} articles/s")

    def close(self) -> None:
        self.p.stop()
