"""Locating a quote in a text: pure functions, tested directly and with random texts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims_app import anchoring

TEXT = "the cat sat on the mat; the cat ran."


def test_a_quote_that_occurs_once_is_found_at_its_offsets():
    span = anchoring.quote_locate(TEXT, "sat on the mat")
    assert TEXT[span.start : span.end] == "sat on the mat"
    assert (span.start, span.end) == (8, 22)


def test_a_missing_quote_names_the_closest_text():
    with pytest.raises(anchoring.QuoteNotFound) as error:
        anchoring.quote_locate(TEXT, "sat on the hat")
    assert error.value.closest == "sat on the mat"


def test_a_repeated_quote_is_ambiguous_and_lists_where():
    with pytest.raises(anchoring.QuoteAmbiguous) as error:
        anchoring.quote_locate(TEXT, "the cat")
    assert [s.start for s in error.value.candidates] == [0, 24]
    assert "occurs 2 times" in str(error.value)
    assert "at 0" in str(error.value) and "at 24" in str(error.value)


def test_prefix_or_suffix_tells_repeated_quotes_apart():
    assert anchoring.quote_locate(TEXT, "the cat", prefix="; ").start == 24
    assert anchoring.quote_locate(TEXT, "the cat", suffix=" sat").start == 0


def test_a_prefix_that_matches_no_occurrence_is_not_found():
    with pytest.raises(anchoring.QuoteNotFound):
        anchoring.quote_locate(TEXT, "the cat", prefix="dog ")


def test_offsets_are_code_points_not_bytes():
    text = "北朝鮮 “political prisoners” 130,000"
    span = anchoring.quote_locate(text, "“political prisoners”")
    assert span.start == 4
    assert text[span.start : span.end] == "“political prisoners”"


def test_an_empty_quote_is_never_found():
    with pytest.raises(anchoring.QuoteNotFound):
        anchoring.quote_locate(TEXT, "")


@given(st.text(min_size=1, max_size=300), st.data())
def test_a_located_quote_is_always_exactly_its_span(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    try:
        span = anchoring.quote_locate(text, quote)
    except anchoring.QuoteAmbiguous as error:
        assert len(error.candidates) > 1
        assert all(text[s.start : s.end] == quote for s in error.candidates)
        assert any(s.start == start for s in error.candidates)
    else:
        assert text[span.start : span.end] == quote
        assert span.start == start


@given(st.text(alphabet="ab ", min_size=1, max_size=60), st.data())
def test_an_exported_selector_always_finds_its_own_span_again(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    selector = anchoring.quote_selector(text, start, end)
    span = anchoring.quote_locate(text, text[start:end], **selector)
    assert (span.start, span.end) == (start, end)
