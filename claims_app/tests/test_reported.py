"""Reported words (PRODUCT.md §1): a statement or dispute whose actor is neither an author nor
the publisher of its passage's source, nor affiliated to one, is someone else's report of the
actor's words, and every place that shows it says by whom and where; a curator can say
otherwise."""

import html
import json
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from claims_app import selectors
from claims_app.bundles import BundleError, bundle_export, bundle_import
from claims_app.models import Dispute, Statement

from .factories import (
    ActorFactory,
    AuthorshipFactory,
    DisputeFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
)

CLAIM = "north-korea-holds-more-than-130000-political-prisoners"
ASMOLOV = {"name": "Konstantin Asmolov", "slug": "konstantin-asmolov"}


def _text(html: bytes) -> str:
    """What a reader reads: the page's words, tags and runs of spaces gone."""
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))
    return re.sub(r" ([,.:;])", r"\1", words)


@pytest.fixture
def seeded(db):
    call_command("setup_local", stdout=open("/dev/null", "w"))


def test_the_130000_claim_says_the_words_are_asmolovs_report_of_amnesty(seeded, client):
    page = client.get(f"/claims/{CLAIM}/")
    words = _text(page.content)
    # Amnesty's figure, in Asmolov's article: his report, and where he published it.
    assert (
        "Amnesty International states as reported by Konstantin Asmolov Amnesty International "
        "estimated (it would be interesting to know how)"
    ) in words
    assert (
        "In DPRK Is Still Being Persecuted For “Violating Human Rights”, New Eastern Outlook"
        in (words)
    )
    # Asmolov's own dispute, in his own article, is his.
    assert "Konstantin Asmolov questions as reported by" not in words
    assert "Konstantin Asmolov questions it would be interesting to know how" in words
    # The dispute map's tooltip says so too.
    assert "Amnesty International states it, as reported by Konstantin Asmolov, in passage" in (
        page.content.decode()
    )
    graph = json.loads(
        re.search(rb'<script type="application/ld\+json">(.*?)</script>', page.content, re.S)[1]
    )["@graph"]
    claim = graph[0]
    assert [author["name"] for author in claim["author"]] == ["Amnesty International"]
    assert [author["name"] for author in claim["appearance"][0]["author"]] == ["Konstantin Asmolov"]

    twin = client.get(f"/claims/{CLAIM}.json").json()
    (statement,) = twin["statements"]
    assert statement["actor"]["name"] == "Amnesty International"
    assert statement["reported_by"] == [ASMOLOV]
    (dispute,) = twin["disputes"]
    assert dispute["actor"] == ASMOLOV
    assert dispute["reported_by"] == []

    passage = statement["passage"]["id"]
    page = client.get(f"/passages/{passage}/").content
    assert "Amnesty International, as reported by Konstantin Asmolov, states:" in _text(page)
    # The citation a reader copies says whose words these are, and in whose report.
    citation = html.unescape(
        re.search(rb'<pre class="citation-text" id="citation">(.*?)</pre>', page, re.S)[1].decode()
    )
    assert citation.startswith("Konstantin Asmolov, “DPRK Is Still Being Persecuted")
    assert "North Korea” (Amnesty International, as reported by Konstantin Asmolov). " in citation
    passage_twin = client.get(f"/passages/{passage}.json").json()
    assert [s["reported_by"] for s in passage_twin["statements"]] == [[ASMOLOV]]

    actor = client.get("/actors/amnesty-international.json").json()
    assert [item["reported_by"] for item in actor["claims_made"]["results"]] == [[ASMOLOV]]
    assert "as reported by Konstantin Asmolov" in _text(
        client.get("/actors/amnesty-international/").content
    )


def _reported(item) -> list[str]:
    item = type(item).objects.get(pk=item.pk)
    return [actor.name for actor in selectors.reporting_fill([item])[0].reported_by]


def test_who_reports_whose_words(db):
    author, publisher = ActorFactory(name="The Author"), ActorFactory(name="The Outlet")
    source = SourceFactory(publisher=publisher)
    AuthorshipFactory(source=source, actor=author)
    passage = PassageFactory(source=source)

    def said_by(actor):
        return StatementFactory(actor=actor, passage=passage)

    # Another's words in the author's article: the author's report of them.
    assert _reported(said_by(ActorFactory(name="Someone Else"))) == ["The Author"]
    # The author's and the publisher's own words are theirs.
    assert _reported(said_by(author)) == []
    assert _reported(said_by(publisher)) == []
    # As are those of an actor who speaks for one of them, or for whom one of them speaks.
    assert _reported(said_by(ActorFactory(name="Its Editor", affiliation=publisher))) == []
    ministry = ActorFactory(name="The Ministry")
    author.affiliation = ministry
    author.save()
    assert _reported(said_by(ministry)) == []

    # With no author, the publisher reports them; with neither, nobody is named.
    bulletin = PassageFactory(source=SourceFactory(publisher=publisher))
    assert _reported(StatementFactory(passage=bulletin)) == ["The Outlet"]
    anonymous = PassageFactory(source=SourceFactory(publisher=None))
    assert _reported(StatementFactory(passage=anonymous)) == []
    assert _reported(DisputeFactory(passage=bulletin)) == ["The Outlet"]


def test_a_curator_overrides_the_derived_value_in_the_admin(db, client):
    source = SourceFactory(publisher=ActorFactory(name="The Ministry"))
    spokesperson = ActorFactory(name="The Spokesperson")  # not recorded as the ministry's
    statement = StatementFactory(actor=spokesperson, passage=PassageFactory(source=source))
    claim = statement.claim
    assert client.get(f"/claims/{claim.slug}.json").json()["statements"][0]["reported_by"] == [
        {"name": "The Ministry", "slug": "the-ministry"}
    ]
    admin = User.objects.create_superuser("curator", "c@example.org", "pw")
    client.force_login(admin)
    form = client.get(f"/admin/claims_app/statement/{statement.pk}/change/")
    # The curator sees what "as derived" gives before overriding it.
    assert "as derived: reported by The Ministry" in form.content.decode()
    data = {
        "claim": claim.pk,
        "actor": spokesperson.pk,
        "passage": statement.passage_id,
        "date": "",
        "date_precision": "",
        "note": "",
        "reported": "False",
        **_version(form),
    }
    answer = client.post(f"/admin/claims_app/statement/{statement.pk}/change/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    statement.refresh_from_db()
    assert statement.reported is False
    client.logout()
    twin = client.get(f"/claims/{claim.slug}.json").json()
    assert twin["statements"][0]["reported_by"] == []
    assert "as reported by" not in _text(client.get(f"/claims/{claim.slug}/").content)


def _version(form) -> dict:
    """The hidden fields the admin's change form carries (the version it saw)."""
    html = form.content.decode()
    return {
        name: value
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
        if name != "csrfmiddlewaretoken"
    }


def test_an_override_reports_words_the_rule_calls_direct(db, client):
    publisher = ActorFactory(name="The Outlet")
    dispute = DisputeFactory(
        actor=publisher, passage=PassageFactory(source=SourceFactory(publisher=publisher))
    )
    assert _reported(dispute) == []
    Dispute.objects.filter(pk=dispute.pk).update(reported=True)
    assert _reported(dispute) == ["The Outlet"]
    entry = client.get("/feeds/disputes.atom").content.decode()
    assert "As reported by The Outlet in" in entry


def _bundle(reported, publisher: str | None = "The Ministry") -> dict:
    return {
        "format": "claims-bundle/1",
        "actors": [
            {"name": "The Ministry", "kind": "government"},
            {"name": "Ms Spokes", "kind": "person"},
        ],
        "sources": [
            {
                "key": "briefing",
                "title": "Briefing",
                "publisher": publisher,
                "text": "Ms Spokes said the figure is false.",
            }
        ],
        "claims": [
            {
                "key": "the-figure",
                "text": "The figure is true.",
                "disputes": [
                    {
                        "actor": "Ms Spokes",
                        "kind": "denies",
                        "source": "briefing",
                        "quote": "the figure is false",
                        "reported": reported,
                    }
                ],
            }
        ],
    }


def test_a_bundle_overrides_and_export_writes_the_override_back(db):
    bundle_import(_bundle(False))
    dispute = Dispute.objects.get()
    assert dispute.reported is False and _reported(dispute) == []
    exported = bundle_export()
    (claim,) = exported["claims"]
    assert claim["disputes"][0]["reported"] is False
    # Without an override, export says nothing: the value is derived.
    Dispute.objects.update(reported=None)
    assert "reported" not in bundle_export()["claims"][0]["disputes"][0]
    assert _reported(dispute) == ["The Ministry"]


def test_a_bundle_with_a_reported_that_is_not_true_or_false_is_rejected_whole(db):
    with pytest.raises(BundleError) as error:
        bundle_import(_bundle("yes"))
    assert "claims[0].disputes[0].reported" in str(error.value)
    assert not Statement.objects.exists() and not Dispute.objects.exists()


def test_a_claims_change_form_derives_its_rows_together(disputed_claim, client):
    """What "as derived" gives is worked out for all of a claim's statements and disputes at
    once: the queries it takes do not grow with the rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    claim = disputed_claim  # each source's publisher reports its words
    client.force_login(User.objects.create_superuser("curator", "c@example.org", "pw"))

    def authorship_reads() -> int:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/admin/claims_app/claim/{claim.pk}/change/")
        assert page.status_code == 200
        assert page.content.decode().count("as derived: reported by Actor ") == len(
            claim.statements.all()
        ) + len(claim.disputes.all())
        return sum("claims_app_authorship" in query["sql"] for query in queries)

    few = authorship_reads()
    for _ in range(4):
        StatementFactory(claim=claim, passage=PassageFactory(source=SourceFactory()))
        DisputeFactory(claim=claim, passage=PassageFactory(source=SourceFactory()))
    assert authorship_reads() == few <= 2


def test_words_cannot_be_reported_by_a_source_that_names_nobody(db, client):
    # A bundle: rejected whole, the item named.
    with pytest.raises(BundleError) as error:
        bundle_import(_bundle(True, publisher=None))
    assert "claims[0].disputes[0].reported: true, but source “briefing” names neither" in str(
        error.value
    )
    assert not Dispute.objects.exists()
    # The admin: a form error on the field, nothing saved.
    statement = StatementFactory(passage=PassageFactory(source=SourceFactory(publisher=None)))
    client.force_login(User.objects.create_superuser("curator", "c@example.org", "pw"))
    address = f"/admin/claims_app/statement/{statement.pk}/change/"
    form = client.get(address)
    data = {
        "claim": statement.claim_id,
        "actor": statement.actor_id,
        "passage": statement.passage_id,
        "date": "",
        "date_precision": "",
        "note": "",
        "reported": "True",
        **_version(form),
    }
    answer = client.post(address, data)
    assert answer.status_code == 200
    assert "names neither an author nor a publisher" in answer.content.decode()
    statement.refresh_from_db()
    assert statement.reported is None
