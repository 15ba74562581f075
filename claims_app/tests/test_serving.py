"""The production server, as `make serve` runs it (gunicorn with project/gunicorn.conf.py): clients
that trickle their requests, or read their answers slowly, hold up no other reader, and no
answer names the server software."""

import contextlib
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

from claims_app.models import Source

from .factories import StatementFactory

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


def _database_url(tmp_path: Path) -> str:
    """The test database when it is PostgreSQL (one the server can reach); on SQLite an empty
    file, as the server cannot share an in-memory database (only /robots.txt is asked for)."""
    settings = connection.settings_dict
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    login = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{login}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@contextlib.contextmanager
def _serving(tmp_path: Path, **extra_env):
    """`make serve`'s gunicorn, with two workers unless told otherwise, until the block ends."""
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
    for name in ("DJANGO_STATIC_MANIFEST", "DJANGO_DB_POOL", "DJANGO_HTTPS_PROXY"):
        env.pop(name, None)
    env.update(extra_env)
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


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    with _serving(tmp_path_factory.mktemp("serve")) as server:
        yield server


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the connection pool is PostgreSQL's")
def test_a_client_slow_to_read_a_long_page_keeps_no_database_connection(transactional_db, tmp_path):
    source = StatementFactory().passage.source
    Source.objects.filter(pk=source.pk).update(text=source.text + " more words" * 600_000)
    # One worker, one connection in its pool: if the slow reader's request kept it while its
    # answer (7 MB, more than the sockets' buffers hold) waits to be read, nobody else could ask
    # the database anything.
    with _serving(tmp_path, WEB_CONCURRENCY="1", DJANGO_DB_POOL="1") as server:
        reader = socket.socket()
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.connect(("127.0.0.1", server.port))
        reader.sendall(f"GET /sources/{source.slug}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        try:
            assert reader.recv(4096).startswith(b"HTTP/1.1 200")  # its answer is under way
            status, _, seconds = _get(server.port, "/claims/", timeout=10)
            assert status == 200, server.errors()
            assert seconds < 5
        finally:
            reader.close()
