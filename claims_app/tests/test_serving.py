"""The production server, as `make serve` runs it (gunicorn with project/gunicorn.conf.py): clients
that trickle their requests hold up no other reader, and no answer names the server software."""

import http.client
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
POOL = 4  # connections a worker may hold: DJANGO_DB_POOL, as project/gunicorn.conf.py sets it

_spec = importlib.util.spec_from_file_location("slow_clients", ROOT / "bench" / "slow_clients.py")
slow_clients = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(slow_clients)


def _free_port() -> int:
    """A free port in 8200-8299, the range this project's tests may serve on."""
    for port in range(8200, 8300):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8200-8299")


class Server(NamedTuple):
    port: int
    log: Path  # its standard error: what to read when a test fails

    def errors(self) -> str:
        return "\n".join(line for line in self.log.read_text().splitlines() if "ERROR" in line)


def _get(port: int, path: str, timeout: float = 5.0) -> tuple[int, dict, float]:
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


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """`make serve`'s gunicorn, with two workers, on the test database when it is PostgreSQL
    (one the server can reach); on SQLite, on an empty file (only /robots.txt is asked for)."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        login = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        database_url = (
            f"postgres://{login}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
        )
    else:
        database_url = f"sqlite:///{tmp_path_factory.mktemp('serve') / 'empty.sqlite3'}"
    port = _free_port()
    log = tmp_path_factory.mktemp("serve-log") / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(WORKERS),
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    for name in ("DJANGO_STATIC_MANIFEST", "DJANGO_DB_POOL", "DJANGO_HTTPS_PROXY"):
        env.pop(name, None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--config", "project/gunicorn.conf.py", "project.wsgi"],
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
                if _get(port, "/robots.txt")[0] == 200:
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


def _server_connections() -> int:
    """Connections the server holds to the test database (PostgreSQL), this test's aside."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


def test_readers_are_answered_while_clients_trickle_their_requests(server, django_db_blocker):
    # 20 connections, ten for each worker, each sending its headers a byte a second for ever:
    # more than a worker that reads one request at a time could ever wait out.
    trickle = slow_clients.Trickle("127.0.0.1", server.port, count=20)
    trickle.start()
    try:
        time.sleep(2)  # every one connected, and started its request
        assert trickle.open_count() == 20
        paths = ["/robots.txt"]
        if connection.vendor == "postgresql":
            paths += ["/", "/claims/", "/claims.json"]  # pages that ask the database
        for path in paths * 3:
            status, _, seconds = _get(server.port, path, timeout=5)
            assert status == 200, (path, server.errors())
            assert seconds < 3, (path, seconds)
        assert trickle.open_count() == 20  # served alongside them, not by dropping them
    finally:
        trickle.stop()
    if connection.vendor == "postgresql":
        # Each request's connection went back to its worker's pool: none was left behind.
        with django_db_blocker.unblock():
            assert _server_connections() <= WORKERS * POOL


def test_no_answer_names_the_server_software(server):
    for path, status in [("/robots.txt", 200), ("/no/such/page/", 404)]:
        answer_status, headers, _ = _get(server.port, path)
        assert answer_status == status
        assert not any(name.lower() == "server" for name in headers), headers
