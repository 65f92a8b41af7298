"""The command line refuses what the API refuses, with one line naming the value and what is
accepted (exit 2); read commands never create a database; one flat schema for every table."""
from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from kronika.cli import app

from .conftest import SAMPLES

runner = CliRunner()


def _run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "k.db"
    r = _run("ingest", str(SAMPLES / "pl_01.txt"), str(SAMPLES / "en_01.txt"), "--db", str(path))
    assert r.exit_code == 0, r.output
    return str(path)


@pytest.mark.parametrize("args,words", [
    (["--since", "2022-13-01"], "since '2022-13-01' is not a date"),
    (["--until", "yesterday"], "until 'yesterday' is not a date"),
    (["--type", "FOO"], "type 'FOO' is not a PLOVER event type"),
    (["--country", "Ukraine"], "country 'Ukraine' is not an ISO 3166 alpha-2 code"),
    (["--country", "QQ"], "country 'QQ' is not an ISO 3166 alpha-2 code"),
    (["--per", "article"], "per 'article' is not a grouping"),
    (["--format", "xml"], "--format 'xml' is not a format"),
    (["--format", "parquet"], "give --output FILE"),
    (["--lang", "Polish"], "lang 'Polish' is not a language code"),
    (["--near", "91,10"], "is not a point"),
    (["--km", "0"], "km 0.0 is out of range"),
])
def test_events_refuses_bad_values_in_one_line(db, args, words):
    r = _run("events", "--db", db, *args)
    assert r.exit_code == 2
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and words in lines[0] and lines[0].startswith("kronika: "), r.output


def test_near_a_place_that_does_not_exist(db):
    r = _run("events", "--db", db, "--near", "Atlantisxyz")
    assert r.exit_code == 2 and "near 'Atlantisxyz' is no place kronika knows" in r.output


def test_near_a_real_place_works(db):
    r = _run("events", "--db", db, "--near", "Warszawa", "--km", "100", "--per", "mention")
    assert r.exit_code == 0, r.output


def test_stats_refuses_a_bad_date_and_labels_its_columns(db):
    r = _run("stats", "--db", db, "--since", "bogus")
    assert r.exit_code == 2 and "since 'bogus' is not a date" in r.output
    r = _run("stats", "--db", db)
    assert r.exit_code == 0 and "events" in r.output and "clusters" in r.output and "by type" in r.output


def test_read_commands_never_create_a_database(tmp_path):
    missing = tmp_path / "missing.db"
    for cmd in (["events"], ["stats"], ["serve", "--port", "1"]):
        r = _run(*cmd, "--db", str(missing))
        assert r.exit_code != 0 and "missing.db" in r.output, r.output
        assert len([x for x in r.output.splitlines() if x.strip()]) == 1
    assert not any(tmp_path.iterdir())


def test_unknown_database_driver_is_one_line(tmp_path):
    r = _run("events", "--db", "mysql://user@localhost/kronika")
    assert r.exit_code == 2
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "mysql" in lines[0] and "Traceback" not in r.output


def test_extract_refuses_an_unknown_format(tmp_path):
    r = _run("extract", str(SAMPLES / "pl_01.txt"), "-f", "xml")
    assert r.exit_code == 2 and "--format 'xml' is not a format" in r.output


def test_extract_columns_are_a_subset_of_events_columns(db, tmp_path):
    out = tmp_path / "x.csv"
    assert _run("extract", str(SAMPLES / "pl_01.txt"), "-f", "csv", "-o", str(out)).exit_code == 0
    extract_cols = next(csv.reader(open(out, encoding="utf-8")))
    r = _run("events", "--db", db, "--per", "mention", "-f", "csv", "-o", str(tmp_path / "e.csv"))
    assert r.exit_code == 0, r.output
    events_cols = next(csv.reader(open(tmp_path / "e.csv", encoding="utf-8")))
    assert set(extract_cols) <= set(events_cols) and "cluster_id" in events_cols
    assert extract_cols == events_cols[:len(extract_cols)]


def test_parquet_and_geojson_use_the_flat_names(db, tmp_path):
    import pyarrow.parquet as pq

    from kronika.flat import columns

    out = tmp_path / "e.parquet"
    assert _run("events", "--db", db, "-f", "parquet", "-o", str(out)).exit_code == 0
    assert pq.read_table(out).column_names == list(columns(cluster=True))
    r = _run("events", "--db", db, "-f", "geojson", "-o", str(tmp_path / "e.geojson"))
    assert r.exit_code == 0
    fc = json.loads((tmp_path / "e.geojson").read_text(encoding="utf-8"))
    assert list(fc["features"][0]["properties"]) == list(columns(cluster=True))


def test_html_on_standard_input_is_read_as_html():
    page = ("<!DOCTYPE html><html lang='en'><head><title>News</title></head><body><nav>Home | World</nav>"
            "<article><h1>Clashes</h1><p>Police detained 40 protesters in Osh on Tuesday after clashes outside "
            "the city hall, the interior ministry said.</p><p>Talks are planned for next week.</p></article>"
            "</body></html>")
    r = _run("extract", "-", "-f", "jsonl", input=page)
    assert r.exit_code == 0, r.output
    recs = [json.loads(x) for x in r.output.splitlines() if x.startswith("{")]
    assert recs and all("<" not in x["evidence"]["sentence"] for x in recs)
    assert any(x["event_type"] == "COERCE" for x in recs)


def test_an_undated_article_is_said_once_at_the_end(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("lang en\n\nPolice detained 40 protesters in Osh on Tuesday, the interior ministry said.\n",
                 encoding="utf-8")
    r = _run("extract", str(f), str(f), "-f", "jsonl")
    assert r.exit_code == 0
    notes = [x for x in r.output.splitlines() if "no date" in x]
    assert len(notes) == 1 and notes[0].startswith("kronika: warning: 2 articles")


def test_exit_codes_tell_failed_inputs_usage_and_internal_errors(tmp_path, monkeypatch, capsys):
    from kronika import cli
    from kronika.batch import LocalExecutor

    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("lang en\ndate 2026-05-08\n\nPolice detained 7 protesters in Brno, police said.\n", encoding="utf-8")
    bad.write_bytes(b"\x00\x01" * 40)

    def code(*argv):
        monkeypatch.setattr("sys.argv", ["kronika", *argv])
        with pytest.raises(SystemExit) as exit_:
            cli.run()
        return exit_.value.code

    assert code("extract", str(good), "-f", "jsonl") == 0
    assert code("extract", str(good), str(bad), "-f", "jsonl") == cli.EXIT_INPUTS_FAILED
    assert code("extract", str(good), "-f", "xml") == cli.EXIT_USAGE
    capsys.readouterr()

    def broken(self, *args, **kwargs):
        raise RuntimeError("a bug\nwith a second line")

    monkeypatch.setattr(LocalExecutor, "run", broken)
    assert code("extract", str(good)) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.strip() == "kronika: internal error: RuntimeError: a bug (please report it; -vv shows where)"
