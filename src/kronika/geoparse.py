"""Geoparsing: every toponym of an article resolved to a GeoNames place, in-process.

The toponyms are those the pipeline's entity stage resolves (places.py) for the events' places,
so `kronika geoparse` and `kronika eval geo` measure the resolver that events use.
"""
from __future__ import annotations

from .records import Article, Toponym


def geoparse(pipeline, article: Article) -> list[Toponym]:
    """The toponyms of an article, in text order; unresolved ones have null fields and a `reason`.

    >>> [t.name for t in geoparse(Pipeline.default(), Article("t", "Talks in Kyiv.", lang="en"))]
    ['Kyiv']
    """
    return pipeline.process(article, until="entities").toponyms
