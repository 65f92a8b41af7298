"""Golden tests: each bundled sample article against its expected events.

A failure is a behaviour change: if it is intended, run `python scripts/regen_golden.py` and review
the diff of tests/golden/.
"""
from __future__ import annotations

import json

import pytest

from kronika.golden import golden_view
from kronika.readers import read_inputs

from .conftest import ROOT, SAMPLES

CASES = sorted(p.stem for p in SAMPLES.glob("*.txt"))


@pytest.mark.parametrize("stem", CASES)
def test_sample_matches_golden(pipeline, stem):
    article = next(iter(read_inputs([str(SAMPLES / f"{stem}.txt")])))
    got = [golden_view(e.to_dict()) for e in pipeline.process(article).events]
    path = ROOT / "tests" / "golden" / f"{stem}.expected.jsonl"
    expected = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert got == expected


def test_every_language_has_samples():
    langs = {stem.split("_")[0] for stem in CASES}
    assert {"pl", "ru", "uk", "en", "de", "cs"} <= langs
