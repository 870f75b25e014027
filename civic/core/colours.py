"""Colour arithmetic for the town's brand colours: WCAG 2 relative luminance and contrast. Pure."""

from __future__ import annotations

import re

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# WCAG 2.1 success criterion 1.4.3 (RGAA 3.2): normal text needs 4.5:1.
MIN_TEXT_CONTRAST = 4.5


def normalise_hex(value: str) -> str | None:
    """Return ``#rrggbb`` in lower case for "#RGB", "#RRGGBB" (with or without '#'), else None."""
    text = value.strip().lower()
    if not text.startswith("#"):
        text = "#" + text
    if re.fullmatch(r"#[0-9a-f]{3}", text):
        text = "#" + "".join(c * 2 for c in text[1:])
    return text if HEX_COLOUR.match(text) else None


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """Return the WCAG relative luminance (0 black – 1 white) of a ``#rrggbb`` colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """Return the WCAG contrast ratio (1–21) between two ``#rrggbb`` colours."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def darken(colour: str, amount: float) -> str:
    """Mix a ``#rrggbb`` colour with black by ``amount`` (0–1); darker keeps white text readable."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * (1 - amount)):02x}" for c in (r, g, b))
