"""SlavicNER (BSNLP 2017-2023): raw articles and their gold mentions, with the single-topic-out split.

Layout (see the benchmark's README): data/raw/<topic>/<lang>/<doc>.txt and data/ner/<topic>/<lang>/<doc>.tsv
with TAB-separated start, end, surface, lemma, type, cross-lingual id; offsets are Python str offsets.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

TEST_TOPIC = "us_election_2020"
RESERVED_TOPICS = frozenset({"asia_bibi", "ryanair"})  # coverage kept for evaluation: never tuned on


@dataclass(frozen=True, slots=True)
class GoldMention:
    start: int
    end: int
    text: str
    lemma: str
    type: str
    link: str


@dataclass(frozen=True, slots=True)
class GoldDoc:
    doc_id: str
    topic: str
    lang: str
    text: str
    mentions: tuple[GoldMention, ...]


def benchmark_root(path: str | None = None) -> Path:
    """The slavicner folder: `path`, else $KRONIKA_BENCHMARKS/slavicner, else ../shared/benchmarks/slavicner."""
    if path:
        return Path(path)
    env = os.environ.get("KRONIKA_BENCHMARKS")
    if env:
        return Path(env) / "slavicner"
    return Path(__file__).resolve().parents[4] / "shared" / "benchmarks" / "slavicner"


def load(split: str, langs: list[str] | None = None, root: str | None = None, limit: int = 0) -> Iterator[GoldDoc]:
    """Documents of the `test` split (topic us_election_2020) or the `dev` split (every other topic but
    the reserved ones, which are kept for evaluation and never tuned on)."""
    base = benchmark_root(root) / "data"
    if not (base / "raw").is_dir():
        raise FileNotFoundError(f"{base / 'raw'} not found; pass --benchmarks or set KRONIKA_BENCHMARKS")
    n = 0
    for topic_dir in sorted((base / "raw").iterdir()):
        topic = topic_dir.name
        if (split == "test") != (topic == TEST_TOPIC) or (split == "dev" and topic in RESERVED_TOPICS):
            continue
        for lang_dir in sorted(topic_dir.iterdir()):
            if langs and lang_dir.name not in langs:
                continue
            for raw in sorted(lang_dir.glob("*.txt")):
                ann = base / "ner" / topic / lang_dir.name / (raw.name[:-4] + ".tsv")
                text = raw.read_text(encoding="utf-8")
                mentions = []
                if ann.exists():
                    for line in ann.read_text(encoding="utf-8").splitlines():
                        parts = line.split("\t")
                        if len(parts) >= 6:
                            mentions.append(GoldMention(int(parts[0]), int(parts[1]), parts[2], parts[3], parts[4], parts[5]))
                yield GoldDoc(f"{topic}/{lang_dir.name}/{raw.stem}", topic, lang_dir.name, text, tuple(mentions))
                n += 1
                if limit and n >= limit:
                    return
