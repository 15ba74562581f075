"""A blank slug is made on save from the object's name: the add form shows what it will be,
as the name is typed, by asking the server (slug_preview.py), so the preview is the save."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from claims_app.models import Claim, Source, Topic

from . import browser
from .factories import ClaimFactory, SourceFactory, editors_group

pytestmark = pytest.mark.django_db

KOREAN = "북한 정치범 수용소에 13만 명이 수감되어 있다"


@pytest.fixture
def editor_client(client):
    user = User.objects.create_user("editor", password="pw-for-tests", is_staff=True)
    user.groups.add(editors_group())
    client.force_login(user)
    return client


def _preview(client, model: str, **fields) -> str:
    response = client.post(f"/admin/claims_app/{model}/slug/", fields)
    assert response.status_code == 200, response.content
    return response.json()["slug"]


def test_the_preview_is_the_slug_a_new_claim_gets_even_when_it_is_taken(editor_client):
    text = "More than 130,000 people are held in the camps."
    ClaimFactory(text=text)  # has the slug already: the new one will be "-2"
    preview = _preview(editor_client, "claim", text=text, title="")
    assert preview == "more-than-130000-people-are-held-in-the-camps-2"
    assert Claim.objects.create(text=text).slug == preview


def test_a_claims_title_names_it_before_its_text(editor_client):
    preview = _preview(editor_client, "claim", text="Long words.", title="Short")
    assert preview == "short" == Claim.objects.create(text="Long words.", title="Short").slug


def test_the_preview_keeps_a_korean_title_as_the_save_does(editor_client):
    assert _preview(editor_client, "source", title=KOREAN) == SourceFactory(title=KOREAN).slug
    assert _preview(editor_client, "topic", name=KOREAN) == Topic.objects.create(name=KOREAN).slug
    assert Source.objects.get().slug == "북한-정치범-수용소에-13만-명이-수감되어-있다"


def test_a_long_name_is_cut_as_the_save_cuts_it(editor_client):
    text = "The camps " + "hold many more people than reported " * 10
    preview = _preview(editor_client, "claim", text=text)
    assert len(preview) <= 80 and preview == Claim.objects.create(text=text).slug


def test_an_object_being_edited_is_not_its_own_rival(editor_client):
    claim = ClaimFactory(text="The camps hold thousands.")
    assert _preview(editor_client, "claim", text=claim.text, pk=claim.pk) == claim.slug
    assert _preview(editor_client, "claim", text=claim.text) == f"{claim.slug}-2"


def test_the_preview_asks_by_post_and_for_the_models_permissions(editor_client):
    assert editor_client.get("/admin/claims_app/claim/slug/?text=x").status_code == 405
    visitor = Client(HTTP_HOST="localhost")  # staff, but with no permission on claims
    visitor.force_login(User.objects.create_user("visitor", is_staff=True))
    assert visitor.post("/admin/claims_app/claim/slug/", {"text": "x"}).status_code == 403


def test_the_add_forms_say_what_a_blank_slug_becomes(editor_client):
    for model, made_from in [
        ("claim", "title or the text"),
        ("source", "title"),
        ("actor", "name"),
        ("topic", "name"),
    ]:
        page = editor_client.get(f"/admin/claims_app/{model}/add/").content.decode()
        assert f"Left blank, it is made from the {made_from} when saved" in page, model
        assert f'data-slug-url="/admin/claims_app/{model}/slug/"' in page, model


def test_typing_a_claims_text_shows_its_slug_and_the_save_gives_it(browser_page):
    get_user_model().objects.create_superuser("curator", "c@example.org", "a long passphrase")
    ClaimFactory(text="The camps hold thousands.")
    page = browser_page
    browser.log_in(page, "curator", "a long passphrase")
    page.goto("/admin/claims_app/claim/add/")
    page.get_by_label("Text:").fill("The camps hold thousands.")
    preview = page.locator("#id_slug_preview")
    expect(preview).to_have_text("It will be: the-camps-hold-thousands-2")
    expect(page.get_by_label("Slug:")).to_have_attribute(
        "placeholder", "the-camps-hold-thousands-2"
    )
    page.get_by_label("Title:").fill("정치범 수용소")
    expect(preview).to_have_text("It will be: 정치범-수용소")
    page.get_by_label("Slug:").fill("my-own")
    expect(preview).to_have_text("")  # a slug typed is the slug
    page.get_by_label("Slug:").fill("")
    expect(preview).to_have_text("It will be: 정치범-수용소")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page).to_have_url(re.compile(r"/change/$"))
    assert Claim.objects.get(title="정치범 수용소").slug == "정치범-수용소"
