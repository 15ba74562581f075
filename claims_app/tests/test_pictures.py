"""The pictures drawn on the server: each is SVG that parses as XML, is named and described for
those who cannot see it, and shows (and links) what the record holds, drafts left out."""

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims_app import pictures, selectors
from claims_app.models import Dispute

from . import browser
from .factories import (
    ActorFactory,
    ClaimFactory,
    DisputeFactory,
    PassageFactory,
    StatementFactory,
    TopicFactory,
)

SVG = "{http://www.w3.org/2000/svg}"


def _svgs(response, *, stacked: bool = False) -> list[ET.Element]:
    """Every picture (an <svg> named for assistive technology) of a page, parsed as XML
    (which fails on anything left unescaped): the wide ones, or the stacked ones a phone shows
    in their place. Legends' decorative keys are left out."""
    assert response.status_code == 200
    html = response.content.decode()
    svgs = [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]
    return [
        svg
        for svg in svgs
        if svg.get("aria-hidden") != "true"
        and ("picture-stacked" in svg.get("class", "").split()) == stacked
    ]


def _links(svg: ET.Element) -> dict[str, str]:
    """href -> aria-label of every link in the picture."""
    return {a.get("href"): a.get("aria-label") for a in svg.iter(f"{SVG}a")}


def _texts(svg: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in svg.iter(f"{SVG}text"))


def _accessible(svg: ET.Element) -> tuple[str, str]:
    """The picture's title and description, as assistive technology finds them."""
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == title.get("id")
    assert svg.get("aria-describedby") == desc.get("id")
    return title.text, desc.text


# --- a claim's dispute map -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dispute_map_shows_claimants_disputants_and_links_each_edge_to_its_passage(
    client, disputed_claim
):
    statement, dispute = disputed_claim.statements.get(), disputed_claim.disputes.get()
    (svg,) = _svgs(client.get(f"/claims/{disputed_claim.slug}/"))
    title, desc = _accessible(svg)
    assert title == "Who made this claim and who disputed it"
    assert "Made by: The Committee." in desc
    assert "Disputed by: The Critic (questions)." in desc
    links = _links(svg)
    assert links[f"/passages/{statement.passage.pk}/"].startswith("The Committee states it")
    assert links[f"/passages/{dispute.passage.pk}/"].startswith("The Critic questions it")
    assert links[f"/actors/{statement.actor.slug}/"] == "The Committee"
    assert links[f"/actors/{dispute.actor.slug}/"] == "The Critic"
    texts = _texts(svg)
    assert "states" in texts and "questions" in texts  # the edges' labels
    assert "More than 130,000 people are held" in texts  # the claim, in the middle


@pytest.mark.django_db
def test_a_counterclaim_is_drawn_as_a_claim_once_published(client, disputed_claim):
    dispute = disputed_claim.disputes.get()
    counter = ClaimFactory(text="The camps hold far fewer.", published=False)
    Dispute.objects.filter(pk=dispute.pk).update(counterclaim=counter)
    (svg,) = _svgs(client.get(f"/claims/{disputed_claim.slug}/"))
    assert f"/claims/{counter.slug}/" not in _links(svg)
    assert "far fewer" not in ET.tostring(svg, encoding="unicode")
    counter.publish()
    (svg,) = _svgs(client.get(f"/claims/{disputed_claim.slug}/"))
    assert _links(svg)[f"/claims/{counter.slug}/"] == "Counterclaim: The camps hold far fewer."
    assert "rests on" in _texts(svg)
    assert "Counterclaims: The camps hold far fewer." in _accessible(svg)[1]


# --- an actor's timeline ---------------------------------------------------------------------


@pytest.mark.django_db
def test_an_actor_timeline_has_a_dot_for_each_claim_made_and_disputed(client, disputed_claim):
    critic = disputed_claim.disputes.get().actor
    made = StatementFactory(actor=critic, date=datetime.date(2019, 5, 1))
    dispute = disputed_claim.disputes.get()
    dispute.date = datetime.date(2023, 9, 6)
    dispute.save()
    draft = ClaimFactory(text="A secret draft claim.", published=False)
    StatementFactory(claim=draft, actor=critic, date=datetime.date(2021, 1, 1))
    (svg,) = _svgs(client.get(f"/actors/{critic.slug}/"))
    title, desc = _accessible(svg)
    assert title == "When The Critic made and disputed claims"
    assert desc == "1 claim made and 1 disputed, from 1 May 2019 to 6 September 2023."
    links = _links(svg)
    assert links == {
        f"/claims/{made.claim.slug}/#statement-{made.pk}": (
            f"1 May 2019: The Critic states: {made.claim.text}"
        ),
        f"/claims/{disputed_claim.slug}/#dispute-{dispute.pk}": (
            f"6 September 2023: The Critic questions: {disputed_claim.text}"
        ),
    }
    assert [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "tick"] == [
        str(year) for year in range(2019, 2025)
    ]
    # The links land on the statement and the dispute, on the claim's page.
    claim_page = client.get(f"/claims/{disputed_claim.slug}/").content.decode()
    assert f'id="dispute-{dispute.pk}"' in claim_page


@pytest.mark.django_db
def test_an_undated_statement_is_dated_by_its_source_or_counted_apart(client):
    actor = ActorFactory(name="Speaker")
    dated_by_source = PassageFactory()
    dated_by_source.source.date = datetime.date(2018, 12, 1)
    dated_by_source.source.date_precision = "month"
    dated_by_source.source.save()
    StatementFactory(actor=actor, passage=dated_by_source)
    StatementFactory(actor=actor)  # no date anywhere
    (svg,) = _svgs(client.get(f"/actors/{actor.slug}/"))
    assert _accessible(svg)[1] == (
        "1 claim made and 0 disputed, from December 2018 to December 2018. "
        "1 more without a date is not shown."
    )


@pytest.mark.django_db
def test_a_busy_actor_timeline_counts_each_year(client, settings, monkeypatch):
    monkeypatch.setattr(selectors, "TIMELINE_MAX", 3)
    actor = ActorFactory(name="Busy")
    for year in (2019, 2019, 2020):
        StatementFactory(actor=actor, date=datetime.date(year, 1, 1))
    DisputeFactory(actor=actor, date=datetime.date(2020, 6, 1))
    StatementFactory(actor=actor)  # undated
    (svg,) = _svgs(client.get(f"/actors/{actor.slug}/"))
    assert _accessible(svg)[1] == (
        "2019: 2 made, 0 disputed; 2020: 1 made, 1 disputed. 1 more without a date is not shown."
    )
    links = _links(svg)
    assert links[f"/claims/?made_by={actor.slug}&since=2019-01-01&until=2019-12-31"] == (
        "2019: Busy made 2 claims"
    )
    assert links[f"/claims/?disputed_by={actor.slug}&since=2020-01-01&until=2020-12-31"] == (
        "2020: Busy disputed 1 claim"
    )


# --- a topic's chart of numeric claims -------------------------------------------------------


@pytest.fixture
def estimates(db):
    """Three published estimates of one quantity, one undated, and a draft one."""
    topic = TopicFactory(name="political prisoners")

    def estimate(text, actor, value, date, precision="day", **quantity):
        claim = ClaimFactory(
            text=text,
            quantity_value=Decimal(value),
            quantity_unit="political prisoners",
            **quantity,
        )
        claim.topics.add(topic)
        StatementFactory(
            claim=claim, actor=ActorFactory(name=actor), date=date, date_precision=precision
        )
        return claim

    estimate(
        "More than 130,000 are held.",
        "Amnesty",
        130000,
        datetime.date(2018, 12, 1),
        precision="month",
        quantity_qualifier="more than",
    )
    estimate(
        "Between 80,000 and 120,000 are held.",
        "Researchers",
        80000,
        datetime.date(2014, 2, 7),
        quantity_value_max=Decimal(120000),
    )
    estimate(
        "Up to 200,000 are held.",
        "A defector",
        200000,
        datetime.date(2011, 5, 1),
        quantity_qualifier="up to",
    )
    estimate("An undated estimate.", "Nobody dated", 5, None)
    draft = estimate("A secret draft estimate.", "Draft-only", 999999, datetime.date(2020, 1, 1))
    draft.unpublish()
    return topic


def test_a_topic_charts_its_numeric_claims_over_time(client, estimates):
    response = client.get(f"/topics/{estimates.slug}/")
    (svg,) = _svgs(response)
    title, desc = _accessible(svg)
    assert title == "Estimates of political prisoners over time"
    assert desc == (
        "A defector, 1 May 2011: up to 200,000 political prisoners; "
        "Researchers, 7 February 2014: 80,000–120,000 political prisoners; "
        "Amnesty, December 2018: more than 130,000 political prisoners."
    )
    labels = sorted(_links(svg).values())
    assert labels == [
        "A defector, 1 May 2011: up to 200,000 political prisoners",
        "Amnesty, December 2018: more than 130,000 political prisoners",
        "Researchers, 7 February 2014: 80,000–120,000 political prisoners",
    ]
    assert len(list(svg.iter(f"{SVG}circle"))) == 3
    assert len([ln for ln in svg.iter(f"{SVG}line") if ln.get("class") == "range"]) == 1
    assert len(list(svg.iter(f"{SVG}polyline"))) == 2  # arrows: a floor and a ceiling
    page = response.content.decode()
    assert "999,999" not in page and "Draft-only" not in page
    assert "1 numeric claim without a date is not charted." in page
    # The same figures, as a table.
    assert '<td>Researchers</td><td class="number">80,000–120,000</td>' in page


def test_the_chart_scale_covers_every_value(estimates, client):
    (svg,) = _svgs(client.get(f"/topics/{estimates.slug}/"))
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert ticks[:5] == ["0", "50,000", "100,000", "150,000", "200,000"]
    assert ticks[5:] == ["2011", "2012", "2013", "2014", "2015", "2016", "2017", "2018", "2019"]


@pytest.mark.django_db
def test_a_topic_without_numbers_draws_no_chart(client, disputed_claim):
    topic = TopicFactory(name="camps")
    disputed_claim.topics.add(topic)
    assert _svgs(client.get(f"/topics/{topic.slug}/")) == []


# --- the map ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_map_draws_the_claims_the_list_would_show(client, disputed_claim):
    topic = TopicFactory(name="camps")
    disputed_claim.topics.add(topic)
    other = StatementFactory(actor=ActorFactory(name="Elsewhere")).claim
    draft = ClaimFactory(text="A secret draft claim.", published=False)
    draft.topics.add(topic)
    StatementFactory(claim=draft, actor=ActorFactory(name="Draft-only actor"))

    (svg,) = _svgs(client.get("/map/"))
    links = _links(svg)
    assert f"/claims/{disputed_claim.slug}/" in links and f"/claims/{other.slug}/" in links
    assert "A secret draft claim." not in ET.tostring(svg, encoding="unicode")
    assert "Draft-only" not in ET.tostring(svg, encoding="unicode")

    (svg,) = _svgs(client.get(f"/map/?topic={topic.slug}"))
    title, desc = _accessible(svg)
    assert desc.startswith("1 claim, 1 claimant and 1 disputant. ")
    assert f"“{disputed_claim.text}”: made by The Committee; disputed by The Critic." in desc
    links = _links(svg)
    assert f"/claims/{other.slug}/" not in links
    statement, dispute = disputed_claim.statements.get(), disputed_claim.disputes.get()
    assert links[f"/passages/{statement.passage.pk}/"].startswith("The Committee states:")
    assert links[f"/passages/{dispute.passage.pk}/"].startswith("The Critic questions:")


@pytest.mark.django_db
def test_a_bad_map_filter_is_a_400_and_an_empty_one_says_so(client, disputed_claim):
    response = client.get("/map/?since=yesterday")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid date. (“yesterday” is not one: YYYY-MM-DD)" in page
    assert 'value="yesterday"' not in page  # a date field cannot hold it
    assert client.get("/map/?page=9").status_code == 404
    response = client.get("/map/?q=nothing+like+this")
    assert "No claims match these filters." in response.content.decode()
    assert _svgs(response) == []


@pytest.mark.django_db
def test_the_map_pages_like_the_claims_list(client, settings):
    settings.CLAIMS_PAGE_SIZE = 2
    for n in range(3):
        ClaimFactory(text=f"Claim {n}.")
    page = client.get("/map/?page=2").content.decode()
    assert "3 claims, 3–3 drawn here." in page
    assert 'rel="prev" href="?page=1"' in page


# --- pure parts ------------------------------------------------------------------------------


@given(st.text(max_size=300), st.integers(min_value=40, max_value=400), st.integers(1, 6))
def test_wrapped_lines_fit_and_keep_the_words(text, width, max_lines):
    lines = pictures.wrap(text, width, max_lines)
    assert 1 <= len(lines) <= max_lines
    assert all(pictures._width(line) <= width for line in lines)
    if not lines[-1].endswith("…"):
        assert "".join("".join(lines).split()) == "".join(text.split())


def test_nice_ticks_are_round_and_cover_the_range():
    assert pictures.nice_ticks(0, 130000) == [0, 50000, 100000, 150000]
    assert pictures.nice_ticks(0, 7) == [0, 2, 4, 6, 8]
    assert pictures.nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_a_wide_script_takes_more_room():
    assert pictures._width("김정은") > pictures._width("Kim")
    assert pictures.wrap("김정은 국무위원장이 말했다", 60, 2) == ["김정은", "국무위원…"]


# --- whatever the data ----------------------------------------------------------------------


@pytest.mark.django_db
def test_dates_at_the_ends_of_the_calendar_are_drawn(client):
    claim = ClaimFactory(quantity_value=Decimal(3), quantity_unit="ships")
    topic = TopicFactory(name="ships")
    claim.topics.add(topic)
    statement = StatementFactory(claim=claim, date=datetime.date(9999, 12, 31))
    StatementFactory(actor=statement.actor, date=datetime.date(1, 1, 1))
    for url in [f"/actors/{statement.actor.slug}/", f"/topics/{topic.slug}/"]:
        (svg,) = _svgs(client.get(url))
        assert "31 December 9999" in _accessible(svg)[1], url


def _estimate(value, value_max=None, date=datetime.date(2020, 1, 1), who="A"):
    return pictures.Estimate(
        value=value,
        value_max=value_max,
        qualifier="",
        date=date,
        when=str(date),
        claimants=who,
        text="t",
        href=f"/claims/{who}-{value}-{date}/",
    )


def _inside(svg: ET.Element):
    """Every point drawn lies inside the picture's box."""
    _, _, width, height = map(float, svg.get("viewBox").split())
    for el in svg.iter():
        for name in ("x", "cx", "x1", "x2"):
            if el.get(name) is not None:
                assert -1 <= float(el.get(name)) <= width + 1, (el.tag, el.attrib)
        for name in ("y", "cy", "y1", "y2"):
            if el.get(name) is not None:
                assert -1 <= float(el.get(name)) <= height + 1, (el.tag, el.attrib)


@pytest.mark.parametrize(
    "estimates",
    [
        [_estimate(-5, 0)],  # a range ending at zero
        [_estimate(-1e16), _estimate(-1e16)],  # two equal, past float's integer precision
        [_estimate(-1e16 - 2, -1e16)],
        [_estimate(-9e15 - 1), _estimate(-9e15)],
        [_estimate(10**18), _estimate(-(10**18))],
        [_estimate(0)],
        [_estimate(0.001, 0.002)],
        [_estimate(5, date=datetime.date(9999, 12, 31)), _estimate(6, date=datetime.date(1, 1, 1))],
    ],
)
def test_a_chart_keeps_every_estimate_inside_it(estimates):
    svg = ET.fromstring(pictures.estimates_chart("units", estimates, uid="c"))
    _inside(svg)
    assert len(list(svg.iter(f"{SVG}circle"))) == len(estimates)


def test_equal_estimates_on_one_day_are_two_points_not_one():
    svg = ET.fromstring(
        pictures.estimates_chart("units", [_estimate(5, who="A"), _estimate(5, who="B")], uid="c")
    )
    circles = {(c.get("cx"), c.get("cy")) for c in svg.iter(f"{SVG}circle")}
    assert len(circles) == 2
    assert sorted(_links(svg).values()) == ["A, 2020-01-01: 5 units", "B, 2020-01-01: 5 units"]


@given(
    st.lists(
        st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2003, 1, 1)),
        min_size=1,
        max_size=60,
    )
)
def test_no_dot_on_a_timeline_hides_another(dates):
    moments = [
        pictures.Moment(
            date=d,
            role="states" if i % 3 else "denies",
            text="t",
            href=f"/claims/c/#{i}",
            when=str(d),
        )
        for i, d in enumerate(dates)
    ]
    svg = ET.fromstring(pictures.actor_timeline("A", moments, None, 0))
    _inside(svg)
    dots = [(float(c.get("cx")), float(c.get("cy"))) for c in svg.iter(f"{SVG}circle")]
    assert len(dots) == len(dates)
    for i, (x1, y1) in enumerate(dots):
        for x2, y2 in dots[i + 1 :]:
            assert (x1 - x2) ** 2 + (y1 - y2) ** 2 >= (2 * pictures.DOT_R) ** 2


_QUANTITY = st.decimals(  # as a claim's quantity holds them: 24 digits, 6 decimals
    min_value=-(10**18), max_value=10**18, places=6, allow_nan=False, allow_infinity=False
).map(float)


@given(_QUANTITY, _QUANTITY)
def test_ticks_cover_any_range_in_a_few_distinct_steps(a, b):
    low, high = min(a, b), max(a, b)
    ticks = pictures.nice_ticks(low, high)
    assert 2 <= len(ticks) <= 12
    assert all(t1 < t2 for t1, t2 in zip(ticks, ticks[1:], strict=False))
    assert ticks[0] <= low and ticks[-1] >= high


@pytest.mark.django_db
def test_on_the_map_each_claim_comes_before_its_edges_in_tab_order(client, disputed_claim):
    (svg,) = _svgs(client.get("/map/"))
    hrefs = [a.get("href") for a in svg.iter(f"{SVG}a")]
    statement, dispute = disputed_claim.statements.get(), disputed_claim.disputes.get()
    assert hrefs[:3] == [
        f"/claims/{disputed_claim.slug}/",
        f"/passages/{statement.passage.pk}/",
        f"/passages/{dispute.passage.pk}/",
    ]


# --- on a phone: stacked pictures --------------------------------------------------------------


def _boxes(svg: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    """The box of each linked node (actor, claim, counterclaim): its link's label -> x, y,
    width, height; and the claim's own box (not a link on its page) under "the claim"."""
    boxes = {}
    for group in svg.iter():
        if group.tag not in (f"{SVG}a", f"{SVG}g") or not group.get("class", "").startswith("node"):
            continue
        rect = group.find(f"{SVG}rect")
        where = tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
        boxes[group.get("aria-label") or "the claim"] = where
    return boxes


@pytest.mark.django_db
def test_on_a_phone_the_dispute_map_stacks_claimants_above_the_claim_and_disputants_below(
    client, disputed_claim
):
    second = StatementFactory(claim=disputed_claim, actor=ActorFactory(name="The Board"))
    response = client.get(f"/claims/{disputed_claim.slug}/")
    (wide,) = _svgs(response)
    (svg,) = _svgs(response, stacked=True)
    assert _accessible(svg) == _accessible(wide)  # named and described alike
    assert _links(svg) == _links(wide)  # every link of the wide one, labelled alike
    width = float(svg.get("viewBox").split()[2])
    assert width <= 400  # a phone's width, not the wide one's
    boxes = _boxes(svg)
    claim = boxes["the claim"]
    for name in ("The Committee", "The Board"):
        assert boxes[name][1] + boxes[name][3] <= claim[1]  # above the claim
    assert boxes["The Critic"][1] >= claim[1] + claim[3]  # below it
    assert all(x >= 0 and x + w <= width for x, _, w, _ in boxes.values())
    texts = _texts(svg)
    assert "states" in texts and "questions" in texts
    assert second.passage.get_absolute_url() in _links(svg)


@pytest.mark.django_db
def test_on_a_phone_a_counterclaim_is_drawn_under_its_dispute(client, disputed_claim):
    dispute = disputed_claim.disputes.get()
    counter = ClaimFactory(text="The camps hold far fewer.")
    Dispute.objects.filter(pk=dispute.pk).update(counterclaim=counter)
    (svg,) = _svgs(client.get(f"/claims/{disputed_claim.slug}/"), stacked=True)
    boxes = _boxes(svg)
    counterclaim = boxes["Counterclaim: The camps hold far fewer."]
    assert counterclaim[1] >= boxes["The Critic"][1] + boxes["The Critic"][3]
    assert "Counterclaims: The camps hold far fewer." in _accessible(svg)[1]


@pytest.mark.django_db
def test_on_a_phone_the_map_stacks_each_claim_between_its_claimants_and_disputants(
    client, disputed_claim
):
    other = StatementFactory(actor=ActorFactory(name="Elsewhere")).claim
    response = client.get("/map/")
    (wide,) = _svgs(response)
    (svg,) = _svgs(response, stacked=True)
    assert _accessible(svg) == _accessible(wide)
    assert _links(svg) == _links(wide)
    assert float(svg.get("viewBox").split()[2]) <= 400
    rects = {}  # each link's label -> the tops of its boxes, top to bottom
    for a in svg.iter(f"{SVG}a"):
        rect = a.find(f"{SVG}rect")
        if rect is not None:
            rects.setdefault(a.get("aria-label"), []).append(float(rect.get("y")))
    claim_y = rects[disputed_claim.text][0]
    assert rects["The Committee"][0] < claim_y < rects["The Critic"][0]
    assert rects["Elsewhere"][0] < rects[other.text][0]
    # Each claim's group keeps to itself: the other claim is not between these three.
    assert not (rects["The Committee"][0] < rects[other.text][0] < rects["The Critic"][0])


@pytest.mark.django_db
def test_each_linked_edge_takes_the_click_along_a_wide_stroke(client, disputed_claim):
    for svg in _svgs(client.get("/map/")) + _svgs(client.get("/map/"), stacked=True):
        for a in svg.iter(f"{SVG}a"):
            line = a.find(f"{SVG}polyline[@class]")
            if line is None:
                continue  # a box
            (hit,) = [p for p in a.iter(f"{SVG}polyline") if p.get("class") == "edge-hit"]
            assert hit.get("points") == line.get("points")
            assert hit.get("stroke") == "transparent" and float(hit.get("stroke-width")) >= 10


def _phone_layout(page) -> dict:
    return page.evaluate(
        """() => {
            const figure = document.querySelector("figure.picture.stacks");
            const shown = [...figure.querySelectorAll(":scope > svg")]
                .filter((svg) => getComputedStyle(svg).display !== "none");
            const boxes = (label) => [...shown[0].querySelectorAll("a")]
                .filter((a) => a.getAttribute("aria-label") === label)
                .map((a) => a.querySelector("rect").getBoundingClientRect().toJSON());
            return {
                shown: shown.map((svg) => svg.getAttribute("class")),
                pageScrolls: document.documentElement.scrollWidth > window.innerWidth,
                figureScrolls: figure.scrollWidth > figure.clientWidth,
                width: window.innerWidth,
                disputant: boxes("The Critic"),
                claimant: boxes("The Committee"),
            };
        }"""
    )


def test_on_a_phone_the_maps_show_the_disputant_without_a_sideways_scroll(
    open_browser, disputed_claim
):
    page = open_browser(viewport=browser.PHONE, is_mobile=True)
    for address in (f"/claims/{disputed_claim.slug}/", "/map/"):
        page.goto(address)
        layout = _phone_layout(page)
        assert layout["shown"] == ["picture picture-stacked"], address
        assert not layout["pageScrolls"] and not layout["figureScrolls"], address
        (disputant,) = layout["disputant"]
        assert 0 <= disputant["left"] and disputant["right"] <= layout["width"], address
        (claimant,) = layout["claimant"]
        assert claimant["bottom"] < disputant["top"], address  # claimants above, disputants below
    page.set_viewport_size(browser.DESKTOP)  # a wide screen shows the wide picture again
    assert _phone_layout(page)["shown"] == ["picture"]


def test_an_edge_is_clicked_at_its_middle_and_opens_its_passage(open_browser, disputed_claim):
    dispute = disputed_claim.disputes.get()
    page = open_browser()
    page.goto("/map/")
    # The middle of the dispute's line (dashed: "questions"), 4 px to one side of it.
    x, y = page.evaluate(
        """(href) => {
            const line = document.querySelector(`svg.picture a[href="${href}"] polyline.edge`);
            const length = line.getTotalLength();
            const middle = line.getPointAtLength(length / 2);
            const ahead = line.getPointAtLength(length / 2 + 1);
            const point = new DOMPoint(middle.x, middle.y).matrixTransform(line.getScreenCTM());
            const dx = ahead.x - middle.x, dy = ahead.y - middle.y, norm = Math.hypot(dx, dy);
            return [point.x - (dy / norm) * 4, point.y + (dx / norm) * 4];
        }""",
        dispute.passage.get_absolute_url(),
    )
    page.mouse.click(x, y)
    page.wait_for_url(f"**{dispute.passage.get_absolute_url()}")
    assert "Critics asked how the figure was estimated" in page.locator("main").inner_text()
