"""Evaluation gate for named entities on SlavicNER's single-topic-out test split (us_election_2020),
read from ../shared at run time. Floors are the issue's; they only go up."""
from __future__ import annotations

import pytest

import os

from kronika.eval.entities import evaluate_entities

pytestmark = pytest.mark.slow

FLOORS = {"partial_f1": 0.76, "base_accuracy": 0.89}


def test_slavicner_test_split_meets_floors(shared):
    root = os.path.join(shared, "benchmarks", "slavicner")
    m = evaluate_entities("test", ["pl", "ru", "uk", "cs"], root)
    assert m["benchmark"]["documents"] == 404
    assert m["overall"]["partial"]["ALL"]["f1"] >= FLOORS["partial_f1"], m["by_lang"]
    assert m["base_accuracy"]["accuracy"] >= FLOORS["base_accuracy"], m["base_accuracy"]
