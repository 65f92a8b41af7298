"""The real-news development set: published articles kept in `../shared`, referred to by path.

A reference is a path under the shared folder (`benchmarks/realnews/de/de_001.txt`), or a
geoparsing set and a document id (`benchmarks/geoparsing/lgl.xml#lgl-40450848`) for the English
texts held inside those sets' XML. Gold marks mentions by character offsets into the article body
as kronika reads it (the text after the header lines), so no third-party sentence enters the
repository. `articles.tsv` lists every article of the set with its language and split (dev or
test), including articles whose gold holds no event: what is predicted there is counted.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import KronikaError
from ..records import Article

_GEO_SETS = {"lgl.xml": "lgl", "geowebnews": "gwn", "TR-News.xml": "trnews", "GeoVirus.xml": "geovirus"}


@dataclass(frozen=True, slots=True)
class Listed:
    ref: str
    lang: str
    split: str
    date: str | None = None  # the article's date as its text fixes it, where the file has no header date


def shared_root(root: str | os.PathLike | None = None) -> Path:
    """The shared folder: `root`, else $KRONIKA_SHARED, else the parent of $KRONIKA_BENCHMARKS,
    else a `shared` folder beside one of this file's parents or the working directory's."""
    if root:
        return Path(root)
    if os.environ.get("KRONIKA_SHARED"):
        return Path(os.environ["KRONIKA_SHARED"])
    if os.environ.get("KRONIKA_BENCHMARKS"):
        return Path(os.environ["KRONIKA_BENCHMARKS"]).parent
    for parent in [*Path(__file__).resolve().parents, Path.cwd()]:
        cand = parent.parent / "shared"
        if (cand / "benchmarks").is_dir():
            return cand
    return Path.cwd().parent / "shared"


@lru_cache(maxsize=8)
def _geo_docs(base: str, name: str) -> dict:
    from . import geobench

    return {d.doc_id: d for d in geobench.load(name, base)}


def article_body(ref: str, root: str | os.PathLike | None = None) -> Article:
    """The article a reference names, read as kronika reads it; its doc_id is the reference."""
    base = shared_root(root)
    path, _, doc = ref.partition("#")
    if doc:
        name = _GEO_SETS.get(Path(path).name)
        if not name or not path.startswith("benchmarks/geoparsing/"):
            raise KronikaError(f"{ref}: a '#' reference must name a geoparsing set ({', '.join(_GEO_SETS)})")
        found = _geo_docs(str(base / "benchmarks" / "geoparsing"), name).get(doc)
        if found is None:
            raise KronikaError(f"{ref}: no document {doc!r} in {path}")
        from ..formats import parse_date

        # the sets' own date strings ("December 1") count only when they are dates of the spec's form
        return Article(doc_id=ref, body=found.text, path=ref, date=parse_date(found.date, ref), lang="en")
    from ..readers import read_file

    full = base / path
    if not full.is_file():
        raise KronikaError(f"{full}: article not found; is the shared folder at {base}? (set KRONIKA_SHARED)")
    items = list(read_file(str(full)))
    if len(items) != 1 or not isinstance(items[0], Article):
        raise KronikaError(f"{ref}: expected one article in the file, got {items[:1]}")
    a = items[0]
    return Article(doc_id=ref, body=a.body, path=str(full), date=a.date, title=a.title, url=a.url,
                   lang=a.lang or _lang_from_path(path), outlet=a.outlet)


def _lang_from_path(path: str) -> str | None:
    parts = Path(path).parts
    for p in reversed(parts[:-1]):
        if len(p) == 2 and p.isalpha():
            return p
    return None


def read_list(path: str | os.PathLike, split: str | None = None) -> list[Listed]:
    """The articles of `articles.tsv` (columns ref, lang, split, and optionally date), of one split or all."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [Listed(r["ref"], r["lang"], r["split"], (r.get("date") or "").strip() or None)
                for r in csv.DictReader(f, delimiter="\t")]
    bad = [r for r in rows if r.split not in ("dev", "test")]
    if bad:
        raise KronikaError(f"{path}: split must be dev or test, not {bad[0].split!r} ({bad[0].ref})")
    return [r for r in rows if split in (None, "all", r.split)]
