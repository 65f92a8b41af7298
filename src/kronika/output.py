"""Event records in the spec's JSON Lines form, and JSON, CSV (ACLED-like), GeoJSON and a table."""
from __future__ import annotations

import csv
import io
import json
from typing import Iterable, TextIO

from .acled import refine
from .dedup import score
from .events import crosswalk
from .records import Actor, Event

FORMATS = ("jsonl", "json", "csv", "geojson", "table")
CSV_COLUMNS = ["doc_id", "event_date", "event_type", "mode", "acled_event_type", "acled_sub_event_type", "cameo",
               "actor1", "actor1_code", "actor1_sector", "actor2", "actor2_code", "actor2_sector", "location",
               "geonameid", "country", "latitude", "longitude", "source", "language", "notes", "confidence"]


def _actor(a: Actor | None) -> dict | None:
    if a is None:
        return None
    return {"text": a.text, "name": a.name, "code": a.code, "sector": a.sector}


def to_record(ev: Event) -> dict:
    """The spec's record for one event (see shared/spec/EVENTS.md)."""
    cw = crosswalk()
    entry = cw.get(f"{ev.event_type}/{ev.mode}") or cw.get(ev.event_type) or {}
    acled = refine(ev, tuple(entry["acled"]) if entry.get("acled") else None)
    loc = ev.location
    s = ev.sentence
    return {
        "doc_id": ev.doc_id,
        "event_type": ev.event_type,
        "mode": ev.mode,
        "context": ev.context,
        "actor": _actor(ev.actor),
        "recipient": _actor(ev.recipient),
        "location": None if loc is None else {
            "text": ev.location_text, "name": loc.name,
            "geonameid": loc.geonameid if loc.geonameid and loc.geonameid > 0 else None, "country": loc.country,
            "lat": loc.lat, "lon": loc.lon, "resolution": loc.resolution},
        "date": ev.date,
        "date_text": ev.date_text,
        "source": None if ev.source is None else {"text": ev.source.text, "name": ev.source.name},
        "evidence": {"sentence": s.text, "start": s.start, "end": s.end,
                     "trigger": {"text": ev.trigger.text, "start": ev.trigger.start, "end": ev.trigger.end}},
        "language": ev.language,
        "size": dict(ev.size),
        "cameo": entry.get("cameo"),
        "acled": None if not acled else {"event_type": acled[0], "sub_event_type": acled[1]},
        "confidence": score(ev),
        "mentions": [{"sentence": m.sentence.text, "start": m.sentence.start, "end": m.sentence.end,
                      "trigger": {"text": m.trigger.text, "start": m.trigger.start, "end": m.trigger.end}}
                     for m in ev.mentions],
    }


class Writer:
    """Streams records to `out` in one of FORMATS; call close() at the end."""

    def __init__(self, out: TextIO, fmt: str):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.out, self.fmt = out, fmt
        self.rows: list[dict] = []
        self.csv = None
        if fmt == "csv":
            self.csv = csv.DictWriter(out, CSV_COLUMNS)
            self.csv.writeheader()

    def write(self, records: Iterable[dict]) -> None:
        for r in records:
            if self.fmt == "jsonl":
                self.out.write(json.dumps(r, ensure_ascii=False) + "\n")
            elif self.fmt == "csv":
                self.csv.writerow(_csv_row(r))
            else:
                self.rows.append(r)
        self.out.flush()

    def close(self) -> None:
        if self.fmt == "json":
            json.dump(self.rows, self.out, ensure_ascii=False, indent=1)
            self.out.write("\n")
        elif self.fmt == "geojson":
            feats = [{"type": "Feature",
                      "geometry": None if not r["location"] or r["location"]["lat"] is None else
                      {"type": "Point", "coordinates": [r["location"]["lon"], r["location"]["lat"]]},
                      "properties": r} for r in self.rows]
            json.dump({"type": "FeatureCollection", "features": feats}, self.out, ensure_ascii=False)
            self.out.write("\n")
        elif self.fmt == "table":
            self.out.write(render_table(self.rows))


def _csv_row(r: dict) -> dict:
    a, b, loc, src = r["actor"] or {}, r["recipient"] or {}, r["location"] or {}, r["source"] or {}
    acled = r["acled"] or {}
    return {"doc_id": r["doc_id"], "event_date": r["date"], "event_type": r["event_type"], "mode": r["mode"],
            "acled_event_type": acled.get("event_type"), "acled_sub_event_type": acled.get("sub_event_type"),
            "cameo": r["cameo"], "actor1": a.get("name"), "actor1_code": a.get("code"), "actor1_sector": a.get("sector"),
            "actor2": b.get("name"), "actor2_code": b.get("code"), "actor2_sector": b.get("sector"),
            "location": loc.get("name"), "geonameid": loc.get("geonameid"), "country": loc.get("country"),
            "latitude": loc.get("lat"), "longitude": loc.get("lon"), "source": src.get("name"),
            "language": r["language"], "notes": r["evidence"]["sentence"], "confidence": r["confidence"]}


def render_table(rows: list[dict]) -> str:
    """A readable table of events (rich), for a terminal."""
    from rich.console import Console
    from rich.table import Table

    t = Table(show_lines=False)
    for col in ("doc", "date", "type", "actor", "recipient", "place", "source", "evidence"):
        t.add_column(col, overflow="fold")
    for r in rows:
        ev = r["evidence"]
        t.add_row(r["doc_id"], r["date"] or "", f'{r["event_type"]}{"/" + r["mode"] if r["mode"] else ""}',
                  _who(r["actor"]), _who(r["recipient"]), (r["location"] or {}).get("name") or "",
                  (r["source"] or {}).get("name") or "", ev["sentence"][:160])
    buf = io.StringIO()
    Console(file=buf, width=160, force_terminal=False).print(t)
    return buf.getvalue()


def _who(a: dict | None) -> str:
    return "" if not a else f'{a["name"]} [{a["code"] or "?"}]'
