"""Scoring of `kronika geoparse` on the geoparsing gold sets.

Recognition: a predicted toponym is right when it overlaps an annotated toponym; a gold toponym
is found when a prediction overlaps it (the prediction that overlaps it most then stands for it).
Resolution: accuracy@161 km (the predicted point within 100 miles of the gold point), end to end
(over all gold toponyms with a point, a missed one counting wrong) and over the found ones.
"""
from __future__ import annotations

import statistics
import time

from ..geoparse import geoparse
from ..geodesy import distance_km
from ..records import Article, Toponym
from . import geobench

KM = 161.0


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def score(docs: list[geobench.GeoDoc], predicted: dict[str, list[Toponym]]) -> dict:
    n_gold = n_found = n_right = n_pred = n_pred_ok = 0
    errors: list[float] = []
    for doc in docs:
        preds = predicted.get(doc.doc_id, [])
        n_pred += len(preds)
        spans = set(doc.spans) | {(g.start, g.end) for g in doc.gold}
        n_pred_ok += sum(1 for p in preds if any(_overlap((p.start, p.end), s) for s in spans))
        for g in doc.gold:
            n_gold += 1
            best = max(preds, key=lambda p: _overlap((p.start, p.end), (g.start, g.end)), default=None)
            if best is None or not _overlap((best.start, best.end), (g.start, g.end)):
                continue
            n_found += 1
            if best.lat is None:
                errors.append(20038.0)  # half the Earth's circumference: as wrong as can be
                continue
            km = distance_km(best.lat, best.lon, g.lat, g.lon)
            errors.append(km)
            n_right += km <= KM
    p = n_pred_ok / n_pred if n_pred else 0.0
    r = n_found / n_gold if n_gold else 0.0
    return {
        "recognition": {"precision": round(p, 4), "recall": round(r, 4),
                        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                        "predicted": n_pred, "gold": n_gold, "found": n_found},
        "acc161_end_to_end": round(n_right / n_gold, 4) if n_gold else 0.0,
        "acc161_recognised": round(n_right / n_found, 4) if n_found else 0.0,
        "median_error_km": round(statistics.median(errors), 1) if errors else None,
        "mean_error_km": round(statistics.fmean(errors), 1) if errors else None,
    }


def evaluate_geo(benchmark: str, root: str | None = None, limit: int = 0, pipeline=None) -> tuple[dict, dict]:
    """Metrics of `kronika geoparse` on one benchmark, and the predictions by document."""
    from ..pipeline import Pipeline

    docs = geobench.load(benchmark, root, limit)
    pipeline = pipeline or Pipeline.default()
    t = time.perf_counter()
    predicted = {}
    for doc in docs:
        predicted[doc.doc_id] = geoparse(pipeline, Article(doc.doc_id, doc.text, date=doc.date, lang="en"))
    seconds = time.perf_counter() - t
    out = score(docs, predicted)
    n = sum(len(v) for v in predicted.values())
    out["benchmark"] = {"name": benchmark, "part": "dev" if benchmark in geobench.DEV else "test",
                        "documents": len(docs), "toponyms_per_s": round(n / seconds, 1) if seconds else None}
    return out, predicted
