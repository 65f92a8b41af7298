"""Pairwise precision and recall of cross-article clustering against gold files whose events carry
an `xevent` id (one id for the reports of one real-world event in several articles).

Each stored event is paired with the gold event it matches (the spec's matching rule); pairs of
such events from different articles are then counted: predicted together (same cluster) against
gold together (same `xevent`, or the same gold event). An event that matches only optional gold
events is left out, as event scoring leaves it out.

`cluster_articles` puts listed third-party articles (gold by offsets) into a fresh store and scores
its clusters: `kronika eval clusters`."""
from __future__ import annotations

from itertools import combinations

from .events import matches


def score_clusters(gold: list[dict], predicted: list[dict]) -> dict:
    """`predicted`: records with `doc_id` and `cluster_id`."""
    by_doc: dict[str, list[dict]] = {}
    for g in gold:
        by_doc.setdefault(str(g["doc"]), []).append(g)
    labelled = []  # (doc, cluster id, gold identity)
    for p in predicted:
        hits = [g for g in by_doc.get(str(p.get("doc_id")), []) if matches(p, g)]
        hits.sort(key=lambda g: bool(g.get("optional")))
        if hits and not hits[0].get("optional"):  # like event scoring, optional gold counts neither way
            g = hits[0]
            labelled.append((p["doc_id"], p["cluster_id"], g.get("xevent") or f"{g['doc']}:{g['id']}"))
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
