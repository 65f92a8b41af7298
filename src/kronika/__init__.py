"""kronika: verifiable PLOVER event records from news articles in many languages.

    import kronika
    events = kronika.extract(text, lang="pl", date="2022-01-06")   # list of kronika.Event
    for article in kronika.read("articles/"): ...
    store = kronika.Store("events.db"); store.ingest("articles/"); store.events(country="KZ")
"""
import logging

from .version import __version__
__all__ = ["extract", "read", "Store", "Article", "Event", "__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str):
    # imported on first use: `import kronika` stays cheap for the command line
    if name in ("extract", "read"):
        from . import api

        return getattr(api, name)
    if name == "Store":
        from .store import Store

        return Store
    if name in ("Article", "Event"):
        from . import records

        return getattr(records, name)
    raise AttributeError(f"module 'kronika' has no attribute {name!r}")
