#!/usr/bin/env python3
"""The README's pictures of the page: the map (docs/map.png), a cluster's reports (docs/cluster.png)
and a report's article (docs/article.png), over a store of the bundled samples made in a temporary
folder, in headless Chromium (Debian packages chromium, chromium-driver).

usage: python scripts/screenshots.py [--db URL] [--cluster ID]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from kronika.store import Store, query_clusters
    from kronika.filters import Filters
    from kronika.web.app import create_app

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db")
    ap.add_argument("--cluster", type=int, help="the cluster to show (default: the one most articles report)")
    args = ap.parse_args()
    db = args.db
    if not db:
        db = f"sqlite:///{Path(tempfile.mkdtemp()) / 'samples.db'}"
        Store(db).ingest(sorted(str(p) for p in (ROOT / "src/kronika/samples").glob("*.txt")))
    store = Store(db, create=False)
    cluster = args.cluster or max(query_clusters(store, Filters(), 10_000),
                                  key=lambda c: (c["n_articles"], len(c["languages"]), -c["cluster_id"]))["cluster_id"]
    from tests.serving import serve

    base, stop = serve(create_app(db))
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900", "--hide-scrollbars"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    wait = WebDriverWait(driver, 30)
    try:
        driver.get(base + "/")
        wait.until(lambda d: d.execute_script("return window.kronikaReady && window.kronikaMarkers.getLayers().length > 0"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".place-label"))
        time.sleep(1.0)  # the fit to the results and the labels after it
        driver.save_screenshot(str(ROOT / "docs" / "map.png"))
        driver.get(f"{base}/#cluster={cluster}")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#mentions li"))
        time.sleep(1.0)
        driver.save_screenshot(str(ROOT / "docs" / "cluster.png"))
        driver.find_element(By.CSS_SELECTOR, "#mentions button.read").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#article-text mark.current"))
        time.sleep(0.5)
        driver.save_screenshot(str(ROOT / "docs" / "article.png"))
    finally:
        driver.quit()
        stop()
    print("wrote docs/map.png, docs/cluster.png, docs/article.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
