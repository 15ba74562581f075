"""The production setting (what `make serve` runs): Django's deployment checks pass, the
security headers are sent, HTTPS is honoured behind a proxy, static files are WhiteNoise's,
and the admin keeps out whoever should not write."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from claims_app.models import Claim

from .factories import editors_group

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "claims.example.org",
        "DJANGO_HTTPS_PROXY": "1",
        "DATABASE_URL": "postgres://tracker@db.internal:5432/claims",  # never connected to
    }
    env.update(extra)
    return env


def _manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_checks_pass_in_production():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_says_what_is_missing():
    result = _manage("check", env=_production_env(DJANGO_SECRET_KEY=""))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is missing or empty" in result.stderr


# What a browser gets from the production setting, asked in a process of its own so that the
# settings are exactly what the environment makes them. robots.txt needs no database.
_FETCH = """
import json
from django.test import Client
client = Client(HTTP_HOST="claims.example.org")
plain = client.get("/robots.txt")
proxied = client.get("/robots.txt", headers={"X-Forwarded-Proto": "https"})
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "proxied": [proxied.status_code, dict(proxied.headers)],
    "session_cookie_secure": __import__("django.conf").conf.settings.SESSION_COOKIE_SECURE,
}))
"""


def test_behind_a_proxy_https_is_enforced_and_every_header_sent():
    result = _manage("shell", "-c", _FETCH, env=_production_env())
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://claims.example.org/robots.txt"]
    status, headers = seen["proxied"]
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert seen["session_cookie_secure"] is True


# --- nothing inline: the policy holds the pages as they are ----------------------------------

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.I)


def _inline(html: str) -> list[str]:
    """Whatever the policy would block: inline scripts (a JSON-LD data block is not one),
    style elements and attributes, event-handler attributes, javascript: URLs."""
    found = _INLINE_SCRIPT.findall(html)
    found += re.findall(r"<style\b", html, re.I)
    found += re.findall(r"\sstyle=\"", html)
    found += re.findall(r"\son[a-z]+=\"", html)
    found += re.findall(r"javascript:", html, re.I)
    return found


@pytest.mark.django_db
def test_public_pages_have_nothing_inline_for_the_policy_to_block(client, disputed_claim):
    statement = disputed_claim.statements.get()
    for url in [
        "/",
        "/claims/",
        "/claims/?q=camps",
        f"/claims/{disputed_claim.slug}/",
        "/actors/",
        f"/actors/{statement.actor.slug}/",
        "/sources/",
        f"/sources/{statement.passage.source.slug}/",
        f"/passages/{statement.passage.pk}/",
        "/map/",
        "/claims/?since=nonsense",  # a 400 page
        "/no/such/page/",  # the 404 page
    ]:
        response = client.get(url)
        assert "Content-Security-Policy" in response.headers, url
        assert _inline(response.content.decode()) == [], url


@pytest.mark.django_db
def test_admin_pages_have_nothing_inline_either(client, disputed_claim):
    admin = User.objects.create_superuser("root", password="pw-for-tests")
    client.force_login(admin)
    statement = disputed_claim.statements.get()
    for url in [
        "/admin/",
        "/admin/claims_app/claim/",
        f"/admin/claims_app/claim/{disputed_claim.pk}/change/",
        "/admin/claims_app/claim/add/",
        f"/admin/claims_app/source/{statement.passage.source.pk}/change/",
        "/admin/claims_app/passage/add/",
        f"/admin/claims_app/claim/{disputed_claim.pk}/history/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _inline(response.content.decode()) == [], url


# --- the admin: staff only, throttled, no deleting for Editors, history with authors ----------


@pytest.mark.django_db
def test_only_staff_reach_the_admin(client):
    assert client.get("/admin/claims_app/claim/")["Location"].startswith("/admin/login/")
    reader = User.objects.create_user("reader", password="pw-for-tests")  # not staff
    client.force_login(reader)
    response = client.get("/admin/claims_app/claim/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.post(
        "/admin/login/", {"username": "reader", "password": "pw-for-tests", "next": "/admin/"}
    )
    assert "Please enter the correct username and password for a staff account" in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_failed_logins_are_throttled(client, settings):
    editor = User.objects.create_user("editor", password="the-right-one", is_staff=True)
    editor.groups.add(editors_group())
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": "editor", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post("/admin/login/", {"username": "editor", "password": "wrong"})
    assert response.status_code == 429  # the last failure allowed locks the account out
    # Locked out: even the right password is refused now, and the answer says why.
    response = client.post("/admin/login/", {"username": "editor", "password": "the-right-one"})
    assert response.status_code == 429
    assert "too many" in response.content.decode().lower()
    assert "_auth_user_id" not in client.session
    # Another account, from the same address, is not locked out with it.
    User.objects.create_user("other", password="pw-other", is_staff=True)
    response = client.post("/admin/login/", {"username": "other", "password": "pw-other"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_public_urls_answer_only_reads(client, disputed_claim):
    before = Claim.objects.count()
    for url in [
        f"/claims/{disputed_claim.slug}/",
        "/claims.json",
        "/feeds/claims.atom",
        "/sitemap.xml",
        "/robots.txt",
        "/map/",
    ]:
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(url)
            assert response.status_code == 405, (method, url)
            assert response["Allow"] == "GET, HEAD", (method, url)
        assert client.head(url).status_code == 200, url
    assert Claim.objects.count() == before


def test_a_kept_sqlite_connection_serves_the_next_request_and_sees_what_others_wrote(
    tmp_path, settings, django_db_blocker
):
    # Under `make serve` (DB_POOL) a SQLite connection outlives its request, as a PostgreSQL
    # one does in psycopg's pool: it must come back as a new one would, with no transaction
    # left open and every write committed meanwhile in sight.
    import sqlite3

    from django.db import connection

    from project.sqlite_pool.base import DatabaseWrapper

    settings.DB_POOL = 1
    path = tmp_path / "kept.sqlite3"
    wrapper = DatabaseWrapper(
        {**connection.settings_dict, "ENGINE": "project.sqlite_pool", "NAME": str(path)}, "kept"
    )
    try:
        django_db_blocker.unblock()  # a database of its own, not the test database
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE said (words TEXT)")
        kept = wrapper.connection
        wrapper.connection.execute("BEGIN")
        wrapper.connection.execute("INSERT INTO said VALUES ('never committed')")
        wrapper.close()  # the request ends mid-transaction: rolled back, and kept
        assert DatabaseWrapper._idle == [kept]
        with sqlite3.connect(path) as other:
            other.execute("INSERT INTO said VALUES ('committed by another')")
        with wrapper.cursor() as cursor:  # the next request
            assert wrapper.connection is kept
            cursor.execute("SELECT words FROM said")
            assert cursor.fetchall() == [("committed by another",)]
        assert not DatabaseWrapper._idle
        second = DatabaseWrapper({**wrapper.settings_dict}, "second")
        second.ensure_connection()  # none idle: a new one
        assert second.connection is not kept
        wrapper.close()
        second.close()  # the pool is full (DB_POOL = 1): this one is closed
        assert DatabaseWrapper._idle == [kept]
    finally:
        for idle in DatabaseWrapper._idle:
            idle.close()
        DatabaseWrapper._idle.clear()
        django_db_blocker.restore()
