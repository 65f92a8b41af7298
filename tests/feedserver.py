"""A local HTTP server for the watcher's tests and benchmark: feeds and article pages the test sets
and changes between rounds, answered with ETag and Last-Modified (304 when they match), any status,
a delay, or a broken body; every request logged; and a webhook receiver (POST /hook) that records
the JSON it is sent. Article pages are made from the bundled samples (our own texts)."""
from __future__ import annotations

import gzip
import hashlib
import html
import json
import threading
import time
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kronika.formats import split_header

SAMPLES = Path(__file__).resolve().parent.parent / "src" / "kronika" / "samples"


@dataclass
class Route:
    body: bytes
    type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0
    gzip: bool = False
    modified: float = 0.0  # its Last-Modified, as a time stamp


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, str, int]] = []  # (method, path, status answered)
        self.hooks: list[dict] = []
        self.hook_failures = 0  # answer this many webhook calls with 500 first
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
                with server._lock:  # logged before it is answered: a client that has the answer finds it in the log
                    server.log.append((self.command, self.path, status))
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body and self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                route = server.routes.get(self.path)
                if route is None:
                    return self._send(404, b"not here")
                if route.delay:
                    time.sleep(route.delay)
                if route.status != 200:
                    return self._send(route.status, b"no", {"Retry-After": "0"})
                etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
                modified = format_datetime(_utc(route.modified), usegmt=True)
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"", {"ETag": etag})
                body, headers = route.body, {"Content-Type": route.type, "ETag": etag, "Last-Modified": modified}
                if route.gzip:
                    body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
                self._send(200, body, headers)

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(n)
                if self.path != "/hook":
                    return self._send(404)
                with server._lock:
                    fail = server.hook_failures > 0
                    server.hook_failures -= fail
                if fail:
                    return self._send(500, b"try later")
                with server._lock:
                    server.hooks.append(json.loads(data))
                self._send(204)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # a client that gave up (a time-out) is no error
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> "FeedServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def set(self, path: str, body: bytes | str, type: str = "text/html; charset=utf-8", **kw) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, type, modified=time.time(), **kw)
        return self.base + path

    def requests(self, prefix: str = "") -> list[tuple[str, str, int]]:
        with self._lock:
            return [r for r in self.log if r[1].startswith(prefix)]

    # -- content ----------------------------------------------------------------------------
    def page(self, path: str, sample: str, extra: str = "", **kw) -> dict:
        """An article page made from a bundled sample (and an `extra` last paragraph, which makes
        its text new); returns its item for a feed."""
        header, body = split_header((SAMPLES / f"{sample}.txt").read_text(encoding="utf-8"))
        body = f"{body.rstrip()}\n{extra}" if extra else body
        paras = "".join(f"<p>{html.escape(p.strip())}</p>" for p in body.split("\n") if p.strip())
        title = html.escape(header.get("title", sample))
        doc = (f"<!doctype html><html lang=\"{header.get('lang', 'en')}\"><head><meta charset=\"utf-8\">"
               f"<title>{title}</title><meta property=\"article:published_time\" content=\"{header.get('date', '')}\">"
               f"</head><body><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav><article><h1>{title}</h1>"
               f"{paras}</article><footer>© Example News</footer></body></html>")
        url = self.set(path, doc, **kw)
        return {"url": url, "title": header.get("title", sample), "date": header.get("date"), "id": path,
                "text": body.strip()}


def _utc(ts: float):
    import datetime

    return datetime.datetime.fromtimestamp(int(ts), datetime.UTC)


def rss(title: str, items: list[dict], with_text: bool = False) -> str:
    def one(i: dict) -> str:
        text = f"<description>{html.escape(i['text'])}</description>" if with_text else ""
        day = i.get("date") or "2026-01-01"
        return (f"<item><title>{html.escape(i['title'])}</title><link>{html.escape(i['url'])}</link>"
                f"<guid>{html.escape(i['id'])}</guid><pubDate>{_rfc822(day)}</pubDate>{text}</item>")
    return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>{html.escape(title)}</title>"
            f"<link>http://example.org/</link>{''.join(one(i) for i in items)}</channel></rss>")


def atom(title: str, items: list[dict]) -> str:
    def one(i: dict) -> str:
        return (f"<entry><title>{html.escape(i['title'])}</title><link href=\"{html.escape(i['url'])}\"/>"
                f"<id>{html.escape(i['id'])}</id><updated>{i.get('date') or '2026-01-01'}T08:00:00Z</updated></entry>")
    return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">"
            f"<title>{html.escape(title)}</title><id>urn:x</id><updated>2026-01-01T00:00:00Z</updated>"
            f"{''.join(one(i) for i in items)}</feed>")


def json_feed(title: str, items: list[dict]) -> str:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": title,
                       "items": [{"id": i["id"], "url": i["url"], "title": i["title"],
                                  "date_published": f"{i.get('date') or '2026-01-01'}T08:00:00Z"} for i in items]})


def news_sitemap(items: list[dict]) -> str:
    urls = "".join(f"<url><loc>{html.escape(i['url'])}</loc><news:news><news:publication><news:name>Example</news:name>"
                   f"<news:language>bg</news:language></news:publication><news:publication_date>"
                   f"{i.get('date') or '2026-01-01'}</news:publication_date><news:title>{html.escape(i['title'])}"
                   f"</news:title></news:news></url>" for i in items)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
            f"xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">{urls}</urlset>")


def _rfc822(day: str) -> str:
    import datetime

    d = datetime.datetime.fromisoformat(day[:10]).replace(hour=8, tzinfo=datetime.UTC)
    return format_datetime(d, usegmt=True)
