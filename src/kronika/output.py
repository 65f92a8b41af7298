"""Writing event records: the spec's JSON Lines, JSON, CSV, GeoJSON, Parquet, or a table for a
terminal. Records are `Event.to_dict()` (or rows from the store, which add cluster fields);
every tabular format takes its columns from `flat.py`.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Iterable, TextIO

from .errors import KronikaError
from .flat import arrow_schema, columns, flatten

FORMATS = ("jsonl", "json", "csv", "geojson", "parquet", "table")


class FormatError(KronikaError):
    """An output format that does not exist, or cannot go where it was sent."""


def check_format(fmt: str, to_file: bool) -> None:
    """Raise FormatError naming the value and what is accepted."""
    if fmt not in FORMATS:
        raise FormatError(f"--format {fmt!r} is not a format; use one of {', '.join(FORMATS)}")
    if fmt == "parquet" and not to_file:
        raise FormatError("--format parquet writes a file: give --output FILE")


class Writer:
    """Streams records to `out` (a text stream, or for parquet a file path) in one of FORMATS;
    call close() at the end. `cluster` adds the store's cluster columns to tabular formats."""

    def __init__(self, out: TextIO | str, fmt: str, cluster: bool = False):
        check_format(fmt, isinstance(out, str))
        self.out, self.fmt, self.cluster = out, fmt, cluster
        self.rows: list[dict] = []
        self.csv = None
        if fmt == "csv":
            self.csv = csv.DictWriter(out, columns(cluster))
            self.csv.writeheader()

    def write(self, records: Iterable[dict]) -> None:
        for r in records:
            if self.fmt == "jsonl":
                self.out.write(json.dumps(r, ensure_ascii=False) + "\n")
            elif self.fmt == "csv":
                self.csv.writerow(flatten(r, self.cluster))
            else:
                self.rows.append(r)
        if self.fmt in ("jsonl", "csv"):
            self.out.flush()

    def close(self) -> None:
        if self.fmt == "json":
            json.dump(self.rows, self.out, ensure_ascii=False, indent=1)
            self.out.write("\n")
        elif self.fmt == "geojson":
            json.dump(feature_collection(self.rows, self.cluster), self.out, ensure_ascii=False)
            self.out.write("\n")
        elif self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            rows = [flatten(r, self.cluster) for r in self.rows]
            pq.write_table(pa.Table.from_pylist(rows, schema=arrow_schema(self.cluster)), self.out)
        elif self.fmt == "table":
            self.out.write(render_table(self.rows, self.cluster))


def feature_collection(records: list[dict], cluster: bool = False, **extra) -> dict:
    """A GeoJSON FeatureCollection of records: flat properties, a point where the place has one."""
    feats = []
    for r in records:
        row = flatten(r, cluster)
        feats.append({"type": "Feature", "properties": row,
                      "geometry": None if row["lat"] is None or row["lon"] is None else
                      {"type": "Point", "coordinates": [row["lon"], row["lat"]]}})
    return {"type": "FeatureCollection", **extra, "features": feats}


def render_table(records: list[dict], cluster: bool = False) -> str:
    """A readable table of events (rich), for a terminal."""
    from rich.console import Console
    from rich.table import Table

    t = Table(show_lines=False)
    heads = ("cluster", "reports") if cluster else ("doc",)
    for col in (*heads, "date", "type", "actor", "recipient", "place", "source", "evidence"):
        t.add_column(col, overflow="fold")
    for r in records:
        x = flatten(r, cluster)
        first = (str(x["cluster_id"] or ""), f'{x["n_articles"] or ""} ({x["languages"] or ""})') if cluster \
            else (x["doc_id"] or "",)
        t.add_row(*first, x["date"] or "", f'{x["event_type"]}{"/" + x["mode"] if x["mode"] else ""}',
                  _who(x["actor"], x["actor_code"]), _who(x["recipient"], x["recipient_code"]),
                  x["location"] or x["country"] or "", x["source"] or "", (x["sentence"] or "")[:160])
    buf = io.StringIO()
    Console(file=buf, width=160, force_terminal=False).print(t)
    return buf.getvalue()


def _who(name: str | None, code: str | None) -> str:
    return "" if not name else f'{name} [{code or "?"}]'
