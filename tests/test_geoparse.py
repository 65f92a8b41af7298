"""Geoparsing: places in several languages, "City, State" patterns, unresolved toponyms, the CLI,
the scoring of `kronika eval geo`, and the one resolver behind both the toponyms and the places of
the entity stage's mentions. Articles here are written for these tests."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kronika.cli import app
from kronika.eval import geobench
from kronika.eval.geo import score
from kronika.geoparse import geoparse
from kronika.geodesy import distance_km
from kronika.records import Article, Toponym

ALMATY, ASTANA, AKTOBE, KAZAKHSTAN = 1526384, 1526273, 610611, 1522867


@pytest.fixture(scope="module")
def geoparser(pipeline):
    return lambda article: geoparse(pipeline, article)


def _ids(geoparser, text: str, lang: str | None = None) -> dict[str, int | None]:
    return {t.text: t.geonameid for t in geoparser(Article("t", text, date="2022-01-06", lang=lang))}


@pytest.mark.parametrize("lang,text,expected", [
    ("ru", "В Алма-Ате и Актобе прошли протесты. В Нур-Султане закрыт аэропорт. Ситуация в Казахстане "
           "остается напряженной, в Алматы введены войска.",
     {"Алма-Ате": ALMATY, "Актобе": AKTOBE, "Нур-Султане": ASTANA, "Казахстане": KAZAKHSTAN, "Алматы": ALMATY}),
    ("uk", "В Алмати та Актобе тривають протести. У Нур-Султані закрили аеропорт. Ситуація в Казахстані "
           "напружена.",
     {"Алмати": ALMATY, "Актобе": AKTOBE, "Нур-Султані": ASTANA, "Казахстані": KAZAKHSTAN}),
    ("de", "In Almaty und Aktobe gingen Tausende auf die Straße. In Nur-Sultan wurde der Flughafen "
           "geschlossen. Die Lage in Kasachstan bleibt angespannt.",
     {"Almaty": ALMATY, "Aktobe": AKTOBE, "Nur-Sultan": ASTANA, "Kasachstan": KAZAKHSTAN}),
    ("en", "Protesters gathered in Almaty and Aktobe on Wednesday. The airport in Nur-Sultan was closed, "
           "officials in Kazakhstan said.",
     {"Almaty": ALMATY, "Aktobe": AKTOBE, "Nur-Sultan": ASTANA, "Kazakhstan": KAZAKHSTAN}),
    ("pl", "W Ałmaty i Aktobe trwają protesty. W Nur-Sułtanie zamknięto lotnisko, a do Ałmatów "
           "przybyli żołnierze. Sytuacja w Kazachstanie jest napięta.",
     {"Ałmaty": ALMATY, "Aktobe": AKTOBE, "Nur-Sułtanie": ASTANA, "Ałmatów": ALMATY, "Kazachstanie": KAZAKHSTAN}),
])
def test_seed_places_in_five_languages(geoparser, lang, text, expected):
    got = _ids(geoparser, text, lang)
    for name, gid in expected.items():
        assert got.get(name) == gid, (name, got)
    assert "Lage" not in got  # "die Lage" is a noun, not the town in Westphalia


def test_seed_article_places(geoparser, shared):
    from kronika.readers import read_inputs

    article = next(iter(read_inputs([str(shared / "seed" / "000_01fde6d5beb19eeb.txt")])))
    tops = geoparser(article)
    by_id = {t.geonameid for t in tops}
    assert {ALMATY, ASTANA, AKTOBE, KAZAKHSTAN} <= by_id
    assert all(t.lat is not None for t in tops if t.geonameid)


def test_city_state_patterns_and_homonyms(geoparser):
    tops = geoparser(Article("t", "ALEXANDRIA, La. - The mayor of Alexandria said the bridge over "
                                        "the Red River will reopen. Flooding also hit Pineville and Rapides Parish.",
                                   lang="en"))
    alex = [t for t in tops if t.text.lower() == "alexandria"]
    assert alex and all(t.admin1 == "Louisiana" for t in alex), [(t.text, t.admin1) for t in tops]
    parish = next(t for t in tops if t.text == "Rapides Parish")
    assert parish.country == "US" and parish.feature == "other"
    assert distance_km(parish.lat, parish.lon, 31.2, -92.5) < 100
    tops = geoparser(Article("t", "Heavy rain fell on Paris, Texas, where the county fair was cancelled.",
                                   lang="en"))
    paris = next(t for t in tops if t.text == "Paris")
    assert paris.country == "US" and paris.admin1 == "Texas"


def test_context_decides_between_homonyms(geoparser):
    tops = geoparser(Article("t", "Police in London, Ontario, said the fire started downtown. "
                                        "Crews from London worked through the night, Canada's broadcaster reported.",
                                   lang="en"))
    assert {t.country for t in tops if t.text == "London"} == {"CA"}
    tops = geoparser(Article("t", "Talks in London ended without a deal, Britain's foreign office said.",
                                   lang="en"))
    assert next(t for t in tops if t.text == "London").country == "GB"


def test_country_names_and_lists_keep_their_kind(geoparser):
    # a country lies in no other place: "Russia, U.S." is no Russia, Ohio, however American the article
    tops = geoparser(Article("t", "Columbus police and Dayton officials met in Cleveland, Ohio. The talks "
                                        "touched on his business in Russia, U.S. officials said.", lang="en"))
    assert next(t for t in tops if t.text == "Russia").feature == "country"
    # names listed together are of one kind: Wyoming beside Montana is the state, not a town in Ohio
    tops = geoparser(Article("t", "The family drove from Columbus, Ohio, to the borders of Montana and Wyoming.",
                                   lang="en"))
    assert next(t for t in tops if t.text == "Wyoming").feature == "admin1"


def test_places_the_tables_lack_take_the_place_they_lie_in(geoparser):
    tops = geoparser(Article("t", "Shells hit the villages of Zvorla and Pechyshche in Idlib province on Sunday.",
                                   lang="en"))
    got = {t.text: t for t in tops}
    assert {"Zvorla", "Pechyshche"} <= set(got)
    assert all(got[n].lat is not None and distance_km(got[n].lat, got[n].lon, 35.9, 36.6) < 100
               for n in ("Zvorla", "Pechyshche"))
    tops = geoparser(Article("t", "HOLLIDAY, Mo. - Firefighters were called to a barn outside town.", lang="en"))
    assert next(t for t in tops if t.text == "HOLLIDAY").admin1 == "Missouri"


def test_unknown_place_is_listed_with_a_reason(geoparser):
    tops = geoparser(Article("t", "The convoy stopped in Zvorlivka overnight before it reached Kharkiv.",
                                   lang="en"))
    unknown = next(t for t in tops if t.text == "Zvorlivka")
    assert unknown.geonameid is None and unknown.lat is None and unknown.reason
    assert next(t for t in tops if t.text == "Kharkiv").country == "UA"


def test_demonyms_and_common_words(geoparser):
    tops = geoparser(Article("t", "Spanish officials met Police chiefs at the Court on Monday.", lang="en"))
    kinds = {t.text: (t.kind, t.country) for t in tops}
    assert kinds.get("Spanish") == ("demonym", "ES")  # not the town of Spanish, Ontario
    assert "Police" not in kinds and "Court" not in kinds


def _places(doc) -> list[tuple[str, str, str | None, str | None]]:
    return [(m.text, m.key, m.code, m.place.country) for ms in doc.mentions for m in ms
            if m.kind == "LOC" and m.place is not None]


def test_mentions_take_the_place_the_toponyms_chose(pipeline):
    doc = pipeline.process(Article("t", "Police in London, Ontario, said the fire started downtown. Crews from "
                                        "London worked through the night, Canada's broadcaster reported.", lang="en"),
                           until="entities")
    assert [t.country for t in doc.toponyms if t.text == "London"] == ["CA", "CA"]
    london = [p for p in _places(doc) if p[0] == "London"]
    assert london == [("London", "London", "CAN", "CA")] * 2  # not the curated London, GB
    assert doc.toponyms == geoparse(pipeline, doc.article)  # geoparse reads the same resolution


def test_names_the_resolver_rejects_leave_the_mentions(pipeline):
    doc = pipeline.process(Article("t", "Spanish officials met Police chiefs at the Court on Monday.", lang="en"),
                           until="entities")
    assert _places(doc) == []  # Police, PL and Court, CH are words here
    assert [(m.text, m.kind, m.code) for m in doc.mentions[0] if m.text == "Spanish"] == [("Spanish", "NORP", "ESP")]
    # a town of a country nothing else brings up, in an article firmly elsewhere: "Markiem" (Marek) is
    # a man's name, not Dupnitsa in Bulgaria
    doc = pipeline.process(Article("t", "Premier Polski rozmawiał w Warszawie z sekretarzem generalnym NATO Markiem "
                                        "Rutte o granicy z Białorusią.", lang="pl"), until="entities")
    assert [p[0] for p in _places(doc)] == ["Polski", "Warszawie", "Białorusią"]
    assert [t.text for t in doc.toponyms] == ["Polski", "Warszawie", "Białorusią"]


def test_geoparse_cli_jsonl_and_bad_input(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("title Floods\ndate 2024-05-02\n\nRivers rose in Wrocław and Opole.\n", encoding="utf-8")
    bad = tmp_path / "b.txt"
    bad.write_bytes(b"\x00\x01\x02binary" * 50)
    res = CliRunner().invoke(app, ["geoparse", str(bad), str(good)])
    assert res.exit_code == 1
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    body = "Rivers rose in Wrocław and Opole.\n"
    assert {r["name"] for r in rows} == {"Wrocław", "Opole"}  # "Rivers" opens a sentence: no Nigerian state
    for r in rows:
        assert set(r) >= {"doc_id", "start", "end", "text", "geonameid", "name", "country", "admin1", "lat", "lon",
                          "feature", "score"}
        assert body[r["start"]:r["end"]] == r["text"]  # offsets point into the article's body
    assert "b.txt" in res.stderr


def test_score_counts_missed_and_wrong():
    doc = geobench.GeoDoc("d", "Paris and Lyon and Nice", [
        geobench.GoldToponym(0, 5, "Paris", 48.85, 2.35), geobench.GoldToponym(10, 14, "Lyon", 45.75, 4.85),
        geobench.GoldToponym(19, 23, "Nice", 43.70, 7.27)], [(0, 5), (10, 14), (19, 23)])
    pred = [Toponym("d", 0, 5, "Paris", 1, "Paris", "FR", None, 48.86, 2.35, "city", 1.0),
            Toponym("d", 10, 14, "Lyon", 2, "Lyon", "US", None, 40.0, -90.0, "city", 0.5)]
    m = score([doc], {"d": pred})
    assert m["recognition"]["recall"] == pytest.approx(2 / 3, abs=1e-3)
    assert m["recognition"]["precision"] == 1.0
    assert m["acc161_recognised"] == 0.5
    assert m["acc161_end_to_end"] == pytest.approx(1 / 3, abs=1e-3)


@pytest.mark.parametrize("lang,text", [
    ("pl", "Walki trwają w Charkowie, Dnieprze, Zaporożu, Kramatorsku, Bachmucie, Mariupolu, Chersoniu, Doniecku, "
           "Ługańsku, Odessie, Lwowie i Kijowie."),
    ("ru", "Бои идут в Харькове, Днепре, Запорожье, Краматорске, Бахмуте, Мариуполе, Херсоне, Донецке, Луганске, "
           "Одессе, Львове и Киеве."),
    ("uk", "Бої тривають у Харкові, Дніпрі, Запоріжжі, Краматорську, Бахмуті, Маріуполі, Херсоні, Донецьку, "
           "Луганську, Одесі, Львові та Києві."),
    ("cs", "Boje pokračují v Charkově, Dnipru, Záporoží, Kramatorsku, Bachmutu, Mariupolu, Chersonu, Doněcku, "
           "Luhansku, Oděse, Lvově a Kyjevě."),
    ("de", "Kämpfe gibt es in Charkiw, Dnipro, Saporischschja, Kramatorsk, Bachmut, Mariupol, Cherson, Donezk, "
           "Luhansk, Odessa, Lwiw und Kiew."),
])
def test_inflected_city_names(geoparser, lang, text):
    tops = geoparser(Article("t", text, lang=lang))
    assert len(tops) == 12, [t.text for t in tops]
    assert {t.country for t in tops} == {"UA"}
    assert len({t.geonameid for t in tops}) == 12  # twelve different cities, each with its GeoNames id
