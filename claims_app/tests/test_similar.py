"""Claims found before they are duplicated (issue 17): the closest existing claims to one being
typed, on both databases; attaching what a curator adds to one of them; likely duplicates and
their merge."""

import io
import re
from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command

from claims_app import merging, similar
from claims_app.models import Claim, Dispute, MergedClaim, Statement

from .browser import log_in
from .factories import (
    ActorFactory,
    ClaimFactory,
    DisputeFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
    TopicFactory,
    editors_group,
)

PARAPHRASE = "More than 130,000 people are held as political prisoners in North Korea"
SEED_CLAIM = "North Korea holds more than 130,000 political prisoners."
SIMILAR_URL = "/admin/claims_app/claim/similar/"


@pytest.fixture
def seeded(db):
    call_command("setup_local", stdout=io.StringIO())


def _user(*, staff=True, groups=("Editors",), superuser=False, name="editor") -> User:
    user = User.objects.create_user(
        name, password="pw-for-tests", is_staff=staff, is_superuser=superuser
    )
    for group in groups:
        user.groups.add(editors_group() if group == "Editors" else Group.objects.get(name=group))
    return user


@pytest.fixture
def editor_client(client, db):
    client.force_login(_user())
    return client


@pytest.fixture
def merger_client(client, db):
    """A curator of the Editors group: they may merge claims (though they delete nothing)."""
    client.force_login(_user(name="merger"))
    return client


# ---------------------------------------------------------------------------------------------
# The closest claims


def test_a_paraphrase_of_the_seed_figure_offers_the_seed_claim_first(seeded):
    found = similar.claims_similar(PARAPHRASE)
    assert found[0].text == SEED_CLAIM
    assert found[0].claimant_names  # who made it, to recognise it by
    assert found[0].status in ("undisputed", "disputed", "retracted")
    # And a claim on another subject is not first for its own words.
    other = similar.claims_similar("The credibility of the Daily NK website is very low")
    assert other[0].text == "The credibility of the Daily NK website is exceedingly low."


def test_the_same_figure_comes_before_the_same_words_about_another(db):
    other_figure = ClaimFactory(text="About 1,200 people had been held without trial.")
    same_figure = ClaimFactory(text="About 130000 people had been held without trial.")
    found = similar.claims_similar("130,000 people had been held without trial")
    assert [claim.pk for claim in found] == [same_figure.pk, other_figure.pk]
    assert found[0].similarity > found[1].similarity + 0.3


def test_a_draft_is_offered_too_and_exclude_leaves_a_claim_out(db):
    draft = ClaimFactory(text=SEED_CLAIM, published=False, published_at=None)
    assert [claim.pk for claim in similar.claims_similar(PARAPHRASE)] == [draft.pk]
    assert similar.claims_similar(PARAPHRASE, exclude=draft.pk) == []


def test_no_words_no_claims(db):
    ClaimFactory(text=SEED_CLAIM)
    for text in ("", "   ", "…!?", '"'):
        assert similar.claims_similar(text) == []


def test_the_seed_has_no_two_claims_as_alike_as_a_paraphrase(seeded):
    """DUPLICATE_SCORE sits between the paraphrase's score and any two different seed claims'."""
    texts = list(Claim.objects.values_list("text", flat=True))
    paraphrase = similar.claim_similarity(PARAPHRASE, SEED_CLAIM)
    closest_different = max(similar.claim_similarity(a, b) for a in texts for b in texts if a != b)
    assert closest_different < similar.DUPLICATE_SCORE < paraphrase


# ---------------------------------------------------------------------------------------------
# The endpoint


def test_the_endpoint_answers_staff_with_the_closest_claims(seeded, editor_client):
    response = editor_client.get(SIMILAR_URL, {"q": PARAPHRASE})
    assert response.status_code == 200
    first = response.json()["claims"][0]
    seed = Claim.objects.get(text=SEED_CLAIM)
    assert first == {
        "id": seed.pk,
        "text": SEED_CLAIM,
        "title": seed.title,
        "status": seed.status,
        "published": True,
        "claimants": first["claimants"],
        "change_url": f"/admin/claims_app/claim/{seed.pk}/change/",
        "public_url": seed.get_absolute_url(),
    }
    assert "Amnesty International" in first["claimants"]
    excluded = editor_client.get(SIMILAR_URL, {"q": PARAPHRASE, "exclude": seed.pk}).json()
    assert seed.pk not in [claim["id"] for claim in excluded["claims"]]


def test_a_draft_has_no_public_url(editor_client):
    ClaimFactory(text=SEED_CLAIM, published=False, published_at=None)
    (claim,) = editor_client.get(SIMILAR_URL, {"q": PARAPHRASE}).json()["claims"]
    assert claim["published"] is False and claim["public_url"] is None


def test_the_endpoint_is_for_staff_only(client, db):
    ClaimFactory(text=SEED_CLAIM)
    assert client.get(SIMILAR_URL, {"q": PARAPHRASE}).status_code == 302  # to the login
    client.force_login(_user(staff=False, groups=()))
    assert client.get(SIMILAR_URL, {"q": PARAPHRASE}).status_code == 302
    client.force_login(_user(groups=(), name="staff-without-permissions"))
    assert client.get(SIMILAR_URL, {"q": PARAPHRASE}).status_code == 403


@pytest.mark.parametrize(
    "params",
    [{"q": "x", "exclude": "abc"}, {"q": "x", "exclude": "²"}, {"q": "x", "limit": "0"}],
)
def test_bad_input_to_the_endpoint_is_a_400_that_says_why(editor_client, params):
    response = editor_client.get(SIMILAR_URL, params)
    assert response.status_code == 400
    assert response.json()["error"]


def test_a_text_past_its_limit_is_a_400_and_an_empty_one_no_claims(editor_client):
    ClaimFactory(text=SEED_CLAIM)
    assert editor_client.get(SIMILAR_URL, {"q": "a" * 2001}).status_code == 400
    for q in ("", "\x00", "  "):
        assert editor_client.get(SIMILAR_URL, {"q": q}).json() == {"claims": []}
    found = editor_client.get(SIMILAR_URL, {"q": "North Korea\x00 holds 130,000"}).json()
    assert [claim["text"] for claim in found["claims"]] == [SEED_CLAIM]


# ---------------------------------------------------------------------------------------------
# Attaching from the add form


def _management(prefix: str, total: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _add_form(source, committee, critic, **fields) -> dict:
    """The claim add form with one statement and one dispute by pasted quotes, as a browser
    posts it."""
    return {
        "text": PARAPHRASE,
        "title": "",
        "slug": "",
        "quantity_qualifier": "",
        "quantity_value": "",
        "quantity_value_max": "",
        "quantity_unit": "",
        "attach_to": "",
        **_management("statements", 1),
        "statements-0-actor": committee.pk,
        "statements-0-source": source.pk,
        "statements-0-quote": "more than 130,000 people are held in camps",
        "statements-0-date_precision": "day",
        **_management("disputes", 1),
        "disputes-0-actor": critic.pk,
        "disputes-0-kind": "questions",
        "disputes-0-source": source.pk,
        "disputes-0-quote": "Critics asked how the figure was estimated",
        "disputes-0-date_precision": "day",
        "disputes-0-note": "Asks how it was counted.",
        **fields,
    }


def test_choosing_an_existing_claim_on_the_add_form_adds_to_it_instead(editor_client):
    existing = ClaimFactory(text=SEED_CLAIM, title="The 130,000 figure")
    kept = StatementFactory(claim=existing)
    source = SourceFactory()
    committee, critic = ActorFactory(name="The Committee"), ActorFactory(name="The Critic")
    topic = TopicFactory()
    data = _add_form(
        source,
        committee,
        critic,
        attach_to=existing.pk,
        topics=[topic.pk],
        quantity_qualifier="more than",
        quantity_value="130000",
        quantity_unit="people",
    )
    response = editor_client.post("/admin/claims_app/claim/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/admin/claims_app/claim/{existing.pk}/change/"
    assert Claim.objects.get() == existing  # no second claim
    existing.refresh_from_db()
    assert existing.text == SEED_CLAIM and existing.title == "The 130,000 figure"
    assert set(existing.statements.values_list("actor__name", flat=True)) == {
        kept.actor.name,
        "The Committee",
    }
    dispute = existing.disputes.get()
    assert (dispute.actor, dispute.note) == (critic, "Asks how it was counted.")
    assert existing.status == "disputed"
    assert list(existing.topics.all()) == [topic]
    assert existing.quantity_display == "more than 130,000 people"  # it had no figure
    page = editor_client.get(response["Location"]).content.decode()
    assert f"rather than made a second claim worded “{PARAPHRASE}”." in page


def test_an_identical_statement_is_not_doubled_when_attaching(editor_client):
    existing = ClaimFactory(text=SEED_CLAIM)
    statement = StatementFactory(claim=existing)
    critic = ActorFactory()
    data = _add_form(
        statement.passage.source,
        statement.actor,
        critic,
        attach_to=existing.pk,
        **{"disputes-0-quote": "more than 130,000 people are held in camps"},
    )
    response = editor_client.post("/admin/claims_app/claim/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert existing.statements.get() == statement
    assert existing.disputes.count() == 1
    messages = editor_client.get(response["Location"]).content.decode()
    assert "1 statement(s) or dispute(s) it already had were not doubled" in messages


def test_attaching_to_a_claim_gone_meanwhile_is_an_error_and_saves_nothing(editor_client):
    source, committee, critic = SourceFactory(), ActorFactory(), ActorFactory()
    gone = ClaimFactory(text=SEED_CLAIM)
    gone_pk = gone.pk
    gone.delete()
    response = editor_client.post(
        "/admin/claims_app/claim/add/", _add_form(source, committee, critic, attach_to=gone_pk)
    )
    assert response.status_code == 200
    assert f"The claim #{gone_pk} you chose to add these to is gone" in response.content.decode()
    assert not Claim.objects.exists() and not Statement.objects.exists()
    # What the curator typed is still in the form.
    assert PARAPHRASE in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"disputes-0-counterclaim": "existing"}, "A claim cannot be its own counterclaim."),
        ({"disputes-0-kind": "retracts"}, "Only one of the claim&#x27;s own claimants can retract"),
    ],
)
def test_rows_added_to_an_existing_claim_are_checked_against_it(editor_client, fields, error):
    """A dispute resting on the very claim it is added to, or retracting it by an actor who
    never stated it: a form error, the curator's input kept, nothing saved."""
    existing = ClaimFactory(text=SEED_CLAIM)
    source, committee, critic = SourceFactory(), ActorFactory(), ActorFactory()
    fields = {name: existing.pk if value == "existing" else value for name, value in fields.items()}
    data = _add_form(source, committee, critic, attach_to=existing.pk, **fields)
    response = editor_client.post("/admin/claims_app/claim/add/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert PARAPHRASE in page and "Asks how it was counted." in page
    assert Claim.objects.get() == existing
    assert not Statement.objects.exists() and not Dispute.objects.exists()


def test_without_a_choice_the_add_form_makes_a_new_claim(editor_client):
    ClaimFactory(text=SEED_CLAIM)
    source, committee, critic = SourceFactory(), ActorFactory(), ActorFactory()
    response = editor_client.post(
        "/admin/claims_app/claim/add/", _add_form(source, committee, critic)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Claim.objects.count() == 2


# ---------------------------------------------------------------------------------------------
# Likely duplicates and their merge


@pytest.fixture
def planted_pair(db):
    """The seed's figure written twice: each claim with a statement, one with a dispute too,
    and the same actor citing the same passage in both (not to be doubled)."""
    keep = ClaimFactory(text=SEED_CLAIM, slug="the-figure")
    twice = ClaimFactory(text=PARAPHRASE, slug="the-figure-again")
    shared = StatementFactory(claim=keep)
    StatementFactory(claim=twice, actor=shared.actor, passage=shared.passage)
    moved = StatementFactory(claim=twice, actor=ActorFactory(name="Another Claimant"))
    dispute = DisputeFactory(
        claim=twice,
        passage=PassageFactory(
            source=shared.passage.source, words="Critics asked how the figure was estimated"
        ),
    )
    twice.topics.add(TopicFactory(name="prisons"))
    twice.quantity_value, twice.quantity_qualifier = 130000, "more than"
    twice.save()
    ClaimFactory(text="Ordinary North Koreans are starving.")  # not a duplicate
    return keep, twice, moved, dispute


def test_the_duplicates_page_lists_a_planted_pair(editor_client, planted_pair):
    keep, twice, *_ = planted_pair
    response = editor_client.get("/admin/claims_app/claim/duplicates/")
    page = response.content.decode()
    table = re.search(r'<table class="duplicates">.*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr>.*?</tr>", table.split("<tbody>")[1], re.S)
    assert len(rows) == 1
    assert f"#{keep.pk}: {SEED_CLAIM}" in rows[0] and f"#{twice.pk}: {PARAPHRASE}" in rows[0]
    assert "starving" not in page
    assert "Merge…" in page  # Editors may merge: a merge loses nothing
    assert "Likely duplicates" in editor_client.get("/admin/claims_app/claim/").content.decode()


def test_merging_moves_statements_and_disputes_and_leaves_301s(merger_client, planted_pair, client):
    keep, twice, moved, dispute = planted_pair
    page = merger_client.get("/admin/claims_app/claim/duplicates/").content.decode()
    assert f"?a={keep.pk}&amp;b={twice.pk}" in page
    url = f"/admin/claims_app/claim/merge/?a={keep.pk}&b={twice.pk}"
    form = merger_client.get(url).content.decode()
    # Offered to stay: the published one (both are), then the one more cited.
    assert re.search(rf'<input type="radio" name="keep" value="{twice.pk}"[^>]* checked', form)
    response = merger_client.post(url, {"keep": keep.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/claims_app/claim/{keep.pk}/change/"

    assert not Claim.objects.filter(pk=twice.pk).exists()
    keep.refresh_from_db()
    assert keep.statements.count() == 2  # the shared actor and passage once, and the moved one
    assert Statement.objects.get(pk=moved.pk).claim == keep
    assert Dispute.objects.get(pk=dispute.pk).claim == keep
    assert keep.status == "disputed" and keep.dispute_count == 1  # derived columns follow
    assert [topic.name for topic in keep.topics.all()] == ["prisons"]
    assert keep.quantity_display == "more than 130,000"

    for old, new in (
        ("/claims/the-figure-again/", "/claims/the-figure/"),
        ("/claims/the-figure-again.json", "/claims/the-figure.json"),
    ):
        answer = client.get(old)
        assert (answer.status_code, answer.get("Location")) == (301, new), answer.content[:300]
    assert MergedClaim.objects.get().claim == keep

    # The history says what happened, and who did it.
    deleted = Claim.history.get(id=twice.pk, history_type="-")
    assert deleted.history_change_reason == f"merged claim #{twice.pk} into #{keep.pk}"
    assert deleted.history_user.username == "merger"
    assert Statement.history.filter(id=moved.pk, history_type="~", claim_id=keep.pk).exists()


def test_a_row_both_claims_have_keeps_what_either_said(planted_pair):
    """The same actor citing the same passage in both claims is kept once, and loses nothing:
    the merged claim's note, date and "reported" fill the kept row's blanks (notes are both
    kept), and the same for a dispute of the same kind, with its counterclaim."""
    keep, twice, *_ = planted_pair
    shared = keep.statements.get()
    doubled = twice.statements.get(actor=shared.actor)
    doubled.note, doubled.date, doubled.date_precision = "Said twice.", date(2018, 12, 1), "month"
    doubled.reported = False
    doubled.save()
    shared.note = "In its report."
    shared.save()
    other = ClaimFactory(text="Ordinary North Koreans are starving.")
    # Resting on the claim merged, it would rest on itself: the other's counterclaim counts.
    kept_dispute = DisputeFactory(claim=keep, kind="denies", counterclaim=twice)
    DisputeFactory(
        claim=twice,
        actor=kept_dispute.actor,
        passage=kept_dispute.passage,
        kind="denies",
        note="Calls it a guess.",
        counterclaim=other,
    )
    merging.claim_merge(keep_id=keep.pk, merged_id=twice.pk, may_publish=False)
    shared.refresh_from_db()
    assert shared.note == "In its report.\n\nSaid twice."
    assert (shared.date_iso, shared.reported) == ("2018-12", False)
    kept_dispute.refresh_from_db()
    assert (kept_dispute.note, kept_dispute.counterclaim) == ("Calls it a guess.", other)


def test_a_merge_that_would_lose_a_dispute_s_kind_is_refused_naming_it(merger_client, planted_pair):
    keep, twice, *_ = planted_pair
    kept_dispute = DisputeFactory(claim=keep, kind="denies", actor=ActorFactory(name="The Critic"))
    DisputeFactory(
        claim=twice, actor=kept_dispute.actor, passage=kept_dispute.passage, kind="qualifies"
    )
    shared = keep.statements.get()
    shared.date = date(2019, 1, 1)
    shared.save()
    doubled = twice.statements.get(actor=shared.actor)
    doubled.date = date(2020, 1, 1)
    doubled.save()
    url = f"/admin/claims_app/claim/merge/?a={keep.pk}&b={twice.pk}"
    page = merger_client.post(url, {"keep": keep.pk}).content.decode()
    assert "The Critic denies it in one and qualifies it in the other" in page
    assert f"{shared.actor.name} gives the date 2019-01-01 in one and 2020-01-01" in page
    assert Claim.objects.filter(pk=twice.pk).exists()
    assert twice.disputes.count() == 2


def test_a_claim_merged_into_one_merged_later_leads_to_the_last(merger_client, planted_pair):
    keep, twice, *_ = planted_pair
    last = ClaimFactory(text="North Korea holds more than 130,000 political prisoners, it says.")
    merger_client.post(
        f"/admin/claims_app/claim/merge/?a={keep.pk}&b={twice.pk}", {"keep": keep.pk}
    )
    merger_client.post(f"/admin/claims_app/claim/merge/?a={keep.pk}&b={last.pk}", {"keep": last.pk})
    for old in ("/claims/the-figure-again/", "/claims/the-figure/"):
        assert merger_client.get(old)["Location"] == last.get_absolute_url()


def test_every_address_the_merged_claim_had_leads_to_the_one_that_stays(merger_client, db):
    keep = ClaimFactory(text=SEED_CLAIM, slug="the-figure")
    twice = ClaimFactory(text=PARAPHRASE, slug="first-address")
    twice.slug = "second-address"
    twice.save()
    merger_client.post(
        f"/admin/claims_app/claim/merge/?a={keep.pk}&b={twice.pk}", {"keep": keep.pk}
    )
    for old in ("/claims/first-address/", "/claims/second-address/"):
        assert merger_client.get(old)["Location"] == "/claims/the-figure/"


def test_a_new_claim_does_not_take_a_merged_claims_address(merger_client, planted_pair):
    keep, twice, *_ = planted_pair
    merger_client.post(
        f"/admin/claims_app/claim/merge/?a={keep.pk}&b={twice.pk}", {"keep": keep.pk}
    )
    again = ClaimFactory(text="The figure again")
    assert again.slug == "the-figure-again-2"
    assert merger_client.get("/claims/the-figure-again/")["Location"] == "/claims/the-figure/"


def test_a_draft_merged_leaves_no_address_behind(merger_client, db, client):
    """A slug only a draft ever had was never public: it reveals the draft's wording, and is
    not reserved."""
    keep = ClaimFactory(text=SEED_CLAIM, slug="the-figure")
    draft = ClaimFactory(text=PARAPHRASE, slug="a-draft-wording", published=False)
    draft.slug = "a-draft-wording-changed"
    draft.save()
    merging.claim_merge(keep_id=keep.pk, merged_id=draft.pk, may_publish=True)
    assert not MergedClaim.objects.exists()
    for old in ("/claims/a-draft-wording/", "/claims/a-draft-wording-changed/"):
        assert client.get(old).status_code == 404
    assert ClaimFactory(text="Another", slug="a-draft-wording").slug == "a-draft-wording"


def test_merging_needs_the_permission_to_merge_claims(client, planted_pair):
    keep, twice, *_ = planted_pair
    user = _user(groups=(), name="changer")  # may change claims, not merge them
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_claim", "change_claim"])
    )
    client.force_login(user)
    page = client.get("/admin/claims_app/claim/duplicates/").content.decode()
    assert "Merge…" not in page
    assert "Merging needs the permissions to change claims and to merge them" in page
    url = f"/admin/claims_app/claim/merge/?a={keep.pk}&b={twice.pk}"
    assert client.post(url, {"keep": keep.pk}).status_code == 403
    assert Claim.objects.filter(pk=twice.pk).exists()


def test_a_published_claim_is_not_merged_into_a_draft(merger_client, db, client):
    """Its public address would lead to a page nobody may see: a published URL never breaks."""
    published = ClaimFactory(text=SEED_CLAIM, slug="the-figure")
    draft = ClaimFactory(text=PARAPHRASE, published=False, published_at=None)
    url = f"/admin/claims_app/claim/merge/?a={draft.pk}&b={published.pk}"
    form = merger_client.get(url).content.decode()
    assert re.search(rf'<input type="radio" name="keep" value="{published.pk}"[^>]* checked', form)
    assert "A published claim is merged only into a published one" in form
    response = merger_client.post(url, {"keep": draft.pk})
    assert response.status_code == 200
    assert (
        "Publish the claim that stays first, or keep the published one" in response.content.decode()
    )
    assert Claim.objects.filter(pk__in=[published.pk, draft.pk]).count() == 2
    assert client.get("/claims/the-figure/").status_code == 200


def test_merging_a_draft_into_a_published_claim_needs_the_permission_to_publish(client, db):
    published = ClaimFactory(text=SEED_CLAIM)
    draft = ClaimFactory(text=PARAPHRASE, published=False, published_at=None)
    StatementFactory(claim=draft)
    user = _user(groups=(), name="merger-not-publisher")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_claim", "change_claim", "merge_claim"])
    )
    client.force_login(user)
    url = f"/admin/claims_app/claim/merge/?a={published.pk}&b={draft.pk}"
    response = client.post(url, {"keep": published.pk})
    assert response.status_code == 200
    assert "needs the permission to publish claims" in response.content.decode()
    assert Claim.objects.get(pk=draft.pk).statements.count() == 1  # nothing published

    user.user_permissions.add(Permission.objects.get(codename="publish_claim"))
    client.force_login(User.objects.get(pk=user.pk))  # the permissions read afresh
    assert client.post(url, {"keep": published.pk}).status_code == 302
    assert published.statements.count() == 1 and not Claim.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("query", ["a=1&b=1", "a=x&b=2", "a=999998&b=999999", ""])
def test_a_bad_merge_address_is_an_error_not_a_500(merger_client, db, query):
    response = merger_client.get(f"/admin/claims_app/claim/merge/?{query}", follow=True)
    assert response.status_code == 200
    assert "Choose two different claims that still exist" in response.content.decode()


def test_a_merge_post_without_a_choice_merges_nothing(merger_client, planted_pair):
    keep, twice, *_ = planted_pair
    url = f"/admin/claims_app/claim/merge/?a={keep.pk}&b={twice.pk}"
    for data in ({}, {"keep": "12345678"}):
        assert merger_client.post(url, data).status_code == 200
    assert Claim.objects.filter(pk__in=[keep.pk, twice.pk]).count() == 2


# ---------------------------------------------------------------------------------------------
# In the browser


def test_typing_the_paraphrase_in_the_add_form_lists_the_seed_claim_first(
    every_page, open_browser, tmp_path
):
    _user(name="typist", superuser=True, groups=())
    page = open_browser()  # under the site's Content-Security-Policy: no inline script
    log_in(page, "typist", "pw-for-tests")
    page.goto("/admin/claims_app/claim/add/")
    page.fill("#id_text", PARAPHRASE)
    first = page.locator("#similar-claims li").first
    first.wait_for()
    assert first.locator("a").inner_text() == SEED_CLAIM
    assert "Amnesty International" in first.inner_text()
    first.get_by_role("button").click()
    seed = Claim.objects.get(text=SEED_CLAIM)
    assert page.input_value("input[name=attach_to]") == str(seed.pk)
    assert f"claim #{seed.pk}" in page.locator(".similar-chosen").inner_text()
    page.screenshot(path=tmp_path / "admin-claim-similar.png")
    page.get_by_role("button", name="Make a new claim after all").click()
    assert page.input_value("input[name=attach_to]") == ""


def test_the_similar_list_and_the_duplicate_screens_pass_axe(every_page, open_browser, tmp_path):
    from .test_accessibility import axe_violations

    _user(name="chief", superuser=True, groups=())
    twice = ClaimFactory(text=PARAPHRASE, published=False, published_at=None)
    seed = Claim.objects.get(text=SEED_CLAIM)
    page = open_browser(bypass_csp=True)  # axe is injected
    log_in(page, "chief", "pw-for-tests")
    page.goto("/admin/claims_app/claim/add/")
    page.fill("#id_text", PARAPHRASE)
    page.locator("#similar-claims li").first.get_by_role("button").click()
    problems = [f"similar list: {line}" for line in axe_violations(page)]
    page.goto("/admin/claims_app/claim/duplicates/")
    assert page.locator("table.duplicates tbody tr").count() == 1
    page.screenshot(path=tmp_path / "admin-claim-duplicates.png")
    problems += [f"duplicates: {line}" for line in axe_violations(page)]
    page.get_by_role("link", name="Merge…").click()
    page.get_by_label(f"#{seed.pk}: {SEED_CLAIM}").check()
    page.screenshot(path=tmp_path / "admin-claim-merge.png")
    problems += [f"merge: {line}" for line in axe_violations(page)]
    page.get_by_role("button", name="Merge").click()
    assert "is merged into" in page.locator(".messagelist").inner_text()
    assert not Claim.objects.filter(pk=twice.pk).exists()
    assert not problems, "\n".join(problems)
