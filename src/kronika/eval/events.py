"""Scoring of extracted events against gold files, by the rules of the spec (shared/spec/EVENTS.md):

- a prediction matches a gold event of its document when its type is the gold type or one of its
  `alt_types` and its evidence sentence contains a gold mention or lies inside one (white space
  folded, case ignored); gold for third-party articles marks mentions by character offsets
  (`spans`) instead, and then the evidence must overlap a span by at least half of the shorter;
- precision leaves out predictions that match only optional gold events; recall counts the
  non-optional gold events matched at least once;
- on matched pairs (a gold event's first pairing), each argument the gold sets is compared:
  country, city (same GeoNames id or within 50 km), date at the gold's precision, actor and
  recipient codes, source name.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from ..geodesy import distance_km

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u201e": '"', "\u201d": '"', "\u201c": '"', "\u00ab": '"', "\u00bb": '"'})
ARGS = ("actor", "recipient", "location.city", "location.country", "date", "source")


def _norm(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip().lower().translate(_QUOTES)


def read_jsonl(paths) -> list[dict]:
    rows = []
    for p in paths:
        for n, line in enumerate(Path(p).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{p}:{n}: not JSON ({exc.msg}); fix or remove the line") from exc
    return rows


def _doc(rec: dict) -> str:
    return str(rec.get("doc") or rec.get("doc_id") or "")


def _sentence(pred: dict) -> str:
    ev = pred.get("evidence") or {}
    return _norm(ev.get("sentence") or pred.get("sentence"))


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    shorter = min(a[1] - a[0], b[1] - b[0])
    return shorter > 0 and min(a[1], b[1]) - max(a[0], b[0]) >= shorter / 2


def _evidence_span(pred: dict) -> tuple[int, int] | None:
    ev = pred.get("evidence") or {}
    if isinstance(ev.get("start"), int) and isinstance(ev.get("end"), int):
        return ev["start"], ev["end"]
    return None


def matches(pred: dict, gold: dict) -> bool:
    if pred.get("event_type") not in {gold["type"], *(gold.get("alt_types") or ())}:
        return False
    if "spans" in gold:
        have = _evidence_span(pred)
        return have is not None and any(_overlaps(have, (s, e)) for s, e in gold["spans"])
    sent = _sentence(pred)
    if not sent:
        return False
    for mention in gold.get("mentions") or ():
        m = _norm(mention)
        if m and (m in sent or (len(sent) >= 12 and sent in m)):
            return True
    return False


def _arg_ok(name: str, pred: dict, gold: dict) -> bool | None:
    """Whether a predicted argument agrees with the gold one; None when the gold leaves it unset."""
    if name in ("actor", "recipient"):
        g = gold.get(name)
        if not g or not g.get("code"):
            return None
        return ((pred.get(name) or {}).get("code")) == g["code"]
    if name.startswith("location."):
        g = gold.get("location")
        if not g:
            return None
        p = pred.get("location") or {}
        if name == "location.country":
            return p.get("country") == g.get("country") if g.get("country") else None
        if not g.get("geonameid") and g.get("lat") is None:
            return None
        if g.get("geonameid") and p.get("geonameid") == g["geonameid"]:
            return True
        if None not in (p.get("lat"), p.get("lon"), g.get("lat"), g.get("lon")):
            return distance_km(p["lat"], p["lon"], g["lat"], g["lon"]) <= 50
        return False
    if name == "date":
        g = gold.get("date")
        if not g:
            return None
        return (pred.get("date") or "")[:len(g)] == g
    if name == "source":
        g = gold.get("source")
        if not g:
            return None
        name_ = g if isinstance(g, str) else (g.get("name") or g.get("text") or "")
        s = pred.get("source") or {}
        have = [_norm(s.get("name")), _norm(s.get("text"))]
        gl = _norm(name_)
        return bool(gl) and any(h and (gl in h or h in gl) for h in have)
    raise ValueError(name)


def _lang(doc: str, preds: list[dict]) -> str:
    langs = [p.get("language") for p in preds if p.get("language")]
    if langs:
        return max(set(langs), key=langs.count)
    m = re.match(r"([a-z]{2})_", doc)
    return m.group(1) if m else "?"


def _prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> dict:
    p = tp_pred / n_pred if n_pred else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "predicted": n_pred, "gold": n_gold}


def score(gold: list[dict], pred: list[dict], docs: dict[str, str] | None = None) -> dict:
    """Micro P/R/F1, per language and per type, and argument accuracy on matched pairs.

    `docs` (document -> language) lists every document scored, those without any gold event
    included, so that what is predicted there counts; by default the documents of the gold."""
    gold_by_doc: dict[str, list[dict]] = defaultdict(list)
    for d in docs or ():
        gold_by_doc[d] = []
    for g in gold:
        if docs is None or _doc(g) in docs:
            gold_by_doc[_doc(g)].append(g)
    pred_by_doc: dict[str, list[dict]] = defaultdict(list)
    for p in pred:
        if _doc(p) in gold_by_doc:  # predictions for documents without gold are not scored
            pred_by_doc[_doc(p)].append(p)
    counts = {"all": [0, 0, 0, 0]}  # predicted-right, predicted, gold-found, gold
    by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    args = {a: [0, 0] for a in ARGS}
    for doc, golds in gold_by_doc.items():
        preds = pred_by_doc.get(doc, [])
        lang = (docs or {}).get(doc) or _lang(doc, preds)
        found: set[int] = set()
        used: set[int] = set()
        for p in preds:
            hits = [i for i, g in enumerate(golds) if matches(p, g)]
            counted = any(not golds[i].get("optional") for i in hits)
            if hits and not counted:
                continue  # matches only optional events: neither right nor wrong
            for key in ("all",):
                counts[key][1] += 1
            by_lang[lang][1] += 1
            by_type[p.get("event_type") or "?"][1] += 1
            if not counted:
                continue
            counts["all"][0] += 1
            by_lang[lang][0] += 1
            by_type[p.get("event_type")][0] += 1
            free = [i for i in hits if i not in used and not golds[i].get("optional")] or \
                [i for i in hits if not golds[i].get("optional")]
            actor = (p.get("actor") or {}).get("code")
            i = next((i for i in free if (golds[i].get("actor") or {}).get("code") == actor), free[0])
            first = i not in used
            used.add(i)
            found.add(i)
            if not first:
                continue  # arguments are scored once per gold event, on its first pairing
            for a in ARGS:
                ok = _arg_ok(a, p, golds[i])
                if ok is not None:
                    args[a][1] += 1
                    args[a][0] += int(ok)
        for i, g in enumerate(golds):
            if g.get("optional"):
                continue
            counts["all"][3] += 1
            by_lang[lang][3] += 1
            by_type[g["type"]][3] += 1
            if i in found:
                counts["all"][2] += 1
                by_lang[lang][2] += 1
                by_type[g["type"]][2] += 1
    return {"events": _prf(*counts["all"]),
            "by_language": {k: _prf(*v) for k, v in sorted(by_lang.items())},
            "by_type": {k: _prf(*v) for k, v in sorted(by_type.items())},
            "arguments": {a: {"accuracy": round(ok / n, 4) if n else None, "n": n} for a, (ok, n) in args.items()}}


def agreement(first: list[dict], second: list[dict]) -> dict:
    """Event F1 between two annotations of the same articles: an event of one agrees with an event
    of the other when either's type is among the other's types and a mention of one overlaps a
    mention of the other (by offsets, or as text). Optional events of either side are left out
    unless they agree with a required one. Precision is over the second annotation's events."""
    def types(g):
        return {g["type"], *(g.get("alt_types") or ())}

    def meet(a, b):
        if not (types(a) & types(b)):
            return False
        if "spans" in a and "spans" in b:
            return any(_overlaps(tuple(x), tuple(y)) for x in a["spans"] for y in b["spans"])
        ma = [_norm(m) for m in a.get("mentions") or ()]
        mb = [_norm(m) for m in b.get("mentions") or ()]
        return any(x and y and (x in y or y in x) for x in ma for y in mb)

    def side(xs: list[dict], ys: list[dict]) -> tuple[int, int]:
        """(events of xs that meet one of ys, events of xs counted)."""
        found = n = 0
        for x in xs:
            hit = [y for y in ys if meet(x, y)]
            if x.get("optional") and not any(not y.get("optional") for y in hit):
                continue
            n += 1
            found += bool(hit)
        return found, n

    docs = {_doc(g) for g in first} | {_doc(g) for g in second}
    counts = [0, 0, 0, 0]  # second found, second, first found, first
    for d in docs:
        a = [g for g in first if _doc(g) == d]
        b = [g for g in second if _doc(g) == d]
        for i, n in enumerate((*side(b, a), *side(a, b))):
            counts[i] += n
    return _prf(*counts)
