"""The founding example, scored by shared/tools/score_events.py against its gold."""
from __future__ import annotations

import json

from kronika.readers import read_inputs

SEED = "000_01fde6d5beb19eeb"


def _records(pipeline, path):
    article = next(iter(read_inputs([str(path)])))
    return [e.to_dict() for e in pipeline.process(article).events]


def test_seed_meets_floors(pipeline, shared, scorer):
    preds = _records(pipeline, shared / "seed" / f"{SEED}.txt")
    gold = scorer.load([str(shared / "seed" / f"{SEED}.gold.jsonl")])
    res = scorer.score(gold, json.loads(json.dumps(preds)))
    p, r, f1 = res["micro"]
    args = {k: v[0] for k, v in res["args"].items()}
    assert f1 >= 0.80, res
    assert args["location.city"] >= 0.90, args
    assert args["date"] >= 0.90, args
    assert args["actor"] >= 0.80, args


def test_seed_russian_tweet_is_its_own_event(pipeline, shared):
    preds = _records(pipeline, shared / "seed" / f"{SEED}.txt")
    ru = [p for p in preds if p["language"] == "ru"]
    assert ru, "the Russian tweet yields no event"
    assert ru[0]["event_type"] in ("AID", "MOBILIZE")
    assert "Белоруссия" in ru[0]["evidence"]["sentence"]
    assert ru[0]["actor"]["code"] == "BLR"


def test_seed_offsets_point_into_the_body(pipeline, shared):
    article = next(iter(read_inputs([str(shared / "seed" / f"{SEED}.txt")])))
    for ev in pipeline.process(article).events:
        rec = ev.to_dict()
        e = rec["evidence"]
        assert article.body[e["start"]:e["end"]] == e["sentence"]
        t = e["trigger"]
        assert article.body[t["start"]:t["end"]] == t["text"]
        assert e["start"] <= t["start"] < t["end"] <= e["end"]


def test_see_also_lines_and_signoff_yield_no_event(pipeline, shared):
    preds = _records(pipeline, shared / "seed" / f"{SEED}.txt")
    for p in preds:
        assert not p["evidence"]["sentence"].startswith("ZOBACZ")
        assert "pdb/PAP" not in p["evidence"]["sentence"]
