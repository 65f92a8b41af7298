"""The one flat form of an event: the columns of every tabular output (CSV, Parquet, GeoJSON
properties, the store's event columns, the web list), built by one function from the record that
`Event.to_dict()` gives (or the store returns, with its cluster fields).

>>> flatten({"doc_id": "d", "event_type": "PROTEST", "location": {"name": "Almaty"}})["location"]
'Almaty'
"""
from __future__ import annotations

EVENT_COLUMNS = (
    "doc_id", "date", "date_text", "date_start", "date_end", "date_precision", "event_type", "mode", "context",
    "actor", "actor_code", "actor_sector", "actor_text",
    "recipient", "recipient_code", "recipient_sector", "recipient_text",
    "location", "location_text", "geonameid", "country", "lat", "lon", "resolution",
    "source", "source_text", "language",
    "sentence", "sentence_start", "sentence_end", "trigger", "trigger_start", "trigger_end",
    "dead", "injured", "arrested", "cameo", "acled_event_type", "acled_sub_event_type", "confidence", "names",
)
# what a row of the store adds: the cluster the event belongs to and how it was reported
CLUSTER_COLUMNS = ("cluster_id", "n_mentions", "n_articles", "n_sources", "languages", "first_date", "last_date",
                   "story_id", "n_clusters")
INTEGER_COLUMNS = frozenset({"geonameid", "sentence_start", "sentence_end", "trigger_start", "trigger_end", "dead",
                             "injured", "arrested", "cluster_id", "n_mentions", "n_articles", "n_sources",
                             "story_id", "n_clusters"})
FLOAT_COLUMNS = frozenset({"lat", "lon", "confidence"})


def columns(cluster: bool = False) -> tuple[str, ...]:
    """The flat columns; with `cluster`, those of a row from the store."""
    return EVENT_COLUMNS + CLUSTER_COLUMNS if cluster else EVENT_COLUMNS


def flatten(rec: dict, cluster: bool = False) -> dict:
    """One flat row of an event record: nested parts become prefixed columns, lists are joined
    with commas."""
    actor, recipient = rec.get("actor") or {}, rec.get("recipient") or {}
    loc, source = rec.get("location") or {}, rec.get("source") or {}
    ev = rec.get("evidence") or {}
    trig = ev.get("trigger") or {}
    size = rec.get("size") or {}
    acled = rec.get("acled") or {}
    time = rec.get("time") or {}
    row = {
        "doc_id": rec.get("doc_id"), "date": rec.get("date"), "date_text": rec.get("date_text"),
        "date_start": time.get("start"), "date_end": time.get("end"), "date_precision": time.get("precision"),
        "event_type": rec.get("event_type"), "mode": rec.get("mode"), "context": ",".join(rec.get("context") or ()),
        "actor": actor.get("name"), "actor_code": actor.get("code"), "actor_sector": actor.get("sector"),
        "actor_text": actor.get("text"),
        "recipient": recipient.get("name"), "recipient_code": recipient.get("code"),
        "recipient_sector": recipient.get("sector"), "recipient_text": recipient.get("text"),
        "location": loc.get("name"), "location_text": loc.get("text"), "geonameid": loc.get("geonameid"),
        "country": loc.get("country"), "lat": loc.get("lat"), "lon": loc.get("lon"), "resolution": loc.get("resolution"),
        "source": source.get("name"), "source_text": source.get("text"), "language": rec.get("language"),
        "sentence": ev.get("sentence"), "sentence_start": ev.get("start"), "sentence_end": ev.get("end"),
        "trigger": trig.get("text"), "trigger_start": trig.get("start"), "trigger_end": trig.get("end"),
        "dead": size.get("dead"), "injured": size.get("injured"), "arrested": size.get("arrested"),
        "cameo": rec.get("cameo"), "acled_event_type": acled.get("event_type"),
        "acled_sub_event_type": acled.get("sub_event_type"), "confidence": rec.get("confidence"),
        "names": "|".join(rec.get("names") or ()),
    }
    if cluster:
        for c in CLUSTER_COLUMNS:
            value = rec.get(c)
            row[c] = ",".join(value) if isinstance(value, (list, tuple)) else value
    return row


def arrow_schema(cluster: bool = False, extra: tuple[tuple[str, str], ...] = ()):
    """The pyarrow schema of flat rows (`extra`: more (name, "string"|"int") columns first)."""
    import pyarrow as pa

    def kind(c: str):
        return pa.int64() if c in INTEGER_COLUMNS else pa.float64() if c in FLOAT_COLUMNS else pa.string()

    fields = [(n, pa.int64() if k == "int" else pa.string()) for n, k in extra]
    return pa.schema(fields + [(c, kind(c)) for c in columns(cluster)])
