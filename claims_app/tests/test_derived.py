"""The stored derived columns (a claim's status and first date, whether an actor or source is
public, their counts) follow every kind of write. conftest.py also checks every column against
a fresh computation after every test; these are the writes that once slipped past."""

import copy
import datetime

import pytest

from claims_app.bundles import bundle_import
from claims_app.models import Actor, Claim, Source, Topic

from .factories import (
    ActorFactory,
    ClaimFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
    TopicFactory,
)
from .test_bundles import BUNDLE

pytestmark = pytest.mark.django_db


def test_a_sources_new_date_moves_the_first_stated_date_of_its_claims(client):
    source = SourceFactory(date=datetime.date(2018, 1, 1))
    claim = StatementFactory(passage=PassageFactory(source=source)).claim  # no date of its own
    source.date = datetime.date(2021, 1, 1)
    source.save()
    assert Claim.objects.get(pk=claim.pk).first_date == datetime.date(2021, 1, 1)
    assert client.get("/claims.json?since=2020-06-01").json()["count"] == 1


def test_a_bundle_giving_a_source_a_new_date_moves_its_claims_too(client):
    undated = copy.deepcopy(BUNDLE)
    for claim in undated["claims"]:
        for citation in claim.get("statements", []):
            citation.pop("date", None)  # first stated when its source was published
    bundle_import(undated)
    redated = copy.deepcopy(undated)
    redated["sources"][0]["date"] = "2030-01"
    bundle_import({**redated, "claims": []})
    assert client.get("/claims.json?since=2029-12-31").json()["count"] >= 1


def test_a_bundle_replacing_a_publisher_takes_the_former_one_out_of_the_record(client):
    first = copy.deepcopy(BUNDLE)
    first["actors"].append({"name": "Old Press", "kind": "media"})
    first["sources"][0]["publisher"] = "Old Press"
    bundle_import(first)
    assert client.get("/actors/old-press/").status_code == 200
    second = copy.deepcopy(BUNDLE)
    second["actors"].append({"name": "New Press", "kind": "media"})
    second["sources"][0]["publisher"] = "New Press"
    bundle_import(second)
    assert client.get("/actors/old-press/").status_code == 404
    assert client.get("/actors/new-press/").status_code == 200


def test_an_author_added_or_removed_through_the_source_appears_and_goes(client):
    source = StatementFactory().passage.source
    author = ActorFactory()
    source.authors.add(author)
    assert client.get(f"/actors/{author.slug}/").status_code == 200
    source.authors.clear()
    assert client.get(f"/actors/{author.slug}/").status_code == 404
    author.authored_sources.add(source)
    assert Actor.objects.get(pk=author.pk).is_public


def test_a_topic_counts_claims_added_from_either_side():
    topic = TopicFactory()
    topic.claims.add(ClaimFactory(), ClaimFactory(published=False))
    assert Topic.objects.get(pk=topic.pk).claim_count == 1
    ClaimFactory().topics.add(topic)
    assert Topic.objects.get(pk=topic.pk).claim_count == 2
    topic.claims.clear()
    assert not Topic.objects.public().filter(pk=topic.pk).exists()


def test_a_claims_topic_facet_follows_its_topics_from_either_side_and_their_deletion(client):
    camps, trials = TopicFactory(name="camps"), TopicFactory(name="trials")
    claim = StatementFactory().claim

    def topic_facet():
        twin = client.get(f"/claims.json?made_by={claim.statements.get().actor.slug}").json()
        facet = next(f for f in twin["facets"] if f["param"] == "topic")
        return [(v["label"], v["count"]) for v in facet["values"]]

    claim.topics.add(camps)
    trials.claims.add(claim)
    assert topic_facet() == [("camps", 1), ("trials", 1)]
    camps.claims.remove(claim)
    assert topic_facet() == [("trials", 1)]
    trials.delete()
    assert topic_facet() == []
    claim.topics.add(camps)
    camps.claims.clear()
    assert topic_facet() == []


def test_a_passage_moved_to_another_source_moves_its_counts():
    passage = StatementFactory().passage
    before, after = passage.source, SourceFactory()
    passage.source = after
    passage.save()
    assert Source.objects.get(pk=before.pk).passage_count == 0
    assert Source.objects.get(pk=after.pk).passage_count == 1


def test_unpublishing_a_claim_takes_its_actors_sources_and_topics_out(client):
    statement = StatementFactory()
    topic = TopicFactory()
    statement.claim.topics.add(topic)
    statement.claim.unpublish()
    for url in [
        f"/actors/{statement.actor.slug}/",
        f"/sources/{statement.passage.source.slug}/",
        f"/topics/{topic.slug}/",
    ]:
        assert client.get(url).status_code == 404, url
    statement.claim.publish()
    assert client.get(f"/topics/{topic.slug}/").status_code == 200
