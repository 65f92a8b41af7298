"""Pairwise precision and recall of cross-article clustering against gold files whose events carry
an `xevent` id (one id for the reports of one real-world event in several articles).

Each gold event of an article is represented by one stored event that matches it (the spec's
matching rule; the same type before an alternative type, then the earliest sentence), each stored
event representing one gold event at most; pairs of represented events from different articles
are then counted: predicted together (same cluster) against gold together (same `xevent`, or the
same gold event). Optional gold events are left out, as event scoring leaves them out. Where the
extraction splits one happening of an article into several events (a refusal and the demand it
contains), the cluster can hold only one of them (it never takes two events of one article): the
figures therefore count one event per gold event, and `every_matched_event` gives the same
measure with every stored event that matches a gold event, which charges such splits to recall.

`cluster_articles` puts listed third-party articles (gold by offsets) into a fresh store and scores
its clusters: `kronika eval clusters`."""
from __future__ import annotations

from itertools import combinations

from .events import matches


def _identity(g: dict) -> str:
    return g.get("xevent") or f"{g['doc']}:{g['id']}"


def _pairs(labelled: list[tuple]) -> dict:
    tp = pred_pairs = gold_pairs = 0
    for a, b in combinations(labelled, 2):
        if a[0] == b[0]:
            continue  # within an article the merge of mentions decides, not clustering
        same_pred, same_gold = a[1] == b[1], a[2] == b[2]
        pred_pairs += same_pred
        gold_pairs += same_gold
        tp += same_pred and same_gold
    p = tp / pred_pairs if pred_pairs else 0.0
    r = tp / gold_pairs if gold_pairs else 0.0
    return {"pairwise_precision": round(p, 4), "pairwise_recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "predicted_pairs": pred_pairs, "gold_pairs": gold_pairs, "matched_events": len(labelled)}


def score_clusters(gold: list[dict], predicted: list[dict]) -> dict:
    """`predicted`: records with `doc_id`, `cluster_id`, `event_type` and `evidence`."""
    every, one = label(gold, predicted)
    return {**_pairs([x[:3] for x in one]), "every_matched_event": _pairs([x[:3] for x in every])}


def label(gold: list[dict], predicted: list[dict]) -> tuple[list[tuple], list[tuple]]:
    """(every stored event that matches a gold event, one stored event per gold event), each as
    (doc, cluster id, gold identity, record)."""
    by_doc: dict[str, list[dict]] = {}
    for g in gold:
        if not g.get("optional"):
            by_doc.setdefault(str(g["doc"]), []).append(g)
    preds: dict[str, list[dict]] = {}
    for p in predicted:
        preds.setdefault(str(p.get("doc_id")), []).append(p)
    every, one = [], []
    for doc, ps in preds.items():
        golds = by_doc.get(doc, [])
        options = []
        for pi, p in enumerate(ps):
            hits = [gi for gi, g in enumerate(golds) if matches(p, g)]
            if hits:
                every.append((doc, p["cluster_id"], _identity(golds[hits[0]]), p))
            start = (p.get("evidence") or {}).get("start") or 0
            options.extend((p.get("event_type") != golds[gi]["type"], start, gi, pi) for gi in hits)
        taken_p, taken_g = set(), set()
        for _, _, gi, pi in sorted(options):
            if pi not in taken_p and gi not in taken_g:
                taken_p.add(pi)
                taken_g.add(gi)
                one.append((doc, ps[pi]["cluster_id"], _identity(golds[gi]), ps[pi]))
    return every, one


def cluster_articles(gold: list[dict], listed, url: str, shared=None, order_seed: int | None = None) -> dict:
    """Ingest the `listed` articles (eval.realnews.Listed; each with its list's date where the file
    has none) into the empty store at `url`, in list order or shuffled by `order_seed`, and score
    its clusters against `gold`."""
    import dataclasses
    import random

    from ..filters import Filters
    from ..store import Store, query_mentions
    from .realnews import article_body

    items = list(listed)
    if order_seed is not None:
        random.Random(order_seed).shuffle(items)
    store = Store(url)
    arts = []
    for x in items:
        a = article_body(x.ref, shared)
        arts.append(dataclasses.replace(a, date=a.date or x.date, lang=a.lang or x.lang))
    store.ingest(arts)
    wanted = {x.ref for x in items}
    rows = query_mentions(store, Filters(), limit=10**7)
    store.engine.dispose()
    return score_clusters([g for g in gold if str(g.get("doc")) in wanted], rows)
