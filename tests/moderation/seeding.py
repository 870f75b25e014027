"""Seed helpers for visibility tests: a proposal with an image, comments, replies and results."""

from __future__ import annotations

import io

from PIL import Image

from civic.core.time import utcnow
from civic.extensions import db
from civic.proposals.images import store_image
from civic.proposals.models import ProposalImage


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (10, 120, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def add_image(proposal) -> ProposalImage:
    """Store a real picture for ``proposal`` under the app's instance folder."""
    stored = store_image(io.BytesIO(jpeg_bytes()), session=db.session())
    image = ProposalImage(
        proposal_id=proposal.id,
        position=len(proposal.images),
        stored_name=stored.stored_name,
        original_name="photo.jpg",
        content_type=stored.content_type,
        width=stored.width,
        height=stored.height,
        alt_text="Une photo",
    )
    db.session.add(image)
    db.session.commit()
    return image


def hide(item, reason: str = "offensive") -> None:
    """Hide a proposal or comment as a moderator's decision would."""
    item.hidden_at = utcnow()
    item.hidden_reason = reason
    db.session.commit()
