"""What is built once into the cache: mapped tables (the name index, simplemma's dictionaries)
and cached objects (parsed data files, models) — read back equal, rebuilt when damaged."""
from __future__ import annotations

import pickle
import random

import pytest
import yaml

from kronika.gazetteer import Entry, NameIndex, _contents, open_index
from kronika.lexicon import data_path, load_yaml
from kronika.mapped import Contents, MappedTable, cached_object, cached_table
from kronika.morph import simplemma_dictionary


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KRONIKA_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _random_items(n: int, seed: int = 7) -> dict[bytes, bytes]:
    rng = random.Random(seed)
    words = {"".join(rng.choice("abcdefgłźжщ ") for _ in range(rng.randint(1, 12))).encode() for _ in range(n)}
    return {w: rng.randbytes(rng.randint(0, 40)) for w in words}


def test_a_table_gives_back_every_item_row_and_its_meta(tmp_path):
    items = _random_items(5000)
    rows = [bytes([i % 256]) * (i % 7) for i in range(300)]
    path = tmp_path / "t.map"
    MappedTable.write(path, Contents(iter(items.items()), len(items), rows, b"meta!"))
    table = MappedTable(path)
    assert len(table) == len(items) and table.n_rows == len(rows) and table.meta == b"meta!"
    assert all(table.get(k) == v for k, v in items.items())
    assert table.get(b"no such key") is None and table.get(b"") is None
    assert [table.row(i) for i in range(len(rows))] == rows
    with pytest.raises(IndexError):
        table.row(len(rows))
    assert sorted(table.keys()) == sorted(items)
    again = pickle.loads(pickle.dumps(table))  # a worker maps the same file
    assert again.path == path and all(again.get(k) == v for k, v in list(items.items())[:50])


def test_an_empty_table_works(tmp_path):
    path = tmp_path / "empty.map"
    MappedTable.write(path, Contents(iter(()), 0))
    table = MappedTable(path)
    assert len(table) == 0 and table.get(b"x") is None and list(table.keys()) == []


def test_a_truncated_or_foreign_table_is_built_again(cache, caplog):
    items = _random_items(500)
    builds = []

    def build():
        builds.append(1)
        return Contents(iter(items.items()), len(items))
    table = cached_table("words", "v1", build)
    path = table.path
    assert path.parent == cache and len(builds) == 1
    assert cached_table("words", "v1", build).get(next(iter(items))) == items[next(iter(items))] and len(builds) == 1
    path.write_bytes(path.read_bytes()[:-10])  # cut short, as by a full disk
    table = cached_table("words", "v1", build)
    assert len(builds) == 2 and all(table.get(k) == v for k, v in items.items())
    assert "unreadable" in caplog.text
    path.write_bytes(b"something else entirely, longer than a header of forty bytes")
    assert cached_table("words", "v1", build).get(next(iter(items))) is not None and len(builds) == 3
    cached_table("words", "v2", build)  # a new fingerprint: the old file goes
    assert sorted(p.name for p in cache.iterdir()) == [f"words-v2-m{MappedTable.LAYOUT}.map"]


def test_the_name_index_reads_back_what_was_built(tmp_path):
    idx = NameIndex()
    idx.places.append((756135, "Warsaw", "PL", 52.2, 21.0, "city", "78", 1702139))
    idx.places.append((658225, "Helsinki", "FI", 60.2, 24.9, "city", "18", 558457))
    idx.countries["PL"] = 0
    idx.capitals["PL"] = 0
    idx.alpha3["PL"] = "POL"
    warsaw = Entry("LOC", "Warsaw", "POL", None, 0, population=1702139)
    idx.add(("warszawa",), warsaw)
    idx.add(("warszawie",), warsaw)
    idx.add(("nowy", "jork"), Entry("LOC", "New York", "USA", None, None, curated=True))
    idx.add(("warszawa",), Entry("ORG", "Warsaw Pact", "IGO", "MIL"))
    idx.add(("helsinki",), Entry("LOC", "Helsinki", "FIN", None, 1, population=558457))
    path = tmp_path / "names.map"
    MappedTable.write(path, _contents(idx))
    mapped = open_index(MappedTable(path))
    for key in idx.names:
        assert mapped.lookup(key) == idx.lookup(key)
    assert mapped.lookup(("warszawa",))[1].kind == "ORG" and mapped.lookup(("kraków",)) == []
    assert ("nowy",) in mapped.prefixes and ("nowy", "jork") not in mapped.prefixes
    assert [mapped.places[i] for i in range(2)] == idx.places and mapped.places[-1] == idx.places[-1]
    assert mapped.place_at(0).capital and not mapped.place_at(1).capital
    assert mapped.alpha3 == {"PL": "POL"} and len(mapped.names) == len(idx.names)
    copy = pickle.loads(pickle.dumps(mapped))  # what a Dask worker receives
    assert copy.lookup(("warszawie",)) == [warsaw] and copy.place_at(1).name == "Helsinki"


def test_the_full_name_index_is_mapped(pipeline):
    index = pipeline.index
    assert len(index.names) > 100_000 and len(index.places) > 100_000
    kyiv = [e for e in index.lookup(("kijów",)) if e.kind == "LOC"]
    assert kyiv and index.place(kyiv[0]).country == "UA"


def test_simplemma_dictionaries_answer_as_simplemma_does(cache):
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    factory = DefaultDictionaryFactory()
    for lang in ("en", "sl"):
        theirs = factory.get_dictionary(lang)
        ours = simplemma_dictionary(lang)
        keys = list(theirs)[:: max(1, len(theirs) // 2000)]
        assert len(ours) == len(theirs)
        assert all(ours.get(k) == theirs[k] for k in keys)
        assert ours.get("qqqzzzxxx") is None
    with pytest.raises(ValueError):
        simplemma_dictionary("xx")


def test_data_files_are_parsed_once_and_user_files_never_cached(cache, tmp_path):
    path = data_path("calendar.yaml")
    first = load_yaml(path)
    assert first == yaml.safe_load(path.read_text(encoding="utf-8"))
    first["months"].clear()  # a caller's changes never reach the next caller
    assert load_yaml(path)["months"]
    assert [p.name for p in cache.iterdir() if p.name.startswith("yaml-calendar-")]
    own = tmp_path / "mine.yaml"
    own.write_text("a: [1, 2]\n", encoding="utf-8")
    assert load_yaml(own) == {"a": [1, 2]}
    assert not [p for p in cache.iterdir() if "mine" in p.name]


def test_a_cached_object_that_cannot_be_read_is_made_again(cache):
    made = []

    def build():
        made.append(1)
        return {"model": list(range(10))}
    assert cached_object("model", "1", build) == {"model": list(range(10))}
    assert cached_object("model", "1", build) and len(made) == 1
    (cache / "model-1.pkl").write_bytes(b"\x80\x05garbage")
    assert cached_object("model", "1", build) == {"model": list(range(10))} and len(made) == 2

    def failing():
        raise ValueError("no data")
    with pytest.raises(ValueError):
        cached_object("broken", "1", failing)
    assert not [p for p in cache.iterdir() if p.name.startswith("broken")]
