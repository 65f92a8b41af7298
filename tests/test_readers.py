"""Tests for the readers (kronika.readers, formats, decoding, feeds): every input format, encodings, and every kind of bad input."""
from __future__ import annotations

import gzip
import io
import json
import logging
import sys
from pathlib import Path

import pytest

from kronika.errors import InputError
from kronika.formats import parse_date, split_header
from kronika.readers import read_inputs
from kronika.records import Article

SEED = Path("/work/shared/seed/000_01fde6d5beb19eeb.txt")

PL = "Policja zatrzymała w środę dwóch mężczyzn przed urzędem w Łodzi. Świadkowie mówią, że źle się działo już od rana."
CS = "Policie ve středu zadržela dva muže před úřadem. Svědci říkají, že šest žen čekalo na náměstí až do večera."
RU = "Полиция в среду задержала двух мужчин у здания администрации. Очевидцы говорят, что всё началось утром."
UK = "Поліція в середу затримала двох чоловіків біля будівлі. Їхні свідки кажуть, що все почалося зранку."
EN = "Police detained two men outside the town hall on Wednesday. Witnesses said the crowd “stayed calm” – for a while."
DE = "Die Polizei hat am Mittwoch zwei Männer vor dem Rathaus festgenommen. Zeugen sagen, es sei ruhig geblieben, schön."


def read(*paths, **kwargs) -> list[Article | InputError]:
    return list(read_inputs([str(p) for p in paths], **kwargs))


def read_one(path, **kwargs) -> Article | InputError:
    (result,) = read(path, **kwargs)
    return result


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# -- the text format --------------------------------------------------------------------------------

def test_headers_then_blank_line(tmp_path):
    text = f"date 2022-01-06\nsource PAP\ntitle Zamieszki w Ałmaty\nlang pl\nid pl_01\n\n{PL}\n\nDrugi akapit.\n"
    article = read_one(write(tmp_path / "whatever.txt", text))
    assert article == Article(doc_id="pl_01", body=f"{PL}\n\nDrugi akapit.\n", path=str(tmp_path / "whatever.txt"),
                              date="2022-01-06", title="Zamieszki w Ałmaty", lang="pl", outlet="PAP")


def test_headers_then_body_directly_and_id_from_file_name(tmp_path):
    article = read_one(write(tmp_path / "ru_07.txt", f"date 2022-01\nsource ТАСС\n{RU}"))
    assert (article.doc_id, article.date, article.outlet, article.body) == ("ru_07", "2022-01", "ТАСС", RU)


def test_file_without_headers_is_all_body(tmp_path):
    text = f"\n  {EN}\nSecond line.\n"
    article = read_one(write(tmp_path / "en.story.txt", text))
    assert article.body == text
    assert article.doc_id == "en.story"
    assert article.date is None and article.outlet is None


def test_prose_that_starts_like_a_header_is_body():
    text = "date of the vote was moved again, the commission said.\nMore text."
    assert split_header(text) == ({}, text)
    assert split_header("id est a body\n") == ({}, "id est a body\n")


def test_inline_date_form(tmp_path):
    article = read_one(write(tmp_path / "x.txt", f" \t date 2022-01-06 \t {PL}\nKoniec."))
    assert article.date == "2022-01-06"
    assert article.body == f"{PL}\nKoniec."


def test_seed_article_inline_header():
    (article,) = read_inputs([str(SEED)])
    raw = SEED.read_text(encoding="utf-8")
    assert article.doc_id == "000_01fde6d5beb19eeb"
    assert article.date == "2022-01"
    assert article.body.startswith('"Strzały')
    assert raw.endswith(article.body)  # the body is the file's text as it stands, offsets included
    assert raw[: len(raw) - len(article.body)].split() == ["date", "2022-01"]


def test_bad_date_is_none_with_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="kronika.formats"):
        article = read_one(write(tmp_path / "a.txt", f"date 2022-13-40\n\n{PL}"))
    assert isinstance(article, Article)
    assert article.date is None
    assert article.body == PL
    assert "2022-13-40" in caplog.text


@pytest.mark.parametrize("value, expected", [
    ("2022", "2022"), ("2022-01", "2022-01"), ("2022-01-06", "2022-01-06"),
    ("2022-01-06T10:15:00Z", "2022-01-06"), ("2022-02-30", None), ("22-01-06", None),
    ("06.01.2022", None), ("", None), (None, None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_line_endings_are_normalised(tmp_path):
    raw = f"date 2022-01-06\r\nsource PAP\r\n\r\n{PL}\r\nDrugi.\rTrzeci.\r\n"
    article = read_one(write(tmp_path / "crlf.txt", raw))
    assert article.body == f"{PL}\nDrugi.\nTrzeci.\n"
    assert article.outlet == "PAP"


def test_utf8_bom_is_dropped(tmp_path):
    article = read_one(write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + f"date 2022-01-06\n\n{CS}".encode()))
    assert article.date == "2022-01-06"
    assert article.body == CS


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_and_without_bom(tmp_path, codec):
    article = read_one(write(tmp_path / "u16.txt", f"lang ru\n\n{RU}".encode(codec)))
    assert (article.lang, article.body) == ("ru", RU)


@pytest.mark.parametrize("text, codec", [
    (PL, "cp1250"), (PL, "iso8859_2"), (CS, "cp1250"), (CS, "iso8859_2"), ("Šest žen čekalo.", "iso8859_2"),
    (RU, "cp1251"), (RU, "koi8_r"), (RU, "iso8859_5"), (RU.upper(), "cp1251"), (RU.upper(), "koi8_r"),
    (UK, "cp1251"), (EN, "cp1252"), (DE, "cp1252"), (DE, "iso8859_2"),
])
def test_legacy_encodings_round_trip(tmp_path, text, codec):
    body = f"{text}\n{text}\n"
    article = read_one(write(tmp_path / "legacy.txt", f"source Test\n\n{body}".encode(codec)))
    assert isinstance(article, Article), article
    assert article.body == body


# -- bad input --------------------------------------------------------------------------------------

def test_binary_file_with_nul_bytes(tmp_path):
    error = read_one(write(tmp_path / "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4))
    assert isinstance(error, InputError)
    assert "binary" in error.problem and ".txt" in error.fix


def test_binary_file_of_control_bytes(tmp_path):
    error = read_one(write(tmp_path / "blob.txt", bytes([1, 2, 3, 4, 5, 6, 7, 65]) * 50))
    assert isinstance(error, InputError) and "binary" in error.problem


@pytest.mark.parametrize("data, problem", [
    (b"", "file is empty"), (b" \n\t\r\n  ", "file has only white space"),
    (b"\xef\xbb\xbf", "file has only white space"), (b"date 2022-01-06\nsource PAP\n\n  \n", "no article text"),
])
def test_empty_files(tmp_path, data, problem):
    error = read_one(write(tmp_path / "empty.txt", data))
    assert isinstance(error, InputError)
    assert problem in error.problem
    assert error.fix.startswith(("remove it", "add the article text"))


def test_file_over_the_limit_is_rejected_from_its_size(tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:  # sparse: 52 MB on paper, nothing on disk
        handle.truncate(52_000_000)
    error = read_one(huge)
    assert isinstance(error, InputError)
    assert error.problem == "file is 52 MB, over the 20 MB limit"
    assert error.fix == "split it or raise --max-bytes"


def test_small_max_bytes(tmp_path):
    path = write(tmp_path / "a.txt", PL)
    error = read_one(path, max_bytes=50)
    assert isinstance(error, InputError) and "over the 50 bytes limit" in error.problem
    assert isinstance(read_one(path, max_bytes=len(PL.encode())), Article)


def test_damaged_utf8_is_an_error_not_mojibake(tmp_path):
    data = (PL * 5).encode() + b"\xff" + (PL * 5).encode()
    error = read_one(write(tmp_path / "broken.txt", data))
    assert isinstance(error, InputError)
    assert "not valid utf-8" in error.problem and "UTF-8" in error.fix


def test_a_bad_file_does_not_stop_the_batch(tmp_path):
    good = write(tmp_path / "good.txt", PL)
    results = read(tmp_path / "missing.txt", write(tmp_path / "empty.txt", b""), good)
    assert [type(r).__name__ for r in results] == ["InputError", "InputError", "Article"]
    assert results[0].path == str(tmp_path / "missing.txt")
    assert "No such file" in results[0].problem
    assert str(tmp_path / "missing.txt") in str(results[0])


# -- JSON Lines -------------------------------------------------------------------------------------

def jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)


def test_jsonl_broken_line_in_the_middle(tmp_path):
    path = write(tmp_path / "feed.jsonl", jsonl(
        {"id": "a1", "text": PL, "date": "2022-01-06", "url": "https://example.pl/a1", "title": "Tytuł",
         "lang": "pl", "source": "PAP"},
        '{"id": "a2", "text": "unterminated',
        {"title": "no text here"},
        "",
        {"text": RU + "\r\nВторая строка.", "date": "2022-01-07T08:00:00+03:00"},
    ))
    first, broken, missing, last = read(path)
    assert first == Article(doc_id="a1", body=PL, path=f"{path}:1", date="2022-01-06", title="Tytuł",
                            url="https://example.pl/a1", lang="pl", outlet="PAP")
    assert isinstance(broken, InputError) and broken.path == f"{path}:2" and "not valid JSON" in broken.problem
    assert isinstance(missing, InputError) and missing.path == f"{path}:3" and '"text"' in missing.problem
    assert (last.doc_id, last.body, last.date) == ("feed-5", RU + "\nВторая строка.", "2022-01-07")


def test_jsonl_gz_and_ndjson(tmp_path):
    lines = jsonl({"id": 1, "text": CS}, {"text": UK})
    gz = tmp_path / "batch.jsonl.gz"
    gz.write_bytes(gzip.compress(lines.encode()))
    nd = write(tmp_path / "batch2.ndjson", lines)
    assert [(a.doc_id, a.body) for a in read(gz)] == [("1", CS), ("batch-2", UK)]
    assert [(a.doc_id, a.body) for a in read(nd)] == [("1", CS), ("batch2-2", UK)]


def test_jsonl_corrupt_gzip(tmp_path):
    error = read_one(write(tmp_path / "bad.jsonl.gz", b"not gzip at all"))
    assert isinstance(error, InputError) and error.path == str(tmp_path / "bad.jsonl.gz")


def test_jsonl_line_over_the_limit(tmp_path):
    path = write(tmp_path / "big.jsonl", jsonl({"text": "x" * 500}, {"text": EN}))
    error, article = read(path, max_bytes=200)
    assert isinstance(error, InputError) and error.path == f"{path}:1" and "over the" in error.problem
    assert article.body == EN and article.doc_id == "big-2"


def test_jsonl_not_utf8_line(tmp_path):
    path = write(tmp_path / "enc.jsonl", jsonl({"text": EN}).encode() + b'{"text": "' + RU.encode("cp1251") + b'"}\n')
    article, error = read(path)
    assert article.body == EN
    assert isinstance(error, InputError) and error.path == f"{path}:2" and "utf-8" in error.problem


# -- HTML -------------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html lang="pl-PL"><head><meta charset="{charset}">
<title>Zamieszki w Ałmaty | Wiadomości</title>
<meta property="og:title" content="Zamieszki w Ałmaty">
<meta property="article:published_time" content="2022-01-06T09:30:00+01:00">
<link rel="canonical" href="https://example.pl/zamieszki">
</head><body>
<nav><a href="/">Strona główna</a> <a href="/swiat">Świat</a></nav>
<article><h1>Zamieszki w Ałmaty</h1>
<p>{p1}</p>
<p>{p2}</p>
</article>
<footer>Wszelkie prawa zastrzeżone.</footer>
</body></html>
"""


def test_html_article(tmp_path):
    page = HTML.format(charset="utf-8", p1=PL, p2="Protestujący zebrali się na placu Republiki w czwartek rano.")
    article = read_one(write(tmp_path / "almaty.html", page))
    assert isinstance(article, Article), article
    assert article.doc_id == "almaty"
    assert article.date == "2022-01-06"
    assert article.title == "Zamieszki w Ałmaty"
    assert article.lang == "pl"
    assert PL in article.body and "placu Republiki" in article.body
    assert "prawa zastrzeżone" not in article.body


def test_html_in_a_legacy_encoding(tmp_path):
    page = HTML.format(charset="windows-1250", p1=PL, p2="Żółta ściana, gęś i łódź stały przy urzędzie miasta.")
    article = read_one(write(tmp_path / "legacy.htm", page.encode("cp1250")))
    assert isinstance(article, Article), article
    assert PL in article.body and "Żółta ściana" in article.body


@pytest.mark.parametrize("markup", ["<html><body><div><<<>>></div></body></html>", "<p>", "<html></html>"])
def test_malformed_html_is_an_error(tmp_path, markup):
    error = read_one(write(tmp_path / "broken.html", markup))
    assert isinstance(error, InputError)
    assert "HTML" in error.problem and ".txt" in error.fix


# -- directories and stdin --------------------------------------------------------------------------

def test_directory_is_recursive_sorted_and_skips_non_inputs(tmp_path):
    root = tmp_path / "corpus"
    write(root / "b.txt", CS)
    write(root / "a.txt", PL)
    write(root / "a.gold.jsonl", jsonl({"doc": "a", "type": "PROTEST"}))
    write(root / "sub" / "feed.jsonl", jsonl({"id": "r1", "text": RU}))
    write(root / "sub" / "page.html", HTML.format(charset="utf-8", p1=PL, p2=PL))
    write(root / ".hidden.txt", EN)
    write(root / ".git" / "notes.txt", EN)
    write(root / "notes.csv", "a,b\n")
    write(root / "photo.jpg", b"\xff\xd8\xff\x00")
    ids = [a.doc_id for a in read(root)]
    assert ids == ["a", "b", "r1", "page"]


def test_gold_file_named_directly_is_refused(tmp_path):
    error = read_one(write(tmp_path / "a.gold.jsonl", jsonl({"doc": "a"})))
    assert isinstance(error, InputError) and "gold" in error.problem


def test_empty_directory(tmp_path):
    (tmp_path / "none").mkdir()
    error = read_one(tmp_path / "none")
    assert isinstance(error, InputError) and "no .txt" in error.problem


def test_stdin_text_stream(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"date 2022-01-06\nid from-pipe\n\n{UK}\r\n"))
    (article,) = read_inputs(["-"])
    assert (article.doc_id, article.path, article.date, article.body) == ("from-pipe", "-", "2022-01-06", UK + "\n")


def test_stdin_bytes_in_a_legacy_encoding(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RU.encode("koi8_r"))))
    (article,) = read_inputs(["-"])
    assert (article.doc_id, article.body) == ("stdin", RU)


def test_stdin_empty(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    (error,) = read_inputs(["-"])
    assert isinstance(error, InputError) and error.path == "-" and "empty" in error.problem


# -- RSS and Atom feeds -----------------------------------------------------------------------------

def rss(*items: str, head: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>{head}<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Border Wire</title>'
            f'{"".join(items)}</channel></rss>')


def test_atom_feed_with_html_content(tmp_path):
    feed = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Łódź Evening</title>'
            '<entry><title type="html">Police &lt;em&gt;detain&lt;/em&gt; two</title><id>tag:lodz,2026:17</id>'
            '<link rel="self" href="https://lodz.example/api/17"/><link rel="alternate" href="https://lodz.example/17"/>'
            '<published>2026-03-26T00:30:00+02:00</published><updated>2026-03-27T08:00:00Z</updated>'
            '<summary>A short summary that is not the article.</summary>'
            f'<content type="html">&lt;p&gt;{PL}&lt;/p&gt;&lt;p&gt;Drugi &lt;b&gt;akapit&lt;/b&gt;.'
            '&lt;script&gt;track()&lt;/script&gt;&lt;/p&gt;</content></entry></feed>')
    article = read_one(write(tmp_path / "evening.atom", feed))
    assert isinstance(article, Article), article
    assert article.body == f"{PL}\nDrugi akapit."  # the content, not the summary; no script text
    assert (article.title, article.url, article.outlet) == ("Police detain two", "https://lodz.example/17", "Łódź Evening")
    assert article.date == "2026-03-26"  # the day as published there, not in UTC
    assert article.path == f"{tmp_path / 'evening.atom'} (item 1)"


def test_rss_item_with_a_malformed_date_is_kept_undated(tmp_path, caplog):
    import hashlib

    path = write(tmp_path / "wire.rss", rss(
        f"<item><title>Blockade</title><guid>wire-0042</guid><pubDate>Thu, 31 Feb 2026 10:00:00 +0000</pubDate>"
        f"<description>{EN}</description></item>",
        f"<item><link>https://wire.example/2</link><pubDate>Fri, 27 Mar 2026 23:50:00 -0500</pubDate>"
        f"<description>{CS}</description><content:encoded><![CDATA[<p>{DE}</p>]]></content:encoded></item>"))
    with caplog.at_level(logging.WARNING):
        first, second = read(path)
    assert (first.body, first.title, first.date, first.outlet) == (EN, "Blockade", None, "Border Wire")
    assert "31 Feb" in caplog.text
    assert first.doc_id == "wire-" + hashlib.sha1(b"wire-0042").hexdigest()[:12]  # ids of stored articles
    assert second.doc_id == "wire-" + hashlib.sha1(b"https://wire.example/2").hexdigest()[:12]
    assert (second.body, second.date, second.url) == (DE, "2026-03-27", "https://wire.example/2")


def test_headline_only_item_is_one_error_and_the_rest_is_read(tmp_path):
    path = write(tmp_path / "wire.rss", rss(f"<item><description>{EN}</description></item>",
                                            "<item><title>Strike called off</title></item>",
                                            f"<item><description>{RU}</description></item>"))
    first, error, third = read(path)
    assert (first.body, third.body) == (EN, RU)
    assert isinstance(error, InputError) and error.path == f"{path} (item 2)"
    assert "no text" in error.problem and "HTML" in error.fix


@pytest.mark.parametrize("data, problem", [
    ('<?xml version="1.0"?><html><body><p>Police detained two men.</p></body></html>', "no RSS <item>"),
    (HTML.format(charset="utf-8", p1=PL, p2=PL), "not a well-formed feed"),
    ("Police detained two men.", "not a well-formed feed"),
    ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "never closed>', "not a well-formed feed"),
])
def test_a_file_that_is_not_a_feed(tmp_path, data, problem):
    error = read_one(write(tmp_path / "news.xml", data))
    assert isinstance(error, InputError) and problem in error.problem and "RSS" in error.fix


def test_external_entities_and_dtds_are_never_read(tmp_path, monkeypatch):
    import socket

    def no_network(*args):
        raise AssertionError("the feed reader opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    secret = write(tmp_path / "secret.txt", "TOP-SECRET-LINE")
    head = (f'<!DOCTYPE rss SYSTEM "file://{secret}" [\n<!ENTITY leak SYSTEM "file://{secret}">'
            f'<!ENTITY remote SYSTEM "http://127.0.0.1:9/x"><!ENTITY % pe SYSTEM "file://{secret}"> %pe;]>')
    item = f"<item><title>&leak;</title><description>{EN} &leak; &remote;</description></item>"
    for name, feed in (("multi-line.rss", rss(item, head=head)), ("one-line.rss", rss(item, head=head.replace("\n", ""))),
                       ("dtd-only.rss", rss(f"<item><description>{EN}</description></item>",
                                            head=f'<!DOCTYPE rss SYSTEM "file://{secret}">'))):
        (article,) = read(write(tmp_path / name, feed))
        assert isinstance(article, Article), article
        assert EN in article.body
        assert "TOP-SECRET" not in repr(article), name


def test_billion_laughs_do_not_expand(tmp_path):
    entities = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    feed = rss(f"<item><title>&l9;</title><description>{EN} &l9;</description></item>",
               head=f'<!DOCTYPE rss [<!ENTITY l0 "lol">{entities}]>')
    (article,) = read(write(tmp_path / "laughs.rss", feed))
    assert EN in article.body and len(article.body) < 2 * len(EN) and "lollol" not in repr(article)


def test_utf16_feed_is_read_and_its_doctype_dropped(tmp_path):
    feed = rss(f"<item><title>Kyiv</title><description>{UK} &x;</description></item>",
               head='<!DOCTYPE rss [<!ENTITY x "&#x26;x;&#x26;x;">]>').replace("utf-8", "utf-16")
    (article,) = read(write(tmp_path / "kyiv.rss", feed.encode("utf-16")))
    assert isinstance(article, Article), article
    assert (article.title, article.outlet) == ("Kyiv", "Border Wire")
    assert article.body.startswith(UK) and "&x&x" not in article.body  # the reference is left as it is
