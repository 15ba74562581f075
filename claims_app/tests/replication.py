"""A real PostgreSQL primary and a streaming read replica on this machine, for the tests of read
replicas and for `make loadtest` (LOADTEST_REPLICAS=1).

The service cluster (5432) accepts no replication connections, so both servers are made afresh,
each in a data directory of its own under one temporary folder: `initdb` for the primary,
`pg_basebackup -R` from it for the replica (which then streams the primary's WAL and replays it,
read-only). They listen on loopback only, on free ports, with their sockets in the temporary
folder; both are stopped and the folder removed when the block ends, whatever happened in it.

PostgreSQL refuses to run as root: as root the servers run as the `postgres` user (`runuser`),
which is why the folder is made under /tmp and given to that user (pytest's tmp_path is in a
directory only root may enter). Not as root, they run as whoever we are.

Only the standard library and psycopg: no Django, no pytest (bench/loadtest.py uses it too).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

SERVER_USER = "postgres"  # the operating system's user the servers run as, when we are root
DATABASE = "claims"
# Small and quick: these servers hold a few test rows (or a load test's demo data) and are
# thrown away, so nothing is worth an fsync.
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "shared_buffers": "'32MB'",
    "max_connections": "100",
    "fsync": "off",  # but synchronous_commit stays on: a primary sends only WAL it flushed,
    # so with it off each commit would reach the replica up to wal_writer_delay (200 ms) late
    "full_page_writes": "off",
    "wal_level": "replica",
    "max_wal_senders": "4",
    "wal_keep_size": "'64MB'",
    "hot_standby": "on",
    "logging_collector": "off",
    "log_min_messages": "warning",
}


class Unavailable(RuntimeError):
    """This machine lacks `what` to run the pair; `install` says how to get it."""

    def __init__(self, what: str, install: str):
        super().__init__(f"{what} is not on this machine ({install})")
        self.what, self.install = what, install


def _bindir() -> Path:
    """PostgreSQL's server programs: `pg_config --bindir`, else Debian's newest."""
    pg_config = shutil.which("pg_config")
    candidates = []
    if pg_config:
        output = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(Path(output.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for bindir in candidates:
        if all((bindir / name).exists() for name in ("initdb", "pg_ctl", "pg_basebackup")):
            return bindir
    raise Unavailable(
        "PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup)", "apt-get install postgresql"
    )


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    if not shutil.which("runuser"):
        raise Unavailable("runuser", "apt-get install util-linux")
    try:
        import pwd

        pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise Unavailable(
            f"A {SERVER_USER!r} user to run PostgreSQL as", "apt-get install postgresql"
        ) from None
    return ["runuser", "-u", SERVER_USER, "--"]


_REPLAYED = "SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)"
# Reads of the record's tables (this app's; sequential and index scans), but for the
# generation's, which every public request reads on the primary (caching.py).
_RECORD_SCANS = (
    "SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0)::bigint "
    "FROM pg_stat_user_tables "
    "WHERE relname LIKE 'claims\\_app\\_%' AND relname <> 'claims_app_recordgeneration'"
)


def record_scans(url: str) -> int:
    """How many times the server at `url` has read the record's tables (in the database `url`
    names), by its own statistics: a replica counts its own."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        return conn.execute(_RECORD_SCANS).fetchone()[0]


def time_to_replay(primary: psycopg.Connection, replica: psycopg.Connection, n: int) -> float:
    """Seconds from a commit on `primary` (a row `n` in a table of the database it is connected
    to) until `replica` has replayed it. Both connections in autocommit."""
    primary.execute("CREATE TABLE IF NOT EXISTS replication_probe (n bigint)")
    primary.execute("INSERT INTO replication_probe VALUES (%s)", [n])
    lsn = primary.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]
    return _wait_replayed(replica, lsn, timeout=60)


def _wait_replayed(replica: psycopg.Connection, lsn: str, timeout: float) -> float:
    started = time.monotonic()
    while not replica.execute(_REPLAYED, [lsn]).fetchone()[0]:
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"the replica has not replayed {lsn} in {timeout} s")
        time.sleep(0.0005)
    return time.monotonic() - started


def _backends(server: Server) -> list[int]:
    """The processes of `server` that serve a client of its database (from /proc: their
    parent is its postmaster, their title "postgres: USER DATABASE HOST(PORT) STATE")."""
    try:
        postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []  # not running
    found = []
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            parent = int((process / "stat").read_text().rsplit(")", 1)[1].split()[1])
            title = (process / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        if parent == postmaster and title.startswith(f"postgres: postgres {DATABASE} "):
            found.append(int(process.name))
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """One of the pair: its port, data directory and log."""

    name: str
    port: int
    data: Path
    log: Path
    running: bool = False

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


@dataclass
class StreamingPair:
    """A primary and its streaming replica, both running (see `streaming_pair`)."""

    primary: Server
    replica: Server
    setup_seconds: float = 0.0
    _run: list = field(default_factory=list, repr=False)
    _bindir: Path | None = field(default=None, repr=False)

    @property
    def primary_url(self) -> str:
        return self.primary.url()

    @property
    def replica_url(self) -> str:
        return self.replica.url()

    # Asking either server something ---------------------------------------------------------

    def query(self, server: Server, sql: str, params=None, database=DATABASE) -> list[tuple]:
        """`sql`'s rows (none for a statement that returns none), on a connection of its own to
        `server` (autocommit)."""
        with psycopg.connect(server.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def scans(self, server: Server, table: str) -> int:
        """How many times `server` has read `table` (sequential and index scans), by its own
        statistics. A backend reports its counts when it goes idle, at most once a second (else
        up to 10 s later), and when it exits: to know that nothing read a table, wait until the
        backends that might have are gone (`wait_no_clients`)."""
        rows = self.query(
            server,
            "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
            "WHERE relname = %s",
            [table],
        )
        return rows[0][0] if rows else 0

    def scans_grow(self, server: Server, table: str, since: int, timeout: float = 15) -> int:
        """`server`'s count of scans of `table` once it is above `since` (waiting up to
        `timeout` seconds for the backends to report); the last count seen otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            count = self.scans(server, table)
            if count > since or time.monotonic() > deadline:
                return count
            time.sleep(0.2)

    def clients_last_queries(self, server: Server) -> list[str]:
        """The statement each other client connected to `server`'s database ran last (or is
        running): seen at once, where the statistics may be reported seconds later."""
        rows = self.query(
            server,
            "SELECT query FROM pg_stat_activity WHERE datname = %s "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
            [DATABASE],
        )
        return [query for (query,) in rows]

    def wait_no_clients(self, server: Server, timeout: float = 30) -> None:
        """Until no process of `server` serves a client of its database any more: each has
        reported its statistics, which a backend does as it exits (it leaves pg_stat_activity a
        moment before, so that view cannot tell)."""
        deadline = time.monotonic() + timeout
        while backends := _backends(server):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(backends)} clients of the {server.name} stay connected")
            time.sleep(0.05)

    # Replication -----------------------------------------------------------------------------

    def primary_lsn(self) -> str:
        """The primary's current WAL position (everything committed so far is before it)."""
        return self.query(self.primary, "SELECT pg_current_wal_lsn()::text")[0][0]

    def replayed(self, lsn: str) -> bool:
        """Has the replica replayed the primary's WAL up to `lsn`?"""
        return self.query(self.replica, _REPLAYED, [lsn])[0][0]

    def wait_replayed(self, lsn: str | None = None, timeout: float = 30) -> float:
        """Wait until the replica has replayed the primary's position now (or `lsn`); the
        seconds it took."""
        lsn = lsn or self.primary_lsn()
        with psycopg.connect(self.replica_url, autocommit=True, connect_timeout=5) as replica:
            return _wait_replayed(replica, lsn, timeout)

    def replica_lag(self, samples: int = 10) -> dict[str, float]:
        """Seconds from a commit on the primary until the replica has replayed it, measured
        `samples` times (min, median, max): a row written, in a table of the `postgres`
        database (the WAL is the whole server's, so the record's database is left alone)."""
        with (
            psycopg.connect(self.primary.url("postgres"), autocommit=True) as primary,
            psycopg.connect(self.replica.url("postgres"), autocommit=True) as replica,
        ):
            seconds = [time_to_replay(primary, replica, n) for n in range(samples)]
        return {
            "min": min(seconds),
            "median": statistics.median(seconds),
            "max": max(seconds),
            "samples": samples,
        }

    def pause_replay(self) -> None:
        """The replica keeps receiving the primary's WAL but applies none of it: it lags."""
        self.query(self.replica, "SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while self.query(self.replica, "SELECT pg_get_wal_replay_pause_state()")[0][0] != (
            "paused"
        ):
            if time.monotonic() > deadline:
                raise TimeoutError("the replica's replay did not pause")
            time.sleep(0.01)

    def resume_replay(self) -> None:
        self.query(self.replica, "SELECT pg_wal_replay_resume()")

    def replica_stop(self) -> None:
        """Stop the replica at once, as a crash or a lost machine would."""
        self._stop(self.replica)

    def replica_start(self) -> None:
        self._start(self.replica)

    # Starting and stopping -------------------------------------------------------------------

    def _pg(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self._run, str(self._bindir / program), *args],
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def _start(self, server: Server) -> None:
        try:
            self._pg("pg_ctl", "start", "-w", "-t", "60", "-D", str(server.data),
                     "-l", str(server.log))  # fmt: skip
        except subprocess.CalledProcessError as error:
            log = server.log.read_text() if server.log.exists() else ""
            raise RuntimeError(f"the {server.name} did not start:\n{error.stdout}\n{log}") from None
        server.running = True

    def _stop(self, server: Server) -> None:
        # Looked for in its files too: a server whose start timed out may be running all the same.
        if server.running or (server.data / "postmaster.pid").exists():
            self._pg("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(server.data), check=False)
            server.running = False


def _configure(data: Path, port: int, socket_dir: Path, extra: dict[str, str]) -> None:
    settings = {**SETTINGS, "port": str(port), "unix_socket_directories": f"'{socket_dir}'"}
    settings.update(extra)
    with (data / "postgresql.auto.conf").open("a") as conf:
        for name, value in settings.items():
            conf.write(f"{name} = {value}\n")


@contextlib.contextmanager
def streaming_pair(**settings: str) -> Iterator[StreamingPair]:
    """A running primary with a database `claims`, and a replica streaming from it, until the
    block ends; then both are stopped and their files removed. `settings` are more
    postgresql.conf lines for both (name="value", as the file spells the value).

    Raises Unavailable (before starting anything) when this machine lacks what it takes."""
    bindir = _bindir()
    run = _as_server_user()
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="replication-", dir="/tmp"))
    folder.chmod(0o700)
    if run:
        shutil.chown(folder, SERVER_USER, SERVER_USER)
    primary = Server("primary", _free_port(), folder / "primary", folder / "primary.log")
    replica = Server("replica", _free_port(), folder / "replica", folder / "replica.log")
    pair = StreamingPair(primary, replica, _run=run, _bindir=bindir)
    try:
        pair._pg("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust",
                 "--no-sync", "--encoding=UTF8", "--locale=C.UTF-8")  # fmt: skip
        _configure(primary.data, primary.port, folder, settings)
        with (primary.data / "pg_hba.conf").open("a") as hba:
            # initdb's own lines allow replication over loopback too; this one says what the
            # replica needs, whatever initdb's defaults become.
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        pair._start(primary)
        with psycopg.connect(primary.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        pair._pg("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                 "-D", str(replica.data), "-R", "--checkpoint=fast", "--wal-method=stream",
                 "--no-sync")  # fmt: skip
        _configure(replica.data, replica.port, folder, settings)
        pair._start(replica)
        pair.wait_replayed()
        pair.setup_seconds = time.monotonic() - started
        yield pair
    finally:
        for server in (replica, primary):
            with contextlib.suppress(Exception):
                pair._stop(server)
        shutil.rmtree(folder, ignore_errors=True)
