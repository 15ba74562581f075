"""Login throttling keyed by the real client: behind the proxy, the address the proxy saw (the
rightmost X-Forwarded-For entries, which the proxies wrote), never the proxy's own, nor an entry
the client wrote itself; without a proxy, the header is ignored. A locked-out attacker locks out
only herself."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from project.clients import client_address

from .factories import editors_group

ROOT = Path(__file__).resolve().parents[2]
PROXY = "10.0.0.2"  # the address every request comes from, behind the proxy
ATTACKER = "203.0.113.66"
CURATOR = "198.51.100.7"


def _login(client: Client, password: str, forwarded_for: str):
    return client.post(
        "/admin/login/",
        {"username": "editor", "password": password, "next": "/admin/"},
        headers={"X-Forwarded-For": forwarded_for},
    )


@pytest.mark.django_db
def test_behind_the_proxy_an_attacker_locks_out_only_her_own_address(settings):
    settings.PROXY_COUNT = 1
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast
    editor = User.objects.create_user("editor", password="the-right-one", is_staff=True)
    editor.groups.add(editors_group())
    attacker = Client(HTTP_HOST="localhost", REMOTE_ADDR=PROXY)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(attacker, "wrong", ATTACKER).status_code == 200
    assert _login(attacker, "wrong", ATTACKER).status_code == 429

    # The curator, from her own address, through the same proxy: in.
    curator = Client(HTTP_HOST="localhost", REMOTE_ADDR=PROXY)
    response = _login(curator, "the-right-one", CURATOR)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert curator.session["_auth_user_id"] == str(editor.pk)

    # The attacker's address stays locked, the right password included, and naming another
    # client at the left of the header (the proxy appends the address it saw) changes nothing.
    assert _login(attacker, "the-right-one", ATTACKER).status_code == 429
    assert _login(attacker, "the-right-one", f"{CURATOR}, {ATTACKER}").status_code == 429
    assert "_auth_user_id" not in attacker.session


def _request(forwarded_for: str | None, remote_addr: str = PROXY):
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    return RequestFactory().get("/admin/login/", REMOTE_ADDR=remote_addr, headers=headers)


def test_without_a_proxy_the_forwarded_header_is_ignored(settings):
    settings.PROXY_COUNT = 0
    assert client_address(_request(ATTACKER, remote_addr="192.0.2.9")) == "192.0.2.9"


@pytest.mark.parametrize(
    "proxies, forwarded_for, client",
    [
        (1, ATTACKER, ATTACKER),
        (1, f"{CURATOR}, {ATTACKER}", ATTACKER),  # the leftmost is the client's to write
        (2, f"{CURATOR}, {ATTACKER}, 10.0.0.1", ATTACKER),  # the outer proxy saw the attacker
        (2, ATTACKER, ATTACKER),  # fewer entries than proxies: what the proxies wrote
        (1, None, PROXY),  # no header: the address that connected
        (1, "   ", PROXY),
        (1, "2001:db8::7", "2001:db8::7"),
        (1, "[2001:db8::7]:51000", "2001:db8::7"),
        (1, "203.0.113.66:51000", ATTACKER),
        (1, "unknown", PROXY),  # not an address: never stored as one
    ],
)
def test_behind_proxies_the_client_is_the_address_the_outermost_one_saw(
    settings, proxies, forwarded_for, client
):
    settings.PROXY_COUNT = proxies
    assert client_address(_request(forwarded_for)) == client


def _proxy_count(**env) -> subprocess.CompletedProcess:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c",
         "from django.conf import settings; print(settings.PROXY_COUNT)"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_one_proxy_is_trusted_behind_https_unless_told_how_many():
    assert _proxy_count(DJANGO_HTTPS_PROXY="1").stdout.split() == ["1"]
    assert _proxy_count(DJANGO_HTTPS_PROXY="1", DJANGO_PROXY_COUNT="2").stdout.split() == ["2"]
    assert _proxy_count(DJANGO_PROXY_COUNT="2").stdout.split() == ["0"]  # no proxy, no trust
    result = _proxy_count(DJANGO_HTTPS_PROXY="1", DJANGO_PROXY_COUNT="one")
    assert result.returncode != 0
    assert "DJANGO_PROXY_COUNT 'one' is not a number of proxies" in result.stderr
