"""A throw-away PostgreSQL server for the tests: initdb into a temporary folder, started with
pg_ctl on a free port, stopped at the end. `.ci/run` installs the Debian package; set
KRONIKA_TEST_PG_URL to use a server of your own instead."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time


def _binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return found[0] if found else shutil.which(name)


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server's tools as the `postgres` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class TempPostgres:
    """`root`: keep the server's files in that folder and use them again (the benchmarks' stores)."""

    def __init__(self, root: str | None = None):
        self.root = root
        self.dir = None
        self.port = None

    def start(self) -> str:
        url = os.environ.get("KRONIKA_TEST_PG_URL")
        if url:
            return url
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL is not installed (initdb/pg_ctl not found): run `bash .ci/run`, "
                               "which installs it, or `apt-get install postgresql`, or set KRONIKA_TEST_PG_URL")
        if self.root:
            os.makedirs(self.root, exist_ok=True)
        self.dir = self.root or tempfile.mkdtemp(prefix="kronika-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        data = os.path.join(self.dir, "data")
        if not os.path.exists(os.path.join(data, "PG_VERSION")):
            subprocess.run(_as_postgres([initdb, "-D", data, "-A", "trust", "-U", "kronika", "--no-sync", "-E", "UTF8"]),
                           check=True, capture_output=True)
        subprocess.run(_as_postgres([pg_ctl, "-D", data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                                     f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                                     "start"]), check=True, capture_output=True)
        return f"postgresql://kronika@127.0.0.1:{self.port}/postgres"

    def new_database(self, base_url: str, name: str) -> str:
        import sqlalchemy as sa

        engine = sa.create_engine(base_url.replace("postgresql://", "postgresql+psycopg2://"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
        return base_url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        if self.dir:
            subprocess.run(_as_postgres([_binary("pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m",
                                         "fast" if self.root else "immediate",
                                         "stop"]), capture_output=True)
            time.sleep(0.2)
            if not self.root:
                shutil.rmtree(self.dir, ignore_errors=True)
