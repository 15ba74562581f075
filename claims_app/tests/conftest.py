import pytest
from django.core.cache import cache
from django.test import Client

from claims_app.derived import derived_stale

from .factories import ActorFactory, ClaimFactory, DisputeFactory, PassageFactory, StatementFactory


@pytest.fixture
def client():
    return Client(HTTP_HOST="localhost")


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


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with no cached pages: its database is its own, the cache is not."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def derived_columns_stay_true(request):
    """After every test that wrote to the database, each stored derived column (a claim's
    status, an actor's counts, …) equals a fresh computation: a write path that forgot to
    refresh them fails here."""
    if "db" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        yield
        return
    request.getfixturevalue("db")  # so that the check runs before the test's data goes
    yield
    stale = derived_stale()
    assert not stale, "stale derived columns:\n" + "\n".join(stale[:20])
