"""The web page in a real headless Chromium (Debian packages chromium, chromium-driver) over a store
holding the samples and one hostile article: markers, filtering by type, a cluster's highlighted
evidence, nothing loaded from the internet, nothing from an article executed; a screenshot for the
README."""
from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest

from kronika.records import Article
from kronika.store import Store

from .conftest import ROOT, SAMPLES

HOSTILE = ("Police detained 20 protesters <img src=x onerror=\"window.__pwned=1\"> in Kyiv on Monday, "
           "the interior ministry <script>window.__pwned=2</script> said.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, pipeline):
    import uvicorn

    from kronika.web.app import STATIC, create_app

    assert (STATIC / "vendor" / "leaflet" / "leaflet.js").exists(), "the map files come with the package: reinstall it (pip install -e .)"
    db = f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.db'}"
    store = Store(db)
    store.ingest(sorted(str(p) for p in SAMPLES.glob("*.txt")), pipeline=pipeline)
    hostile = Article("hostile", HOSTILE, date="2026-04-06", lang="en", title="<b onmouseover=alert(1)>title</b>")
    store.add(hostile, [e.to_dict() for e in pipeline.process(hostile).events])
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
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
    yield driver
    driver.quit()


def _markers(driver) -> int:
    """Every marker on the map, those drawn inside a bubble of nearby events too."""
    return driver.execute_script("return window.kronikaMarkers ? window.kronikaMarkers.getLayers().length : 0")


def _wait(driver, cond, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: cond(d))


def test_page_map_filters_detail_and_screenshot(server, browser):
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
    shot = ROOT / "docs" / "screenshot.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000


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


def test_timeline_is_a_time_axis(server, browser):
    import datetime
    import json
    import urllib.request

    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    _wait(browser, lambda d: d.execute_script("return window.kronikaReady === true"))
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#timeline rect[data-day]")) >= 5)
    bars = {}
    for r in browser.find_elements(By.CSS_SELECTOR, "#timeline rect[data-day]"):
        bars[r.get_attribute("data-day")] = float(r.get_attribute("x"))
    days = sorted(bars)
    ordinal = {d: datetime.date.fromisoformat(d).toordinal() for d in days}
    per_day = (bars[days[-1]] - bars[days[0]]) / (ordinal[days[-1]] - ordinal[days[0]])
    # every bar sits at its date on one scale: days without events are gaps, not skipped
    assert all(abs(bars[d] - bars[days[0]] - per_day * (ordinal[d] - ordinal[days[0]])) < 1.0 for d in days)
    assert ordinal[days[-1]] - ordinal[days[0]] + 1 > len(days)  # the samples leave gaps
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
