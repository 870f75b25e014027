"""WCAG contrast arithmetic for the town's brand colours (pure: no app)."""

from __future__ import annotations

import pytest

from civic.core.colours import contrast_ratio, darken, normalise_hex, relative_luminance


def test_black_on_white_is_the_largest_contrast_and_order_does_not_matter():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000000") == contrast_ratio("#000000", "#ffffff")
    assert contrast_ratio("#1d4ed8", "#1d4ed8") == pytest.approx(1.0)


def test_known_ratios_around_the_4_5_threshold():
    # #767676 is the lightest grey that passes on white; #777777 just fails (WebAIM figures).
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") < 4.5
    assert relative_luminance("#ffffff") == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("#1D4ED8", "#1d4ed8"),
        ("1d4ed8", "#1d4ed8"),
        (" #abc ", "#aabbcc"),
        ("#12345", None),
        ("red", None),
        ("", None),
    ],
)
def test_colours_are_read_as_six_digit_hex(typed, expected):
    assert normalise_hex(typed) == expected


def test_darkening_keeps_a_valid_colour_and_raises_contrast_with_white():
    darker = darken("#1d4ed8", 0.2)
    assert normalise_hex(darker) == darker
    assert contrast_ratio(darker, "#ffffff") > contrast_ratio("#1d4ed8", "#ffffff")
