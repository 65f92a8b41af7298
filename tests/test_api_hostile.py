"""Hostile HTTP traffic against a real server: `kronika serve` in a subprocess on a free loopback
port, so bodies stream as they do from a client and the server's memory can be read from /proc.
Bodies far over the limits (with a Content-Length, chunked, without the token, four at once) are
refused before they are read; lone surrogates are not a 500; validation errors do not echo their
input; a store deleted while serving is a 503 with one line."""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from kronika.store import Store
from kronika.web.app import MAX_ARTICLE_BYTES, MAX_ERRORS, MAX_INGEST_BYTES, MAX_TEXT

HOST = "127.0.0.1"
TOKEN = "hostile-test-token"
MB = 1 << 20
HUGE = 200 * MB
GREW_MB = 50  # what one refused request, or four at once, may add to the server's memory
BLOCK = b"a" * MB

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads memory from /proc (Linux)")


class Server:
    """`kronika serve` over the store at `db` in a subprocess; its output goes to `log`."""

    def __init__(self, db: str, log: Path):
        self.log = log
        with socket.socket() as s:
            s.bind((HOST, 0))
            self.port = s.getsockname()[1]
        with log.open("wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "kronika", "serve", "--db", db, "--host", HOST,
                                          "--port", str(self.port), "--token", TOKEN], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"kronika serve exited with {self.proc.returncode}: {log.read_text()}")
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"kronika serve did not start in 60 s: {log.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kb(self, field: str) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} in /proc/{self.proc.pid}/status")

    @contextmanager
    def memory(self):
        """How many MB the server's resident memory rose above where it was, at its peak, while
        the block ran: the kernel's high-water mark, reset first ("5" to clear_refs), or else
        samples every 5 ms."""
        before = self.kb("VmRSS")
        grown = {}
        try:
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
            sampler = None
        except OSError:
            samples = [before]
            stop = threading.Event()

            def sample():
                while not stop.wait(0.005):
                    samples.append(self.kb("VmRSS"))
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        yield grown
        if sampler is None:
            peak = self.kb("VmHWM")
        else:
            stop.set()
            sampler.join()
            peak = max(samples)
        grown["mb"] = (peak - before) / 1024


def send(port: int, path: str, body=b"", *, headers: tuple[str, ...] = (), length: int | None = None,
         chunked: bool = False, method: str = "POST"):
    """One request over a plain socket, as a client that does not wait would send it: the body
    (bytes, or an iterable of bytes) goes out from a thread while the answer is read. Returns
    (status, headers, answer body, seconds to the answer, body bytes the server let in)."""
    parts = [body] if isinstance(body, bytes) else body
    sock = socket.create_connection((HOST, port), timeout=60)
    head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Content-Type: application/json", *headers]
    if chunked:
        head.append("Transfer-Encoding: chunked")
    elif length is not None or isinstance(body, bytes):
        head.append(f"Content-Length: {len(body) if length is None else length}")
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    sent = [0]

    def pump():
        try:
            for part in parts:
                sock.sendall(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
                sent[0] += len(part)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: the rest is not taken

    pumping = threading.Thread(target=pump, daemon=True)
    start = time.perf_counter()
    pumping.start()
    try:
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        data = answer.read()
        seconds = time.perf_counter() - start
        got = {k.lower(): v for k, v in answer.getheaders()}
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes the pump if it is still sending
        except OSError:
            pass
        pumping.join(timeout=30)
        sock.close()
    return answer.status, got, data, seconds, sent[0]


def huge_article(size: int = HUGE, *, batch: bool = False):
    """A JSON body of about `size` bytes, made as it is sent (1 MB at a time)."""
    yield b'{"articles": [{"text": "' if batch else b'{"text": "'
    for _ in range(size // MB):
        yield BLOCK
    yield b'"}]}' if batch else b'"}'


def chunks(size: int, each: int = 64 * 1024):
    block = b"b" * each
    yield b'{"text": "'
    for _ in range(size // each):
        yield block


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    db = str(folder / "hostile.db")
    Store(db)  # serving never makes a store
    srv = Server(db, folder / "server.log")
    yield srv
    srv.stop()
    assert "Traceback" not in srv.log.read_text(), srv.log.read_text()[-3000:]


AUTH = f"Authorization: Bearer {TOKEN}"


def test_ingest_without_the_token_is_refused_before_its_body(server):
    for headers in [(), ("Authorization: Bearer wrong",)]:
        with server.memory() as grew:
            status, got, data, seconds, sent = send(server.port, "/api/ingest", huge_article(batch=True), headers=headers,
                                                    length=HUGE + 20)
        assert status == 401 and json.loads(data) == {"detail": "a valid bearer token is needed to write"}
        assert got["www-authenticate"] == "Bearer" and got["connection"] == "close"
        assert seconds < 5 and sent < HUGE / 2, (seconds, sent)  # answered at the headers; the body not drained
        assert grew["mb"] < GREW_MB, grew
    with server.memory() as grew:  # without a Content-Length too
        status, _, _, _, sent = send(server.port, "/api/ingest", chunks(HUGE), chunked=True)
    assert status == 401 and sent < HUGE / 2 and grew["mb"] < GREW_MB


def test_oversized_extract_is_413_and_nothing_comes_back(server):
    with server.memory() as grew:
        status, got, data, seconds, sent = send(server.port, "/api/extract", huge_article(), length=HUGE + 12)
    assert status == 413 and got["connection"] == "close"
    detail = json.loads(data)["detail"]
    assert f"{MAX_ARTICLE_BYTES:,} bytes" in detail and "/api/extract" in detail and len(data) < 500
    assert seconds < 5 and sent < HUGE / 2 and grew["mb"] < GREW_MB, (seconds, sent, grew)


def test_a_chunked_body_is_cut_off_at_the_limit(server):
    with server.memory() as grew:
        status, got, data, _, sent = send(server.port, "/api/extract", chunks(HUGE), chunked=True)
    assert status == 413 and got["connection"] == "close" and "/api/extract" in json.loads(data)["detail"]
    assert b"bbbb" not in data
    assert sent < HUGE / 2 and grew["mb"] < GREW_MB, (sent, grew)
    # just over the limit, then the client stops and waits: the server counted what came in
    status, _, data, _, _ = send(server.port, "/api/extract", chunks(MAX_ARTICLE_BYTES + 128 * 1024), chunked=True)
    assert status == 413


def test_four_oversized_requests_at_once(server):
    results = []
    jobs = [("/api/ingest", huge_article(batch=True), ()), ("/api/ingest", huge_article(batch=True), ()),
            ("/api/extract", huge_article(), ()), ("/api/ingest", huge_article(batch=True), (AUTH,))]
    threads = [threading.Thread(target=lambda j=j: results.append(send(server.port, j[0], j[1], headers=j[2],
                                                                       length=HUGE + 20))) for j in jobs]
    with server.memory() as grew:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sorted(r[0] for r in results) == [401, 401, 413, 413]
    assert all(r[4] < HUGE / 2 for r in results) and grew["mb"] < GREW_MB, ([r[4] for r in results], grew)


@pytest.mark.slow
def test_four_chunked_batches_with_the_token_at_once(server):
    """The worst a writer can send: bodies the server must read up to the ingest limit."""
    results = []
    threads = [threading.Thread(target=lambda: results.append(send(server.port, "/api/ingest", chunks(HUGE),
                                                                   headers=(AUTH,), chunked=True))) for _ in range(4)]
    with server.memory() as grew:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert [r[0] for r in results] == [413] * 4
    assert grew["mb"] < 4 * 2 * MAX_INGEST_BYTES / MB + GREW_MB, grew  # a body and its joined copy, each


def test_lone_surrogates_are_replaced_not_a_500(server):
    text = "Police detained 12 protesters in Gda\\ud800sk on Thursday, police said \\udfff."
    status, _, data, _, _ = send(server.port, "/api/extract", f'{{"text": "{text}", "lang": "en", '
                                                              f'"title": "\\udc00"}}'.encode())
    assert status == 200 and "\ufffd" in data.decode("utf-8")
    assert json.loads(data)["events"][0]["evidence"]["sentence"].startswith("Police detained 12 protesters in Gda\ufffdsk")
    raw = b'{"text": "Police detained 5 protesters in Gda\xed\xa0\x80sk on Friday.", "lang": "en"}'  # as bytes
    assert send(server.port, "/api/extract", raw)[0] == 200
    batch = f'{{"articles": [{{"text": "{text}", "lang": "en", "title": "\\ud800", "date": "2026-03-05"}}]}}'
    status, _, data, _, _ = send(server.port, "/api/ingest", batch.encode(), headers=(AUTH,))
    assert status == 200 and json.loads(data)["stored"] == 1, data
    cluster = json.loads(send(server.port, "/api/events", method="GET")[2])["items"][0]["cluster_id"]
    mention = json.loads(send(server.port, f"/api/clusters/{cluster}", method="GET")[2])["mentions"][0]
    status, _, data, _, _ = send(server.port, f"/api/articles/{mention['article_id']}", method="GET")
    article = json.loads(data)
    assert status == 200 and article["title"] == "\ufffd" and "Gda\ufffdsk" in article["text"]
    for bad in [b'{"text": "x", "lang": "\\ud800"}', b'{"text": "\xff"}', b'{"text": "x", "date": "\\ud800"}']:
        status, _, data, _, _ = send(server.port, "/api/extract", bad)
        assert status in (400, 422) and b"\\ud800" not in data and "\n" not in data.decode(), data
    assert send(server.port, "/api/events?actor=%ED%A0%80", method="GET")[0] == 200


def test_validation_errors_do_not_echo_the_input(server):
    too_long = json.dumps({"text": "Z" * (MAX_TEXT + 1), "lang": "ZZZZ"}).encode()
    status, _, data, _, _ = send(server.port, "/api/extract", too_long)
    errors = json.loads(data)["detail"]
    assert status == 422 and b"ZZZ" not in data and len(data) < 1000
    assert all(set(e) == {"loc", "msg", "type"} for e in errors) and errors[0]["loc"] == ["body", "text"]
    status, _, data, _, _ = send(server.port, "/api/extract", b'{"text": "ZZZZZZZZ", ')
    assert status == 422 and json.loads(data)["detail"][0]["type"] == "json_invalid" and b"ZZZ" not in data
    many = json.dumps({"articles": [{"text": "", "lang": "ZZZ", "date": "ZZZ"}] * 50}).encode()
    status, _, data, _, _ = send(server.port, "/api/ingest", many, headers=(AUTH,))
    errors = json.loads(data)["detail"]
    assert status == 422 and len(errors) == MAX_ERRORS + 1 and errors[-1]["type"] == "too_many_errors"
    assert b"ZZZ" not in data


def _assert_unreachable(port: int, shown: str) -> None:
    batch = b'{"articles": [{"text": "Police detained 3 protesters."}]}'
    for method, path, body, headers in [("GET", "/api/stats", b"", ()), ("GET", "/api/events", b"", ()),
                                        ("GET", "/api/clusters/1", b"", ()), ("GET", "/api/articles/1", b"", ()),
                                        ("POST", "/api/ingest", batch, (AUTH,))]:
        status, _, data, _, _ = send(port, path, body, method=method, headers=headers)
        detail = json.loads(data)["detail"]
        where, _, cause = detail.partition(" cannot be reached: ")
        assert status == 503 and where.startswith("the store at ") and where.endswith(shown) and cause, (path, data)
        assert "\n" not in detail and "SELECT" not in detail and "[SQL" not in detail


def test_a_store_deleted_while_serving_is_a_503(tmp_path):
    db = tmp_path / "gone.db"
    Store(str(db))
    srv = Server(str(db), tmp_path / "server.log")
    try:
        assert send(srv.port, "/api/stats", method="GET")[0] == 200  # a pooled connection holds the file
        for f in tmp_path.glob("gone.db*"):
            f.unlink()
        _assert_unreachable(srv.port, str(db))
        assert not db.exists()  # serving made no empty store in its place
        Store(str(db))  # a store back at the path: served again
        assert send(srv.port, "/api/stats", method="GET")[0] == 200
    finally:
        srv.stop()
    assert "Traceback" not in srv.log.read_text(), srv.log.read_text()[-3000:]


@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_down_while_serving_is_a_503(tmp_path):
    from .pg import TempPostgres

    if os.environ.get("KRONIKA_TEST_PG_URL"):
        pytest.skip("stops the server it starts; KRONIKA_TEST_PG_URL names one this test must not stop")
    pg = TempPostgres()
    url = pg.start()
    try:
        Store(url)
        srv = Server(url, tmp_path / "server.log")
    except BaseException:
        pg.stop()
        raise
    try:
        assert send(srv.port, "/api/stats", method="GET")[0] == 200
        pg.stop()
        _assert_unreachable(srv.port, url.split("://", 1)[1])  # named with its driver, without a password
    finally:
        srv.stop()
        pg.stop()
    assert "Traceback" not in srv.log.read_text(), srv.log.read_text()[-3000:]
