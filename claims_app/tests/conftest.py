import pytest
from django.test import Client

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
