#!/usr/bin/env python3
"""Pick the real-news development set and split it into dev and test, once, before annotation.

Articles come from `../shared/benchmarks` (never copied): SlavicNER raw texts of the topics that are
not reserved, the English texts of the geoparsing sets, and `realnews/` (German, Spanish). An article
is a candidate when its body is 600-4,500 characters long and holds at least four words that often
report events (the cue stems below, used only to prefer articles that report something; kronika is
never run for the choice). Candidates are shuffled with a fixed seed and the first N per language
taken; the split is by a hash of the article's reference (every third, by hash order, is test).

usage: python scripts/realnews_select.py [--per-language 22] > tests/realnews/articles.tsv
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from kronika.eval.realnews import article_body, shared_root  # noqa: E402
from kronika.eval import geobench  # noqa: E402

TOPICS = ("nord_stream", "russia_-_ukraine_war", "covid-19", "brexit")  # the others are reserved
CUES = {
    "pl": "protest demonstr atak ostrzel zatrzym aresztow sankcj rozmow spotka wezwa oskarż zgin zabi rann wybuch "
          "eksploz podpisa porozumie zakaz wojsk potępi odrzuci grozi",
    "ru": "протест митинг атак обстрел задерж арест санкц переговор встреч призвал обвин погиб убит ранен взрыв "
          "подписал соглашен запрет войск осудил отклонил угрож",
    "uk": "протест мітинг атак обстріл затрим арешт санкц переговор зустріч закликав звинуват загинул вбит поранен "
          "вибух підписав угод заборон військ засудив відхилив погрож",
    "cs": "protest demonstr útok ostřel zadrž zatk sankc jednán setkal vyzval obvinil zemřel zabit zraněn výbuch "
          "explo podepsal dohod zákaz vojsk odsoudil odmítl hroz",
    "bg": "протест демонстр атак обстрел задърж арест санкци преговор среща призова обвини загина убит ранен взрив "
          "подписа споразум забран войск осъди отхвърли заплаш",
    "en": "protest demonstrat attack shell arrest detain sanction talks met called accus killed injur explo signed "
          "agreement ban troops condemn reject threat police",
    "de": "protest demonstr angriff beschuss festgenommen verhaftet sanktion gespräch getroffen aufgerufen beschuldig "
          "getötet verletzt explosion unterzeichn abkommen verbot truppen verurteil abgelehnt droht polizei",
    "es": "protest manifest ataque atac detenid arrest sancion reunión reunió pidió acus muert herid explosión firm "
          "acuerdo prohib tropas conden rechaz amenaz policía",
}


def cue_count(lang: str, text: str) -> int:
    words = re.findall(r"\w+", text.lower())
    stems = CUES[lang].split()
    return sum(1 for w in words if any(w.startswith(s) for s in stems))


def candidates(root: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {lang: [] for lang in CUES}
    for topic in TOPICS:
        for lang in ("pl", "ru", "uk", "cs", "bg"):
            folder = root / "benchmarks/slavicner/data/raw" / topic / lang
            if folder.is_dir():
                out[lang] += [str(p.relative_to(root)) for p in sorted(folder.glob("*.txt"))]
    for lang in ("de", "es"):
        out[lang] += [str(p.relative_to(root)) for p in sorted((root / "benchmarks/realnews" / lang).glob("*.txt"))]
    for name, path in (("lgl", "lgl.xml"), ("gwn", "geowebnews"), ("trnews", "TR-News.xml")):
        out["en"] += [f"benchmarks/geoparsing/{path}#{d.doc_id}" for d in geobench.load(name)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-language", type=int, default=22)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    root = shared_root()
    print("ref\tlang\tsplit")
    for lang, refs in candidates(root).items():
        rng = random.Random(f"{args.seed}-{lang}")
        refs = sorted(refs)
        rng.shuffle(refs)
        picked = []
        for ref in refs:
            body = article_body(ref, root).body
            if 600 <= len(body) <= 4500 and cue_count(lang, body) >= 4:
                picked.append(ref)
            if len(picked) == args.per_language:
                break
        by_hash = sorted(picked, key=lambda r: hashlib.sha1(r.encode()).hexdigest())
        test = set(by_hash[::3])
        for ref in sorted(picked):
            print(f"{ref}\t{lang}\t{'test' if ref in test else 'dev'}")


if __name__ == "__main__":
    main()
