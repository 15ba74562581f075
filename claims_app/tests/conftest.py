import threading

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client, override_settings

from claims_app.derived import derived_stale
from claims_app.search import search_stale

from . import browser
from .factories import (
    ActorFactory,
    ClaimFactory,
    DisputeFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
    editors_group,
)
from .page_types import page_types, seed_with_every_page_type


@pytest.fixture
def client():
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def media_root(settings, tmp_path):
    """Sources' original files kept in a folder of this test's own; that folder."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def editor_client(client, db):
    """A test client logged in as a curator of the Editors group."""
    from django.contrib.auth.models import User

    user = User.objects.create_user("editor", password="pw-for-tests", is_staff=True)
    user.groups.add(editors_group())
    client.force_login(user)
    return client


@pytest.fixture
def disputed_claim(db):
    """A published claim with one statement and one dispute, in one source."""
    claim = ClaimFactory(text="More than 130,000 people are held in camps.")
    statement = StatementFactory(claim=claim, actor=ActorFactory(name="The Committee"))
    DisputeFactory(
        claim=claim,
        actor=ActorFactory(name="The Critic"),
        passage=PassageFactory(
            source=statement.passage.source, words="Critics asked how the figure was estimated"
        ),
        note="Asks how it was counted.",
    )
    return claim


@pytest.fixture
def paged_claim(db):
    """A published claim in a report read from pages: stated on page 3, disputed in words
    that cross from page 3 to page 4."""
    import datetime

    from claims_app import anchoring
    from claims_app.models import Source

    text, breaks = anchoring.pages_join(
        [
            "Report of the commission of inquiry.",
            "Contents.",
            "Witnesses described the camps. They hold more than",
            "130,000 people, the commission found.",
        ]
    )
    un = ActorFactory(name="United Nations")
    source = SourceFactory(
        title="Report of the commission of inquiry",
        slug="coi-report",
        kind=Source.Kind.REPORT,
        publisher=un,
        date=datetime.date(2014, 2, 7),
        date_precision="day",
        text=text,
        page_breaks=breaks,
    )
    claim = ClaimFactory(text="More than 130,000 people are held in camps.")
    StatementFactory(
        claim=claim,
        actor=un,
        passage=PassageFactory(source=source, words="Witnesses described the camps"),
    )
    DisputeFactory(
        claim=claim,
        actor=ActorFactory(name="A Reviewer"),
        passage=PassageFactory(source=source, words="more than\n130,000 people"),
    )
    return claim


@pytest.fixture(autouse=True, scope="session")
def settings_for_tests():
    """Two settings made for a production server, not for tests on a busy machine:
    - passwords hashed with a fast hasher: PBKDF2 spends a deliberate third of a second of CPU
      on each user made and each login, which no test is about;
    - no facet cut short by its time limit (20 ms, for a loaded production server), which a CI
      machine running tests in parallel can reach: a page would show "too many to count" where
      a test counts. The tests of that limit make it pass on purpose."""
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        FACET_TIME_LIMIT_MS=60_000,
    ):
        yield


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with no cached pages: its database is its own, the cache is not."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def derived_columns_stay_true(request):
    """After every test that wrote to the database, each stored derived column (a claim's
    status, an actor's counts, …) and the search index equal a fresh computation: a write path
    that forgot to refresh them fails here."""
    if "transactional_db" in request.fixturenames:  # the browser tests (live_server)
        request.getfixturevalue("transactional_db")  # so that the check runs before the flush
    elif "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")  # so that the check runs before the test's data goes
    else:
        yield
        return
    yield
    stale = derived_stale()
    assert not stale, "stale derived columns:\n" + "\n".join(stale[:20])
    stale = search_stale()
    assert not stale, "stale search index:\n" + "\n".join(stale[:20])


def _one_request_at_a_time(live_server) -> None:
    """On SQLite the test database is in memory, and every thread of the live server uses the
    test's one connection to it. A page that sends two requests at once (the annotation view
    asks for the closest claims while a save is on its way) then ran two statements on that
    connection at once, and the whole process could hang for good: so there, the server
    answers one request at a time. (Each thread has its own connection on PostgreSQL, and a
    served site's threads have their own on SQLite too.)"""
    server = live_server.thread.httpd
    if not live_server.thread.connections_override or getattr(server, "serialized", False):
        return
    app, lock = server.get_app(), threading.Lock()

    def serialized(environ, start_response):
        with lock:
            response = app(environ, start_response)
            try:
                return list(response)
            finally:
                if hasattr(response, "close"):
                    response.close()

    server.set_app(serialized)
    server.serialized = True


@pytest.fixture
def open_browser(transactional_db, live_server, monkeypatch):
    """`open_browser(**context options)` → a new page of Debian's Chromium, driven by
    Playwright, on the live test server (skips outside CI when Chromium is absent). Each page
    fails its test on a script error or a Content-Security-Policy violation.

    Playwright's synchronous API keeps an event loop running in this thread, which Django would
    take for async code and refuse ORM calls from. The tests are synchronous, so that guard is
    lifted while, and only while, the browser runs: Playwright starts and stops with each test."""
    path = browser.chromium_path()
    from playwright.sync_api import sync_playwright

    _one_request_at_a_time(live_server)

    contexts, problems = [], []

    def open_page(**options):
        context = chromium.new_context(
            base_url=live_server.url, **{"viewport": browser.DESKTOP, **options}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return page

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # undone after the browser stops
    # An expectation waits as long as an action does (15 s, not Playwright's 5): in CI both
    # suites and their browsers share two cores, and a save that then navigates (the source
    # form's "Save and annotate" on PostgreSQL) once took longer than 5 s to show its page.
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=path, args=browser.CHROMIUM_ARGS)
        yield open_page
        for context in contexts:
            context.close()
        chromium.close()
    finally:
        # While Playwright's loop runs, Django keeps this thread's database connections apart
        # (asgiref's context-aware locals): close them here, or one stays open after the tests.
        connections.close_all()
        playwright.stop()

    assert not problems, "\n".join(problems)


@pytest.fixture
def every_page(transactional_db):
    """The seed data, with every kind of public page: kind → an address of it."""
    seed_with_every_page_type()
    return page_types()


@pytest.fixture
def browser_page(open_browser):
    """A desktop-sized page with JavaScript on."""
    return open_browser()
