"""Hostile inputs for the readers (issue 13): every bad record is one clean error line naming it, the
other records are read, every stream is bounded, and the command line exits 1.

The hostile files are made here: JSON nested 100,000 deep, lone surrogates, NUL bytes, WARC archives
cut at every 50th byte or lying about their lengths, decompression bombs (.gz, .zst), FIFOs, symlink
loops and file names that try to forge output lines. The heavy cases run in a child process whose
peak memory must stay under 1.5 GB. A property-based pass (hypothesis) feeds the readers arbitrary
bytes in every format.
"""
from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import signal
import subprocess
import sys
import zlib
from dataclasses import astuple
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kronika.errors import InputError
from kronika.readers import read_inputs, read_jsonl
from kronika.records import Article
from kronika.scale import MAX_SHARDS_PER_FILE, make_shards, shard_items

MEMORY_LIMIT_KB = 1_500_000  # 1.5 GB, what any hostile input may cost a reading process
SMALL = 1_000_000  # --max-bytes for the bombs: the compressed limit is then 50 MB, quick to reach
PAGES = {
    "https://example.org/osh": "Police detained 40 protesters in Osh on Tuesday after clashes outside the city "
                               "hall, the interior ministry said.",
    "https://example.org/kyiv": "Russian drones struck an energy facility in Kyiv overnight, the city's military "
                                "administration said on Sunday.",
    "https://example.org/lodz": "Policja zatrzymała w środę dwóch mężczyzn przed urzędem w Łodzi. Świadkowie "
                                "mówią, że protest trwał do wieczora.",
}
GOOD = json.dumps({"text": "Police detained two men outside the town hall on Wednesday."})


def read(*paths, **kwargs) -> list[Article | InputError]:
    return list(read_inputs([str(p) for p in paths], **kwargs))


def split(items) -> tuple[list[Article], list[InputError]]:
    for item in items:
        assert isinstance(item, (Article, InputError)), item
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, InputError)]


def assert_clean(items) -> None:
    """Only articles and errors; every text writable as UTF-8; every error message one line."""
    articles, errors = split(items)
    for article in articles:
        for value in astuple(article):
            if isinstance(value, str):
                value.encode("utf-8")  # no lone surrogate survives into an article
        assert isinstance(article.body, str) and article.body
        assert "\n" not in article.path and "\r" not in article.path
    for error in errors:
        line = str(error)
        line.encode("utf-8")
        assert not re.search(r"[\x00-\x1f\x7f\u2028\u2029]", line), line


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail instead of hanging (a FIFO opened for reading waits for a writer forever)."""
    def expired(signum, frame):
        raise TimeoutError(f"still reading after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- JSON Lines: one bad line is one error, the rest is read -----------------------------------------

def test_one_bad_jsonl_line_is_one_error_and_the_rest_is_read(tmp_path):
    lines = [
        GOOD,
        "[" * 100_000 + "]" * 100_000,  # a RecursionError in json, unchecked
        '{"text": "Police ' + '{"a": ' * 5000 + "1" + "}" * 5000 + '}',  # deep only in appearance: a string
        '{"text": "deep", "meta": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}",
        '{"text": "Police\\ud800 detained", "title": "\\udfff", "source": "\\udc80PAP", "id": "x\\ud83d"}',
        '{"text": "Police \x00 detained two men."}',
        '{"text": "n", "n": ' + "1" * 5000 + "}",  # a number Python will not convert
        GOOD,
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n")
    items = read(path)
    assert_clean(items)
    articles, errors = split(items)
    assert [a.path for a in articles] == [f"{path}:1", f"{path}:5", f"{path}:8"]
    assert [e.path for e in errors] == [f"{path}:{n}" for n in (2, 3, 4, 6, 7)]
    assert "over 100 deep" in errors[0].problem and "over 100 deep" in errors[2].problem
    assert "NUL" in errors[3].problem
    surrogates = articles[1]
    assert (surrogates.body, surrogates.title, surrogates.outlet, surrogates.doc_id) == (
        "Police\ufffd detained", "\ufffd", "\ufffdPAP", "x\ufffd")
    json.dumps([astuple(a) for a in articles], ensure_ascii=False).encode("utf-8")  # what outputs and stores do


def test_a_shard_of_a_jsonl_file_reports_its_own_bad_line(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join([GOOD, "[" * 100_000, GOOD]) + "\n", encoding="utf-8")
    articles, errors = split(list(read_jsonl(str(path), first=1, last=2)))
    assert not articles and [e.path for e in errors] == [f"{path}:2"]


def test_many_lines_that_are_not_records_end_the_file_with_one_error(tmp_path):
    path = tmp_path / "empty-objects.jsonl.gz"
    path.write_bytes(gzip.compress(b"{}\n" * 5000 + (GOOD + "\n").encode()))
    articles, errors = split(read(path))
    assert not articles and len(errors) == 1001
    assert "1,000 of the 1,000 lines" in errors[-1].problem and errors[-1].path == str(path)


# -- WARC: every cut point reported, lying lengths contained -----------------------------------------

def warc_records(gz: bool) -> list[bytes]:
    """Three response records, each as written by warcio (a gzip member each when `gz`)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    records = []
    for url, text in PAGES.items():
        buf = io.BytesIO()
        writer = WARCWriter(buf, gzip=gz)
        html = f"<html lang='en'><body><article><h1>News</h1><p>{text}</p><p>More later.</p></article></body></html>"
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()),
                                                      http_headers=headers))
        records.append(buf.getvalue())
    return records


def _urls(articles) -> list[str]:
    return [a.url for a in articles]


@pytest.mark.parametrize("kind", ["plain", "gzip", "whole-gzip"])
def test_a_warc_cut_anywhere_is_reported(tmp_path, kind):
    """Every 50th byte: the records before the cut are read, and the cut is one error line (only a
    cut exactly between records cannot be seen)."""
    records = warc_records(gz=kind == "gzip")
    data = b"".join(records) if kind != "whole-gzip" else gzip.compress(b"".join(records))
    ends = [sum(map(len, records[:i + 1])) for i in range(len(records))] if kind != "whole-gzip" else [len(data)]
    path = tmp_path / ("cut.warc" if kind == "plain" else "cut.warc.gz")
    before = 0
    for cut in range(0, len(data), 50):
        path.write_bytes(data[:cut])
        items = read(path)
        assert_clean(items)
        articles, errors = split(items)
        whole = sum(end <= cut for end in ends) if kind != "whole-gzip" else before
        assert whole <= len(articles) <= whole + 1, (cut, items)  # +1: the cut fell in a record's last bytes
        assert _urls(articles) == list(PAGES)[:len(articles)]
        assert len(errors) == (0 if cut in ends else 1), (cut, [str(e) for e in errors])
        before = len(articles)
    path.write_bytes(data)
    articles, errors = split(read(path))
    assert _urls(articles) == list(PAGES) and not errors


def _lie(record: bytes, length: int) -> bytes:
    return re.sub(rb"Content-Length: \d+", f"Content-Length: {length}".encode(), record, count=1)


def _member(record: bytes) -> bytes:
    return gzip.compress(record)


def _header_bomb_member(size: int) -> bytes:
    """One gzip member holding a record whose header line is `size` bytes long (1 GB in 4.7 MB)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    parts = [packer.compress(b"WARC/1.0\r\nWARC-Type: response\r\nX-Padding: ")]
    block = b"a" * (1 << 20)
    parts += [packer.compress(block) for _ in range(size >> 20)]
    parts += [packer.compress(b"\r\nContent-Length: 0\r\n\r\n\r\n\r\n"), packer.flush()]
    return b"".join(parts)


def _hostile_warcs() -> dict[str, bytes]:
    one, two, three = warc_records(gz=False)
    return {
        "lies-1gb.warc": one + _lie(two, 1_000_000_000) + three,
        "lies-5k.warc": one + _lie(two, 5000) + three,
        "lies-short.warc": one + _lie(two, 100) + three,
        "lies-1gb.warc.gz": _member(one) + _member(_lie(two, 1_000_000_000)) + _member(three),
        "lies-5k.warc.gz": _member(one) + _member(_lie(two, 5000)) + _member(three),
        "lies-whole.warc.gz": gzip.compress(one + _lie(two, 5000) + three),
        "no-length.warc": one + two.replace(b"Content-Length", b"Content-Lost") + three,
        "long-header.warc": one + b"WARC/1.0\r\nX-Padding: " + b"a" * 300_000 + b"\r\n\r\n" + three,
        "many-headers.warc": one + b"WARC/1.0\r\n" + b"X-A: b\r\n" * 50_000 + b"\r\n" + three,
        "junk-between.warc.gz": _member(one) + b"JUNK" * 100 + _member(three),
        "damaged-member.warc.gz": (_member(one) + _member(two)[:30] + b"\xff" * 40 + _member(two)[70:]
                                   + _member(three)),
    }


@pytest.mark.parametrize("name", list(_hostile_warcs()))
def test_a_bad_warc_record_is_one_error_and_the_next_records_are_read(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(_hostile_warcs()[name])
    items = read(path)
    assert_clean(items)
    articles, errors = split(items)
    assert _urls(articles) == ["https://example.org/osh", "https://example.org/lodz"], items
    assert len(errors) == 1, [str(e) for e in errors]
    assert errors[0].path.startswith(f"{path}#record 2") or name.startswith("junk")


@pytest.mark.parametrize("name", ["first.warc", "first.warc.gz"])
def test_a_warc_cut_inside_its_first_headers_is_one_error(tmp_path, name):
    """(warcio raised AttributeError here.)"""
    path = tmp_path / name
    record = warc_records(gz=False)[0]
    path.write_bytes(_member(record)[:60] if name.endswith(".gz") else record[:60])
    (error,) = read(path)
    assert isinstance(error, InputError) and "truncated" in error.problem
    assert error.path in (str(path), f"{path}#record 1")  # gzip: no byte of the record came out yet


def test_a_file_that_is_not_a_warc_is_one_error(tmp_path):
    path = tmp_path / "page.warc"
    path.write_bytes(b"<html><body>not an archive</body></html>\n" * 100)
    (error,) = read(path)
    assert isinstance(error, InputError) and "not a WARC file" in error.problem


def test_warc_pages_in_transfer_and_content_encodings(tmp_path):
    text = next(iter(PAGES.values()))
    html = f"<html><body><article><p>{text}</p><p>More later.</p></article></body></html>".encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(html[i:i + 50]), html[i:i + 50]) for i in range(0, len(html), 50))
    bodies = {"chunked": (b"Transfer-Encoding: chunked\r\n", chunked + b"0\r\n\r\n"),
              "gzip": (b"Content-Encoding: gzip\r\n", gzip.compress(html)),
              "bomb": (b"Content-Encoding: gzip\r\n", gzip.compress(b"<p>" + b" " * 50_000_000))}
    records = b""
    for name, (header, body) in bodies.items():
        block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + header + b"\r\n" + body
        records += (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://example.org/%s\r\n"
                    b"Content-Length: %d\r\n\r\n%s\r\n\r\n" % (name.encode(), len(block), block))
    path = tmp_path / "encodings.warc"
    path.write_bytes(records)
    articles, errors = split(read(path, max_bytes=10_000_000))
    assert [a.url for a in articles] == ["https://example.org/chunked", "https://example.org/gzip"]
    assert all(text in a.body for a in articles)
    assert len(errors) == 1 and "uncompressed" in errors[0].problem


# -- bounds on every stream (heavy: in a child process, memory measured) -----------------------------

_CHILD = """
import json, re, resource, sys
from kronika.readers import read_inputs
from kronika.errors import InputError
from kronika.scale import make_shards
max_bytes, paths = int(sys.argv[1]), sys.argv[2:]
found = {}
for path in paths:
    articles, errors = 0, []
    for item in read_inputs([path], max_bytes=max_bytes):
        if isinstance(item, InputError):
            errors.append(str(item))
        else:
            articles += 1
    found[path] = {"articles": articles, "errors": errors[:2] + errors[-1:], "n_errors": len(errors),
                   "shards": len(make_shards([path], max_bytes=max_bytes))}
try:  # this process's own peak: ru_maxrss of a child counts its parent's memory from before the exec
    peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"found": found, "maxrss_kb": peak}))
"""


def _in_child(max_bytes: int, paths, timeout: int = 120) -> dict:
    run = subprocess.run([sys.executable, "-c", _CHILD, str(max_bytes), *map(str, paths)], capture_output=True,
                         text=True, timeout=timeout, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def make_bombs(folder: Path) -> dict[str, Path]:
    """Small files that expand to 2 GB: newlines, one endless line, `{}` lines (gzip and zstd)."""
    import zstandard

    bombs = {}
    member = gzip.compress(b"\n" * (10 << 20))
    bombs["newlines.jsonl.gz"] = b"".join([member] * 200)
    for name, unit in (("newlines.jsonl.zst", b"\n"), ("one-line.jsonl.zst", b"a"), ("objects.ndjson.zst", b"{}\n")):
        packer = zstandard.ZstdCompressor(level=1).compressobj()
        block = (unit * ((1 << 20) // len(unit) + 1))[:(1 << 20) // len(unit) * len(unit)]
        bombs[name] = b"".join([packer.compress(block) for _ in range(2048)] + [packer.flush()])
    paths = {}
    for name, data in bombs.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


def test_decompression_bombs_end_with_one_error_in_bounded_memory(tmp_path):
    bombs = make_bombs(tmp_path)
    result = _in_child(SMALL, bombs.values())
    assert result["maxrss_kb"] < MEMORY_LIMIT_KB
    for name, path in bombs.items():
        found = result["found"][str(path)]
        assert found["articles"] == 0 and 1 <= found["n_errors"] <= 1001, (name, found)
        assert found["errors"][-1].startswith(f"{path}"), found
        assert 1 <= found["shards"] <= MAX_SHARDS_PER_FILE
    assert "expands to over 50 MB" in result["found"][str(bombs["newlines.jsonl.gz"])]["errors"][-1]


def test_warc_header_bombs_are_one_error_in_bounded_memory(tmp_path):
    one, _, three = warc_records(gz=False)
    gz = tmp_path / "header-bomb.warc.gz"
    gz.write_bytes(_member(one) + _header_bomb_member(1 << 30) + _member(three))  # a 1 GB line, 4.7 MB on disk
    plain = tmp_path / "header-bomb.warc"
    with plain.open("wb") as f:
        f.write(one + b"WARC/1.0\r\nX-Padding: ")
        for _ in range(200):
            f.write(b"a" * (1 << 20))
        f.write(b"\r\n\r\n" + three)
    result = _in_child(20_000_000, [gz, plain])
    assert result["maxrss_kb"] < MEMORY_LIMIT_KB
    for path in (gz, plain):
        found = result["found"][str(path)]
        assert found["articles"] == 2 and found["n_errors"] == 1, found
        assert "header line" in found["errors"][0] and f"{path}#record 2" in found["errors"][0]


def test_shards_of_bombs_are_few_and_the_last_one_reports_the_bomb(tmp_path):
    bombs = make_bombs(tmp_path)
    (blank,) = make_shards([str(bombs["newlines.jsonl.gz"])], max_bytes=SMALL)  # no records: one shard
    assert blank.lines == (0, None)
    (error,) = list(shard_items(blank, SMALL))
    assert isinstance(error, InputError) and "expands to over 50 MB" in error.problem
    shards = make_shards([str(bombs["objects.ndjson.zst"])], lines_per_shard=200, max_bytes=SMALL)
    assert 1 < len(shards) <= MAX_SHARDS_PER_FILE and shards[-1].lines[1] is None
    assert [s.lines[0] for s in shards] == sorted({s.lines[0] for s in shards}) and shards[0].lines[0] == 0
    assert all(a.lines[1] == b.lines[0] for a, b in pairwise(shards))
    first = list(shard_items(shards[0], SMALL))
    assert len(first) == 1001 and "the rest of the file is not read" in first[-1].problem


def test_shard_ids_of_a_normal_file_do_not_change(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text((GOOD + "\n") * 450, encoding="utf-8")
    shards = make_shards([str(path)], lines_per_shard=200)
    assert [s.lines for s in shards] == [(0, 200), (200, 400), (400, None)]
    assert len({s.id for s in shards}) == 3 and shards == make_shards([str(path)], lines_per_shard=200)
    assert sum(isinstance(i, Article) for s in shards for i in shard_items(s, 20_000_000)) == 450
    path.write_text("\n\n" + (GOOD + "\n\n") * 5, encoding="utf-8")  # blank lines: shards of records
    shards = make_shards([str(path)], lines_per_shard=2)
    assert [s.lines for s in shards] == [(0, 6), (6, 10), (10, None)]
    assert [[a.path for a in shard_items(s, 20_000_000)] for s in shards] == [
        [f"{path}:3", f"{path}:5"], [f"{path}:7", f"{path}:9"], [f"{path}:11"]]


def test_multi_frame_zstd_is_read_whole(tmp_path):
    import zstandard

    path = tmp_path / "frames.jsonl.zst"
    packer = zstandard.ZstdCompressor()
    path.write_bytes(packer.compress((GOOD + "\n").encode()) * 3)  # zstd -T and pzstd write several frames
    assert len(split(read(path))[0]) == 3


# -- folders: regular files only; names that cannot forge lines --------------------------------------

def test_fifos_devices_and_symlink_loops_do_not_hang(tmp_path, caplog):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Police detained two men on Wednesday.", encoding="utf-8")
    os.mkfifo(folder / "x.txt")
    os.symlink("loop-b.txt", folder / "loop-a.txt")
    os.symlink("loop-a.txt", folder / "loop-b.txt")
    os.symlink(".", folder / "again")  # a folder link back to itself: not followed
    with deadline(20):
        in_folder = read(folder)
        named = read(folder / "x.txt", "/dev/zero")
    articles, errors = split(in_folder)
    assert [a.doc_id for a in articles] == ["good"]
    assert sorted(os.path.basename(e.path) for e in errors) == ["loop-a.txt", "loop-b.txt"]
    assert "FIFO" in caplog.text and "x.txt" in caplog.text
    fifo, device = named
    assert isinstance(fifo, InputError) and "FIFO" in fifo.problem and "- <" in fifo.fix
    assert isinstance(device, InputError) and "character device" in device.problem


def test_odd_file_names_are_shown_escaped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    forged = "empty\nkronika: 0 articles, 0 events, 0 failed inputs\x1b[2K.txt"
    (folder / forged).write_bytes(b"")
    os.mkfifo(folder / "fifo\n.txt")
    latin = os.fsencode(folder) + b"/Mi\xeaso.txt"  # a name that is not UTF-8
    with open(latin, "wb") as f:
        f.write(b"Police detained two men on Wednesday.")
    with deadline(20):
        items = read(folder)
    assert_clean(items)
    articles, errors = split(items)
    assert len(articles) == 1 and articles[0].path.endswith("Mi\\udceaso.txt")
    (error,) = errors
    assert error.path == str(folder / forged)
    assert str(error).startswith(f"{folder}/empty\\nkronika: 0 articles, 0 events, 0 failed inputs\\x1b[2K.txt: ")


# -- the command line: exit 1, one line per bad input, bounded memory --------------------------------

_MEASURED = ("import json, resource, subprocess, sys; run = subprocess.run(sys.argv[1:], capture_output=True); "
             "print(json.dumps({'rc': run.returncode, 'out': run.stdout.decode('utf-8', 'replace'), "
             "'err': run.stderr.decode('utf-8', 'replace'), "
             "'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")


def run_cli(*args, timeout: int = 300) -> dict:
    """`python -m kronika ...` in a child, with the peak memory of what it ran (measured by a small
    wrapper: a child's ru_maxrss would include the memory of the process it was forked from)."""
    run = subprocess.run([sys.executable, "-c", _MEASURED, sys.executable, "-m", "kronika", *map(str, args)],
                         capture_output=True, text=True, timeout=timeout, check=False)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def hostile_folder(folder: Path) -> int:
    """A folder of hostile inputs and six good articles among them; returns how many error lines it gives."""
    folder.mkdir()
    (folder / "good.txt").write_text("date 2022-01-06\n\nPolice detained two men outside the town hall in Osh "
                                     "on Wednesday, the interior ministry said.", encoding="utf-8")
    lines = [GOOD, "[" * 100_000, '{"text": "Protesters\\ud800 blocked the road.", "title": "\\udfff"}',
             '{"text": "Police \x00 detained two men."}']
    (folder / "records.jsonl").write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
    one, two, three = warc_records(gz=False)
    (folder / "lies.warc").write_bytes(one + _lie(two, 1_000_000_000) + three)
    (folder / "cut.warc.gz").write_bytes(_member(one) + _member(two)[:80])
    (folder / "first-cut.warc.gz").write_bytes(_member(one)[:60])
    (folder / "empty\nkronika: 9 articles, 9 events, 0 failed inputs.txt").write_bytes(b"")
    os.mkfifo(folder / "fifo.txt")
    (folder / "bombs").mkdir()
    bombs = make_bombs(folder / "bombs")
    (folder / "bombs" / "objects.ndjson.zst").unlink()  # its 1,000 error lines are tested above
    return 2 + 1 + 1 + 1 + 1 + len(bombs) - 1


def test_cli_reports_each_bad_input_on_one_line_and_exits_1(tmp_path):
    expected = hostile_folder(tmp_path / "in")
    result = run_cli("extract", tmp_path / "in", "--max-bytes", SMALL, "--format", "jsonl")
    assert result["rc"] == 1, result["err"]
    assert result["maxrss_kb"] < MEMORY_LIMIT_KB
    err = result["err"].splitlines()
    assert "Traceback" not in result["err"]
    assert len([line for line in err if line.startswith("kronika: error: ")]) == expected, result["err"]
    assert all(line.startswith("kronika: ") for line in err), err  # no line begun by a file name
    assert err[-1] == f"kronika: 6 articles, {err[-1].split()[3]} events, {expected} failed inputs", err[-1]
    for line in result["out"].splitlines():
        json.loads(line)


# -- property-based: arbitrary bytes never escape the readers ----------------------------------------

SUFFIXES = [".txt", ".jsonl", ".html", ".warc", ".rss", ".jsonl.gz", ".warc.gz", ".atom"]
_HYPOTHESIS = settings(max_examples=100, deadline=None, database=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _check_reading(folder: Path, name: str, data: bytes, **kwargs) -> None:
    path = folder / name
    path.write_bytes(data)
    with deadline(30):
        assert_clean(read(path, **kwargs))


@pytest.mark.parametrize("suffix", SUFFIXES)
@_HYPOTHESIS
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_never_escape(tmp_path, suffix, data):
    if suffix.endswith(".gz"):
        data = gzip.compress(data)[:len(data) % 97 + 10] if len(data) % 3 == 0 else gzip.compress(data)
    _check_reading(tmp_path, "fuzz" + suffix, data, max_bytes=2000)


_TEXTS = st.text(alphabet=st.one_of(st.characters(exclude_categories=()), st.sampled_from("\ud800\udfff\0\n\r{}[]\"")))
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | _TEXTS,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXTS, inner, max_size=4),
                     max_leaves=20)


@_HYPOTHESIS
@given(records=st.lists(st.fixed_dictionaries({"text": _TEXTS}, optional={"title": _JSON, "id": _JSON,
                                                                          "date": _JSON, "source": _TEXTS}),
                        max_size=6),
       ascii_only=st.booleans())
def test_arbitrary_json_records_never_escape(tmp_path, records, ascii_only):
    data = "\n".join(json.dumps(r, ensure_ascii=ascii_only) for r in records)
    _check_reading(tmp_path, "records.jsonl", data.encode("utf-8", "surrogatepass"))


_WARC = b"".join(warc_records(gz=False))
_WARC_GZ = b"".join(warc_records(gz=True))


@_HYPOTHESIS
@given(gz=st.booleans(), edits=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 3), st.binary(max_size=8)),
                                        min_size=1, max_size=4))
def test_damaged_warcs_never_escape(tmp_path, gz, edits):
    data = bytearray(_WARC_GZ if gz else _WARC)
    for at, how, patch in edits:
        at %= len(data) + 1
        if how == 0:
            data[at:at + len(patch)] = patch  # overwrite
        elif how == 1:
            data[at:at] = patch  # insert
        elif how == 2:
            del data[at:at + 1 + len(patch) * 20]  # cut out
        else:
            del data[at:]  # truncate
    _check_reading(tmp_path, "damaged.warc.gz" if gz else "damaged.warc", bytes(data))


# -- slow: the defaults, and the Dask workers -----------------------------------------------------------

@pytest.mark.slow
def test_bombs_at_the_default_limit_stay_bounded(tmp_path):
    bombs = make_bombs(tmp_path)
    result = _in_child(20_000_000, bombs.values(), timeout=600)
    assert result["maxrss_kb"] < MEMORY_LIMIT_KB
    for name, path in bombs.items():
        found = result["found"][str(path)]
        assert found["articles"] == 0 and found["n_errors"] >= 1, (name, found)


@pytest.mark.slow
@pytest.mark.dask
def test_cli_on_workers_reports_each_bad_input_and_stays_bounded(tmp_path):
    expected = hostile_folder(tmp_path / "in")
    (tmp_path / "in" / "fifo.txt").unlink()  # make_shards on the driver lists it like the folder reader
    result = run_cli("extract", tmp_path / "in", "--max-bytes", SMALL, "--format", "jsonl", "--workers", "2",
                     "--work-dir", tmp_path / "work", timeout=600)
    assert result["rc"] == 1, result["err"]
    assert result["maxrss_kb"] < MEMORY_LIMIT_KB
    assert "Traceback" not in result["err"]
    errors = [line for line in result["err"].splitlines() if line.startswith("kronika: error: ")]
    assert len(errors) == expected, result["err"]
