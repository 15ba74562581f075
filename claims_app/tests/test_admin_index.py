"""The admin's front page, where a curator's day starts (issue 17, item 1): the record first,
where to start, and the drafts this curator has open, one click away."""

import re

import pytest
from django.contrib.auth.models import User

from claims_app.models import Claim

from .factories import ClaimFactory, editors_group

pytestmark = pytest.mark.django_db


def _editor(username: str) -> User:
    user = User.objects.create_user(username, password="pw-for-tests", is_staff=True)
    user.groups.add(editors_group())
    return user


def _claim_by(user: User, text: str, *, published: bool = False) -> Claim:
    claim = ClaimFactory.build(text=text, published=published)
    claim._history_user = user  # as HistoryRequestMiddleware records an admin save
    claim.save()
    return claim


@pytest.fixture
def editor(client):
    user = _editor("editor")
    client.force_login(user)
    return user


def test_the_record_comes_first_on_the_index_in_the_order_of_a_curators_work(admin_client):
    page = admin_client.get("/admin/").content.decode()  # a superuser, who sees every app
    record = page.index('class="app-claims_app ')  # … before Django's users and django-axes
    others = [m.start() for m in re.finditer(r'class="app-(auth|axes) ', page)]
    assert others and record < min(others)
    models = re.findall(r'<th scope="row" id="claims_app-(\w+)"', page)
    assert models == ["source", "passage", "claim", "statement", "dispute", "actor", "topic"]


def test_the_index_says_where_to_start(client, editor):
    page = client.get("/admin/").content.decode()
    assert "Where to start" in page
    assert "Start with a <strong>source</strong>" in page
    assert 'href="/admin/claims_app/source/add/"' in page


def test_the_index_lists_this_curators_drafts_newest_first_one_click_away(
    client, editor, django_assert_max_num_queries
):
    older = _claim_by(editor, "The camps hold 80,000 people.")
    newer = _claim_by(editor, "The camps hold 120,000 people.")
    _claim_by(editor, "The camps were closed in 2019.", published=True)
    _claim_by(_editor("someone-else"), "The camps never existed.")
    with django_assert_max_num_queries(8):
        page = client.get("/admin/").content.decode()
    drafts = page[page.index("Your drafts") : page.index("</ul>", page.index("Your drafts"))]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', drafts)
    assert links == [
        (f"/admin/claims_app/claim/{newer.pk}/change/", newer.text),
        (f"/admin/claims_app/claim/{older.pk}/change/", older.text),
    ]
    assert client.get(links[0][0]).status_code == 200


def test_a_draft_changed_by_this_curator_is_listed_though_another_made_it(client, editor):
    claim = _claim_by(_editor("someone-else"), "The camps hold 80,000 people.")
    assert "Your drafts" not in client.get("/admin/").content.decode()
    claim.text = "The camps hold about 80,000 people."
    claim._history_user = editor
    claim.save()
    assert (
        f'href="/admin/claims_app/claim/{claim.pk}/change/"'
        in client.get("/admin/").content.decode()
    )


def test_the_side_menu_puts_the_record_first_too(admin_client):
    page = admin_client.get("/admin/claims_app/claim/").content.decode()
    menu = page[page.index('id="nav-sidebar"') :]
    assert menu.index('class="app-claims_app ') < menu.index('class="app-auth ')
