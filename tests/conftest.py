"""Shared fixtures: one pipeline for the whole session (the name index loads once)."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from kronika.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("KRONIKA_SHARED", ROOT.parent / "shared"))
SAMPLES = ROOT / "src" / "kronika" / "samples"


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    from kronika.api import default_pipeline

    return default_pipeline()  # the one the command line (in-process) and the Python API use too


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "seed").is_dir():
        pytest.fail(f"../shared not found at {SHARED}; set KRONIKA_SHARED to the shared folder")
    return SHARED


@pytest.fixture(scope="session")
def scorer(shared):
    """The project-independent scorer in shared/tools/score_events.py."""
    spec = importlib.util.spec_from_file_location("score_events", shared / "tools" / "score_events.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server started for the test session (see tests/pg.py)."""
    from .pg import TempPostgres

    server = TempPostgres()
    url = server.start()
    yield server, url
    server.stop()


MARKERS = {
    "slow": "gates over public benchmarks, real servers, browsers and worker clusters; "
            "`pytest -m 'not slow'` is the quick loop, CI runs everything",
    "postgres": "starts a throw-away PostgreSQL server (needs its binaries)",
    "browser": "drives a headless Chromium (needs chromium and chromedriver)",
    "dask": "starts a Dask LocalCluster of worker processes",
}
# fixtures that start something heavy mark the tests that use them
FIXTURE_MARKS = {"postgres": ("postgres", "slow"), "filled": ("postgres", "slow"), "browser": ("browser", "slow")}


def pytest_configure(config):
    for name, what in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {what}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        for fixture in item.fixturenames:
            for name in FIXTURE_MARKS.get(fixture, ()):
                item.add_marker(getattr(pytest.mark, name))
