"""The Python API, for notebooks and scripts: `kronika.extract`, `kronika.read` and `kronika.Store`.

>>> import kronika
>>> events = kronika.extract("Policja zatrzymała w czwartek w Gdańsku 12 osób.", lang="pl",
...                          date="2026-03-05")                                   # doctest: +SKIP
>>> events[0].to_dict()["event_type"]                                            # doctest: +SKIP
'COERCE'

The pipeline (dictionaries and the name index) is built on the first call and shared by the
calls after it in this process.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator

from .errors import InputError
from .formats import parse_article, parse_date
from .records import Article, Event

log = logging.getLogger(__name__)
_lock = threading.Lock()
_pipeline = None


def default_pipeline():
    """The process's shared pipeline, built on first use."""
    global _pipeline
    with _lock:
        if _pipeline is None:
            from .pipeline import Pipeline

            _pipeline = Pipeline.default()
        return _pipeline


def extract(text: str | Article, *, lang: str | None = None, date: str | None = None,
            doc_id: str | None = None) -> list[Event]:
    """The events one article reports. `text` is the article body (or an `Article`, whose own fields
    are kept unless given here); `date` (YYYY, YYYY-MM or YYYY-MM-DD) resolves "on Tuesday";
    `lang` skips language identification. Each event's `to_dict()` is the spec's JSON record, the
    same as `kronika extract -f jsonl` writes."""
    if isinstance(text, Article):
        article = text
        if lang or date or doc_id:
            from dataclasses import replace

            article = replace(article, lang=lang or article.lang, date=parse_date(date) if date else article.date,
                              doc_id=doc_id or article.doc_id)
    elif isinstance(text, str):
        if not text.strip():
            return []
        # the spec's text format: header lines (id, date, lang, source, title) are read when present
        article = parse_article(text.replace("\r\n", "\n").replace("\r", "\n"), "text", default_id=doc_id or "text")
        if lang or date or doc_id:
            from dataclasses import replace

            article = replace(article, lang=lang or article.lang, date=parse_date(date) if date else article.date,
                              doc_id=doc_id or article.doc_id)
    else:
        raise TypeError(f"extract() takes article text (str) or an Article, not {type(text).__name__}")
    return default_pipeline().process(article).events


def read(*paths: str, max_bytes: int = 20_000_000, errors: str = "log") -> Iterator[Article]:
    """Articles of files, folders (recursively), JSON Lines, HTML, feeds and WARC archives.
    An input that cannot be read is logged and skipped (`errors="log"`) or raised (`"raise"`)."""
    from .readers import read_inputs

    if errors not in ("log", "raise"):
        raise ValueError("errors is 'log' or 'raise'")
    for item in read_inputs(list(paths), max_bytes=max_bytes):
        if isinstance(item, InputError):
            if errors == "raise":
                raise item
            log.warning("%s", item)
            continue
        yield item


def articles_of(inputs: Iterable[str | Article] | str | Article) -> tuple[list[str], list[Article]]:
    """Paths and Articles of what a caller handed in (a path, an Article, or a list of either)."""
    if isinstance(inputs, (str, Article)):
        inputs = [inputs]
    paths, articles = [], []
    for x in inputs:
        (articles if isinstance(x, Article) else paths).append(x if isinstance(x, Article) else str(x))
    return paths, articles
