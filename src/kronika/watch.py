"""`kronika watch`: follow news feeds, code what is new, keep the clusters current, raise alerts.

A round polls each source that is due (RSS, Atom, JSON Feed or a news sitemap) with a conditional
request; the items it has not seen are written to the store (`feed_items`) in the same
transaction as the feed's new validators, so an item is never lost between a feed that answers
304 and a watcher that died. Each item is then claimed by one watcher (an UPDATE that only one
can win), its page fetched (robots.txt and a per-host interval obeyed) and read as the HTML
reader does (trafilatura), coded by the pipeline and stored through the one batch loop, which
clusters it with what the store holds; the item is then done. A claim whose watcher died is taken
over once it is `claim_ttl` old, at once by a watcher of the same name (a restarted one). A
source that fails is retried in later rounds, less often each time, while the others go on.
After the round the saved alerts are evaluated (`alerts.py`).

The store's `articles` stay the one record of what was coded: an article whose URL or text is
there is not coded again, whichever watcher or round meets it.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
import shlex
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

from .batch import BatchStats, StoreSink, take_one
from .decoding import human_size
from .errors import InputProblem, KronikaError
from .feeds import FeedEntry, parse_feed
from .fetching import Fetcher, FetchError
from .filters import check_country
from .formats import html_article, make_article
from .store import Store, stamp
from .store.schema import feed_items, sources

log = logging.getLogger(__name__)
DEFAULT_EVERY = 600.0  # seconds between two polls of a source
MAX_SOURCES_BYTES = 1_000_000
MAX_SOURCES = 10_000
MAX_FEED_BYTES = 10_000_000
MAX_PAGE_BYTES = 5_000_000
MAX_ITEMS_PER_POLL = 500  # new items taken from one poll of a feed (the first it lists, the newest as a rule)
MAX_CHILD_SITEMAPS = 5  # sitemaps of a sitemap index read in a poll (the newest)
MAX_ATTEMPTS = 3  # tries of an item's page before its feed text is used or it is given up
MAX_BACKOFF = 6 * 3600.0  # the longest wait before a failing source is tried again
MIN_FEED_TEXT = 300  # characters of an item's own text worth coding when its page cannot be had
MAX_META_TEXT = 50_000
CLAIM_TTL = 600.0
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class WatchError(KronikaError):
    """A sources file or a watch option that cannot be used."""


@dataclass(frozen=True)
class Source:
    url: str
    lang: str | None = None
    country: str | None = None
    every: float | None = None  # seconds; None: the watcher's --every
    name: str | None = None  # the outlet's name; else the feed's title


def parse_every(text: str) -> float:
    """Seconds of an interval written 90, 90s, 10m, 2h or 1d.

    >>> parse_every("10m"), parse_every("45")
    (600.0, 45.0)
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not m:
        raise WatchError(f"interval {text!r} cannot be read; write a number with s, m, h or d, e.g. 10m")
    return float(m.group(1)) * _UNITS[m.group(2) or "s"]


def read_sources(path: str) -> tuple[list[Source], list[str]]:
    """The sources a file lists, one a line: a feed URL, then optional `lang=pl country=PL
    every=15m name="Outlet name"`; blank lines and lines starting with # are skipped. Returns the
    sources and one error line for each line that cannot be used (the others are kept)."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_SOURCES_BYTES:
            raise WatchError(f"{path} is over the {human_size(MAX_SOURCES_BYTES)} limit for a sources file; "
                             f"split it")
        text = p.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise WatchError(f"{path}: cannot be read ({err.strerror or err}); give a file listing feed URLs") from None
    except UnicodeDecodeError:
        raise WatchError(f"{path} is not UTF-8 text; save it as UTF-8") from None
    found, errors, seen = [], [], set()
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            src = _source_line(line)
        except (WatchError, ValueError) as err:
            errors.append(f"{path}:{n}: {err}")
            continue
        if src.url in seen:
            errors.append(f"{path}:{n}: {src.url} is listed before; the first line is used")
            continue
        seen.add(src.url)
        found.append(src)
        if len(found) > MAX_SOURCES:
            raise WatchError(f"{path} lists over {MAX_SOURCES:,} sources; split it across watchers")
    return found, errors


def _source_line(line: str) -> Source:
    parts = shlex.split(line)
    url, options = parts[0], {}
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 2000:
        raise WatchError(f"{url[:100]!r} is not an http(s) URL; start the line with the feed's URL")
    for part in parts[1:]:
        key, eq, value = part.partition("=")
        if not eq or key not in ("lang", "country", "every", "name"):
            raise WatchError(f"{part[:60]!r} is not an option; use lang=pl, country=PL, every=15m or name=\"...\"")
        options[key] = value
    lang = options.get("lang")
    if lang is not None and not re.fullmatch(r"[a-z]{2}", lang):
        raise WatchError(f"lang {lang!r} is not a language code; use two lower-case letters, e.g. pl")
    country = check_country(options["country"]) if options.get("country") else None
    every = parse_every(options["every"]) if "every" in options else None
    return Source(url, lang, country, every, (options.get("name") or "")[:300] or None)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class RoundStats:
    """What one round did, and where its time went."""

    sources: int = 0  # polled
    unchanged: int = 0  # answered 304
    failed_sources: int = 0
    new_items: int = 0
    items: int = 0  # items handled (claimed and finished)
    failed_items: int = 0
    batch: BatchStats = field(default_factory=BatchStats)
    alerts: int = 0  # alerts sent
    fetch_s: float = 0.0
    extract_s: float = 0.0
    code_s: float = 0.0  # the pipeline and the store together
    store_s: float = 0.0  # of which the store: writing and clustering
    seconds: float = 0.0

    def line(self) -> str:
        return (f"{self.sources} sources polled ({self.unchanged} unchanged, {self.failed_sources} failed), "
                f"{self.new_items} new items, {self.batch.stored} articles stored, {self.batch.skipped} known, "
                f"{self.failed_items} items failed, {self.alerts} alerts sent in {self.seconds:.1f} s")


class Watcher:
    """Rounds over `sources` into `store`. `name` tells this watcher's claims from others'
    (default: the host's name, so a restarted watcher takes its own claims back at once)."""

    def __init__(self, store: Store, source_list: list[Source], pipeline, *, fetcher: Fetcher | None = None,
                 every: float = DEFAULT_EVERY, name: str | None = None, claim_ttl: float = CLAIM_TTL,
                 alerts=None, stop: threading.Event | None = None):
        if store.read_only:
            raise WatchError(f"the store at {store.shown} is read-only; watch needs to write to it")
        self.store, self.pipeline, self.every, self.claim_ttl = store, pipeline, every, claim_ttl
        self.fetcher = fetcher or Fetcher()
        self.name = (name or socket.gethostname())[:100]
        self.alerts = alerts  # a callable run after each round: returns the number of alerts sent
        self.stop = stop or threading.Event()
        self.sink = _TimedSink(StoreSink(store))
        self.ids = self._sync(source_list)
        self.sources = {self.ids[s.url]: s for s in source_list}
        self._release_own_claims()

    # -- the store's view of the sources ------------------------------------------------------
    def _sync(self, source_list: list[Source]) -> dict[str, int]:
        with self.store.engine.begin() as conn:
            have = {r.url: r.id for r in conn.execute(sa.select(sources.c.url, sources.c.id))}
            for s in source_list:
                values = dict(name=s.name, lang=s.lang, country=s.country, every_s=s.every)
                if s.url in have:
                    conn.execute(sources.update().where(sources.c.id == have[s.url]).values(**values))
                else:
                    conn.execute(self.store.insert_ignoring_conflicts(sources).values(url=s.url, failures=0, items_seen=0,
                                                                           items_stored=0, **values))
            return {r.url: r.id for r in conn.execute(sa.select(sources.c.url, sources.c.id))}

    def _release_own_claims(self) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(feed_items.update().where(feed_items.c.state == "claimed",
                                                   feed_items.c.claimed_by == self.name).values(state="retry"))

    def due(self, now: datetime.datetime | None = None) -> list[int]:
        """Ids of the sources to poll now: never polled, or their interval passed (with a twentieth
        of slack, so a cron job every 10 minutes finds a 10-minute source due)."""
        now = now or _now()
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(sources.c.id, sources.c.next_due)
                                .where(sources.c.id.in_(list(self.sources)))).all()
        return [r.id for r in rows if not r.next_due or r.next_due <= stamp(now)]

    def next_wake(self) -> float:
        """Seconds until the next source is due (at most `every`)."""
        with self.store.engine.connect() as conn:
            dues = conn.execute(sa.select(sources.c.next_due).where(sources.c.id.in_(list(self.sources)))).scalars()
            now = _now()
            waits = [(datetime.datetime.fromisoformat(d) - now).total_seconds() for d in dues if d]
        return max(1.0, min([self.every, *waits]))

    # -- a round ------------------------------------------------------------------------------
    def round(self) -> RoundStats:
        """Poll the due sources, code their new items and those left by earlier rounds, then
        evaluate the alerts."""
        t0 = time.perf_counter()
        fetch0 = self.fetcher.seconds
        rs = RoundStats()
        for sid in self.due():
            if self.stop.is_set():
                break
            self._poll(sid, rs)
        for sid in self.sources:  # this round's new items, and any an earlier round left
            if self.stop.is_set():
                break
            self._items(sid, rs)
        if self.alerts is not None and not self.stop.is_set():
            rs.alerts = self.alerts()
        rs.fetch_s = self.fetcher.seconds - fetch0
        rs.seconds = time.perf_counter() - t0
        log.info("round: %s", rs.line())
        return rs

    def run(self) -> None:
        """Rounds until `stop` is set (SIGTERM, SIGINT): the item in hand is finished first."""
        while not self.stop.is_set():
            try:
                self.round()
            except Exception:  # a round that broke (the store went away): logged, tried again
                log.exception("the round failed; the next one starts in %.0f s", self.every)
            self.stop.wait(self.next_wake())

    def _poll(self, sid: int, rs: RoundStats) -> None:
        src = self.sources[sid]
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(sources).where(sources.c.id == sid)).one()
        now = _now()
        every = src.every if src.every is not None else self.every
        rs.sources += 1
        try:
            if not self.fetcher.allowed(src.url):
                raise FetchError("robots.txt disallows fetching it", retry=True)
            got = self.fetcher.get(src.url, max_bytes=MAX_FEED_BYTES, etag=row.etag, last_modified=row.last_modified,
                                   accept="application/rss+xml, application/atom+xml, application/feed+json, "
                                          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
            feed = parse_feed(got.body, src.url) if got.status == 200 else None
            if feed is not None and feed.kind == "sitemapindex":
                feed = self._children(feed, src.url)
        except (FetchError, InputProblem) as err:
            failures = (row.failures or 0) + 1
            wait = min(MAX_BACKOFF, max(every, 60.0) * 2 ** (failures - 1))
            log.warning("%s: %s; tried again in %s (failure %d)", src.url, err, _human_s(wait), failures)
            rs.failed_sources += 1
            with self.store.engine.begin() as conn:
                conn.execute(sources.update().where(sources.c.id == sid).values(
                    last_fetch=stamp(now), next_due=stamp(now + datetime.timedelta(seconds=wait)),
                    last_status=getattr(err, "status", None), failures=failures, last_error=str(err)[:1000]))
            return
        entries = feed.entries if feed else []
        with self.store.engine.begin() as conn:
            hashes = [_key_hash(e.key) for e in entries]
            known = set()
            for i in range(0, len(hashes), 500):
                known.update(conn.execute(sa.select(feed_items.c.key_hash).where(
                    feed_items.c.source_id == sid, feed_items.c.key_hash.in_(hashes[i:i + 500]))).scalars())
            fresh = [(h, e) for h, e in zip(hashes, entries) if h not in known]
            fresh = fresh[:MAX_ITEMS_PER_POLL]
            for h, e in fresh:  # the items and the feed's validators in one transaction: none is lost
                conn.execute(self.store.insert_ignoring_conflicts(feed_items).values(
                    source_id=sid, key_hash=h, url=(e.link or "")[:2000] or None, state="new", attempts=0,
                    first_seen=stamp(now), meta=json.dumps(_meta(e, feed.title if feed else None), ensure_ascii=False)))
            conn.execute(sources.update().where(sources.c.id == sid).values(
                etag=(got.etag or None) and got.etag[:500], last_modified=(got.last_modified or None) and got.last_modified[:100],
                last_fetch=stamp(now), last_ok=stamp(now), last_status=got.status, failures=0, last_error=None,
                next_due=stamp(now + datetime.timedelta(seconds=every * 0.95)),
                items_seen=sources.c.items_seen + len(fresh)))
        rs.new_items += len(fresh)
        if got.status == 304:
            rs.unchanged += 1
        log.debug("%s: HTTP %d, %d new items", src.url, got.status, len(fresh))

    def _children(self, index, url: str):
        """The pages of a sitemap index's newest MAX_CHILD_SITEMAPS sitemaps (one that fails is
        named and skipped), as one feed."""
        import dataclasses

        entries = []
        for child in index.entries[:MAX_CHILD_SITEMAPS]:
            try:
                if not self.fetcher.allowed(child.link):
                    raise FetchError("robots.txt disallows fetching it", retry=False)
                sub = parse_feed(self.fetcher.get(child.link, max_bytes=MAX_FEED_BYTES).body, child.link)
            except (FetchError, InputProblem) as err:
                log.warning("%s (listed in %s): %s; its pages are left out this round", child.link, url, err)
                continue
            if sub.kind != "sitemapindex":  # an index of indexes is not followed further
                entries.extend(sub.entries)
        if not entries:
            raise InputProblem("no sitemap listed in the index could be read", "check the sitemaps it lists")
        return dataclasses.replace(index, entries=entries, kind="sitemap")

    def _items(self, sid: int, rs: RoundStats) -> None:
        stale = stamp(_now() - datetime.timedelta(seconds=self.claim_ttl))
        with self.store.engine.connect() as conn:
            todo = conn.execute(sa.select(feed_items.c.id).where(
                feed_items.c.source_id == sid,
                sa.or_(feed_items.c.state.in_(("new", "retry")),
                       sa.and_(feed_items.c.state == "claimed", feed_items.c.claimed_at < stale)))
                .order_by(feed_items.c.id)).scalars().all()
        for item_id in todo:
            if self.stop.is_set():
                return
            if self._claim(item_id, stale):
                self._item(sid, item_id, rs)

    def _claim(self, item_id: int, stale: str) -> bool:
        """Take the item for this watcher; False when another watcher has it (one UPDATE wins)."""
        with self.store.engine.begin() as conn:
            won = conn.execute(feed_items.update().where(
                feed_items.c.id == item_id,
                sa.or_(feed_items.c.state.in_(("new", "retry")),
                       sa.and_(feed_items.c.state == "claimed", feed_items.c.claimed_at < stale)))
                .values(state="claimed", claimed_by=self.name, claimed_at=stamp(),
                        attempts=feed_items.c.attempts + 1))
            return won.rowcount == 1

    def _item(self, sid: int, item_id: int, rs: RoundStats) -> None:
        src = self.sources[sid]
        with self.store.engine.connect() as conn:
            item = conn.execute(sa.select(feed_items).where(feed_items.c.id == item_id)).one()
        meta = json.loads(item.meta or "{}")
        url = item.url
        rs.items += 1
        stored = self.store.article_id(url=url)
        if stored is not None:  # another feed, watcher or ingest has it already
            rs.batch.skipped += 1
            self._finish(item_id, "done", article_id=stored)
            return
        article, problem, retry = None, None, False
        if url:
            try:
                if not self.fetcher.allowed(url):
                    raise FetchError("robots.txt disallows fetching it", retry=False)
                got = self.fetcher.get(url, max_bytes=MAX_PAGE_BYTES,
                                       accept="text/html, application/xhtml+xml;q=0.9, */*;q=0.5")
                t = time.perf_counter()
                try:
                    article = html_article(got.body, url, _doc_id(src, item.key_hash), url=url)
                finally:
                    rs.extract_s += time.perf_counter() - t
            except FetchError as err:
                problem, retry = f"the page: {err}", err.retry
            except InputProblem as err:
                problem = f"the page: {err}"
        if article is None and len(meta.get("text") or "") >= MIN_FEED_TEXT and (not retry or item.attempts >= MAX_ATTEMPTS):
            article = make_article(doc_id=_doc_id(src, item.key_hash), body=meta["text"], path=url or src.url,
                                   url=url, title=meta.get("title"))
        if article is None:
            if retry and item.attempts < MAX_ATTEMPTS:
                log.info("%s: %s; tried again next round", url, problem)
                self._finish(item_id, "retry", error=problem)
            else:
                log.warning("%s (from %s): %s; given up", url or "an item without a link", src.url,
                            problem or "no link and too little text in the feed")
                rs.failed_items += 1
                self._finish(item_id, "failed", error=problem or "no link and too little text in the feed")
            return
        article = self._complete(article, src, meta, url)
        t = time.perf_counter()
        before = rs.batch.stored
        store0 = self.sink.seconds
        take_one(article, self.pipeline, self.sink, rs.batch)
        rs.code_s += time.perf_counter() - t
        rs.store_s += self.sink.seconds - store0
        aid = self.store.article_id(url=url, body=article.body)
        if aid is None:  # the pipeline or the store refused it (reported by the batch loop)
            rs.failed_items += 1
            self._finish(item_id, "failed", error="could not be coded or stored")
            return
        self._finish(item_id, "done", article_id=aid, content_hash=Store.content_hash(article.body))
        if rs.batch.stored > before:
            with self.store.engine.begin() as conn:
                conn.execute(sources.update().where(sources.c.id == sid)
                             .values(items_stored=sources.c.items_stored + 1))

    def _complete(self, article, src: Source, meta: dict, url: str | None):
        """The page's article with what the feed and the sources file know filling its gaps: the
        source's language wins (it is declared), the feed's day and title stand in for missing ones."""
        import dataclasses

        return dataclasses.replace(article, url=url or article.url, lang=src.lang or article.lang,
                                   date=article.date or meta.get("date"), title=article.title or meta.get("title"),
                                   outlet=src.name or meta.get("outlet") or article.outlet)

    def _finish(self, item_id: int, state: str, *, article_id: int | None = None, content_hash: str | None = None,
                error: str | None = None) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(feed_items.update().where(feed_items.c.id == item_id).values(
                state=state, article_id=article_id, content_hash=content_hash, last_error=(error or None) and error[:1000],
                done_at=stamp() if state in ("done", "failed") else None, claimed_by=None, claimed_at=None))


class _TimedSink:
    """The store's sink, with the time it takes kept."""

    def __init__(self, sink: StoreSink):
        self.sink, self.seconds = sink, 0.0

    def known(self, article) -> bool:
        return self.sink.known(article)

    def take(self, article, records: list[dict]) -> bool:
        t = time.perf_counter()
        try:
            return self.sink.take(article, records)
        finally:
            self.seconds += time.perf_counter() - t

    def close(self) -> None:
        self.sink.close()


def _meta(e: FeedEntry, feed_title: str | None) -> dict:
    return {"title": e.title, "date": e.date, "outlet": feed_title, "text": (e.text or "")[:MAX_META_TEXT]}


def _doc_id(src: Source, key_hash: str) -> str:
    host = urlsplit(src.url).netloc.lower().removeprefix("www.")
    return f"{host}-{key_hash[:12]}"


def _human_s(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def status(store: Store) -> dict:
    """What the watchers have done: per source its last poll, answer, failures and items (seen,
    stored, waiting, failed), and the last round's time."""
    with store.engine.connect() as conn:
        counts: dict[int, dict[str, int]] = {}
        for sid, state, n in conn.execute(sa.select(feed_items.c.source_id, feed_items.c.state, sa.func.count())
                                          .group_by(feed_items.c.source_id, feed_items.c.state)):
            counts.setdefault(sid, {})[state] = n
        rows = conn.execute(sa.select(sources).order_by(sources.c.id)).all()
    out = []
    for r in rows:
        c = counts.get(r.id, {})
        out.append({"url": r.url, "name": r.name, "lang": r.lang, "country": r.country, "last_fetch": r.last_fetch,
                    "last_ok": r.last_ok, "next_due": r.next_due, "last_status": r.last_status,
                    "failures": r.failures, "last_error": r.last_error, "items_seen": r.items_seen,
                    "items_stored": r.items_stored, "waiting": c.get("new", 0) + c.get("retry", 0) + c.get("claimed", 0),
                    "failed": c.get("failed", 0)})
    last = max((s["last_fetch"] for s in out if s["last_fetch"]), default=None)
    return {"sources": out, "last_round": last, "failing": sum(1 for s in out if s["failures"])}

