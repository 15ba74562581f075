"""factory-boy factories: data for the tests. Fixtures are for the showcase, not for tests."""

from importlib import import_module

import factory
from django.contrib.auth.models import Group, Permission

from claims_app.models import (
    Actor,
    Alias,
    Authorship,
    Claim,
    Dispute,
    Passage,
    Source,
    Statement,
    Topic,
)

TEXT = (
    "The committee said that more than 130,000 people are held in camps. "
    "Critics asked how the figure was estimated, and the ministry denied it outright. "
    "Later the committee said it stands by the figure."
)


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    kind = Actor.Kind.ORGANIZATION


class AliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alias

    actor = factory.SubFactory(ActorFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Source {n}")
    text = TEXT
    publisher = factory.SubFactory(ActorFactory)


class AuthorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authorship

    source = factory.SubFactory(SourceFactory)
    actor = factory.SubFactory(ActorFactory)


class PassageFactory(factory.django.DjangoModelFactory):
    """A passage of the given `words` (default: the first sentence) of its source."""

    class Meta:
        model = Passage
        exclude = ["words"]

    source = factory.SubFactory(SourceFactory)
    words = "more than 130,000 people are held in camps"
    start = factory.LazyAttribute(lambda o: o.source.text.index(o.words))
    end = factory.LazyAttribute(lambda o: o.start + len(o.words))
    quote = factory.LazyAttribute(lambda o: o.words)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"topic {n}")


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    text = factory.Sequence(lambda n: f"Claim number {n} is true.")
    published = True
    published_at = factory.Faker("date_time", tzinfo=__import__("datetime").timezone.utc)


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    claim = factory.SubFactory(ClaimFactory)
    actor = factory.SubFactory(ActorFactory)
    passage = factory.SubFactory(PassageFactory)


class DisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispute

    claim = factory.SubFactory(ClaimFactory)
    actor = factory.SubFactory(ActorFactory)
    passage = factory.SubFactory(PassageFactory, words="Critics asked how the figure was estimated")
    kind = Dispute.Kind.QUESTIONS


def editors_group() -> Group:
    """The Editors group, with the permissions its migrations (0002, 0017) give it. A
    transactional test's flush empties the group table, and the tests after it on the same
    worker would find no group: every test that needs the group asks for it here. (The
    permissions are made again after a flush; the group is not.)"""
    editors, _ = Group.objects.get_or_create(name="Editors")
    models = import_module("claims_app.migrations.0002_editors_group").MODELS
    codenames = [f"{action}_{model}" for model in models for action in ("view", "add", "change")]
    editors.permissions.set(
        Permission.objects.filter(
            content_type__app_label="claims_app",
            codename__in=[*codenames, "publish_claim", "merge_claim"],
        )
    )
    return editors
