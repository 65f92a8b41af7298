#!/usr/bin/env python3
"""Regenerate tests/golden/<sample>.expected.jsonl from the current pipeline.

Run after a deliberate behaviour change, then review `git diff tests/golden` before committing.
"""
from __future__ import annotations

import json
from pathlib import Path

from kronika.golden import golden_view
from kronika.readers import read_inputs
from kronika.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "src" / "kronika" / "samples"
GOLDEN = ROOT / "tests" / "golden"


def main() -> None:
    pipeline = Pipeline.default()
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for path in sorted(SAMPLES.glob("*.txt")):
        article = next(iter(read_inputs([str(path)])))
        rows = [golden_view(e.to_dict()) for e in pipeline.process(article).events]
        out = GOLDEN / f"{path.stem}.expected.jsonl"
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{out.relative_to(ROOT)}: {len(rows)} events")


if __name__ == "__main__":
    main()
