"""Restoring from an export: `export_claims`, then `import_claims` into an empty database, gives
the same public pages, passage permalinks included."""

import datetime
import re

import pytest
from django.core.management import call_command

from claims_app.models import Claim, DeletedPassage, Passage, Source
from claims_app.sitemaps import SITEMAPS

from .factories import (
    ActorFactory,
    ClaimFactory,
    DisputeFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
    TopicFactory,
)
from .test_bundle_export import _empty_database

pytestmark = pytest.mark.django_db

TEXT = (
    "The committee said that more than 130,000 people are held in camps. Critics asked how "
    "the figure was estimated. The ministry denied it outright. Later the committee said it "
    "stands by the figure, and a defector said the camps hold 200,000."
)


@pytest.fixture
def record():
    """A small record whose passage ids have gaps (passages made and deleted), with a draft,
    topics, a counterclaim, numbers and dates."""
    source = SourceFactory(
        title="Report", text=TEXT, date=datetime.date(2018, 12, 1), date_precision="month"
    )
    for words in ("The committee", "Critics asked"):  # ids taken, then freed: gaps
        PassageFactory(source=source, words=words).delete()
    topic = TopicFactory(name="camps")
    committee, ministry = ActorFactory(name="Committee"), ActorFactory(name="Ministry")
    first = ClaimFactory(
        text="More than 130,000 are held.",
        quantity_value=130000,
        quantity_unit="people",
        quantity_qualifier="more than",
    )
    first.topics.add(topic)
    StatementFactory(
        claim=first,
        actor=committee,
        passage=PassageFactory(source=source, words="more than 130,000 people"),
    )
    counter = ClaimFactory(text="No one is held.")
    denial = PassageFactory(source=source, words="denied it outright")  # cited twice
    StatementFactory(claim=counter, actor=ministry, passage=denial)
    DisputeFactory(
        claim=first,
        actor=ministry,
        kind="denies",
        note="Flatly.",
        counterclaim=counter,
        passage=denial,
    )
    DisputeFactory(
        claim=first,
        actor=ActorFactory(name="Critics"),
        passage=PassageFactory(source=source, words="asked how the figure"),
    )
    second = ClaimFactory(
        text="The camps hold 200,000.", quantity_value=200000, quantity_unit="people"
    )
    second.topics.add(topic)
    StatementFactory(
        claim=second,
        actor=ActorFactory(name="Defector"),
        date=datetime.date(2019, 3, 2),
        passage=PassageFactory(source=source, words="the camps hold 200,000"),
    )
    draft = ClaimFactory(text="A draft.", published=False)
    StatementFactory(
        claim=draft,
        actor=committee,
        passage=PassageFactory(source=source, words="stands by the figure"),
    )
    PassageFactory(source=source, words="Later the committee").delete()  # the last id: gone
    return source


def _public_pages(client) -> dict[str, str]:
    """Every public page and twin, found by following the sitemap and the objects' twins.
    Feeds and sitemaps are left out: they carry when each row was last written."""
    urls = [
        "/",
        "/index.json",
        "/claims/",
        "/claims.json",
        "/claims.csv",
        "/actors/",
        "/actors.json",
        "/sources/",
        "/sources.json",
        "/map/",
        "/claims/?q=camps",
    ]
    for section in SITEMAPS:
        xml = client.get(f"/sitemap-{section}.xml").content.decode()
        for loc in re.findall(r"<loc>http://localhost(/[^<]*)</loc>", xml):
            urls.append(loc)
            if loc.count("/") == 3 and not loc.startswith("/topics/") or "/passages/" in loc:
                urls.append(loc.rstrip("/") + ".json")
    pages = {}
    for url in sorted(set(urls)):
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


def test_export_then_import_into_an_empty_database_gives_the_same_public_pages(
    client, record, tmp_path
):
    before = _public_pages(client)
    passage_ids = sorted(Passage.objects.public().values_list("pk", flat=True))
    assert passage_ids[0] > 2  # the gaps are there
    gone = sorted(DeletedPassage.objects.values_list("pk", flat=True))
    assert len(gone) == 3 and gone[-1] > max(passage_ids)
    for pk in gone:
        before[f"/passages/{pk}/"] = client.get(f"/passages/{pk}/").content.decode()

    backup = tmp_path / "record.json"
    call_command("export_claims", output=str(backup))
    _empty_database()
    assert Claim.objects.count() == 0
    call_command("import_claims", str(backup))

    assert sorted(Passage.objects.public().values_list("pk", flat=True)) == passage_ids
    after = _public_pages(client)
    for pk in gone:  # still 410 Gone, naming what was there
        response = client.get(f"/passages/{pk}/")
        assert response.status_code == 410
        after[f"/passages/{pk}/"] = response.content.decode()
    assert sorted(after) == sorted(before)
    for url, page in before.items():
        assert after[url] == page, url
    assert len(before) > 25
    # New passages number on from the restored ones, and never take a deleted one's id.
    new = PassageFactory(source=Source.objects.get(slug=record.slug), words="Later the committee")
    assert new.pk > gone[-1]
