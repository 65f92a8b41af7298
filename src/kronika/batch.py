"""The one batch loop: articles in, the pipeline over each, its events handed to a sink.

Every way kronika processes many articles goes through `run_batch`: `kronika extract` (a sink that
writes records), `kronika ingest` and `POST /api/ingest` (a sink that stores them), and each
shard on a Dask worker (a sink that writes Parquet; see `scale.py`). The executors differ only in
where the loop runs: `LocalExecutor` here, `scale.DaskExecutor` on workers, whose finished shards
are handed to the same sinks on the driver.

One input that cannot be read or processed is one error line naming it, counted, and the batch
goes on; notices about an article (no date, no lexicon for its language) are counted by reason
and summed up at the end. Nothing is printed here: problems go to the `kronika.batch` logger (or a
caller's `report`), and only the CLI decides how they look.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol

from .errors import InputError
from .records import Article

log = logging.getLogger(__name__)
MAX_KEPT_ERRORS = 1000  # error lines a BatchStats keeps for later display; the count has no limit


@dataclass
class BatchStats:
    """What a batch did; one type for every executor and sink."""

    articles: int = 0  # articles the pipeline processed
    sentences: int = 0
    events: int = 0
    stored: int = 0  # articles a store took
    skipped: int = 0  # articles a store had already: not processed again
    failed: int = 0  # inputs that could not be read or processed
    warnings: Counter = field(default_factory=Counter)  # notices by reason
    messages: dict[str, str] = field(default_factory=dict)  # reason -> one example message
    errors: list[str] = field(default_factory=list)  # the first MAX_KEPT_ERRORS error lines
    seconds: float = 0.0

    def merge(self, other: "BatchStats") -> None:
        for name in ("articles", "sentences", "events", "stored", "skipped", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.warnings.update(other.warnings)
        for k, v in other.messages.items():
            self.messages.setdefault(k, v)
        self.errors.extend(other.errors[:max(0, MAX_KEPT_ERRORS - len(self.errors))])

    def to_dict(self) -> dict:
        return {"articles": self.articles, "sentences": self.sentences, "events": self.events, "stored": self.stored,
                "skipped": self.skipped, "failed": self.failed, "warnings": dict(self.warnings),
                "messages": self.messages, "errors": self.errors, "seconds": self.seconds}

    @classmethod
    def from_dict(cls, d: dict) -> "BatchStats":
        return cls(d.get("articles", 0), d.get("sentences", 0), d.get("events", 0), d.get("stored", 0),
                   d.get("skipped", 0), d.get("failed", 0), Counter(d.get("warnings") or {}),
                   dict(d.get("messages") or {}), list(d.get("errors") or []), d.get("seconds", 0.0))

    def warning_lines(self) -> list[str]:
        """One line per notice reason: how many articles, and what it means."""
        return [f"{n} article{'s' if n != 1 else ''}: {self.messages.get(reason, reason)}"
                for reason, n in sorted(self.warnings.items(), key=lambda kv: (-kv[1], kv[0]))]


class Sink(Protocol):
    """Where a batch's events go."""

    def known(self, article: Article) -> bool:
        """True when the article was taken before and need not be processed (a store)."""

    def take(self, article: Article, records: list[dict]) -> bool:
        """Take one article's event records; False when it turned out to be there already."""

    def close(self) -> None:
        ...


class WriterSink:
    """Records to an `output.Writer` (standard output or a file, in any format)."""

    def __init__(self, writer):
        self.writer = writer

    def known(self, article: Article) -> bool:
        return False

    def take(self, article: Article, records: list[dict]) -> bool:
        self.writer.write(records)
        return True

    def close(self) -> None:
        self.writer.close()


class StoreSink:
    """Articles and their events into a `store.Store`, one transaction per article."""

    def __init__(self, store):
        self.store = store

    def known(self, article: Article) -> bool:
        return self.store.has_article(article)

    def take(self, article: Article, records: list[dict]) -> bool:
        return self.store.add(article, records)

    def close(self) -> None:
        pass


class ListSink:
    """Records kept in memory, per article (the Python API, tests)."""

    def __init__(self):
        self.items: list[tuple[Article, list[dict]]] = []

    def known(self, article: Article) -> bool:
        return False

    def take(self, article: Article, records: list[dict]) -> bool:
        self.items.append((article, records))
        return True

    def close(self) -> None:
        pass


Report = Callable[[int, str], None]  # (logging level, message)


def log_report(level: int, message: str) -> None:
    log.log(level, "%s", message)


def run_batch(items: Iterable[Article | InputError], pipeline, sink: Sink, stats: BatchStats | None = None,
              report: Report = log_report, progress: Callable[[BatchStats], None] | None = None) -> BatchStats:
    """Process every article of `items` into `sink`; `items` may hold the InputErrors of inputs that
    could not be read, which are reported and counted. Returns the statistics (also updated in
    `stats` when given)."""
    stats = stats if stats is not None else BatchStats()
    start = time.perf_counter()
    for item in items:
        take_one(item, pipeline, sink, stats, report)
        if progress is not None:
            progress(stats)
    stats.seconds += round(time.perf_counter() - start, 3)
    return stats


def take_one(item: Article | InputError, pipeline, sink: Sink, stats: BatchStats, report: Report = log_report) -> None:
    """One input through the pipeline into the sink, with its errors and notices counted."""
    if isinstance(item, InputError):
        _error(stats, report, str(item))
        return
    if sink.known(item):
        stats.skipped += 1
        return
    try:
        doc = pipeline.process(item)
        records = [ev.to_dict() for ev in doc.events]
    except Exception as exc:  # one article must not stop the batch; report it with its input
        log.debug("article %s failed", item.path, exc_info=True)
        _error(stats, report, f"{item.path}: could not process ({type(exc).__name__}: {exc}); "
                              f"please report it with this input")
        return
    for notice in doc.warnings:
        stats.warnings[notice.reason] += 1
        stats.messages.setdefault(notice.reason, notice.message)
        report(logging.DEBUG, f"{item.path}: {notice.message}")
    stats.articles += 1
    stats.sentences += len(doc.sentences)
    stats.events += len(records)
    try:
        took = sink.take(item, records)
    except Exception as exc:  # a record the sink cannot take (a database error): this article only
        log.debug("storing %s failed", item.path, exc_info=True)
        _error(stats, report, f"{item.path}: could not be written ({type(exc).__name__}: {str(exc).splitlines()[0]})")
        return
    if took:
        stats.stored += 1
    else:
        stats.skipped += 1


def _error(stats: BatchStats, report: Report, line: str) -> None:
    stats.failed += 1
    if len(stats.errors) < MAX_KEPT_ERRORS:
        stats.errors.append(line)
    report(logging.ERROR, line)


class LocalExecutor:
    """The batch in this process."""

    def __init__(self, pipeline=None):
        self._pipeline = pipeline

    @property
    def pipeline(self):
        if self._pipeline is None:
            from .api import default_pipeline

            self._pipeline = default_pipeline()  # the process's one pipeline, shared with the Python API
        return self._pipeline

    def run(self, paths: list[str], sink: Sink, max_bytes: int = 20_000_000,
            progress: Callable[[BatchStats], None] | None = None) -> BatchStats:
        from .readers import read_inputs

        try:
            return run_batch(read_inputs(paths, max_bytes=max_bytes), self.pipeline, sink, progress=progress)
        finally:
            sink.close()
