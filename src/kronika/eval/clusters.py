"""Pairwise precision and recall of cross-article clustering against gold files whose events carry
an `xevent` id (one id for the reports of one real-world event in several articles).

Each stored event is paired with the gold event it matches (the spec's matching rule); pairs of
such events from different articles are then counted: predicted together (same cluster) against
gold together (same `xevent`, or the same gold event)."""
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
        if hits:
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
