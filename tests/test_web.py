"""The web page in a real headless Chromium (Debian packages chromium, chromium-driver) over a store
holding the samples and one hostile article (markers, filtering by type, a cluster's highlighted
evidence, nothing loaded from the internet, nothing from an article executed) and over a store of
some 2,800 clusters (paging, totals, exports, permalinks, the timeline, undated events, the
keyboard, place names)."""
from __future__ import annotations

import shutil
import time

import pytest

from kronika.records import Article
from kronika.store import Store

from .conftest import SAMPLES

HOSTILE = ("Police detained 20 protesters <img src=x onerror=\"window.__pwned=1\"> in Kyiv on Monday, "
           "the interior ministry <script>window.__pwned=2</script> said.")


@pytest.fixture(scope="module")
def server(tmp_path_factory, pipeline):
    db = f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.db'}"
    store = Store(db)
    store.ingest(sorted(str(p) for p in SAMPLES.glob("*.txt")), pipeline=pipeline)
    hostile = Article("hostile", HOSTILE, date="2026-04-06", lang="en", title="<b onmouseover=alert(1)>title</b>")
    store.add(hostile, [e.to_dict() for e in pipeline.process(hostile).events])
    yield from _serve(db)


@pytest.fixture(scope="module")
def big(tmp_path_factory, pipeline):
    """A store of 3,000 events in some 2,800 clusters (tests/synthetic.py)."""
    from .synthetic import build_store

    db = f"sqlite:///{tmp_path_factory.mktemp('web-big') / 'big.db'}"
    build_store(db, 3000, pipeline)[0].engine.dispose()
    yield from _serve(db)


_DBS: dict[str, str] = {}  # the store behind each served URL


def _serve(db: str):
    from kronika.web.app import STATIC, create_app

    from .serving import serve

    assert (STATIC / "vendor" / "leaflet" / "leaflet.js").exists(), "the map files come with the package: reinstall it (pip install -e .)"
    base, stop = serve(create_app(db))
    _DBS[base] = db
    yield base
    stop()


@pytest.fixture(scope="module")
def browser():
    driver = _chromium()
    yield driver
    driver.quit()


def _chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    assert binary and driver_path, "install the Debian packages chromium and chromium-driver (.ci/run does)"
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900",
                "--proxy-server=http://0.0.0.0:1", "--proxy-bypass-list=127.0.0.1"):
        opts.add_argument(arg)  # any request beyond this machine goes to a dead proxy and fails
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    driver.set_page_load_timeout(60)
    return driver


def _markers(driver) -> int:
    """Every marker on the map, those drawn inside a bubble of nearby events too."""
    return driver.execute_script("return window.kronikaMarkers ? window.kronikaMarkers.getLayers().length : 0")


def _wait(driver, cond, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: cond(d))


def test_page_map_filters_detail_and_screenshot(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(server + "/")
    _wait(browser, lambda d: d.execute_script("return window.kronikaReady === true"))
    _wait(browser, lambda d: _markers(d) >= 10)
    # markers close together show as a bubble with their number; the map fits the results
    assert browser.find_elements(By.CSS_SELECTOR, ".cluster-icon") or len(
        browser.find_elements(By.CSS_SELECTOR, "path.cluster-marker")) == _markers(browser)
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#timeline rect")) >= 5)
    n_all = len(browser.find_elements(By.CSS_SELECTOR, "#clusters li"))
    assert n_all >= 20
    # the page asked for nothing outside this machine
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(server) for u in urls), urls
    Select(browser.find_element(By.ID, "f-type")).select_by_value("PROTEST")
    _wait(browser, lambda d: "type=PROTEST" in d.current_url)
    _wait(browser, lambda d: 0 < len(d.find_elements(By.CSS_SELECTOR, "#clusters li")) < n_all)
    items = browser.find_elements(By.CSS_SELECTOR, "#clusters li strong")
    assert items and all(i.text.startswith("PROTEST") for i in items)
    # the URL holds the view: reloading it shows the same filter
    browser.get(browser.current_url)
    _wait(browser, lambda d: Select(d.find_element(By.ID, "f-type")).first_selected_option.text == "PROTEST")
    # open the event most articles report and read its evidence
    buttons = browser.find_elements(By.CSS_SELECTOR, "#clusters li button")
    best = max(buttons, key=lambda b: int(b.find_element(By.CSS_SELECTOR, ".meta").text.split(" articles")[0].split("·")[-1]))
    best.click()
    _wait(browser, lambda d: d.find_element(By.ID, "detail").is_displayed())
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#mentions li")) >= 2)
    assert browser.find_elements(By.CSS_SELECTOR, "#mentions mark.trigger")
    assert browser.find_elements(By.CSS_SELECTOR, "#mentions mark.place")
    time.sleep(0.3)
    shot = tmp_path / "cluster.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000  # a page drawn, not a blank one


def test_paging_keeps_markers_total_and_cluster_permalink(server, browser):
    import json
    import urllib.request

    from selenium.webdriver.common.by import By

    total = json.load(urllib.request.urlopen(server + "/api/stats"))["clusters"]
    browser.get(server + "/?page_size=5")
    _wait(browser, lambda d: d.execute_script("return window.kronikaReady === true"))
    _wait(browser, lambda d: d.find_element(By.ID, "status").get_attribute("data-total") is not None)
    assert int(browser.find_element(By.ID, "status").get_attribute("data-total")) == total
    assert f"5 of {total} events" in browser.find_element(By.ID, "status").text
    placed = json.load(urllib.request.urlopen(server + "/api/events?page_size=10"))["items"]
    first = sum(1 for x in placed[:5] if x["lat"] is not None)
    both = sum(1 for x in placed if x["lat"] is not None)
    _wait(browser, lambda d: _markers(d) == first)
    # the export links carry the view's filters and give every row the API gives
    href = browser.find_element(By.ID, "export-csv").get_attribute("href")
    assert "format=csv" in href
    assert len(urllib.request.urlopen(href).read().decode().strip().splitlines()) == total + 1
    browser.find_element(By.ID, "more").click()
    _wait(browser, lambda d: d.find_element(By.ID, "status").get_attribute("data-shown") == "10")
    # the second page adds its markers to the first page's
    _wait(browser, lambda d: _markers(d) == both)
    # a cluster's permalink, opened afresh, shows that cluster's reports; the back button closes them
    cid = placed[0]["cluster_id"]
    browser.get(server + "/?type=PROTEST")
    browser.get(f"{server}/#cluster={cid}")
    _wait(browser, lambda d: d.find_element(By.ID, "detail").is_displayed())
    assert browser.find_element(By.ID, "detail").get_attribute("data-cluster") == str(cid)
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#mentions li")) >= 1)
    # a report's article, whole, with the spans kronika found highlighted and a key to the colours
    browser.find_element(By.CSS_SELECTOR, "#mentions button.read").click()
    _wait(browser, lambda d: d.find_element(By.ID, "article-view").is_displayed() and "#article=" in d.current_url)
    roles = {m.get_attribute("data-role") for m in browser.find_elements(By.CSS_SELECTOR, "#article-text mark")}
    assert "trigger" in roles and len(roles) >= 2, roles
    assert browser.find_elements(By.CSS_SELECTOR, "#article-text mark.current")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#article-view .key mark")) == 6
    browser.find_element(By.ID, "article-back").click()
    _wait(browser, lambda d: d.find_element(By.ID, "cluster-view").is_displayed() and f"#cluster={cid}" in d.current_url)
    browser.find_element(By.ID, "detail-close").click()
    _wait(browser, lambda d: "#cluster=" not in d.current_url)
    browser.back()
    _wait(browser, lambda d: d.find_element(By.ID, "detail").is_displayed() and f"#cluster={cid}" in d.current_url)
    browser.back()
    _wait(browser, lambda d: not d.find_element(By.ID, "detail").is_displayed())


def _timeline_bars(browser, url: str, least: int) -> tuple[list[str], int]:
    """The days of the timeline's bars, checked to sit at their dates on one scale, and the number
    of day (or week) slots the axis has."""
    import datetime

    from selenium.webdriver.common.by import By

    browser.get(url)
    _wait(browser, lambda d: d.execute_script("return window.kronikaReady === true"))
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#timeline rect[data-day]")) >= least)
    bars = {r.get_attribute("data-day"): float(r.get_attribute("x"))
            for r in browser.find_elements(By.CSS_SELECTOR, "#timeline rect[data-day]")}
    days = sorted(bars)
    ordinal = {d: datetime.date.fromisoformat(d).toordinal() for d in days}
    span = ordinal[days[-1]] - ordinal[days[0]]
    step = 7 if all((ordinal[d] - ordinal[days[0]]) % 7 == 0 for d in days) else 1  # a bar a week
    per_day = (bars[days[-1]] - bars[days[0]]) / span
    # every bar sits at its date on one scale: days without events are gaps, not skipped
    assert all(abs(bars[d] - bars[days[0]] - per_day * (ordinal[d] - ordinal[days[0]])) < 1.0 for d in days)
    return days, span // step + 1


def test_timeline_is_a_time_axis(server, browser):
    import json
    import urllib.request

    from selenium.webdriver.common.by import By

    days, slots = _timeline_bars(browser, server + "/", 5)
    assert slots > len(days)  # the samples leave gaps
    stats = json.load(urllib.request.urlopen(server + "/api/stats"))
    assert set(days) == {d["key"] for d in stats["by_day"] if d["key"]}
    # stacked by quad class, in the legend's colours, with dated ticks
    quads = {r.get_attribute("data-quad") for r in browser.find_elements(By.CSS_SELECTOR, "#timeline rect[data-quad]")}
    assert len(quads) >= 3
    ticks = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#timeline text.tick")]
    assert len(ticks) >= 3 and all(len(t) == 10 for t in ticks)


def test_hostile_article_is_shown_not_run(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/?text=protesters&country=UA")
    _wait(browser, lambda d: d.execute_script("return window.kronikaReady === true"))
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#clusters li button")) >= 1)
    for b in browser.find_elements(By.CSS_SELECTOR, "#clusters li button"):
        b.click()
        _wait(browser, lambda d: d.find_element(By.ID, "detail").is_displayed())
        text = browser.find_element(By.ID, "mentions").text
        if "onerror" in text:
            break
    assert "<img src=x onerror=" in text and "<script>" in text  # shown as text
    assert not browser.find_elements(By.CSS_SELECTOR, "#mentions img, #mentions script, #mentions b")
    assert browser.execute_script("return window.__pwned === undefined")
    browser.get(server + "/api/articles/" + str(_hostile_id(server)))
    assert "application/json" in browser.execute_script("return document.contentType")


def _hostile_id(server: str) -> int:
    import json
    import urllib.request

    with urllib.request.urlopen(server + "/api/events?per=mention&text=protesters&country=UA") as r:
        rows = json.load(r)["items"]
    doc = next(x for x in rows if x["doc_id"] == "hostile")
    with urllib.request.urlopen(server + f"/api/clusters/{doc['cluster_id']}") as r:
        return json.load(r)["mentions"][0]["article_id"]


def test_api_docs_render_offline(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/docs")
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= 6)
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(u.startswith(server) for u in urls), urls


def _json(url: str):
    import json
    import urllib.request

    with urllib.request.urlopen(url) as r:
        return json.load(r)


def _all_rows(base: str, query: str) -> list[dict]:
    """Every row /api/events gives for `query`, page by page."""
    rows, page = [], 1
    while True:
        data = _json(f"{base}/api/events?{query}&page={page}&page_size=500")
        rows += data["items"]
        if not data["more"]:
            return rows
        page += 1


def _marker_ids(driver) -> set:
    return set(driver.execute_script("return window.kronikaMarkers.getLayers().map((m) => m.options.cluster)"))


def test_many_clusters_paging_total_and_export(big, browser):
    import csv
    import io
    import urllib.request

    from selenium.webdriver.common.by import By

    total = _json(big + "/api/stats")["clusters"]
    assert total >= 2000
    browser.get(big + "/?page_size=500")
    _wait(browser, lambda d: d.execute_script("return window.kronikaReady === true"))
    _wait(browser, lambda d: d.find_element(By.ID, "status").get_attribute("data-total") == str(total))
    assert f"500 of {total} events" in browser.find_element(By.ID, "status").text
    rows = _all_rows(big, "per=cluster")
    assert len(rows) == total
    # each "More" adds its page's markers to every earlier page's
    for pages in (1, 2, 3, 4):
        placed = {r["cluster_id"] for r in rows[:500 * pages] if r["lat"] is not None}
        _wait(browser, lambda d: _marker_ids(d) == placed)
        browser.find_element(By.ID, "more").click()
        _wait(browser, lambda d: d.find_element(By.ID, "status").get_attribute("data-shown") == str(500 * (pages + 1)))
    # the export of a filtered view has the API's rows for the same filter, in its order
    browser.get(big + "/?country=PL&type=PROTEST")
    _wait(browser, lambda d: "country=PL" in d.find_element(By.ID, "export-csv").get_attribute("href"))
    href = browser.find_element(By.ID, "export-csv").get_attribute("href")
    with urllib.request.urlopen(href) as r:
        exported = list(csv.DictReader(io.StringIO(r.read().decode())))
    api = _all_rows(big, "per=cluster&country=PL&type=PROTEST")
    assert len(api) >= 10
    assert [int(x["cluster_id"]) for x in exported] == [x["cluster_id"] for x in api]
    geo = _json(browser.find_element(By.ID, "export-geojson").get_attribute("href"))
    assert len(geo["features"]) == sum(1 for x in api if x["lat"] is not None)


def test_many_clusters_permalink_in_a_new_browser(big):
    from selenium.webdriver.common.by import By

    deep = _json(big + "/api/events?page=3&page_size=500")["items"][7]  # far from the first page
    fresh = _chromium()
    try:
        fresh.get(f"{big}/#cluster={deep['cluster_id']}")
        _wait(fresh, lambda d: d.find_element(By.ID, "detail").is_displayed())
        assert fresh.find_element(By.ID, "detail").get_attribute("data-cluster") == str(deep["cluster_id"])
        _wait(fresh, lambda d: deep["event_type"] in d.find_element(By.ID, "detail-title").text)
        assert (deep["first_date"] or "undated") in fresh.find_element(By.ID, "detail-title").text
        fresh.find_element(By.CSS_SELECTOR, "#mentions button.read").click()
        _wait(fresh, lambda d: d.find_element(By.ID, "article-view").is_displayed())
        marks = fresh.find_elements(By.CSS_SELECTOR, "#article-text mark")
        assert marks and fresh.find_elements(By.CSS_SELECTOR, "#article-text mark.current")
        assert {m.get_attribute("data-role") for m in marks} >= {"trigger"}
    finally:
        fresh.quit()


def test_many_clusters_timeline_and_undated(big, browser):

    from selenium.webdriver.common.by import By

    days, slots = _timeline_bars(browser, big + "/", 50)
    assert slots > len(days)  # the synthetic days leave gaps (the 29th to the 31st of each month)
    stats = _json(big + "/api/stats")
    undated = sum(d["events"] for d in stats["by_day"] if not d["key"])
    assert undated > 0
    _wait(browser, lambda d: d.find_element(By.ID, "undated").get_attribute("data-undated") == str(undated))
    # listing the undated events: the filter in the URL, the list and the total are the API's
    browser.find_element(By.ID, "list-undated").click()
    _wait(browser, lambda d: "undated=true" in d.current_url)
    want = _json(big + "/api/stats?undated=true")["clusters"]
    _wait(browser, lambda d: d.find_element(By.ID, "status").get_attribute("data-total") == str(want))
    assert browser.find_element(By.ID, "f-undated").is_selected()
    reports = _all_rows(big, "per=mention&undated=true")
    assert len(reports) == undated and all(r["date"] is None for r in reports)


def test_many_clusters_keyboard_and_place_names(big, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(big + "/?country=KE")
    _wait(browser, lambda d: d.execute_script("return window.kronikaReady === true"))
    _wait(browser, lambda d: len(_marker_ids(d)) > 20)
    # a bubble of nearby events takes the focus and Enter zooms into it
    bubble = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".cluster-bubble"))[0]
    assert bubble.get_attribute("tabindex") == "0"
    zoom = browser.execute_script("return window.kronikaMap.getZoom()")
    browser.execute_script("arguments[0].focus()", bubble)
    bubble.send_keys(Keys.ENTER)
    _wait(browser, lambda d: d.execute_script("return window.kronikaMap.getZoom()") > zoom)
    # an event's circle takes the focus and Enter opens its reports
    browser.execute_script("window.kronikaMap.setZoom(12)")
    circle = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "path.cluster-marker[tabindex='0']"))[0]
    browser.execute_script("arguments[0].focus()", circle)
    circle.send_keys(Keys.ENTER)
    _wait(browser, lambda d: d.find_element(By.ID, "detail").is_displayed())
    assert browser.find_element(By.ID, "detail").get_attribute("data-cluster")
    # the list is reached with Tab alone: its buttons open a cluster with Enter
    browser.find_element(By.ID, "detail-close").click()
    first = browser.find_element(By.CSS_SELECTOR, "#clusters li button")
    first.send_keys(Keys.ENTER)
    _wait(browser, lambda d: d.find_element(By.ID, "detail").get_attribute("data-cluster") == first.get_attribute("data-cluster"))
    # place names from the package, none drawn over another
    browser.get(big + "/")
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".place-label")) >= 20)
    boxes = browser.execute_script("return [...document.querySelectorAll('.place-label span')].map((s) => {"
                                   "const r = s.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, s.textContent]; })")
    names = {b[4] for b in boxes}
    assert {"Moscow", "Berlin"} <= names or {"Moscow", "Kyiv"} <= names, sorted(names)[:30]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1), (a, b)


def test_new_clusters_appear_without_reload(server, browser, pipeline):
    """Last in this module: it stores one more article."""
    from selenium.webdriver.common.by import By

    browser.get(server + "/?live=2")
    _wait(browser, lambda d: d.find_element(By.ID, "status").get_attribute("data-total") is not None)
    total = int(browser.find_element(By.ID, "status").get_attribute("data-total"))
    assert not browser.find_elements(By.CSS_SELECTOR, "#clusters li.new")
    late = Article("late", "TBILISI, March 12 - Georgian police detained 15 protesters outside parliament in "
                   "Tbilisi on Wednesday night, the interior ministry said.", date="2026-03-12", lang="en")
    store = Store(_DBS[server])
    assert store.add(late, [e.to_dict() for e in pipeline.process(late).events])
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#clusters li.new"), timeout=20)
    fresh = browser.find_elements(By.CSS_SELECTOR, "#clusters li.new")
    assert all("new" in li.find_element(By.CSS_SELECTOR, ".new-badge").text for li in fresh)
    assert "new or grown since you opened" in browser.find_element(By.ID, "status").text
    ids = {int(li.get_attribute("data-cluster")) for li in fresh}
    import json
    import urllib.request

    rows = json.load(urllib.request.urlopen(server + "/api/events?per=mention&page_size=500"))["items"]
    assert ids == {r["cluster_id"] for r in rows if r["doc_id"] == "late"}
    _wait(browser, lambda d: int(d.find_element(By.ID, "status").get_attribute("data-total")) >= total)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#clusters li")) >= total  # nothing lost from the list
