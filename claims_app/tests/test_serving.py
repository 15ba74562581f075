"""The production server, as `make serve` runs it (gunicorn with project/gunicorn.conf.py): clients
that trickle their requests, or read their answers slowly, hold up no other reader, and no
answer names the server software."""

import importlib.util
import socket
import time

import pytest
from django.db import connection

from claims_app.models import Source

from . import serving
from .factories import StatementFactory

ROOT = serving.ROOT
WORKERS = serving.WORKERS
POOL = 4  # connections a worker may hold: DJANGO_DB_POOL, as project/gunicorn.conf.py sets it

_spec = importlib.util.spec_from_file_location("slow_clients", ROOT / "bench" / "slow_clients.py")
slow_clients = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(slow_clients)


# On one worker: the server the module shares starts once, not once on each worker.
pytestmark = pytest.mark.xdist_group("production-server")


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    with serving.production_server(tmp_path_factory.mktemp("serve")) as server:
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
            status, _, seconds = serving.get(server.port, path, timeout=5)
            assert status == 200, (path, server.errors())
            assert seconds < 3, (path, seconds)
        # Still trickling (each dropped at the 2 s header deadline is opened again at once):
        # the readers were served while 20 slow requests were under way, all along.
        assert trickle.open_count() == 20
    finally:
        trickle.stop()
    if connection.vendor == "postgresql":
        # Each request's connection went back to its worker's pool: none was left behind.
        with django_db_blocker.unblock():
            assert _server_connections() <= WORKERS * POOL


def test_no_answer_names_the_server_software(server):
    for path, status in [("/robots.txt", 200), ("/no/such/page/", 404)]:
        answer_status, headers, _ = serving.get(server.port, path)
        assert answer_status == status
        assert not any(name.lower() == "server" for name in headers), headers


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the connection pool is PostgreSQL's")
def test_a_client_slow_to_read_a_long_page_keeps_no_database_connection(transactional_db, tmp_path):
    source = StatementFactory().passage.source
    Source.objects.filter(pk=source.pk).update(text=source.text + " more words" * 600_000)
    # One worker, one connection in its pool: if the slow reader's request kept it while its
    # answer (7 MB, more than the sockets' buffers hold) waits to be read, nobody else could ask
    # the database anything.
    with serving.production_server(tmp_path, WEB_CONCURRENCY="1", DJANGO_DB_POOL="1") as server:
        reader = socket.socket()
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.connect(("127.0.0.1", server.port))
        reader.sendall(f"GET /sources/{source.slug}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        try:
            assert reader.recv(4096).startswith(b"HTTP/1.1 200")  # its answer is under way
            status, _, seconds = serving.get(server.port, "/claims/", timeout=10)
            assert status == 200, server.errors()
            assert seconds < 5
        finally:
            reader.close()
