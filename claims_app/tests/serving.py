"""The production server, as `make serve` runs it (gunicorn with project/gunicorn.conf.py, debug
off), on the test database: for the tests that must talk to it over real sockets; and a browser
and a curator to talk to it as people do."""

import contextlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

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
    (`WEB_CONCURRENCY="3"`), the default per-process page cache, until the block ends. Its
    secret key is random: servers that must honour each other's sessions are given one
    (`DJANGO_SECRET_KEY=…`). The static files are served where they are (WhiteNoise's finders),
    so nothing is collected."""
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
                raise RuntimeError(f"the production server did not start:\n{_tail(log)}")
            time.sleep(0.2)
        yield Server(port, log)
    finally:
        ended = process.poll()  # before its end: a server that stopped by itself says so
        # gunicorn's quick shutdown: no test waits on a graceful one, which takes a second more
        # (each gevent worker notices it on its next one-second tick).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGQUIT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if ended is not None:
        raise RuntimeError(f"the production server stopped by itself (exit {ended}):\n{_tail(log)}")


def _tail(log: Path) -> str:
    return "\n".join(log.read_text().splitlines()[-20:])


class Answer(NamedTuple):
    status: int
    headers: Message  # names in any case: answer.headers["Location"]
    text: str


class Browser:
    """A browser asking a running server over HTTP: it keeps the cookies the server sets (a
    session's, the CSRF token's) and sends them back, follows no redirect (a test sees it), and
    posts forms with their CSRF token."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = {} if cookies is None else cookies

    def at(self, port: int):
        """The same browser, its cookies shared from now on, asking the server at `port`: as a
        load balancer sends one person's requests to any of the servers behind it."""
        return type(self)(port, self.cookies)

    def request(self, method: str, path: str, form=None) -> Answer:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                if morsel["max-age"] == "0":  # how Django deletes a cookie
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value
        return Answer(response.status, response.headers, text)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, form) -> Answer:
        """`form` (a dict, or pairs for a name given more than once) posted with the CSRF token
        a page's form carries, which the CSRF cookie holds."""
        if "csrftoken" not in self.cookies:
            self.get("/admin/login/")  # any page with a form sets it
        pairs = list(form.items() if isinstance(form, dict) else form)
        return self.request(
            "POST", path, [*pairs, ("csrfmiddlewaretoken", self.cookies["csrftoken"])]
        )


class Curator(Browser):
    """A curator in the admin, through its pages as a person uses them."""

    def log_in(self, username: str, password: str) -> Answer:
        """The login form filled in and sent: a redirect (302) to the admin's index when in,
        the form again (200) when the password is wrong, 429 when locked out."""
        self.get("/admin/login/")  # the form, and the CSRF cookie with it
        return self.post(
            "/admin/login/", {"username": username, "password": password, "next": "/admin/"}
        )

    def claims_publish(self, *claims) -> Answer:
        """The claims list's action "Publish the selected claims", on `claims` ticked."""
        return self._claims_action("publish_selected", claims)

    def claims_unpublish(self, *claims) -> Answer:
        """The claims list's action "Unpublish the selected claims (back to draft)"."""
        return self._claims_action("unpublish_selected", claims)

    def _claims_action(self, action: str, claims) -> Answer:
        ticked = [("_selected_action", str(claim.pk)) for claim in claims]
        return self.post("/admin/claims_app/claim/", [("action", action), ("index", "0"), *ticked])
