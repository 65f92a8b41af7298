"""The HTTP API: filters, pages and formats, clusters and articles, extraction without storing,
writing only with the token, bounded bodies; and a schemathesis run against the OpenAPI schema."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.config import SchemathesisConfig
from fastapi.testclient import TestClient

from kronika.store import Store
from kronika.web.app import MAX_TEXT, create_app

from .conftest import SAMPLES

TOKEN = "s3cret-token"
_DB = f"sqlite:///{Path(tempfile.mkdtemp(prefix='kronika-api-')) / 'api.db'}"
_STORE = Store(_DB)  # serving never creates a store: it is made first, as `kronika ingest` would
_APP = create_app(_DB, token=TOKEN)
# a body over its route's byte limit is refused with the documented 413 before it is parsed, be
# it schema-valid or not (100,000 characters escaped as 12 bytes each); schemathesis's lists lack it
_CHECKS = {"negative_data_rejection": {"expected-statuses": ["400", "401", "403", "404", "405", "406", "409", "413",
                                                            "415", "422", "428", "429", "5xx"]},
           "positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "413", "429",
                                                             "5xx"]}}
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP, config=SchemathesisConfig.from_dict({"checks": _CHECKS}))


@pytest.fixture(scope="module")
def client(pipeline):
    _STORE.ingest(sorted(str(p) for p in SAMPLES.glob("*.txt")), pipeline=pipeline)
    return TestClient(_APP)


def test_events_filters_pages_and_geojson(client):
    r = client.get("/api/events", params={"country": "GE", "page_size": 3})
    body = r.json()
    assert r.status_code == 200 and len(body["items"]) == 3 and body["more"] is True
    assert all(x["country"] == "GE" for x in body["items"])
    page2 = client.get("/api/events", params={"country": "GE", "page_size": 3, "page": 2}).json()["items"]
    assert {x["cluster_id"] for x in page2}.isdisjoint({x["cluster_id"] for x in body["items"]})
    g = client.get("/api/events", params={"type": "PROTEST", "format": "geojson"}).json()
    assert g["type"] == "FeatureCollection" and all(f["properties"]["event_type"] == "PROTEST" for f in g["features"])
    near = client.get("/api/events", params={"lat": 41.69, "lon": 44.83, "km": 30, "per": "mention"}).json()["items"]
    assert near and all(x["country"] == "GE" for x in near)
    assert client.get("/api/events", params={"page_size": 10_000}).status_code == 422  # bounded
    assert client.get("/api/events", params={"since": "yesterday"}).status_code == 422


def test_stats_total_counts_what_the_list_pages_through(client):
    every = client.get("/api/stats").json()
    for params in ({}, {"country": "GE"}, {"type": "PROTEST"}, {"country": "UA", "since": "2026-01-01"}):
        stats = client.get("/api/stats", params=params).json()
        ids, page = [], 1
        while True:
            body = client.get("/api/events", params={**params, "page_size": 7, "page": page}).json()
            ids += [x["cluster_id"] for x in body["items"]]
            if not body["more"]:
                break
            page += 1
        assert stats["clusters"] == len(ids) == len(set(ids)), params
        if params:  # the articles behind the filtered events, not every article stored
            assert 0 < stats["articles"] < every["articles"], params


def test_export_rows_are_the_api_rows(client):
    import csv
    import io

    from kronika.flat import columns

    for params in ({}, {"country": "GE"}, {"type": "PROTEST", "per": "mention"}):
        per = params.get("per", "cluster")
        api = client.get("/api/events", params={**params, "page_size": 500}).json()["items"]
        r = client.get("/api/export", params=params)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"] and r.headers["x-kronika-truncated"] == "false"
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert list(rows[0]) == list(columns(per == "cluster"))
        key = "cluster_id" if per == "cluster" else "doc_id"
        assert [row[key] for row in rows] == [str(x[key]) for x in api], params
        g = client.get("/api/export", params={**params, "format": "geojson"}).json()
        a = client.get("/api/events", params={**params, "page_size": 500, "format": "geojson"}).json()
        assert g["type"] == "FeatureCollection" and [x["geometry"] for x in g["features"]] == [x["geometry"] for x in a["features"]]


def test_article_spans_name_where_each_part_lies(client):
    best = max(client.get("/api/events", params={"page_size": 500}).json()["items"], key=lambda x: x["n_articles"])
    c = client.get(f"/api/clusters/{best['cluster_id']}").json()
    a = client.get(f"/api/articles/{c['mentions'][0]['article_id']}").json()
    roles = set()
    for span in a["spans"]:
        for part in span["parts"]:
            assert span["sentence_start"] <= part["start"] < part["end"] <= span["sentence_end"] or part["role"] == "source"
            roles.add(part["role"])
        record = next(m["record"] for m in client.get(f"/api/clusters/{span['cluster_id']}").json()["mentions"]
                      if m["event_id"] == span["event_id"])
        for part in span["parts"]:
            if part["role"] == "trigger":
                assert a["text"][part["start"]:part["end"]] == record["evidence"]["trigger"]["text"]
    assert "trigger" in roles and len(roles) >= 3, roles


def test_cluster_article_and_stats(client):
    best = max(client.get("/api/events", params={"page_size": 500}).json()["items"], key=lambda x: x["n_articles"])
    c = client.get(f"/api/clusters/{best['cluster_id']}").json()
    assert c["n_articles"] >= 2 and len(c["languages"]) >= 2
    m = c["mentions"][0]
    assert {"sentence", "trigger", "actor", "recipient", "place", "date", "source", "doc_id"} <= set(m)
    a, b = m["trigger"]
    assert m["sentence"][a:b] == m["record"]["evidence"]["trigger"]["text"]
    art = client.get(f"/api/articles/{m['article_id']}").json()
    span = art["spans"][0]
    assert art["text"][span["trigger_start"]:span["trigger_end"]]
    assert client.get("/api/clusters/999999").status_code == 404
    s = client.get("/api/stats", params={"country": "GE"}).json()
    assert s["events"] > 5 and [x["key"] for x in s["by_country"]] == ["GE"]


def test_stories_hold_the_clusters_their_rows_name(client):
    stories = client.get("/api/events", params={"per": "story", "page_size": 500}).json()["items"]
    clusters = client.get("/api/events", params={"page_size": 500}).json()["items"]
    assert sum(len(x["clusters"]) for x in stories) == len(clusters)
    by_story = {}
    for c in clusters:
        by_story.setdefault(c["story_id"], set()).add(c["cluster_id"])
    assert {x["story_id"]: set(x["clusters"]) for x in stories} == by_story
    assert any(x["n_clusters"] > 1 and len(x["languages"]) >= 2 for x in stories)
    georgia = client.get("/api/events", params={"per": "story", "country": "GE"}).json()["items"]
    assert georgia and all(x["country"] == "GE" for x in georgia)


def test_extract_stores_nothing_and_is_bounded(client):
    before = client.get("/api/stats").json()["events"]
    r = client.post("/api/extract", json={"text": "Police detained 12 protesters in Gdańsk on Thursday.", "lang": "en",
                                          "date": "2026-03-05"})
    assert r.status_code == 200 and r.json()["events"][0]["event_type"] == "COERCE"
    assert client.get("/api/stats").json()["events"] == before
    assert client.post("/api/extract", json={"text": "x" * (MAX_TEXT + 1)}).status_code == 422


def test_writing_needs_the_token(client, tmp_path):
    art = {"articles": [{"text": "Police detained 7 protesters in Brno on Friday, police said.", "date": "2026-05-08",
                         "lang": "en"}]}
    assert client.post("/api/ingest", json=art).status_code == 401
    assert client.post("/api/ingest", json=art, headers={"Authorization": "Bearer nope"}).status_code == 401
    ok = client.post("/api/ingest", json=art, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert ok.json() == {"stored": 1, "skipped": 0, "failed": 0, "errors": [], "warnings": {}}
    again = client.post("/api/ingest", json=art, headers={"Authorization": f"Bearer {TOKEN}"})
    assert again.json()["stored"] == 0 and again.json()["skipped"] == 1
    undated = {"articles": [{"text": "Police detained 9 protesters in Brno, police said.", "lang": "en"}]}
    r = client.post("/api/ingest", json=undated, headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert r["stored"] == 1 and r["warnings"] == {"undated": 1}
    Store(f"sqlite:///{tmp_path / 'ro.db'}")
    read_only = TestClient(create_app(f"sqlite:///{tmp_path / 'ro.db'}"))
    assert read_only.post("/api/ingest", json=art, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 403


def test_added_since_and_the_watch_health(client):
    s = client.get("/api/stats").json()
    assert s["as_of"] and s["as_of"].endswith("+00:00")
    everything = client.get("/api/events", params={"page_size": 500}).json()["items"]
    assert client.get("/api/events", params={"page_size": 500, "added_since": "2000-01-01T00:00:00Z"}).json()["items"] \
        == everything
    assert client.get("/api/events", params={"added_since": "2999-01-01T00:00:00+01:00"}).json()["items"] == []
    assert client.get("/api/events", params={"added_since": "0.5"}).status_code == 422
    assert client.get("/api/watch").json() == {"sources": [], "last_round": None, "failing": 0}


def test_place_labels_come_by_size_with_their_zoom(client):
    r = client.get("/api/labels")
    assert r.status_code == 200 and "max-age" in r.headers["cache-control"]
    labels = r.json()
    assert len(labels) > 5000
    names = {name: (lat, lon, zoom) for name, lat, lon, zoom in labels}
    assert names["Moscow"][2] == 2 and abs(names["Moscow"][0] - 55.75) < 0.1  # a capital of millions: from far out
    assert names["Vaduz"][2] == 3  # every capital, however small
    order = [name for name, *_ in labels]
    assert order.index("Moscow") < order.index("Kraków") < order.index("Lublin")  # the bigger first


def test_page_is_served_with_a_strict_policy(client):
    r = client.get("/")
    assert r.status_code == 200 and "leaflet.js" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text
    assert client.get("/static/vendor/swagger/swagger-ui-bundle.js").status_code == 200


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=25, deadline=None)
def test_openapi_schema_holds(case, client):
    case.call_and_validate()
