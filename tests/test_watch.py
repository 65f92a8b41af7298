"""`kronika watch` against a real local HTTP server (tests/feedserver.py): feeds of four kinds in
several languages that change between rounds, answers of 304, 404, 500, slow and malformed feeds,
robots.txt, a webhook receiver; a watcher killed with SIGKILL and restarted; two watchers on one
PostgreSQL store; SIGTERM."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa

from kronika.alerts import add_alert, evaluate, list_alerts, remove_alert
from kronika.fetching import Fetcher, FetchError
from kronika.store import Store
from kronika.store.schema import articles, events, feed_items
from kronika.watch import Source, Watcher, WatchError, parse_every, read_sources, status

from .conftest import ROOT
from .feedserver import FeedServer, atom, json_feed, news_sitemap, rss


@pytest.fixture
def web():
    server = FeedServer().start()
    server.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", type="text/plain")
    yield server
    server.stop()


def _news(web: FeedServer) -> dict[str, list[dict]]:
    """Four feeds in six languages: the Tbilisi protest reported in English and Polish, other
    events in English, Polish, Ukrainian, German and Bulgarian."""
    en = [web.page("/en/tbilisi", "en_02"), web.page("/en/kenya", "en_01")]
    pl = [web.page("/pl/tbilisi", "pl_02"), web.page("/pl/2", "pl_01")]
    uk = [web.page("/uk/1", "uk_01"), web.page("/uk/de", "de_01")]
    bg = [web.page("/bg/1", "bg_01")]
    web.set("/en.rss", rss("Example Wire", en), type="application/rss+xml")
    web.set("/pl.atom", atom("Przykładowe Wiadomości", pl), type="application/atom+xml")
    web.set("/uk.json", json_feed("Приклад", uk), type="application/feed+json")
    web.set("/bg-sitemap.xml", news_sitemap(bg), type="application/xml")
    # sources that fail: gone, broken, malformed, too slow
    web.set("/error.xml", "", status=500)
    web.set("/bad.xml", "<?xml version='1.0'?><rss><channel><title>Broken & cut", type="application/rss+xml")
    web.set("/slow.xml", rss("Slow", []), delay=3.0, type="application/rss+xml")
    return {"en": en, "pl": pl, "uk": uk, "bg": bg}


def _sources(web: FeedServer, tmp_path) -> str:
    path = tmp_path / "sources.txt"
    path.write_text(f"""# feeds followed by the test
{web.base}/en.rss lang=en name="Example Wire"
{web.base}/pl.atom lang=pl country=PL every=1s
{web.base}/uk.json
{web.base}/bg-sitemap.xml lang=bg
{web.base}/gone.xml
{web.base}/error.xml
{web.base}/bad.xml
{web.base}/slow.xml
""", encoding="utf-8")
    return str(path)


def _watcher(store, path, pipeline, **kw) -> Watcher:
    found, errors = read_sources(path)
    assert not errors
    fetcher = Fetcher(per_host=0.0, timeout=1.0, retries=1, backoff=0.05)
    return Watcher(store, found, pipeline, fetcher=fetcher, every=0.0, alerts=lambda: evaluate(store), **kw)


def _snapshot(store: Store) -> dict:
    """What a store holds, independent of the order it was written in."""
    with store.engine.connect() as c:
        arts = sorted(c.execute(sa.select(articles.c.url, articles.c.content_hash, articles.c.lang)).all())
        evs = c.execute(sa.select(articles.c.url, events.c.event_type, events.c.trigger_start, events.c.cluster_id)
                        .join(articles, articles.c.id == events.c.article_id)).all()
        items = sorted(c.execute(sa.select(feed_items.c.url, feed_items.c.state)).all())
    groups: dict = {}
    for url, kind, start, cid in evs:
        groups.setdefault(cid, []).append((url, kind, start))
    return {"articles": arts, "events": sorted((u, k, s) for u, k, s, _ in evs), "items": items,
            "clusters": sorted(tuple(sorted(g)) for g in groups.values())}


def test_rounds_conditional_requests_failures_and_alerts(web, tmp_path, pipeline):
    news = _news(web)
    store = Store(f"sqlite:///{tmp_path / 'watch.db'}")
    hook_file = tmp_path / "alerts.jsonl"
    add_alert(store, "georgia-protest", {"country": "GE", "event_type": "PROTEST"}, min_articles=2,
              webhook=web.base + "/hook", jsonl=str(hook_file), growth=1.5)
    web.hook_failures = 1  # the receiver is down once: the message is posted again
    w = _watcher(store, _sources(web, tmp_path), pipeline)

    # round 1: every item of the four feeds is coded and stored; one cluster calls the alert
    r1 = w.round()
    urls = {i["url"] for items in news.values() for i in items}
    with store.engine.connect() as c:
        stored = set(c.execute(sa.select(articles.c.url)).scalars())
        langs = dict(c.execute(sa.select(articles.c.url, articles.c.lang)).all())
        outlets = dict(c.execute(sa.select(articles.c.url, articles.c.outlet)).all())
    assert stored == urls
    assert langs[news["pl"][1]["url"]] == "pl"  # declared by the source
    assert langs[news["uk"][0]["url"]] == "uk" and langs[news["uk"][1]["url"]] == "de"  # else the page's own
    assert outlets[news["en"][0]["url"]] == "Example Wire"
    assert r1.new_items == len(urls) and r1.batch.stored == len(urls) and r1.failed_sources == 4
    assert len(web.hooks) == 1 and web.hooks[0]["threshold"] == 2 and web.hooks[0]["new"] is True
    tbilisi = web.hooks[0]["cluster"]["cluster_id"]
    assert web.hooks[0]["cluster"]["country"] == "GE" and web.hooks[0]["cluster"]["n_articles"] == 2
    assert [json.loads(x)["cluster"]["cluster_id"] for x in hook_file.read_text().splitlines()] == [tbilisi]
    # the failing sources are named with the reason and put off; the others went on
    st = {s["url"].rsplit("/", 1)[1]: s for s in status(store)["sources"]}
    assert st["gone.xml"]["last_status"] == 404 and st["error.xml"]["last_status"] == 500
    assert "well-formed" in st["bad.xml"]["last_error"] and "timed out" in st["slow.xml"]["last_error"]
    assert all(st[k]["failures"] == 1 and st[k]["next_due"] > st[k]["last_fetch"] for k in ("gone.xml", "bad.xml"))
    assert st["en.rss"]["items_stored"] == 2 and st["en.rss"]["failures"] == 0

    # round 2: unchanged feeds answer 304 to the conditional requests; no page is fetched, nothing sent
    before = len(web.requests())
    r2 = w.round()
    polled = [r for r in web.requests()[before:] if r[1] in ("/en.rss", "/pl.atom", "/uk.json", "/bg-sitemap.xml")]
    assert len(polled) == 4 and all(status_ == 304 for _, _, status_ in polled), polled
    assert not [r for r in web.requests()[before:] if r[1].startswith(("/en/", "/pl/", "/uk/", "/bg/"))]
    assert r2.new_items == 0 and r2.unchanged == 4 and len(web.hooks) == 1
    assert _snapshot(store)["articles"] and len(_snapshot(store)["articles"]) == len(urls)

    # round 3: a Russian report of the same protest appears; it is coded, joins the cluster, and the
    # alert for its next threshold (3 articles) is sent once
    news["uk"].append(web.page("/ru/tbilisi", "ru_01"))
    web.set("/uk.json", json_feed("Приклад", news["uk"]), type="application/feed+json")
    r3 = w.round()
    assert r3.new_items == 1 and r3.batch.stored == 1
    grown = [h for h in web.hooks if h["cluster"]["cluster_id"] == tbilisi]
    assert [(h["threshold"], h["new"]) for h in grown] == [(2, True), (3, False)]
    assert "ru" in grown[-1]["cluster"]["languages"] and grown[-1]["cluster"]["n_articles"] == 3
    sent = [(h["cluster"]["cluster_id"], h["threshold"]) for h in web.hooks]
    assert len(sent) == len(set(sent))  # nothing twice
    r4 = w.round()
    assert r4.alerts == 0 and len(web.hooks) == len(sent)
    assert list_alerts(store)[0]["sent"] >= 2


def test_pages_that_fail_robots_and_feed_text(web, tmp_path, pipeline):
    good = web.page("/en/kenya", "en_01")
    private = web.page("/private/tbilisi", "en_02")  # robots.txt disallows it: the feed's own text is coded
    gone = dict(good, url=web.base + "/en/missing", id="missing", title="Missing page", text="Too short.")
    flaky = web.page("/en/flaky", "de_01", status=503)
    items = [good, private, gone, flaky]
    web.set("/feed.rss", rss("Wire", items, with_text=True), type="application/rss+xml")
    path = tmp_path / "s.txt"
    path.write_text(f"{web.base}/feed.rss\n")
    store = Store(f"sqlite:///{tmp_path / 'w.db'}")
    w = _watcher(store, str(path), pipeline)
    w.round()
    states = dict(_snapshot(store)["items"])
    assert states[good["url"]] == "done" and states[private["url"]] == "done"
    assert states[gone["url"]] == "failed"  # 404 and too little text in the feed: given up, named
    assert states[flaky["url"]] == "retry"  # a 503: tried again next round
    assert not [r for r in web.requests("/private/")]  # never fetched
    web.page("/en/flaky", "de_01")  # the server is back
    w.round()
    assert dict(_snapshot(store)["items"])[flaky["url"]] == "done"
    with store.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(articles)).scalar() == 3


@pytest.mark.slow  # three watcher processes, each loading the pipeline
def test_a_killed_watcher_resumes_to_the_same_store(web, tmp_path, pipeline):
    news = _news(web)
    for route in ("/pl/2", "/uk/1"):
        web.routes[route].delay = 1.0  # slow pages: the kill lands in the middle of the round
    sources = _sources(web, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "kronika", "watch", sources, "--once", "--per-host", "0", "--timeout", "2"]

    def run(db: str, kill_after: int | None = None, failing: int = 4) -> None:
        proc = subprocess.Popen([*cmd, "--db", db], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if kill_after is not None:
            store = Store(db)
            deadline = time.time() + 120
            while time.time() < deadline:
                with store.engine.connect() as c:
                    if c.execute(sa.select(sa.func.count()).select_from(articles)).scalar() >= kill_after:
                        break
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL
            store.engine.dispose()
            return
        err = proc.communicate(timeout=300)[1].decode()
        assert proc.returncode == (1 if failing else 0) and f"{failing} failed" in err, err  # on purpose

    whole = tmp_path / "whole.db"
    run(f"sqlite:///{whole}")
    killed = tmp_path / "killed.db"
    run(f"sqlite:///{killed}", kill_after=2)
    mid = _snapshot(Store(f"sqlite:///{killed}"))
    assert 2 <= len(mid["articles"]) < 6 and any(s == "claimed" for _, s in mid["items"])
    run(f"sqlite:///{killed}", failing=0)  # restarted: takes its own claims back; no source is due yet
    assert _snapshot(Store(f"sqlite:///{killed}")) == _snapshot(Store(f"sqlite:///{whole}"))
    assert len(_snapshot(Store(f"sqlite:///{whole}"))["articles"]) == sum(len(v) for v in news.values())


def test_two_watchers_on_postgresql_code_each_item_once(web, tmp_path, pipeline, postgres):
    news = _news(web)
    for page in ("/en/kenya", "/pl/2", "/uk/1"):
        web.routes[page].delay = 0.3
    server, base = postgres
    db = server.new_database(base, "two_watchers")
    path = _sources(web, tmp_path)
    coded = []
    lock = threading.Lock()

    class Counting:
        def process(self, article):
            with lock:
                coded.append(article.url)
            return pipeline.process(article)

    watchers = [_watcher(Store(db), path, Counting(), name=f"w{i}") for i in (1, 2)]
    threads = [threading.Thread(target=w.round) for w in watchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    urls = sorted(i["url"] for items in news.values() for i in items)
    assert sorted(coded) == urls  # every item coded by one watcher only
    snap = _snapshot(Store(db))
    assert [a[0] for a in snap["articles"]] == urls and all(s == "done" for _, s in snap["items"])
    pages = [r for r in web.requests() if r[1].startswith(("/en/", "/pl/", "/uk/", "/bg/"))]
    assert len(pages) == len(urls)  # and fetched once


@pytest.mark.slow
def test_sigterm_stops_a_watcher_cleanly(web, tmp_path):
    _news(web)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    db = f"sqlite:///{tmp_path / 'term.db'}"
    proc = subprocess.Popen([sys.executable, "-m", "kronika", "watch", _sources(web, tmp_path), "--db", db, "--every",
                             "1h", "--per-host", "0", "--timeout", "1"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    store = Store(db)
    deadline = time.time() + 120
    while time.time() < deadline:  # the first round is under way
        with store.engine.connect() as c:
            if c.execute(sa.select(sa.func.count()).select_from(articles)).scalar() >= 1:
                break
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 0 and "stopped" in err, err
    with store.engine.connect() as c:  # the item in hand was finished: none is left claimed
        assert not c.execute(sa.select(feed_items.c.id).where(feed_items.c.state == "claimed")).all()


def test_sources_file_lines_and_options(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("# comment\n\nhttps://a.example/feed lang=pl country=pl every=15m name=\"A B\"\n"
                    "ftp://b.example/feed\nhttps://c.example/feed colour=red\nhttps://a.example/feed\n"
                    "https://d.example/feed lang=Polish\nhttps://e.example/feed every=soon\n", encoding="utf-8")
    found, errors = read_sources(str(path))
    assert found == [Source("https://a.example/feed", "pl", "PL", 900.0, "A B")]
    assert [e.split(":")[1] for e in errors] == ["4", "5", "6", "7", "8"]
    assert "not an http(s) URL" in errors[0] and "not an option" in errors[1] and "listed before" in errors[2]
    assert parse_every("90") == 90 and parse_every("2h") == 7200
    with pytest.raises(WatchError, match="cannot be read"):
        read_sources(str(tmp_path / "missing.txt"))


def test_fetcher_bounds_bodies_and_obeys_robots(web):
    f = Fetcher(per_host=0.0, timeout=2.0, retries=1, backoff=0.01)
    # a small gzip body that inflates past the limit is cut off there
    web.set("/bomb.html", b"a" * 5_000_000, gzip=True)
    with pytest.raises(FetchError, match="over the"):
        f.get(web.base + "/bomb.html", max_bytes=1_000_000)
    assert len(f.get(web.base + "/bomb.html", max_bytes=6_000_000).body) == 5_000_000
    assert f.allowed(web.base + "/en/x") and not f.allowed(web.base + "/private/x")
    web.set("/down", "", status=503)
    with pytest.raises(FetchError, match="HTTP 503") as err:
        f.get(web.base + "/down", max_bytes=1000)
    assert err.value.retry and len(web.requests("/down")) == 2  # tried again once
    # a host whose robots.txt fails with a server error is not fetched from (RFC 9309)
    other = FeedServer().start()
    try:
        other.set("/robots.txt", "", status=500)
        assert not f.allowed(other.base + "/anything")
    finally:
        other.stop()


def test_alert_commands(tmp_path, web):
    from typer.testing import CliRunner

    from kronika.cli import app

    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner = CliRunner()
    res = runner.invoke(app, ["alert", "add", "kz", "--db", db, "--type", "PROTEST", "--country", "KZ",
                              "--min-articles", "3", "--jsonl", str(tmp_path / "kz.jsonl")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["alert", "add", "kz", "--db", db, "--jsonl", "x"])
    assert res.exit_code == 2 and "exists" in res.output
    res = runner.invoke(app, ["alert", "add", "nowhere", "--db", db, "--type", "PROTEST"])
    assert res.exit_code == 2 and "--webhook" in res.output
    res = runner.invoke(app, ["alert", "add", "bad", "--db", db, "--country", "XX", "--jsonl", "x"])
    assert res.exit_code == 2 and "ISO 3166" in res.output
    rows = [json.loads(x) for x in runner.invoke(app, ["alert", "list", "--db", db]).stdout.splitlines()]
    assert rows == [dict(rows[0], name="kz", filters={"country": "KZ", "event_type": "PROTEST"}, min_articles=3,
                         growth=2.0, sent=0)]
    store = Store(db)
    remove_alert(store, "kz")
    assert list_alerts(store) == []
    res = runner.invoke(app, ["watch-status", "--db", db, "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["sources"] == []


def test_a_sitemap_index_is_read_through_its_sitemaps(web, tmp_path, pipeline):
    pages = [web.page("/bg/1", "bg_01"), web.page("/bg/2", "bg_02")]
    web.set("/news-1.xml", news_sitemap(pages[:1]), type="application/xml")
    web.set("/news-2.xml", news_sitemap(pages[1:]), type="application/xml")
    web.set("/sitemap-index.xml", f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{web.base}/news-1.xml</loc><lastmod>2026-03-01</lastmod></sitemap>
<sitemap><loc>{web.base}/news-2.xml</loc><lastmod>2026-03-02</lastmod></sitemap>
<sitemap><loc>{web.base}/news-gone.xml</loc><lastmod>2026-02-01</lastmod></sitemap>
</sitemapindex>""", type="application/xml")
    path = tmp_path / "s.txt"
    path.write_text(f"{web.base}/sitemap-index.xml lang=bg\n")
    store = Store(f"sqlite:///{tmp_path / 'w.db'}")
    rs = _watcher(store, str(path), pipeline).round()
    assert rs.failed_sources == 0 and rs.batch.stored == 2
    assert [a[0] for a in _snapshot(store)["articles"]] == sorted(p["url"] for p in pages)
