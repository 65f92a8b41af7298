"""The command line, run as a user runs it: formats, help, version, and bad input in a batch."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kronika import __version__
from kronika.cli import app

from .conftest import SAMPLES

runner = CliRunner()

ARTICLE_PL = """id pl_cli
date 2026-03-05
lang pl

Policja zatrzymała w czwartek w Gdańsku 12 uczestników nielegalnej blokady portu. Według rzecznika \
komendy wojewódzkiej demonstranci rzucali w funkcjonariuszy kamieniami.
"""


def _kronika(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "kronika", *args], capture_output=True, text=True, input=stdin,
                          timeout=300)


def test_version_and_help():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and __version__ in r.output
    for cmd in ([], ["extract"], ["lemmas"], ["check-data"]):
        r = runner.invoke(app, [*cmd, "--help"])
        assert r.exit_code == 0, r.output
        assert "Usage" in r.output


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "geojson", "table"])
def test_extract_formats(tmp_path, fmt):
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE_PL, encoding="utf-8")
    r = _kronika("extract", str(f), "--format", fmt)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    if fmt == "jsonl":
        recs = [json.loads(line) for line in out.splitlines()]
        assert any(x["event_type"] == "COERCE" and x["location"]["name"] == "Gdańsk" for x in recs)
        assert all(x["doc_id"] == "pl_cli" for x in recs)
        coerce = next(x for x in recs if x["event_type"] == "COERCE")
        assert coerce["date"] == "2026-03-05"
        assert coerce["actor"]["sector"] == "COP" and coerce["actor"]["code"] == "POL"
    elif fmt == "json":
        assert isinstance(json.loads(out), list)
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows and rows[0]["country"] == "PL" and rows[0]["date"] == "2026-03-05" and rows[0]["trigger"]
    elif fmt == "geojson":
        fc = json.loads(out)
        assert fc["type"] == "FeatureCollection"
        assert fc["features"][0]["geometry"]["type"] == "Point"
    else:
        assert "COERCE" in out and "Gdańsk" in out


def test_stdin(tmp_path):
    r = _kronika("extract", "-", "--format", "jsonl", stdin=ARTICLE_PL)
    assert r.returncode == 0, r.stderr
    assert any(json.loads(line)["event_type"] == "COERCE" for line in r.stdout.splitlines())


def test_bad_inputs_are_named_and_the_batch_goes_on(tmp_path):
    (tmp_path / "good.txt").write_text(ARTICLE_PL, encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "broken.html").write_text("<html><body><div><p>", encoding="utf-8")
    r = _kronika("extract", str(tmp_path), "--format", "jsonl")
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if "error" in line]
    assert any("binary.txt" in e for e in errors)
    assert any("empty.txt" in e for e in errors)
    assert any("broken.html" in e for e in errors)
    assert all(len(e) < 400 for e in errors)
    assert any(json.loads(line)["doc_id"] == "pl_cli" for line in r.stdout.splitlines())


def test_unknown_language_gets_a_best_effort(tmp_path):
    f = tmp_path / "fi.txt"
    f.write_text("lang fi\n\nPoliisi pidätti torstaina Helsingissä kaksitoista mielenosoittajaa.\n", encoding="utf-8")
    r = runner.invoke(app, ["extract", str(f), "--format", "jsonl"])
    assert r.exit_code == 0, r.output
    assert "1 article: no lexicon for language 'fi'" in r.output


@pytest.mark.slow
def test_samples_directory_runs(tmp_path):
    out = tmp_path / "events.jsonl"
    r = _kronika("extract", str(SAMPLES), "--format", "jsonl", "--output", str(out))
    assert r.returncode == 0, r.stderr
    langs = {json.loads(line)["language"] for line in out.read_text(encoding="utf-8").splitlines()}
    assert {"pl", "ru", "uk", "en", "de", "cs"} <= langs
