"""Full-text search over claims, their quotes and their actors' names, on both databases: the
same syntax, the same claims found, ranked and highlighted alike."""

from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from claims_app import search
from claims_app.models import Actor, Alias, Claim, Dispute, Passage, Statement

from .factories import (
    ActorFactory,
    AliasFactory,
    ClaimFactory,
    DisputeFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's stored vectors"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index")


def _slugs(client, query) -> list[str]:
    return [c["slug"] for c in client.get(f"/claims.json?{query}").json()["results"]]


def _fresh_slugs(client, query) -> list[str]:
    """As `_slugs`, not from the page cache (writes in bulk say nothing to it)."""
    cache.clear()
    return _slugs(client, query)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=political+prisoners", "north-korea-holds-more-than-130000-political-prisoners"),
        ("q=Shin+Dong-hyuk", "coi-report-rested-largely-on-false-testimony"),
        ("q=Amnesty", "north-korea-holds-more-than-130000-political-prisoners"),
        ("q=missile", "one-missile-would-feed-population-for-three-months"),
        ("q=Nazi-style", "north-korean-leaders-should-be-prosecuted-for-nazi-style-atrocities"),
    ],
)
def test_search_finds_the_seed_claims_on_every_database(client, query, expected):
    call_command("setup_local", stdout=open("/dev/null", "w"))
    assert expected in _slugs(client, query)


def test_search_finds_a_claim_by_an_actors_alias(client):
    actor = ActorFactory(name="Shin Dong-hyuk")
    AliasFactory(actor=actor, name="Sin Tong Hyok")
    claim = StatementFactory(actor=actor, claim=ClaimFactory(text="A testimony.")).claim
    assert _slugs(client, "q=Tong+Hyok") == [claim.slug]


def test_search_ranks_the_claims_own_words_first(client):
    in_text = StatementFactory(claim=ClaimFactory(text="Prisoners are held in camps.")).claim
    in_quote_only = StatementFactory(claim=ClaimFactory(text="Something else entirely.")).claim
    assert _slugs(client, "q=camps") == [in_text.slug, in_quote_only.slug]


def test_search_takes_websearch_syntax(client):
    both = ClaimFactory(text="Famine and sanctions.")
    one = ClaimFactory(text="Famine alone.")
    assert _slugs(client, "q=famine+-sanctions") == [one.slug]
    assert _slugs(client, 'q="and+sanctions"') == [both.slug]


def test_search_highlights_matches_and_escapes_the_text(client):
    ClaimFactory(text='<script>alert("x")</script> camps & prisons')
    page = client.get("/claims/?q=camps").content.decode()
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>camps</mark> &amp; prisons" in page
    )
    assert "<script>alert" not in page


@postgres_only
def test_refreshing_every_claim_at_once_gives_the_same_vectors():
    from claims_app import search
    from claims_app.models import Claim

    call_command("setup_local", stdout=open("/dev/null", "w"))
    one_by_one = dict(Claim.objects.values_list("pk", "search_vector"))
    Claim.objects.update(search_vector=None)
    search.claims_search_refresh()
    assert dict(Claim.objects.values_list("pk", "search_vector")) == one_by_one


def test_a_search_too_broad_to_rank_or_count_comes_newest_first_and_says_so(client, settings):
    settings.RANK_MAX_MATCHES = 1
    from datetime import UTC, datetime

    older = ClaimFactory(text="Camps camps camps.", published_at=datetime(2020, 1, 1, tzinfo=UTC))
    newer = ClaimFactory(text="Camps once.", published_at=datetime(2024, 1, 1, tzinfo=UTC))
    twin = client.get("/claims.json?q=camps").json()
    assert twin["ranked"] is False
    assert twin["count"] is None and twin["count_more_than"] == 1
    assert [c["slug"] for c in twin["results"]] == [newer.slug, older.slug]
    status = next(f for f in twin["facets"] if f["param"] == "status")
    assert [v["value"] for v in status["values"]] == ["undisputed", "disputed", "retracted"]
    page = client.get("/claims/?q=camps").content.decode()
    assert "More than 1 claims matching “camps”" in page
    assert "Too many to count or rank by relevance quickly" in page
    settings.RANK_MAX_MATCHES = 5000
    cache.clear()  # a new setting comes with a restart; here, the pages are still cached
    twin = client.get("/claims.json?q=camps").json()
    assert twin["ranked"] is True and twin["count"] == 2 and "count_more_than" not in twin
    assert _slugs(client, "q=camps") == [older.slug, newer.slug]  # more of the word ranks first


def test_a_broad_search_pages_without_a_count(client, settings):
    settings.RANK_MAX_MATCHES = 2
    settings.CLAIMS_PAGE_SIZE = 2
    claims = [ClaimFactory(text=f"Camps, number {n}.") for n in range(5)]
    newest_first = [c.slug for c in sorted(claims, key=lambda c: (c.published_at, c.pk))][::-1]
    seen, url = [], "/claims.json?q=camps"
    while url:
        twin = client.get(url).json()
        assert twin["count"] is None
        seen += [c["slug"] for c in twin["results"]]
        url = twin["next"]
    assert seen == newest_first
    assert client.get("/claims.json?q=camps&page=4").status_code == 404
    page = client.get("/claims/?q=camps&page=2").content.decode()
    assert "Page 2</span>" in page and 'rel="next"' in page and 'rel="prev"' in page


def test_a_broad_search_finds_the_same_claims_on_every_page_near_the_start_and_after(
    client, settings
):
    # The first pages (filters.NEAR_START_PAGES) look each claim up in the index; later ones
    # ask the list of every match: the same claims either way, none twice, none missed.
    settings.RANK_MAX_MATCHES = 2
    settings.CLAIMS_PAGE_SIZE = 1
    claims = [ClaimFactory(text=f"Camps, number {n}.") for n in range(6)]
    ClaimFactory(text="No such word.")
    newest_first = [c.slug for c in sorted(claims, key=lambda c: (c.published_at, c.pk))][::-1]
    pages = [client.get(f"/claims.json?q=camps&page={n}").json() for n in range(1, 7)]
    assert [page["results"][0]["slug"] for page in pages] == newest_first
    assert [page["count"] for page in pages] == [None] * 6


def test_a_search_too_broad_to_facet_is_still_counted_and_ranked(client, settings):
    # Past FACET_MAX_CLAIMS a search is not read once for everything: counted, then ranked a
    # page at a time, its facets (but status) said to be too many.
    settings.FACET_MAX_CLAIMS = 1
    less = ClaimFactory(text="Camps once.")
    more = ClaimFactory(text="Camps camps camps.")
    twin = client.get("/claims.json?q=camps").json()
    assert twin["count"] == 2 and twin["ranked"] is True
    assert [c["slug"] for c in twin["results"]] == [more.slug, less.slug]
    facets = {f["param"]: f for f in twin["facets"]}
    assert [v["count"] for v in facets["status"]["values"]] == [2]
    assert facets["topic"]["timed_out"] and facets["made_by"]["timed_out"]


def test_drafts_never_make_a_search_seem_too_broad_to_count(client, settings):
    # The index holds drafts too: the matches it finds, less every draft, must still be more.
    settings.RANK_MAX_MATCHES = 2
    for n in range(2):
        ClaimFactory(text=f"Camps, published {n}.")
        ClaimFactory(text=f"Camps, draft {n}.", published=False)
    twin = client.get("/claims.json?q=camps").json()
    assert twin["count"] == 2 and twin["ranked"] is True
    ClaimFactory(text="Camps, published 2.")
    twin = client.get("/claims.json?q=camps").json()
    assert twin["count"] is None and twin["count_more_than"] == 2


# What each query finds in the seed, the same on both databases (CI runs this on each).
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "prisoner",  # stemmed: "prisoners"
            {
                "north-korea-holds-more-than-130000-political-prisoners",
                "north-korea-should-close-its-labour-camps",
            },
        ),
        (
            '"Security Council"',
            {
                "defector-witnesses-at-un-security-council-are-criminals",
                "dprk-human-rights-a-matter-for-un-security-council",
                "un-security-council-serves-washington-on-dprk",
            },
        ),
        (
            "camps OR trafficking",
            {
                "dprk-engages-in-human-trafficking",
                "dprk-has-lowest-rating-in-us-trafficking-report",
                "north-korea-should-close-its-labour-camps",
            },
        ),
        (
            "North Korea -rights",
            {
                "dprk-engages-in-human-trafficking",
                "dprk-has-lowest-rating-in-us-trafficking-report",
                "dprk-situation-should-go-to-international-criminal-court",
                "north-korea-holds-more-than-130000-political-prisoners",
                "sanctions-worsened-north-koreans-situation",
            },
        ),
        (
            "the defectors",  # "the" is a stop word on both
            {
                "defector-witnesses-at-un-security-council-are-criminals",
                "dprk-engages-in-human-trafficking",
            },
        ),
        ("Kim Jong Un", {"dprk-situation-should-go-to-international-criminal-court"}),
        ("Daily NK", {"daily-nk-credibility-is-exceedingly-low"}),
    ],
)
def test_both_databases_find_the_same_seed_claims(client, query, expected):
    call_command("setup_local", stdout=open("/dev/null", "w"))
    assert set(_slugs(client, urlencode({"q": query}))) == expected


def test_a_broad_search_finds_every_claim_with_both_words(client):
    call_command("setup_local", stdout=open("/dev/null", "w"))
    twin = client.get("/claims.json?q=human+rights").json()
    assert twin["count"] == 16


# Korean: words inside longer runs of syllables, found by their bigrams.

KOREAN_CLAIM = "북한 정치범수용소에는 약 12만 명이 수감되어 있다"


@pytest.mark.parametrize(
    "query",
    [
        "정치범",  # political prisoner, inside 정치범수용소에는
        "수감",  # imprisonment: two syllables, inside 수감되어
        "정치범수용소에는",  # the whole run
        "북한 수용소",  # two words, both required
        '"정치범수용소"',  # a phrase of bigrams
    ],
)
def test_korean_words_are_found_inside_longer_runs(client, query):
    claim = ClaimFactory(text=KOREAN_CLAIM)
    ClaimFactory(text="북한의 식량 사정은 나아지지 않았다")  # 북한 again, no camp, no prison
    assert _slugs(client, urlencode({"q": query})) == [claim.slug]


def test_korean_search_finds_only_what_it_names(client):
    claim = ClaimFactory(text=KOREAN_CLAIM)
    other = ClaimFactory(text="북한의 식량 사정은 나아지지 않았다")
    assert _slugs(client, urlencode({"q": "정치범"})) == [claim.slug]
    assert _slugs(client, urlencode({"q": "식량"})) == [other.slug]
    assert set(_slugs(client, urlencode({"q": "북한"}))) == {claim.slug, other.slug}
    assert _slugs(client, urlencode({"q": "범수감"})) == []  # its bigrams, not adjacent


def test_korean_in_quotes_and_names_is_found_and_english_stemming_still_works(client):
    claim = ClaimFactory(text="Camps hold prisoners.")
    StatementFactory(
        claim=claim,
        actor=ActorFactory(name="조선중앙통신"),  # KCNA
        passage=PassageFactory(
            source=SourceFactory(text="기자회견에서 탈북자들의 증언을 반박했다."),
            words="탈북자들의",
        ),
    )
    assert _slugs(client, urlencode({"q": "중앙통신"})) == [claim.slug]
    assert _slugs(client, urlencode({"q": "탈북자"})) == [claim.slug]  # defector(s)
    assert _slugs(client, urlencode({"q": "prisoner"})) == [claim.slug]


def test_korean_matches_are_highlighted_in_the_original_text(client):
    ClaimFactory(text=KOREAN_CLAIM)
    page = client.get("/claims/?" + urlencode({"q": "정치범 수감"})).content.decode()
    assert "북한 <mark>정치범</mark>수용소에는 약 12만 명이 <mark>수감</mark>되어 있다" in page


def test_bigrams_of_korean_runs_and_their_highlights_undone():
    assert search.cjk_bigrams("북한 정치범 camps") == "북한 정치\x1f치범 camps"
    assert search.cjk_bigrams("a 가 b") == "a 가 b"
    marked = "북한 정치\x1f\x02치범\x03\x1f범수"
    assert search._bigrams_undone(marked) == "북한 정\x02치범\x03수"
    assert search._bigrams_undone("\x02정치\x03\x1f\x02치범\x03\x1f범수") == "\x02정치범\x03수"


@postgres_only
def test_postgres_makes_the_same_bigrams_as_python():
    text = "北韓 정치범수용소에는 カタカナ abc 가"
    with connection.cursor() as cursor:
        cursor.execute("SELECT cjk_bigrams(%s)", [text])
        assert cursor.fetchone()[0] == search.cjk_bigrams(text)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("camps prisoners", ('"camps" AND "prisoners"', None)),
        ('"political prisoners" -famine', ('"political prisoners"', '"famine"')),
        ("camps OR prisons trafficking", ('("camps" OR "prisons") AND "trafficking"', None)),
        ("the Nazi-style", ('"Nazi style"', None)),
        ("정치범", ('"정치 치범"', None)),
        ('-"a b" OR', (None, '"a b"')),
        ('"" - ( ) the', (None, None)),
    ],
)
def test_websearch_syntax_read_for_fts5(q, expected):
    assert search.fts_query(q) == expected


# The index stays true, however the rows change: save(), update(), bulk_create(), deletes. On
# SQLite by triggers; on PostgreSQL the vector is refreshed by save() and by the bulk writers
# (bundles, generate_demo), and the check after every test holds them to it.


@sqlite_only
def test_the_index_follows_every_kind_of_write(client):
    _slugs = _fresh_slugs
    claim = ClaimFactory(text="Nothing yet.")
    assert _slugs(client, "q=gulag") == []
    Claim.objects.filter(pk=claim.pk).update(text="A gulag by another name.")  # no save()
    assert _slugs(client, "q=gulag") == [claim.slug]
    actor = ActorFactory(name="Somebody")
    passage = PassageFactory()
    Statement.objects.bulk_create([Statement(claim=claim, actor=actor, passage=passage)])
    assert _slugs(client, "q=somebody") == [claim.slug]
    Actor.objects.filter(pk=actor.pk).update(name="Renamed Witness")
    assert _slugs(client, "q=somebody") == []
    assert _slugs(client, "q=witness") == [claim.slug]
    Alias.objects.bulk_create([Alias(actor=actor, name="Kwanliso Survivor")])
    assert _slugs(client, "q=kwanliso") == [claim.slug]
    Passage.objects.filter(pk=passage.pk).update(quote="sealed valley")
    assert _slugs(client, "q=valley") == [claim.slug]
    dispute = DisputeFactory(claim=claim, note="Denied by the ministry.")
    assert _slugs(client, "q=ministry") == [claim.slug]
    Dispute.objects.filter(pk=dispute.pk).update(note="Questioned.")
    assert _slugs(client, "q=ministry") == []
    Statement.objects.filter(claim=claim).delete()
    assert _slugs(client, "q=witness") == []
    assert search.search_stale() == []  # and the autouse check says so after every test


@sqlite_only
def test_a_stale_index_is_named_by_the_check():
    claim = ClaimFactory(text="Camps.")
    with connection.cursor() as cursor:  # a change the triggers cannot see
        cursor.execute(f"DROP TRIGGER {search.FTS}_claim_update_before")
        cursor.execute(f"DROP TRIGGER {search.FTS}_claim_update_after")
        Claim.objects.filter(pk=claim.pk).update(text="Prisons.")
    stale = search.search_stale()
    assert f"Claim #{claim.pk}: word 'camp' left over" in stale
    assert f"Claim #{claim.pk}: word 'prison' missing" in stale
    assert search.sqlite_install() is True  # the triggers back, the index made afresh
    assert search.search_stale() == []


def test_words_of_a_statement_deleted_by_a_queryset_no_longer_find_its_claim(client):
    claim = ClaimFactory(text="A figure.")
    StatementFactory(claim=claim, actor=ActorFactory(name="Zealous Witness"))
    assert _fresh_slugs(client, "q=zealous") == [claim.slug]
    Statement.objects.filter(claim=claim).delete()  # no Statement.delete() is called
    assert _fresh_slugs(client, "q=zealous") == []
