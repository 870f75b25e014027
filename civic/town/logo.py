"""Check and re-encode an uploaded logo: a real PNG or JPEG, re-encoded as PNG without metadata.

SVG is refused: it is a document that can carry scripts and external references.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from civic.core.errors import ValidationFailed

ACCEPTED_FORMATS = {"PNG", "JPEG"}
MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 16_000_000
# Shown at most 4 rem high in the header; twice that box for sharp screens.
MAX_WIDTH, MAX_HEIGHT = 800, 256


@dataclass(frozen=True)
class Logo:
    png: bytes
    width: int
    height: int


def process_logo(data: bytes) -> Logo:
    """Return a re-encoded, bounded PNG of an uploaded PNG/JPEG, or say what is wrong with it."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_l("The logo must be 2 MB or smaller."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the PNG and JPEG decoders ever see the bytes (not EPS's Ghostscript, nor old formats').
            with Image.open(BytesIO(data), formats=sorted(ACCEPTED_FORMATS)) as probe:
                detected = probe.format
                size = probe.size
                probe.verify()
            if detected not in ACCEPTED_FORMATS:
                raise ValidationFailed(_l("The logo must be a PNG or JPEG image (SVG is not accepted)."))
            if size[0] * size[1] > MAX_PIXELS:
                raise ValidationFailed(
                    _l("The logo has too many pixels: at most %(max)d million.", max=MAX_PIXELS // 1_000_000)
                )
            image = Image.open(BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise ValidationFailed(_l("The logo must be a PNG or JPEG image (SVG is not accepted).")) from exc
    try:
        # Turn a photo the right way up before its EXIF orientation tag is dropped with the rest.
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_WIDTH, MAX_HEIGHT))
        # A fresh image holds only pixels: EXIF, XMP, ICC, text chunks and comments stay behind.
        clean = Image.new("RGBA", image.size)
        clean.paste(image.convert("RGBA"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed(_l("The logo must be a PNG or JPEG image (SVG is not accepted).")) from exc
    out = BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return Logo(out.getvalue(), clean.width, clean.height)
