"""Every bundled data file parses, and every entry refers to things that exist."""
from __future__ import annotations

import pycountry
import pytest
import yaml

from kronika.errors import DataError
from kronika.lexicon import PLOVER_MODES, SECTORS, available_languages, data_path, load_lexicon, parse_lexicon

LANGS = available_languages()


def test_core_languages_have_lexicons():
    assert {"pl", "ru", "uk", "en", "de", "cs"} <= set(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_lexicon_loads_and_covers_all_types(lang):
    lex = load_lexicon(lang)
    types = {r.type for r in lex.triggers}
    assert types == set(PLOVER_MODES), f"{lang} lacks {set(PLOVER_MODES) - types}"
    assert lex.reporting_verbs and lex.negation and lex.generic_actors
    for r in lex.triggers:
        assert r.mode is None or r.mode in PLOVER_MODES[r.type]
        assert all(w == w.lower() for word in r.words for w in word)
    for g in lex.generic_actors:
        assert g.sector in SECTORS


def test_bad_lexicon_is_reported_with_its_file():
    with pytest.raises(DataError, match="xx.yaml.*not a mode of ASSAULT"):
        parse_lexicon({"lang": "xx", "triggers": [{"type": "ASSAULT", "mode": "demo", "lemmas": ["a"]}]}, "xx.yaml")
    with pytest.raises(DataError, match="unknown PLOVER type"):
        parse_lexicon({"lang": "xx", "triggers": [{"type": "FIGHT", "lemmas": ["a"]}]}, "xx.yaml")


def _codes_ok(code):
    return code in ("IGO", "NGO", "MNC", "UNK") or pycountry.countries.get(alpha_3=code) is not None \
        or code in ("XKX", "PSE", "TWN")


def test_actor_table_is_valid():
    with open(data_path("actors.yaml"), encoding="utf-8") as f:
        actors = yaml.safe_load(f)
    assert len(actors) > 100
    keys = set()
    for a in actors:
        assert a["key"] not in keys, a["key"]
        keys.add(a["key"])
        assert a["kind"] in ("PER", "ORG"), a
        assert _codes_ok(a["code"]), a
        assert a.get("sector") is None or a["sector"] in SECTORS, a
        assert a["aliases"].get("en"), a


def test_demonyms_and_place_aliases_are_valid():
    with open(data_path("demonyms.yaml"), encoding="utf-8") as f:
        demonyms = yaml.safe_load(f)
    assert len(demonyms) > 150
    assert all(_codes_ok(code) for code in demonyms)
    with open(data_path("place_aliases.yaml"), encoding="utf-8") as f:
        places = yaml.safe_load(f)
    for p in places:
        assert p["feature"] in ("country", "admin1", "city", "place"), p
        assert p.get("geonameid") is None or isinstance(p["geonameid"], int)
        assert p["aliases"]


def test_crosswalk_names_real_types_and_modes():
    with open(data_path("crosswalk.yaml"), encoding="utf-8") as f:
        cw = yaml.safe_load(f)
    for key in cw:
        typ, _, mode = key.partition("/")
        assert typ in PLOVER_MODES
        assert not mode or mode in PLOVER_MODES[typ]
