"""Batch extraction: read inputs, run the pipeline, write records; bad inputs are reported and skipped."""
from __future__ import annotations

import contextlib
import logging
import sys
import time
from dataclasses import dataclass
from typing import Iterable, TextIO

from .errors import InputError
from .readers import read_inputs
from .output import Writer
from .pipeline import Pipeline

log = logging.getLogger(__name__)


@dataclass
class Stats:
    articles: int = 0
    events: int = 0
    sentences: int = 0
    failed: int = 0


def extract_paths(paths: Iterable[str], out: TextIO, fmt: str, max_bytes: int = 20_000_000,
                  pipeline: Pipeline | None = None) -> Stats:
    """Extract events from every input under `paths` and write them to `out` in `fmt`."""
    pipeline = pipeline or Pipeline.default()
    writer = Writer(out, fmt)
    stats = Stats()
    with _progress() as advance:
        for item in read_inputs(paths, max_bytes=max_bytes):
            _one(item, pipeline, writer, stats)
            advance(stats)
    writer.close()
    return stats


@contextlib.contextmanager
def _progress():
    """A progress line with articles/s on an interactive terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield lambda stats: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("extracting", total=None)
        start = time.perf_counter()

        def advance(stats: Stats) -> None:
            rate = stats.articles / max(time.perf_counter() - start, 1e-6)
            bar.update(task, description=f"{stats.articles} articles, {stats.events} events, {rate:.1f} articles/s")
        yield advance


def _one(item, pipeline: Pipeline, writer: Writer, stats: Stats) -> None:
    """Process one input (an article or the error reading it) into `writer` and `stats`."""
    if isinstance(item, InputError):
        stats.failed += 1
        print(f"kronika: error: {item}", file=sys.stderr)
        return
    try:
        doc = pipeline.process(item)
    except Exception as exc:  # one article must not stop the batch; report it with its file
        stats.failed += 1
        log.debug("article %s failed", item.path, exc_info=True)
        print(f"kronika: error: {item.path}: could not process ({type(exc).__name__}: {exc}); "
              f"please report it with this file", file=sys.stderr)
        return
    for w in doc.warnings:
        print(f"kronika: warning: {item.path}: {w}", file=sys.stderr)
    stats.articles += 1
    stats.sentences += len(doc.sentences)
    stats.events += len(doc.events)
    writer.write(ev.to_dict() for ev in doc.events)
