"""The admin's lists fit a 1280-pixel-wide screen (issue 17, item 7): no column, "Updated at"
last among them, is cut off at the right."""

from django.contrib.auth import get_user_model

from . import browser

LISTS = ["claim", "source", "passage", "statement", "dispute", "actor", "topic"]


def test_every_admin_list_fits_1280_pixels(every_page, browser_page):
    get_user_model().objects.create_superuser("curator", "c@example.org", "a long passphrase")
    page = browser_page  # 1280 × 900
    browser.log_in(page, "curator", "a long passphrase")
    overflowing = {}
    for model in LISTS:
        page.goto(f"/admin/claims_app/{model}/")
        # The list scrolls sideways in its own box: a column past the box's edge is cut off.
        cut = page.locator("#result_list thead th").last.evaluate(
            """th => {
                const box = th.closest('.results').getBoundingClientRect();
                const edge = Math.min(box.right, document.documentElement.clientWidth);
                return th.getBoundingClientRect().right - edge;
            }"""
        )
        if cut > 0.5:
            overflowing[model] = round(cut)
    assert not overflowing, f"pixels cut off at the right: {overflowing}"
