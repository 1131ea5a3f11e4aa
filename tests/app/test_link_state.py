"""The parsers behind every page's link (app/common/link_state.py): each accepts what its widget can show and
refuses the rest with a one-line reason, and what a notice echoes back is cleaned and short."""

import pytest

from app.common.link_state import (
    LinkValueError,
    integer_in,
    number_in,
    numbers,
    one_of,
    short_number,
    short_numbers,
    shown,
)


@pytest.mark.parametrize("raw", ["0", "7", "+3", "10"])
def test_whole_numbers_in_range_are_accepted(raw):
    assert integer_in(0, 10)(raw) == int(raw)


@pytest.mark.parametrize("raw", ["11", "-1", "2.5", "1e3", "nan", "", "9" * 40, "3; drop"])
def test_whole_numbers_out_of_range_or_malformed_are_refused(raw):
    with pytest.raises(LinkValueError, match="whole number from 0 to 10"):
        integer_in(0, 10)(raw)


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "1e308", "1e400", "40.5", "-0.1", "x"])
def test_numbers_that_are_not_finite_or_in_range_are_refused(raw):
    with pytest.raises(LinkValueError, match="from 0 to 40"):
        number_in(0, 40)(raw)


def test_numbers_are_snapped_to_the_widgets_step():
    assert number_in(0.5, 6.0, 0.5)("2.74") == 2.5
    assert number_in(0.1, 0.9, 0.05)("0.33") == pytest.approx(0.35)


def test_one_of_accepts_only_the_exact_choices():
    parse = one_of(["mnist-2d", "mnist-16d"], "a model on this server")
    assert parse("mnist-2d") == "mnist-2d"
    for raw in ["../mnist-2d", "MNIST-2D", "mnist-2d ", "/etc/passwd"]:
        with pytest.raises(LinkValueError, match="is not a model on this server"):
            parse(raw)


def test_a_point_is_two_finite_bounded_numbers():
    parse = numbers(2, 1e4)
    assert parse("0.5,-1") == [0.5, -1.0]
    for raw in ["nan,1", "1,inf", "1e308,0", "1", "1,2,3", "a,b", ","]:
        with pytest.raises(LinkValueError, match="2 comma-separated numbers"):
            parse(raw)


def test_what_a_notice_echoes_is_cleaned_and_cut_short():
    assert shown("../../etc/passwd") == "..?..?etc?passwd"
    assert shown("<script>alert(1)</script>") == "?script?alert?1???script" + "…"
    assert len(shown("9" * 10_000)) == 25


def test_values_are_written_as_a_person_would_type_them():
    assert short_number(4.0) == "4" and short_number(0.25) == "0.25" and short_number(1e-6) == "1e-06"
    assert short_numbers([0.5, -1.0, 1 / 3]) == "0.5,-1,0.3333"
