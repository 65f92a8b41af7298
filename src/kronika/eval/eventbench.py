"""Public event-coding gold sets in `benchmarks/` and how kronika is scored on them.

- PLOVER GSR (`plover_gsr/`, test): 322 English sentences, one PLOVER type each (PLOVER 0.5 names,
  mapped to the 16 types of PLOVER 2: DEMAND -> REQUEST, DISAPPROVE and INVESTIGATE -> ACCUSE,
  FIGHT -> ASSAULT). Scored by sentence: is the gold type among the extracted events, and how many
  extracted events are extra.
- PETRARCH2 unit tests (`petrarch2_unittest/`, dev): 284 English sentences with CAMEO codes (and
  some with none), mapped to PLOVER with the CAMEO2PLOVER table; scored like the GSR.
- CASE 2021 task 2 (`case2021/task2/`, test): 1,019 English snippets with one ACLED-style sub-type
  each; kronika's label is the most specific ACLED sub-event type among the snippet's events.
  Scored by weighted F1 over the 25 ACLED sub-types (the 5 types unseen in training are left out).
- UniversalPetrarch Spanish (`universalpetrarch_gsr/es/`): sentences with PLOVER labels; the first
  half of the file is dev, the second test.
"""
from __future__ import annotations

import csv
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import KronikaError
from ..lexicon import data_path, load_yaml

BENCHMARKS = ("plover-gsr", "petrarch2", "case2021", "up-es-dev", "up-es-test", "plover-en-dev", "acled-en-dev")
DEV = {"petrarch2", "up-es-dev", "plover-en-dev", "acled-en-dev"}
# our own development sets (tests/devsets), written from the PLOVER and ACLED definitions
DEVSETS = Path(__file__).resolve().parents[3] / "tests" / "devsets"


@dataclass(slots=True)
class Item:
    id: str
    text: str
    gold: set[str]  # PLOVER types (sentence sets) or one CASE label
    lang: str = "en"
    date: str | None = None
    extra: dict = field(default_factory=dict)


def benchmarks_root(root: str | os.PathLike | None = None) -> Path:
    if root:
        return Path(root)
    env = os.environ.get("KRONIKA_BENCHMARKS")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        cand = parent.parent / "shared" / "benchmarks"
        if cand.exists():
            return cand
    return Path.cwd().parent / "shared" / "benchmarks"


def _tables() -> dict:
    return load_yaml(data_path("benchmark_labels.yaml"))


def load(name: str, root=None, limit: int = 0) -> list[Item]:
    if name in ("plover-en-dev", "acled-en-dev"):
        items = _devset(Path(root) if root else DEVSETS, name)
        return items[:limit] if limit else items
    base = benchmarks_root(root)
    if not base.exists():
        raise KronikaError(f"{base}: benchmarks not found; pass --root or set KRONIKA_BENCHMARKS")
    if name == "plover-gsr":
        items = _gsr(base / "plover_gsr" / "PLOVER_GSR_CAMEO.json")
    elif name == "petrarch2":
        items = _petrarch(base / "petrarch2_unittest" / "PETR.UnitTest.records.xml",
                          base / "plover_gsr" / "CAMEO2PLOVER-2021.txt")
    elif name == "case2021":
        items = _case(base / "case2021" / "task2" / "test_set_final_release_with_labels.tsv")
    elif name in ("up-es-dev", "up-es-test"):
        items = _up_es(base / "universalpetrarch_gsr" / "es" / "spanish_protest_plover_validation.xml",
                       name.endswith("dev"))
    else:
        raise KronikaError(f"unknown event benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}")
    return items[:limit] if limit else items


def _devset(folder: Path, name: str) -> list[Item]:
    import json

    if not folder.exists():
        raise KronikaError(f"{folder}: development sets not found (they live in the repository's tests/devsets)")
    out = []
    if name == "acled-en-dev":
        labels = _tables()["case2021_labels"]
        for line in (folder / "acled_en.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                out.append(Item(r["id"], r["text"], {labels[r["sub_event_type"]]}, "en"))
        return out
    for fname in ("plover_en.jsonl", "plover_en_none.jsonl"):
        path = folder / fname
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    r = json.loads(line)
                    out.append(Item(r["id"], r["text"], {r["type"]} if r.get("type") else set(), "en"))
    return out


def _gsr(path: Path) -> list[Item]:
    import json

    renames = _tables()["plover_renames"]
    out = []
    for rec in json.loads(path.read_text(encoding="utf-8")):
        if not rec.get("event") or not rec.get("text"):
            continue  # the file's DOCUMENT header
        out.append(Item(rec["id"], rec["text"], {renames.get(rec["event"], rec["event"])}, "en", rec.get("date")))
    return out


def _cameo_table(path: Path) -> dict[str, str]:
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*(\d{2,4}):\s*([A-Z]*)", line)
        if m and m.group(2):
            table[m.group(1)] = m.group(2)
    return table


def _petrarch(path: Path, table_path: Path) -> list[Item]:
    table = _cameo_table(table_path)
    out = []
    for s in ET.parse(path).getroot().iter("Sentence"):
        text = " ".join((s.findtext("Text") or "").split())
        types = set()
        for ec in s.iter("EventCoding"):
            code = (ec.get("eventcode") or "").strip()
            for k in (code, code[:3], code[:2]):
                if k in table:
                    types.add(table[k])
                    break
        date = s.get("date") or ""
        out.append(Item(s.get("id"), text, types, "en", f"{date[:4]}-{date[4:6]}-{date[6:8]}" if len(date) == 8 else None))
    return out


def _case(path: Path) -> list[Item]:
    out = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            out.append(Item(f"case-{row['id']}", row["EventSnippet"], {row["SubType"]}, "en"))
    return out


def _up_es(path: Path, dev: bool) -> list[Item]:
    renames = _tables()["plover_renames"]
    rows = []
    for s in ET.parse(path).getroot().iter("Sentence"):
        if s.get("evaluate", "true") != "true":
            continue
        types = {renames.get(ec.get("plover"), ec.get("plover")) for ec in s.iter("EventCoding") if ec.get("plover")}
        types.discard("None")
        text = " ".join((s.findtext("Text") or "").split())
        if text:
            rows.append(Item(s.get("id"), text, types, "es", None))
    half = len(rows) // 2
    return rows[:half] if dev else rows[half:]


# -- scoring ----------------------------------------------------------------------------------

def score_sentences(items: list[Item], predicted: dict[str, list[str]]) -> dict:
    """By sentence: the gold type among the predicted types (over sentences with a gold type), and
    extra events: predictions beyond one per matched gold type (all of them where gold has none)."""
    hit = n = extra = 0
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusion: Counter = Counter()
    for it in items:
        types = predicted.get(it.id, [])
        matched = it.gold & set(types)
        extra += max(0, len(types) - len(matched))
        if it.gold:
            n += 1
            ok = bool(matched)
            hit += ok
            for g in it.gold:
                per_type[g][1] += 1
                per_type[g][0] += g in matched
            if not ok:
                confusion[(sorted(it.gold)[0], types[0] if types else "-")] += 1
    return {"sentences": len(items), "with_gold_type": n,
            "gold_type_found": round(hit / n, 4) if n else 0.0,
            "extra_events_per_sentence": round(extra / len(items), 4) if items else 0.0,
            "by_type": {t: {"found": round(a / b, 3), "n": b} for t, (a, b) in sorted(per_type.items())},
            "top_confusions": [{"gold": g, "predicted": p, "n": c} for (g, p), c in confusion.most_common(10)]}


def case_label(records: list[dict]) -> str | None:
    """The CASE 2021 label of a snippet: the most specific ACLED sub-event type of its events."""
    from ..coding import priority

    names = _tables()["case2021_labels"]
    subs = [(r.get("acled") or {}).get("sub_event_type") for r in records]
    subs = [s for s in subs if s in names]
    return names[min(subs, key=priority)] if subs else None


def score_labels(items: list[Item], predicted: dict[str, str | None]) -> dict:
    """Weighted F1 over the 25 ACLED sub-types (snippets of the 5 unseen types are left out)."""
    labels = set(_tables()["case2021_labels"].values())
    scored = [it for it in items if next(iter(it.gold)) in labels]
    tp: Counter = Counter()
    fp: Counter = Counter()
    support: Counter = Counter()
    for it in scored:
        g = next(iter(it.gold))
        p = predicted.get(it.id)
        support[g] += 1
        if p == g:
            tp[g] += 1
        elif p is not None:
            fp[p] += 1
    per = {}
    total = sum(support.values())
    wf1 = 0.0
    for lab in sorted(labels):
        prec = tp[lab] / (tp[lab] + fp[lab]) if tp[lab] + fp[lab] else 0.0
        rec = tp[lab] / support[lab] if support[lab] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": round(prec, 3), "recall": round(rec, 3), "f1": round(f1, 3), "support": support[lab]}
        wf1 += f1 * support[lab] / total if total else 0.0
    return {"snippets": len(scored), "left_out_unseen_types": len(items) - len(scored),
            "no_label": sum(1 for it in scored if predicted.get(it.id) is None),
            "accuracy": round(sum(tp.values()) / total, 4) if total else 0.0,
            "weighted_f1": round(wf1, 4), "by_label": per}


def evaluate(name: str, root=None, limit: int = 0, pipeline=None) -> tuple[dict, dict]:
    """Run kronika over one event benchmark: (metrics, predictions by item id)."""
    import time

    from ..pipeline import Pipeline
    from ..records import Article

    items = load(name, root, limit)
    pipeline = pipeline or Pipeline.default()
    t = time.perf_counter()
    records: dict[str, list[dict]] = {}
    for it in items:
        doc = pipeline.process(Article(it.id, it.text, date=it.date or "2000-01-01", lang=it.lang))
        records[it.id] = [e.to_dict() for e in doc.events]
    seconds = time.perf_counter() - t
    if name in ("case2021", "acled-en-dev"):
        metrics = score_labels(items, {k: case_label(v) for k, v in records.items()})
    else:
        metrics = score_sentences(items, {k: [r["event_type"] for r in v] for k, v in records.items()})
    n_events = sum(len(v) for v in records.values())
    metrics["benchmark"] = {"name": name, "part": "dev" if name in DEV else "test", "items": len(items),
                            "events": n_events, "events_per_s": round(n_events / seconds, 1) if seconds else None}
    return metrics, records
