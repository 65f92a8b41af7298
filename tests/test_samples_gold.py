"""Evaluation gate: our samples against the hand-made gold in tests/gold, with the shared scorer.

The floors are what kronika measured when they were set; they only go up.
"""
from __future__ import annotations

from kronika.readers import read_inputs

from .conftest import ROOT, SAMPLES

FLOORS = {"f1": 0.80, "actor": 0.60, "date": 0.85, "location.country": 0.85}


def test_samples_against_hand_gold(pipeline, scorer):
    gold_files = sorted((ROOT / "tests" / "gold").glob("*.gold.jsonl"))
    assert len(gold_files) >= 12
    preds = []
    for g in gold_files:
        stem = g.name.removesuffix(".gold.jsonl")
        article = next(iter(read_inputs([str(SAMPLES / f"{stem}.txt")])))
        preds.extend(e.to_dict() for e in pipeline.process(article).events)
    res = scorer.score(scorer.load([str(g) for g in gold_files]), preds)
    assert res["micro"][2] >= FLOORS["f1"], res["langs"]
    for arg in ("actor", "date", "location.country"):
        assert res["args"][arg][0] >= FLOORS[arg], (arg, res["args"])
    for lang, (p, r, f1, n) in res["langs"].items():
        assert f1 >= 0.65, (lang, res["langs"])
