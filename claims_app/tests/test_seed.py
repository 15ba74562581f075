"""The seed data: both articles, curated as PRODUCT.md §6 lists, every quote an exact span."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from claims_app.models import Claim, Source

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"

pytestmark = pytest.mark.django_db

# (claim key, claimant, {disputant: kind}, quotes that must be its passages)
TABLE = [
    (
        "north-korea-holds-more-than-130000-political-prisoners",
        ["Amnesty International"],
        {"Konstantin Asmolov": "questions"},
        [
            "Amnesty International estimated (it would be interesting to know how) that there are more "
            "than 130,000 political prisoners in North Korea",
            "it would be interesting to know how",
        ],
    ),
    (
        "north-korean-leaders-should-be-prosecuted-for-nazi-style-atrocities",
        ["UN Commission of Inquiry on Human Rights in the DPRK"],
        {"Konstantin Asmolov": "denies", "Korea Association for Human Rights Studies": "denies"},
        [
            "supervising a state-controlled system of Nazi-style atrocities",
            "based on what ultimately transpired to be fraudulent testimony from important witnesses "
            "like Shin Dong-hyuk",
            "recalling the mishap of Shin Dong Hyuk, who himself was eventually forced to admit to "
            "distorting his past",
        ],
    ),
    (
        "coi-report-rested-largely-on-false-testimony",
        ["Konstantin Asmolov"],
        {},
        [
            "as it turns out the notorious 2014 report was, for the most part, based on false testimonies",
            "based on what ultimately transpired to be fraudulent testimony from important witnesses "
            "like Shin Dong-hyuk",
        ],
    ),
    (
        "dprk-gravely-and-systematically-violates-human-rights",
        ["UN General Assembly Third Committee"],
        {"Kim Song": "denies", "DPRK media": "denies"},
        [],
    ),
    ("ordinary-north-koreans-are-starving-and-lack-medical-care", ["Tomás Ojea Quintana"], {}, []),
    (
        "north-korean-officials-use-rape-as-repression",
        ["Human Rights Watch"],
        {"Konstantin Asmolov": "questions"},
        [],
    ),
    (
        "dprk-engages-in-human-trafficking",
        ["United States"],
        {"Konstantin Asmolov": "qualifies"},
        [],
    ),
    (
        "dprk-human-rights-crisis-among-most-protracted",
        ["Julie Turner"],
        {"Democratic People's Republic of Korea": "denies"},
        [],
    ),
    (
        "one-missile-would-feed-population-for-three-months",
        ["Kim Il Hyuk"],
        {"Konstantin Asmolov": "denies"},
        [
            "the amount spent to build just one missile is enough to provide the population with food for "
            "three months",
            "given that the DPRK has a population of over 25 million, modern armament "
            "prices easily reject this figure",
        ],
    ),
    (
        "dprk-most-oppressive-totalitarian-state",
        ["Linda Thomas-Greenfield"],
        {"Korea Association for Human Rights Studies": "denies"},
        [],
    ),
    (
        "dprk-human-rights-a-matter-for-un-security-council",
        ["United States"],
        {
            "China": "denies",
            "Geng Shuang": "denies",
            "Russia": "denies",
            "Dmitry Polyanskiy": "denies",
        },
        [],
    ),
    (
        "daily-nk-credibility-is-exceedingly-low",
        ["Konstantin Asmolov"],
        {},
        ["whose credibility the author deems to be exceedingly low"],
    ),
]


@pytest.fixture
def seeded(db):
    call_command("setup_local", stdout=open("/dev/null", "w"))


def test_both_articles_are_stored_exactly_as_given(seeded):
    for slug, filename in [
        ("neo-2018-still-persecuted", "000_9cc6492aef60a086.txt"),
        ("neo-2023-failed-attack", "004_58b57bd7f8a8ce6b.txt"),
    ]:
        source = Source.objects.get(slug=slug)
        if SEEDS.is_dir():
            assert source.text == (SEEDS / filename).read_text(encoding="utf-8")
        assert source.authors.get().name == "Konstantin Asmolov"
        assert source.publisher.name == "New Eastern Outlook"
    assert Source.objects.get(slug="neo-2018-still-persecuted").date_iso == "2018-12"
    assert Source.objects.get(slug="neo-2023-failed-attack").date_iso == "2023-09-06"


@pytest.mark.parametrize(
    ("slug", "claimants", "disputants", "quotes"), TABLE, ids=[row[0] for row in TABLE]
)
def test_every_listed_claim_is_curated_with_its_sides_and_exact_passages(
    seeded, slug, claimants, disputants, quotes
):
    claim = Claim.objects.get(slug=slug)
    assert claim.published
    made_by = {s.actor.name for s in claim.statements.all()}
    assert set(claimants) <= made_by
    disputes = {d.actor.name: d.kind for d in claim.disputes.all()}
    for actor, kind in disputants.items():
        assert disputes.get(actor) == kind, (actor, disputes)
    passages = [c.passage for c in [*claim.statements.all(), *claim.disputes.all()]]
    for quote in quotes:
        assert quote in [p.quote for p in passages]
    for passage in passages:
        assert passage.source.text[passage.start : passage.end] == passage.quote
        assert passage.source.text.count(passage.quote) == 1


def test_the_nazi_style_dispute_rests_on_the_false_testimony_counterclaim(seeded):
    claim = Claim.objects.get(
        slug="north-korean-leaders-should-be-prosecuted-for-nazi-style-atrocities"
    )
    dispute = claim.disputes.get(actor__name="Konstantin Asmolov")
    assert dispute.counterclaim.slug == "coi-report-rested-largely-on-false-testimony"


def test_the_false_testimony_claim_is_stated_in_both_articles(seeded):
    claim = Claim.objects.get(slug="coi-report-rested-largely-on-false-testimony")
    assert {s.passage.source.slug for s in claim.statements.all()} == {
        "neo-2018-still-persecuted",
        "neo-2023-failed-attack",
    }


def test_the_seed_is_loaded_only_into_an_empty_database(seeded):
    count = Claim.objects.count()
    call_command("setup_local", stdout=open("/dev/null", "w"))
    assert Claim.objects.count() == count


def test_the_seed_pages_all_answer(seeded, client):
    for claim in Claim.objects.all():
        assert client.get(claim.get_absolute_url()).status_code == 200
    for source in Source.objects.all():
        page = client.get(source.get_absolute_url()).content.decode()
        for passage in source.passages.all():
            assert f'id="passage-{passage.pk}"' in page
