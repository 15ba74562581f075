"""The production server, as `make serve` runs it (gunicorn with project/gunicorn.conf.py, debug
off), on the test database: for the tests that must talk to it over real sockets."""

import contextlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2


def _free_port() -> int:
    """A port free on loopback, chosen by the operating system: tests running in parallel
    (pytest-xdist's workers) never pick the same one, as they could scanning a fixed range."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(NamedTuple):
    port: int
    log: Path  # its standard error: what to read when a test fails

    def errors(self) -> str:
        return "\n".join(line for line in self.log.read_text().splitlines() if "ERROR" in line)


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, dict, float]:
    """GET path on a new connection: (status, headers, seconds taken)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, dict(response.getheaders()), time.monotonic() - started
    finally:
        conn.close()


def _database_url(tmp_path: Path) -> str:
    """The test database when it is PostgreSQL (one the server can reach); on SQLite an empty
    file, as the server cannot share an in-memory database (only /robots.txt is asked for)."""
    settings = connection.settings_dict
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    login = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{login}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@contextlib.contextmanager
def production_server(tmp_path: Path, application: str = "project.wsgi", **extra_env):
    """`make serve`'s gunicorn serving `application`, with two workers unless told otherwise
    (`WEB_CONCURRENCY="3"`), the default per-process page cache, until the block ends."""
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(tmp_path),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(WORKERS),
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    for name in (
        "DJANGO_STATIC_MANIFEST",
        "DJANGO_DB_POOL",
        "DJANGO_HTTPS_PROXY",
        "CACHE_URL",
        "PAGE_CACHE_SECONDS",
    ):
        env.pop(name, None)
    env.update(extra_env)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--config", "project/gunicorn.conf.py", application],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(port, "/robots.txt")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the production server did not start")
            time.sleep(0.2)
        yield Server(port, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
