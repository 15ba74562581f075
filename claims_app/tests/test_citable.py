"""Passages stay citable: deleted ones answer 410, renamed objects 301, ids are never reused."""

import re

import pytest

from claims_app.models import Actor, Claim, Passage, Source

from .factories import ClaimFactory, PassageFactory, StatementFactory

pytestmark = pytest.mark.django_db


def test_a_deleted_passage_answers_410_naming_what_was_there(client, disputed_claim):
    source = disputed_claim.statements.get().passage.source
    passage = PassageFactory(source=source, words="the committee said it stands by the figure")
    StatementFactory(passage=passage, claim=ClaimFactory())
    url = f"/passages/{passage.pk}/"
    assert client.get(url).status_code == 200
    passage.statements.all().delete()
    Passage.objects.filter(pk=passage.pk).delete()
    response = client.get(url)
    assert response.status_code == 410
    page = response.content.decode()
    assert "This passage was deleted" in page
    assert "the committee said it stands by the figure" in page
    assert source.title in page


def test_a_passage_only_drafts_cited_tells_nothing_when_deleted(client):
    draft = ClaimFactory(published=False)
    statement = StatementFactory(claim=draft)
    passage = statement.passage
    pk = passage.pk
    statement.delete()
    passage.delete()
    response = client.get(f"/passages/{pk}/")
    assert response.status_code == 410
    assert passage.quote not in response.content.decode()


def test_passages_deleted_with_their_source_answer_410(client, disputed_claim):
    source = disputed_claim.statements.get().passage.source
    ids = list(source.passages.values_list("pk", flat=True))
    disputed_claim.delete()
    Source.objects.filter(pk=source.pk).delete()
    for pk in ids:
        assert client.get(f"/passages/{pk}/").status_code == 410


def test_a_passage_id_is_never_reused():
    passage = PassageFactory()
    gone = passage.pk
    passage.delete()
    again = PassageFactory(source=passage.source)
    assert again.pk > gone


def test_an_id_that_never_existed_is_404_and_a_malformed_one_too(client, db):
    assert client.get("/passages/987654/").status_code == 404
    assert client.get("/passages/abc/").status_code == 404


@pytest.mark.parametrize("kind", ["claim", "actor", "source"])
def test_a_renamed_slug_answers_301_to_the_new_address(client, disputed_claim, kind):
    obj = {
        "claim": disputed_claim,
        "actor": disputed_claim.statements.get().actor,
        "source": disputed_claim.statements.get().passage.source,
    }[kind]
    old_url = obj.get_absolute_url()
    obj.slug = "a-new-name"
    obj.save()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == obj.get_absolute_url()
    assert client.get(obj.get_absolute_url()).status_code == 200


def test_an_old_slug_of_a_draft_stays_404(client):
    claim = ClaimFactory(published=False)
    old_url = claim.get_absolute_url()
    claim.slug = "renamed-draft"
    claim.save()
    assert client.get(old_url).status_code == 404


def test_a_slug_that_never_was_is_404(client, disputed_claim):
    assert client.get("/claims/never-was/").status_code == 404
    assert client.get("/actors/never-was/").status_code == 404
    assert Actor.objects.count() and Claim.objects.count()


def test_the_passage_twin_carries_its_keys_and_a_web_annotation(client, disputed_claim):
    statement = disputed_claim.statements.get()
    passage = statement.passage
    Source.objects.filter(pk=passage.source_id).update(url="https://example.org/report")
    response = client.get(f"/passages/{passage.pk}.json")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == passage.pk
    assert data["url"] == f"http://localhost/passages/{passage.pk}/"
    assert data["quote"] == passage.quote == "more than 130,000 people are held in camps"
    assert (data["start"], data["end"]) == (passage.start, passage.end)
    assert data["source"]["slug"] == passage.source.slug
    assert data["text_fragment_url"] == (
        "https://example.org/report#:~:text=more%20than%20130%2C000%20people%20are%20held%20in%20camps"
    )
    assert [s["actor"]["slug"] for s in data["statements"]] == [statement.actor.slug]
    assert data["disputes"] == []
    annotation = data["annotation"]
    assert annotation["type"] == "Annotation"
    assert annotation["@context"] == "http://www.w3.org/ns/anno.jsonld"
    quote_selector, position_selector = annotation["target"]["selector"]
    assert quote_selector == {
        "type": "TextQuoteSelector",
        "exact": passage.quote,
        "prefix": passage.prefix,
        "suffix": passage.suffix,
    }
    assert position_selector == {
        "type": "TextPositionSelector",
        "start": passage.start,
        "end": passage.end,
    }
    page = client.get(f"/passages/{passage.pk}/").content.decode()
    assert (
        f'<link rel="alternate" type="application/json" href="/passages/{passage.pk}.json">' in page
    )
    assert "#:~:text=more%20than%20130%2C000" in page
    assert 'data-copy="citation"' in page


def test_the_passage_twin_answers_404_and_410_in_json(client, disputed_claim):
    response = client.get("/passages/987654.json")
    assert response.status_code == 404 and "errors" in response.json()
    passage = PassageFactory(
        source=disputed_claim.statements.get().passage.source,
        words="the committee said it stands by the figure",
    )
    StatementFactory(passage=passage, claim=ClaimFactory()).delete()  # once cited, in public
    pk = passage.pk
    passage.delete()
    response = client.get(f"/passages/{pk}.json")
    assert response.status_code == 410
    assert response.json()["quote"] == "the committee said it stands by the figure"


def test_the_passage_twin_shows_nothing_of_drafts(client, disputed_claim):
    passage = disputed_claim.statements.get().passage
    StatementFactory(passage=passage, claim=ClaimFactory(text="Draft words.", published=False))
    body = client.get(f"/passages/{passage.pk}.json").content.decode()
    assert "Draft words." not in body


def test_a_draft_only_passage_of_a_public_source_tells_nothing_when_deleted(client, disputed_claim):
    source = disputed_claim.statements.get().passage.source
    statement = StatementFactory(
        claim=ClaimFactory(published=False),
        passage=PassageFactory(source=source, words="the committee said it stands by the figure"),
    )
    passage = statement.passage
    pk = passage.pk
    statement.delete()
    passage.delete()
    response = client.get(f"/passages/{pk}/")
    assert response.status_code == 410
    assert "stands by the figure" not in response.content.decode()


def test_a_once_public_passage_names_its_words_even_if_its_source_is_no_longer_public(client):
    statement = StatementFactory()
    passage = statement.passage
    pk = passage.pk
    statement.claim.delete()  # its only claim goes; the source is public no more
    passage.delete()
    assert passage.quote in client.get(f"/passages/{pk}/").content.decode()


def test_a_slug_a_claim_had_as_a_draft_never_redirects(client):
    claim = ClaimFactory(published=False, text="Secret draft wording")
    draft_url = claim.get_absolute_url()
    claim.slug = "public-wording"
    claim.save()
    claim.publish()
    assert client.get(draft_url).status_code == 404


def test_a_draft_taking_an_old_slug_does_not_break_its_redirect(client, disputed_claim):
    old_url = disputed_claim.get_absolute_url()
    old_slug = disputed_claim.slug
    disputed_claim.slug = "renamed"
    disputed_claim.save()
    ClaimFactory(published=False, slug=old_slug)
    response = client.get(old_url)
    assert response.status_code == 301 and response["Location"] == "/claims/renamed/"


def test_a_changed_passage_has_no_position_in_its_annotation(client, disputed_claim):
    passage = disputed_claim.statements.get().passage
    source = passage.source
    source.text = source.text.replace("more than 130,000", "about 120,000")
    source.save()
    annotation = client.get(f"/passages/{passage.pk}.json").json()["annotation"]
    assert [s["type"] for s in annotation["target"]["selector"]] == ["TextQuoteSelector"]
    assert annotation["target"]["source"] == f"http://localhost/sources/{source.slug}/"


def test_a_changed_passage_shows_its_cited_context_cut_at_words(client, disputed_claim):
    passage = disputed_claim.statements.get().passage
    source = passage.source
    suffix = passage.suffix
    source.text = source.text.replace(passage.quote, "other words altogether")
    source.save()
    page = client.get(f"/passages/{passage.pk}/").content.decode()
    shown = re.search(r"</mark>(.*?)</p>", page, flags=re.S)[1]
    assert len(suffix) == 32 and not suffix.endswith(" ")  # the stored context ends mid-word
    assert shown == suffix[: suffix.rindex(" ")] + "…"


def _paged_passages():
    """The passage on page 3 of `paged_claim`'s report, and the one across pages 3 and 4."""
    return Passage.objects.filter(source__slug="coi-report").order_by("start")


def test_a_passage_twin_names_its_pages_and_annotates_its_page(client, paged_claim):
    on_three, across = _paged_passages()
    page_three_begins = on_three.source.page_breaks[1]
    # Offsets and context within page 3 ("Witnesses described the camps. They hold more
    # than"), the words of a passage that crosses to page 4 running on into it.
    for passage, page_end, position, prefix, suffix in (
        (on_three, None, (0, 29), "", ". They hold more than"),
        (across, 4, (41, 65), " described the camps. They hold ", ", the commission found."),
    ):
        data = client.get(f"/passages/{passage.pk}.json").json()
        assert (data["page"], data["page_end"]) == (3, page_end)
        start, end = (page_three_begins + at for at in position)
        assert passage.source.text[start:end] == passage.quote
        assert data["annotation"]["target"] == {
            "source": "http://localhost/sources/coi-report/",
            "selector": [
                {
                    "type": "FragmentSelector",
                    "conformsTo": "http://tools.ietf.org/rfc/rfc3778",
                    "value": "page=3",
                    "refinedBy": [
                        {
                            "type": "TextQuoteSelector",
                            "exact": passage.quote,
                            "prefix": prefix,
                            "suffix": suffix,
                        },
                        {"type": "TextPositionSelector", "start": position[0], "end": position[1]},
                    ],
                }
            ],
        }


def test_a_passage_without_pages_has_null_pages_and_its_annotation_no_page(client, disputed_claim):
    passage = disputed_claim.statements.get().passage
    data = client.get(f"/passages/{passage.pk}.json").json()
    assert (data["page"], data["page_end"]) == (None, None)
    assert [s["type"] for s in data["annotation"]["target"]["selector"]] == [
        "TextQuoteSelector",
        "TextPositionSelector",
    ]


def test_a_changed_passage_on_a_page_is_annotated_by_its_words_on_its_page(client, paged_claim):
    on_three, _ = _paged_passages()
    source = on_three.source
    # Words of the same length: the page breaks stay where they were.
    source.text = source.text.replace("Witnesses described", "Witnesses portrayed")
    source.save()
    [page] = client.get(f"/passages/{on_three.pk}.json").json()["annotation"]["target"]["selector"]
    assert page["value"] == "page=3"
    assert [s["type"] for s in page["refinedBy"]] == ["TextQuoteSelector"]
