"""The Python API a researcher uses from a notebook: kronika.extract, kronika.read, kronika.Store."""
from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

import kronika
from kronika.errors import InputError, KronikaError
from kronika.records import Article, Event

from .conftest import ROOT, SAMPLES

SEED = "seed/000_01fde6d5beb19eeb.txt"


def test_extract_gives_the_same_records_as_the_command_line(shared):
    path = shared / SEED
    events = kronika.extract(path.read_text(encoding="utf-8"), doc_id=path.stem)
    assert events and all(isinstance(e, Event) for e in events)
    cli = subprocess.run([sys.executable, "-m", "kronika", "extract", str(path), "-f", "jsonl"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert [e.to_dict() for e in events] == [json.loads(x) for x in cli.stdout.splitlines()]


def test_extract_reads_the_text_format_and_takes_arguments():
    text = "Policja zatrzymała w czwartek w Gdańsku 12 uczestników nielegalnej blokady portu."
    ev = kronika.extract(text, lang="pl", date="2026-03-05", doc_id="demo")
    rec = next(e.to_dict() for e in ev if e.event_type == "COERCE")
    assert rec["doc_id"] == "demo" and rec["date"] == "2026-03-05" and rec["location"]["name"] == "Gdańsk"
    assert rec["cameo"] and rec["acled"]["sub_event_type"] == "Arrests" and rec["size"]["arrested"] == 12
    with_header = kronika.extract(f"id hdr\ndate 2026-03-05\nlang pl\n\n{text}")
    assert [e.to_dict() for e in with_header] == [dict(e.to_dict(), doc_id="hdr") for e in ev]
    art = Article("a1", text, lang="pl", date="2026-03-05")
    assert [e.to_dict()["event_type"] for e in kronika.extract(art)] == [e.event_type for e in ev]
    assert kronika.extract("   ") == []
    with pytest.raises(TypeError):
        kronika.extract(b"bytes")


def test_read_yields_articles_and_logs_bad_inputs(tmp_path, caplog):
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01" * 50)
    arts = list(kronika.read(str(SAMPLES / "pl_01.txt"), str(tmp_path)))
    assert [a.doc_id for a in arts] == ["pl_01"]
    assert any("bad.txt" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    with pytest.raises(InputError):
        list(kronika.read(str(tmp_path), errors="raise"))


def test_store_ingest_and_events(tmp_path, pipeline):
    store = kronika.Store(str(tmp_path / "k.db"))
    stats = store.ingest([str(SAMPLES / "pl_01.txt"), Article("mine", "Police detained 7 protesters in Brno on "
                                                             "Friday, police said.", date="2026-05-08", lang="en")],
                         pipeline=pipeline)
    assert stats.stored == 2 and stats.failed == 0
    assert store.ingest(str(SAMPLES / "pl_01.txt"), pipeline=pipeline).skipped == 1
    mentions = store.events(country="CZ")
    assert mentions and all(m["location"]["country"] == "CZ" for m in mentions) and mentions[0]["cluster_id"]
    clusters = store.events(per="cluster", event_type="coerce")
    assert clusters and all(c["event_type"] == "COERCE" for c in clusters)
    assert store.stats(country="CZ")["events"] == len(mentions)
    with pytest.raises(KronikaError, match="not a date"):
        store.events(since="2022-13-01")


def test_the_package_only_logs(tmp_path, capsys):
    kronika.extract("lang en\n\nPolice detained 7 protesters in Brno, police said.")
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""  # the undated article is a notice on the Doc, not a print
