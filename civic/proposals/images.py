"""Check, re-encode and store proposal images: only real JPEG/PNG/WebP pictures, metadata stripped."""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from civic.core.errors import ValidationFailed

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class StoredImage:
    stored_name: str
    content_type: str
    width: int
    height: int


def upload_folder() -> Path:
    """Return (and create) the folder where proposal images are kept."""
    folder = Path(current_app.instance_path) / "uploads" / "proposals"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_image(stream: BinaryIO) -> StoredImage:
    """Validate an uploaded picture and save a re-encoded copy under a random name."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_l("Each image must be 5 MB or smaller."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only our formats' decoders ever see the bytes: Pillow would otherwise try every plugin it
            # has (EPS runs Ghostscript, and old formats' decoders are where exploits live).
            with Image.open(BytesIO(data), formats=sorted(ACCEPTED_FORMATS)) as probe:
                probe_format = probe.format
                probe.verify()
            image = Image.open(BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationFailed(_l("This image is too large."))
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationFailed(_l("This file is not a JPEG, PNG or WebP image.")) from exc
    if probe_format not in ACCEPTED_FORMATS:
        raise ValidationFailed(_l("This file is not a JPEG, PNG or WebP image."))

    image.thumbnail((MAX_SIDE, MAX_SIDE))
    keeps_alpha = image.mode in ("RGBA", "LA", "P") and probe_format != "JPEG"
    # Re-encoding drops EXIF (GPS positions, camera serials) and any payload hidden in the file.
    if keeps_alpha:
        image = image.convert("RGBA")
        extension, content_type, save_format = "png", "image/png", "PNG"
    else:
        image = image.convert("RGB")
        extension, content_type, save_format = "jpg", "image/jpeg", "JPEG"
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    image.save(upload_folder() / stored_name, format=save_format, optimize=True)
    return StoredImage(stored_name, content_type, image.width, image.height)


def delete_stored(stored_name: str) -> None:
    """Remove an image file (when its proposal image row goes away)."""
    (upload_folder() / stored_name).unlink(missing_ok=True)
