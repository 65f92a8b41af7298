"""The app on a free local port in a thread, for the page's tests, its benchmark and the README's
pictures."""
from __future__ import annotations

import socket
import threading
import time


def serve(app) -> tuple[str, callable]:
    """Start uvicorn with `app` on 127.0.0.1; returns its base URL and a function that stops it."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)

    def stop() -> None:
        srv.should_exit = True
        thread.join(timeout=10)
    return f"http://127.0.0.1:{port}", stop
