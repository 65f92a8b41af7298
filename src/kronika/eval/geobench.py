"""Readers of the public geoparsing gold sets in `benchmarks/geoparsing` (LGL, GeoWebNews,
GeoVirus, TR-News), each into documents with their gold toponyms.

A gold toponym has a span and, where the set gives one, a point; `spans` lists every annotated
toponym of a document (with or without a point), against which recognition precision is counted.
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import KronikaError

BENCHMARKS = ("lgl", "gwn", "geovirus", "trnews")
DEV = {"trnews"}  # tune on this one only; the others are test sets


@dataclass(frozen=True, slots=True)
class GoldToponym:
    start: int
    end: int
    text: str
    lat: float
    lon: float
    geonameid: int | None = None


@dataclass(slots=True)
class GeoDoc:
    doc_id: str
    text: str
    gold: list[GoldToponym]  # toponyms with a point: recall and accuracy are counted over these
    spans: list[tuple[int, int]] = field(default_factory=list)  # every annotated toponym
    date: str | None = None


def geoparsing_root(root: str | os.PathLike | None = None) -> Path:
    if root:
        return Path(root)
    env = os.environ.get("KRONIKA_BENCHMARKS")
    if env:
        return Path(env) / "geoparsing"
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent.parent / "shared" / "benchmarks" / "geoparsing"
        if cand.exists():
            return cand
    return Path.cwd().parent / "shared" / "benchmarks" / "geoparsing"


def load(name: str, root: str | os.PathLike | None = None, limit: int = 0) -> list[GeoDoc]:
    """The documents of benchmark `name` (one of BENCHMARKS)."""
    base = geoparsing_root(root)
    readers = {"lgl": lambda: _lgl_like(base / "lgl.xml", "lgl"),
               "trnews": lambda: _lgl_like(base / "TR-News.xml", "trnews"),
               "geovirus": lambda: _geovirus(base / "GeoVirus.xml"),
               "gwn": lambda: _gwn(base / "geowebnews" / "data")}
    if name not in readers:
        raise KronikaError(f"unknown geoparsing benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}")
    if not base.exists():
        raise KronikaError(f"{base}: geoparsing benchmarks not found; pass --root or set KRONIKA_BENCHMARKS")
    docs = readers[name]()
    return docs[:limit] if limit else docs


def _text(el, tag: str) -> str:
    x = el.find(tag)
    return (x.text or "") if x is not None else ""


def _align(text: str, phrase: str, start: int) -> tuple[int, int] | None:
    """The span of `phrase` at `start`, or at its nearest occurrence (TR-News has shifted offsets)."""
    if text[start:start + len(phrase)] == phrase:
        return start, start + len(phrase)
    best = None
    for m in re.finditer(re.escape(phrase), text):
        if best is None or abs(m.start() - start) < abs(best - start):
            best = m.start()
    return (best, best + len(phrase)) if best is not None else None


def _lgl_like(path: Path, prefix: str) -> list[GeoDoc]:
    """LGL and TR-News: <article docid><text><toponyms><toponym><start><end><phrase><gaztag>."""
    docs = []
    for art in ET.parse(path).getroot().iter("article"):
        text = _text(art, "text")
        gold, spans = [], []
        for top in art.iter("toponym"):
            phrase = _text(top, "phrase")
            span = _align(text, phrase, int(_text(top, "start") or 0))
            if span is None:
                continue
            spans.append(span)
            tag = top.find("gaztag")
            if tag is None or tag.find("lat") is None:
                continue
            gid = tag.get("geonameid")
            gold.append(GoldToponym(span[0], span[1], phrase, float(_text(tag, "lat")), float(_text(tag, "lon")),
                                    int(gid) if gid and gid.isdigit() else None))
        date = _text(art, "dltime").strip()[:10] or None
        docs.append(GeoDoc(f"{prefix}-{art.get('docid')}", text, gold, spans, date))
    return docs


def _geovirus(path: Path) -> list[GeoDoc]:
    """GeoVirus: <article><source><text><locations><location><name><start><end><lat><lon>; offsets
    are 1-based (text[start-1:end-1] is the name)."""
    docs = []
    for n, art in enumerate(ET.parse(path).getroot().iter("article")):
        text = _text(art, "text")
        gold, spans = [], []
        for loc in art.iter("location"):
            name = _text(loc, "name")
            span = _align(text, name, int(_text(loc, "start")) - 1)
            if span is None:
                continue
            spans.append(span)
            gold.append(GoldToponym(span[0], span[1], name, float(_text(loc, "lat")), float(_text(loc, "lon"))))
        docs.append(GeoDoc(f"geovirus-{n}", text, gold, spans))
    return docs


# GeoWebNews types that are names of places (the *_Expression types are common nouns: "the city")
_GWN_NOT_NAMES = {"Non_Toponym", "Literal_Expression", "Non_Lit_Expression"}


def _gwn(base: Path) -> list[GeoDoc]:
    """GeoWebNews: geocoding gold lines (normalised,,surface,,lat,,lon,,start,,end||...) for the
    texts in Geocoding/files, and the BRAT annotations of every toponym for precision."""
    lines = (base / "Geocoding" / "gwn_full.txt").read_text(encoding="utf-8").splitlines()
    docs = []
    for n, line in enumerate(lines):
        path = base / "Geocoding" / "files" / str(n)
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        gold = []
        for item in line.split("||"):
            parts = item.split(",,")
            if len(parts) < 6:
                continue
            surface, lat, lon, start = parts[1], parts[2], parts[3], parts[4]
            span = _align(text, surface, int(start))
            if span is None:
                continue
            gold.append(GoldToponym(span[0], span[1], surface, float(lat), float(lon)))
        spans = [(g.start, g.end) for g in gold]
        ann = base / "GeoWebNews" / f"{n}.ann"
        txt = base / "GeoWebNews" / f"{n}.txt"
        brat = txt.read_text(encoding="utf-8") if txt.exists() else ""
        shift = brat.find(text[:200]) if text else -1  # the BRAT text has a TITLE/LINK line first
        if ann.exists() and shift >= 0:
            for row in ann.read_text(encoding="utf-8").splitlines():
                cols = row.split("\t")
                if len(cols) >= 3 and cols[0].startswith("T"):
                    typ, *pos = cols[1].split(" ")
                    if typ not in _GWN_NOT_NAMES and len(pos) == 2 and int(pos[0]) >= shift:
                        spans.append((int(pos[0]) - shift, int(pos[1]) - shift))
        docs.append(GeoDoc(f"gwn-{n}", text, gold, sorted(set(spans))))
    return docs
