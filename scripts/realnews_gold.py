#!/usr/bin/env python3
"""Tools for annotating the real-news set without copying its text into the repository.

  export OUTDIR [LIST]     write each listed article's body to OUTDIR/<lang>/<key>.txt (outside the
                           repository) with OUTDIR/<lang>/index.tsv (key, ref, split, date); LIST is
                           an articles.tsv (default: the real-news set's)
  spans WORK.jsonl OUT     turn an annotator's working gold, whose `mentions` quote the body verbatim,
                           into gold with `spans` (character offsets) and the article's reference as
                           `doc`; every quote must occur in its article's body (the first occurrence
                           is taken, or the occurrence at or after `"at": N` given as [quote, N])

usage: python scripts/realnews_gold.py export /work/annot
       python scripts/realnews_gold.py spans /work/annot/pl/work.jsonl tests/realnews/gold/pl.gold.jsonl
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from kronika.eval.realnews import article_body, read_list  # noqa: E402

LIST = Path(__file__).resolve().parents[1] / "tests" / "realnews" / "articles.tsv"


def export(outdir: str, listing: str | Path = LIST) -> None:
    counters: dict[str, int] = {}
    for item in read_list(listing):
        counters[item.lang] = counters.get(item.lang, 0) + 1
        key = f"{item.lang}_{counters[item.lang]:02d}"
        folder = Path(outdir) / item.lang
        folder.mkdir(parents=True, exist_ok=True)
        a = article_body(item.ref)
        (folder / f"{key}.txt").write_text(a.body, encoding="utf-8")
        new = not (folder / "index.tsv").exists() or counters[item.lang] == 1
        with open(folder / "index.tsv", "w" if new else "a", encoding="utf-8") as f:
            if new:
                f.write("key\tref\tsplit\tdate\n")
            f.write(f"{key}\t{item.ref}\t{item.split}\t{a.date or ''}\n")


def _keys(work: Path) -> dict[str, str]:
    """Keys of the index beside the working file, or of the per-language indexes below it."""
    keys = {}
    for index in [work.parent / "index.tsv", *sorted(work.parent.glob("*/index.tsv"))]:
        if index.exists():
            with open(index, encoding="utf-8", newline="") as f:
                keys.update({r["key"]: r["ref"] for r in csv.DictReader(f, delimiter="\t")})
    return keys


def spans(work: str, out: str) -> int:
    keys = _keys(Path(work))
    bodies: dict[str, str] = {}
    problems = 0
    rows = []
    for n, line in enumerate(Path(work).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        ref = keys.get(row["doc"], row["doc"])
        if ref not in bodies:
            bodies[ref] = article_body(ref).body
        body = bodies[ref]
        found = []
        for m in row.pop("mentions"):
            quote, at = (m[0], m[1]) if isinstance(m, list) else (m, 0)
            i = body.find(quote, at)
            if not quote.strip() or i < 0:
                print(f"{work}:{n}: {row.get('id')}: quote not in {ref}: {quote[:80]!r}", file=sys.stderr)
                problems += 1
                continue
            found.append([i, i + len(quote)])
        rows.append({"doc": ref, **{k: v for k, v in row.items() if k != "doc"}, "spans": found})
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{out}: {len(rows)} events, {problems} quotes not found", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "export":
        export(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "spans":
        sys.exit(spans(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
