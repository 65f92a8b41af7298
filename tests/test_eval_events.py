"""`kronika eval events`: the spec's scoring (checked against the shared scorer), the public
benchmark loaders and their metrics, ACLED sub-event types, and floors on our held-out articles."""
from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from kronika.cli import app
from kronika.eval import eventbench
from kronika.eval.events import read_jsonl, score
from kronika.readers import read_inputs
from kronika.records import Article

from .conftest import ROOT, SAMPLES

HELDOUT = ROOT / "tests" / "heldout"


def _records(pipeline, paths) -> list[dict]:
    out = []
    for article in read_inputs([str(p) for p in paths]):
        out.extend(e.to_dict() for e in pipeline.process(article).events)
    return out


def test_scoring_agrees_with_the_shared_scorer(pipeline, scorer):
    gold_files = sorted((ROOT / "tests" / "gold").glob("*.gold.jsonl"))
    stems = [g.name.removesuffix(".gold.jsonl") for g in gold_files]
    preds = _records(pipeline, [SAMPLES / f"{s}.txt" for s in stems])
    gold = read_jsonl(gold_files)
    ours = score(gold, preds)
    theirs = scorer.score(scorer.load([str(g) for g in gold_files]), preds)
    assert (ours["events"]["precision"], ours["events"]["recall"]) == pytest.approx(theirs["micro"][:2], abs=1e-3)
    for arg in ("actor", "recipient", "date", "location.city", "location.country", "source"):
        assert ours["arguments"][arg]["accuracy"] == pytest.approx(theirs["args"][arg][0], abs=1e-3), arg


@pytest.mark.slow
def test_heldout_articles_meet_floors(pipeline):
    """Six articles written for evaluation after the rules; first scored at F1 0.65 before any rule
    was changed for them, since used as a development set."""
    gold_files = sorted(HELDOUT.glob("*.gold.jsonl"))
    assert len(gold_files) == 6
    m = score(read_jsonl(gold_files), _records(pipeline, sorted(HELDOUT.glob("*.txt"))))
    assert m["events"]["f1"] >= 0.70, m["by_language"]
    assert m["arguments"]["date"]["accuracy"] >= 0.85


def test_scoring_rules_on_a_small_case():
    gold = [{"doc": "d", "id": "1", "type": "PROTEST", "alt_types": [], "mentions": ["thousands marched in Minsk"],
             "actor": {"code": "BLR"}, "location": {"geonameid": 625144, "country": "BY"}, "date": "2020-08",
             "source": "Reuters", "optional": False},
            {"doc": "d", "id": "2", "type": "COERCE", "alt_types": [], "mentions": ["police detained 200"],
             "optional": True}]
    pred = [{"doc_id": "d", "event_type": "PROTEST", "evidence": {"sentence": "On Sunday thousands marched in  Minsk."},
             "actor": {"code": "BLR"}, "location": {"geonameid": 625144, "country": "BY"}, "date": "2020-08-16",
             "source": {"name": "Reuters", "text": "Reuters"}},
            {"doc_id": "d", "event_type": "COERCE", "evidence": {"sentence": "Police detained 200 people."}},
            {"doc_id": "d", "event_type": "ASSAULT", "evidence": {"sentence": "Police detained 200 people."}}]
    m = score(gold, pred)
    assert m["events"]["predicted"] == 2  # the optional match is neither right nor wrong
    assert m["events"]["precision"] == 0.5 and m["events"]["recall"] == 1.0
    assert all(m["arguments"][a]["accuracy"] == 1.0 for a in ("actor", "location.city", "date", "source"))


def test_benchmark_loaders(shared):
    root = os.path.join(shared, "benchmarks")
    gsr = eventbench.load("plover-gsr", root)
    assert len(gsr) == 322 and all(len(it.gold) == 1 for it in gsr)
    assert {t for it in gsr for t in it.gold} <= {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID",
                                                  "RETREAT", "REQUEST", "ACCUSE", "REJECT", "THREATEN", "PROTEST",
                                                  "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}
    pet = eventbench.load("petrarch2", root)
    assert len(pet) == 284 and sum(1 for it in pet if it.gold) > 150
    case = eventbench.load("case2021", root)
    assert len(case) == 1019
    dev, test = eventbench.load("up-es-dev", root), eventbench.load("up-es-test", root)
    assert dev and test and not {i.id for i in dev} & {i.id for i in test}


def test_sentence_and_label_metrics():
    items = [eventbench.Item("a", "", {"PROTEST"}), eventbench.Item("b", "", {"AGREE"}), eventbench.Item("c", "", set())]
    m = eventbench.score_sentences(items, {"a": ["PROTEST", "COERCE"], "b": [], "c": ["ASSAULT"]})
    assert m["gold_type_found"] == 0.5 and m["extra_events_per_sentence"] == pytest.approx(2 / 3, abs=1e-3)
    recs = [{"acled": {"sub_event_type": "Attack"}}, {"acled": {"sub_event_type": "Suicide bomb"}}, {"acled": None}]
    assert eventbench.case_label(recs) == "SUIC_BOMB"  # the most specific of a snippet's sub-types


@pytest.mark.parametrize("text,sub", [
    ("Police fired tear gas to disperse hundreds of students protesting outside the ministry on Monday.",
     "Protest with intervention"),
    ("A suicide bomber blew himself up at a checkpoint near the market, killing nine people.", "Suicide bomb"),
    ("Army engineers defused a roadside bomb planted near the bridge.", "Disrupted weapons use"),
    ("Government warplanes bombed rebel positions outside the town on Tuesday.", "Air/drone strike"),
    ("Rebels shelled the outskirts of the city with mortars overnight.", "Shelling/artillery/missile attack"),
])
def test_acled_sub_event_types(pipeline, text, sub):
    recs = [e.to_dict() for e in pipeline.process(Article("t", text, date="2024-03-04", lang="en")).events]
    assert sub in {(r["acled"] or {}).get("sub_event_type") for r in recs}, recs


def test_eval_events_cli_on_samples(tmp_path):
    out = tmp_path / "m.json"
    res = CliRunner().invoke(app, ["eval", "events", "--gold", str(ROOT / "tests" / "gold" / "pl_01.gold.jsonl"),
                                   "--inputs", str(SAMPLES), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "events: P" in res.output and out.exists()


# public benchmarks: floors at the measured figures (the targets are not reached yet)
@pytest.mark.parametrize("name,floor", [("plover-gsr", {"found": 0.57, "extra": 0.60}),
                                        ("case2021", {"weighted_f1": 0.57}),
                                        ("up-es-test", {"found": 0.45, "extra": 0.70})])
@pytest.mark.slow
def test_event_benchmark_floors(shared, pipeline, name, floor):
    m, _ = eventbench.evaluate(name, os.path.join(shared, "benchmarks"), pipeline=pipeline)
    if name == "case2021":
        assert m["weighted_f1"] >= floor["weighted_f1"], m["weighted_f1"]
    else:
        assert m["gold_type_found"] >= floor["found"] and m["extra_events_per_sentence"] <= floor["extra"], m
