"""Check, re-encode and store proposal images: only real JPEG/PNG/WebP pictures, metadata stripped.

Files follow the database transaction: a file written during a transaction that is rolled back (or
never committed) is removed, and a file whose row is deleted is removed only once that is committed,
so no failed request leaves an orphan file nor a row without its file.
"""

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
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from civic.core.errors import ValidationFailed

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 40_000_000
TOO_MANY_BYTES = _l("This image is larger than 5 MB: choose a smaller file.")
_WRITTEN = "civic_images_written"
_TO_DELETE = "civic_images_to_delete"


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


def _not_an_image() -> ValidationFailed:
    return ValidationFailed(_l("This file is not a JPEG, PNG or WebP image."))


def check_image(stream: BinaryIO) -> tuple[Image.Image, str]:
    """Return the decoded picture and its format, or say why it is refused (bytes, pixels, not an image)."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationFailed(TOO_MANY_BYTES)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only our formats' decoders ever see the bytes: Pillow would otherwise try every plugin it
            # has (EPS runs Ghostscript, and old formats' decoders are where exploits live).
            with Image.open(BytesIO(data), formats=sorted(ACCEPTED_FORMATS)) as probe:
                image_format = probe.format
                # The header gives the size before any decoding: a decompression bomb stops here.
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationFailed(
                        _l(
                            "This image has too many pixels (%(width)d × %(height)d): 40 megapixels at most.",
                            width=probe.width,
                            height=probe.height,
                        )
                    )
                probe.verify()
            image = Image.open(BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ValidationFailed(_l("This image has too many pixels: 40 megapixels at most.")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _not_an_image() from exc
    if image_format not in ACCEPTED_FORMATS:
        raise _not_an_image()
    return image, image_format or ""


def store_image(stream: BinaryIO, *, session: Session) -> StoredImage:
    """Validate an uploaded picture and save a re-encoded copy under a random name, tied to ``session``."""
    image, image_format = check_image(stream)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    keeps_alpha = image.mode in ("RGBA", "LA", "P") and image_format != "JPEG"
    if keeps_alpha:
        image = image.convert("RGBA")
        extension, content_type, save_format = "png", "image/png", "PNG"
    else:
        image = image.convert("RGB")
        extension, content_type, save_format = "jpg", "image/jpeg", "JPEG"
    # Re-encoding without the decoded ``info`` drops EXIF (GPS positions, camera serials), XMP, ICC
    # profiles and JPEG comment segments (Pillow would otherwise write the comment back).
    image.info.clear()
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    path = upload_folder() / stored_name
    session.info.setdefault(_WRITTEN, []).append(path)
    image.save(path, format=save_format, optimize=True)
    return StoredImage(stored_name, content_type, image.width, image.height)


def delete_stored(stored_name: str, *, session: Session) -> None:
    """Remove an image file once the removal of its row is committed."""
    session.info.setdefault(_TO_DELETE, []).append(upload_folder() / stored_name)


@event.listens_for(Session, "after_commit")
def _keep_written_files(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    for path in session.info.pop(_TO_DELETE, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)
    session.info.pop(_TO_DELETE, None)
