"""Run kronika over a gold set and score it."""
from __future__ import annotations

from ..ner import Recogniser
from ..pipeline import Pipeline
from ..records import Article
from . import entities as metrics
from . import slavicner


def evaluate_entities(split: str, langs: list[str] | None, root: str | None = None, limit: int = 0) -> dict:
    """Metrics of `kronika entities` on SlavicNER's `split` (dev or test)."""
    pipeline = Pipeline.default()
    rec = Recogniser(pipeline.index, pipeline.morph)
    pairs = []
    for doc in slavicner.load(split, langs, root, limit):
        article = Article(doc.doc_id, doc.text, lang=doc.lang)
        pairs.append((doc, rec.entities(pipeline.process(article, until="places"))))
    out = metrics.score(pairs)
    out["benchmark"] = {"name": "slavicner", "split": split, "langs": langs or "all", "documents": len(pairs)}
    return out
