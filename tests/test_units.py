"""Stage-level behaviour on short texts we wrote: dates, counts, boilerplate, sentences, language."""
from __future__ import annotations

import datetime as dt

from kronika.clean import find_skips
from kronika.dates import explicit_dates, reference_date
from kronika.langid import identify
from kronika.records import Article
from kronika.sentences import split_sentences


def _doc(pipeline, body, date="2026-03-05", lang=None):
    return pipeline.process(Article("t", body, date=date, lang=lang))


def test_weekday_resolves_against_a_month_dated_article_with_a_full_date_inside(pipeline):
    body = ("Demonstranci zablokowali we wtorek most w Poznaniu.\n\n"
            "Komunikat policji opublikowano 12 marca 2026 r.")
    doc = _doc(pipeline, body, date="2026-03")
    ev = next(e for e in doc.events if e.event_type == "PROTEST")
    assert ev.date == "2026-03-10"  # the Tuesday on or before Thursday 12 March
    assert ev.location.name == "Poznań"


def test_weekday_without_any_full_date_keeps_month_precision(pipeline):
    doc = _doc(pipeline, "Demonstranci zablokowali we wtorek most w Poznaniu.", date="2026-03")
    assert doc.events[0].date == "2026-03"


def _span(pipeline, body, event_type, date="2026-03-07", lang=None):
    ev = next(e for e in _doc(pipeline, body, date=date, lang=lang).events if e.event_type == event_type)
    return (ev.date, ev.time.start, ev.time.end, ev.time.precision)


def test_event_times_are_intervals_with_their_precision(pipeline):
    # a range of weekdays, "since", the weekend, a day, and no day at all (Saturday 7 March 2026)
    assert _span(pipeline, "Protesty w Warszawie trwały od środy do piątku.", "PROTEST") == \
        ("2026-03-04", "2026-03-04", "2026-03-06", "range")
    assert _span(pipeline, "С понедельника в Казани бастуют водители автобусов.", "PROTEST") == \
        ("2026-03-02", "2026-03-02", "2026-03-07", "range")
    assert _span(pipeline, "Police arrested 12 protesters in Boston over the weekend.", "COERCE", date="2026-03-09") == \
        ("2026-03-07", "2026-03-07", "2026-03-08", "range")
    assert _span(pipeline, "Demonstrators marched in Boston from May 3 to May 5.", "PROTEST", date="2026-05-11") == \
        ("2026-05-03", "2026-05-03", "2026-05-05", "range")
    assert _span(pipeline, "Policja zatrzymała w czwartek w Gdańsku 12 osób.", "COERCE") == \
        ("2026-03-05", "2026-03-05", "2026-03-05", "day")
    # no day in the text: the article's date bounds what it reports as past
    assert _span(pipeline, "Policja zatrzymała w Gdańsku 12 osób.", "COERCE") == \
        ("2026-03-07", "2026-03-04", "2026-03-07", "reported")
    assert _span(pipeline, "Policja zatrzymała w Gdańsku 12 osób.", "COERCE", date="2026-02") == \
        ("2026-02", "2026-02-01", "2026-02-28", "month")
    assert _span(pipeline, "Policja zatrzymała w Gdańsku 12 osób.", "COERCE", date=None) == (None, None, None, "unknown")
    # "the night from Wednesday to Thursday" stays a night, dated by its start
    assert _span(pipeline, "W nocy ze środy na czwartek doszło do starć w Gdańsku.", "ASSAULT")[3] == "day"


def test_explicit_dates_in_several_languages():
    assert sorted(d.value for d in explicit_dates("on January 6, 2022 and 7 января 2022", "ru")) == ["2022-01-06", "2022-01-07"]
    assert explicit_dates("dne 21. března", "cs", year=2026)[0].value == "2026-03-21"
    assert reference_date("2026-04", ["2026-04-02", "2025-12-01"]) == dt.date(2026, 4, 2)


def test_counts_become_sizes(pipeline):
    doc = _doc(pipeline, "Policja zatrzymała w czwartek w Gdańsku ponad 3 tys. osób. "
                         "W starciach z policją zginęło 5 osób, a 17 zostało rannych.")
    coerce = next(e for e in doc.events if e.event_type == "COERCE")
    assault = next(e for e in doc.events if e.event_type == "ASSAULT")
    assert coerce.size["arrested"] == 3000
    assert assault.size["dead"] == 5 and assault.size["injured"] == 17


def test_boilerplate_is_skipped_without_moving_offsets():
    body = "Tekst.\n\nCzytaj też: Policja zatrzymała 5 osób\n\nWięcej na https://example.org/x\n\nabc/PAP"
    skips = find_skips(body)
    assert [s.reason for s in skips] == ["see-also", "url", "sign-off"]
    assert body[skips[0].start:skips[0].end].startswith("Czytaj też:")
    assert body[skips[-1].start:skips[-1].end] == "abc/PAP"


def test_abbreviations_do_not_end_sentences():
    text = "Gen. Jan Kowalski przyjechał m.in. do Lublina ok. godz. 10. Potem wyjechał."
    spans = split_sentences(text, "pl")
    assert len(spans) == 2
    assert text[spans[1][0]:spans[1][1]] == "Potem wyjechał."


def test_cyrillic_quote_in_latin_text_is_identified():
    assert identify("Военные окружили площадь и начали спецоперацию", "pl") == "ru"
    assert identify("Військові оточили площу в центрі міста, повідомляє агентство", "pl") == "uk"


def test_negation_and_requests_are_not_events(pipeline):
    doc = _doc(pipeline, "Rząd nie wysłał wojsk do Mołdawii. Premier zaapelował o pomoc wojskową do sojuszników.", lang="pl")
    types = [e.event_type for e in doc.events]
    assert "AID" not in types and "MOBILIZE" not in types
    assert "REQUEST" in types


def test_english_event_roles(pipeline):
    doc = _doc(pipeline, "Police in Nairobi arrested 40 protesters on Tuesday, the interior ministry said.", lang="en")
    ev = next(e for e in doc.events if e.event_type == "COERCE")
    assert ev.actor.sector == "COP" and ev.actor.code == "KEN"
    assert ev.location.name == "Nairobi"
    assert ev.date == "2026-03-03"
    assert ev.size["arrested"] == 40
