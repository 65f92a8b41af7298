"""Named-entity evaluation: kronika over SlavicNER, scored by BSNLP-style relaxed partial and strict
mention F1 by type and language, base-form accuracy, and cross-lingual linking agreement."""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from ..ner import Recogniser
from ..pipeline import Pipeline
from ..records import Article
from . import slavicner

TYPES = ("PER", "LOC", "ORG", "EVT", "PRO")


def _prf(tp_p: int, n_p: int, tp_g: int, n_g: int) -> dict:
    p = tp_p / n_p if n_p else 0.0
    r = tp_g / n_g if n_g else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "pred": n_p, "gold": n_g}


def score(pairs) -> dict:
    """`pairs`: iterable of (GoldDoc, predicted mentions with start, end, type, base, key).

    partial: a prediction counts when it overlaps a gold mention of the same type, and a gold
    mention is found when a prediction of its type overlaps it; exact: same span and type.
    base: share of exactly matched mentions whose base form equals the gold lemma.
    linking: over pairs of found gold mentions in different documents, agreement of "same gold
    id" with "same predicted key" (pairwise precision, recall and F1).
    """
    counts = defaultdict(lambda: [0, 0, 0, 0])  # (lang, type, mode) -> tp_pred, n_pred, tp_gold, n_gold
    base_ok = base_n = 0
    linked: list[tuple[str, str, str]] = []  # (doc, gold id, predicted key)
    for doc, preds in pairs:
        for mode in ("partial", "exact"):
            for t in TYPES + ("ALL",):
                golds = [g for g in doc.mentions if t in ("ALL", g.type)]
                ps = [p for p in preds if t in ("ALL", p.type)]
                if not golds and not ps:
                    continue
                c = counts[(doc.lang, t, mode)]
                for p in ps:
                    c[1] += 1
                    c[0] += any(_hit(p, g, mode) for g in doc.mentions if g.type == p.type)
                for g in golds:
                    c[3] += 1
                    c[2] += any(_hit(p, g, mode) for p in preds if p.type == g.type)
        for g in doc.mentions:
            exact = next((p for p in preds if p.start == g.start and p.end == g.end and p.type == g.type), None)
            if exact is not None:
                base_n += 1
                base_ok += exact.base == g.lemma
            part = next((p for p in preds if _hit(p, g, "partial") and p.type == g.type), None)
            if part is not None:
                linked.append((doc.doc_id, g.link, part.key))
    out: dict = {"by_lang": {}, "overall": {}}
    langs = sorted({k[0] for k in counts})
    for mode in ("partial", "exact"):
        for t in TYPES + ("ALL",):
            tot = [0, 0, 0, 0]
            for lang in langs:
                c = counts.get((lang, t, mode))
                if c:
                    out["by_lang"].setdefault(lang, {}).setdefault(mode, {})[t] = _prf(*c)
                    tot = [a + b for a, b in zip(tot, c)]
            out["overall"].setdefault(mode, {})[t] = _prf(*tot)
    out["base_accuracy"] = {"accuracy": round(base_ok / base_n, 4) if base_n else 0.0, "n": base_n}
    out["linking"] = _linking(linked)
    return out


def _hit(p, g, mode: str) -> bool:
    if mode == "exact":
        return p.start == g.start and p.end == g.end
    return p.start < g.end and g.start < p.end


def _linking(linked: list[tuple[str, str, str]], cap: int = 3000) -> dict:
    """Pairwise agreement across documents, on at most `cap` mentions (pairs grow quadratically)."""
    items = linked[:cap]
    tp = fp = fn = 0
    for (d1, g1, k1), (d2, g2, k2) in combinations(items, 2):
        if d1 == d2:
            continue
        same_g, same_k = g1 == g2, k1 == k2
        tp += same_g and same_k
        fp += same_k and not same_g
        fn += same_g and not same_k
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "mentions": len(items)}


def evaluate_entities(split: str, langs: list[str] | None, root: str | None = None, limit: int = 0) -> dict:
    """Metrics of `kronika entities` on SlavicNER's `split` (dev or test)."""
    pipeline = Pipeline.default()
    rec = Recogniser(pipeline.index, pipeline.morph)
    pairs = []
    for doc in slavicner.load(split, langs, root, limit):
        article = Article(doc.doc_id, doc.text, lang=doc.lang)
        pairs.append((doc, rec.entities(pipeline.process(article, until="phrases"))))
    out = score(pairs)
    out["benchmark"] = {"name": "slavicner", "split": split, "langs": langs or "all", "documents": len(pairs)}
    return out
