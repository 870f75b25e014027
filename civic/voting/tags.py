"""Which ballots a person cast, kept only while a later vote may supersede them (revote, paper cancels online).

A tag is HMAC-SHA256(K_tag, person_key), K_tag being 32 random bytes of the edition kept as a file in the
instance folder (``vote-keys/edition-<id>.tag``, owner-only), never in the database. ``ballot_tag`` maps a
tag to the ids of the ballots cast under it (in the mixer's pool, then in the box: the mixer keeps the id).
A new ballot of the same person marks the earlier ones superseded (never counted, still on the board).

At the close the seal deletes the tags and erases the key (``erase_key``): from then on nothing joins a
person to a ballot (design: voting.md, ``ballot_tag``). An edition that allows no supersession has no key
and writes no tag.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select, update

from civic.extensions import db
from civic.processes.models import Edition
from civic.voting.models import Ballot, BallotTag, PooledBallot


def key_path(edition_id: int) -> Path:
    folder = Path(current_app.config.get("VOTE_KEYS_DIR") or Path(current_app.instance_path) / "vote-keys")
    return folder / f"edition-{edition_id}.tag"


def _key(edition: Edition, *, create: bool) -> bytes | None:
    path = key_path(edition.id)
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return bytes.fromhex(path.read_text().strip())
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex())
    return key


def has_key(edition: Edition) -> bool:
    """Tell whether the edition's tag key still exists (it is erased at the close)."""
    return key_path(edition.id).exists()


def tag_of(key: bytes, person_key: str) -> str:
    return hmac.new(key, person_key.encode(), hashlib.sha256).hexdigest()


def remember(edition: Edition, person_key: str, ballot_ids: list[bytes]) -> None:
    """Record that these ballots are the person's (in the casting transaction); flushed."""
    key = _key(edition, create=True)
    assert key is not None
    tag = tag_of(key, person_key)
    db.session.add_all(BallotTag(edition_id=edition.id, tag=tag, ballot_id=i) for i in ballot_ids)
    db.session.flush()


def supersede(edition: Edition, person_key: str) -> int | None:
    """Mark superseded every ballot the person cast so far (in the pool or the box); flushed.

    Returns how many were valid and are superseded now, or None when the edition keeps no tags any more
    (no key: nothing can be superseded, the caller refuses the new participation).
    """
    key = _key(edition, create=False)
    if key is None:
        return None
    tag = tag_of(key, person_key)
    ids = list(
        db.session.scalars(
            select(BallotTag.ballot_id).where(BallotTag.edition_id == edition.id, BallotTag.tag == tag)
        )
    )
    if not ids:
        return 0
    changed = 0
    for table in (PooledBallot, Ballot):
        result = db.session.execute(
            update(table).where(table.id.in_(ids), table.superseded.is_(False)).values(superseded=True)
        )
        changed += result.rowcount  # type: ignore[attr-defined]
    db.session.execute(delete(BallotTag).where(BallotTag.edition_id == edition.id, BallotTag.tag == tag))
    db.session.flush()
    return changed


def forget(edition: Edition) -> int:
    """Delete every tag of the edition (the seal); return how many there were. Flushed."""
    count = int(
        db.session.scalar(
            select(func.count()).select_from(BallotTag).where(BallotTag.edition_id == edition.id)
        )
        or 0
    )
    db.session.execute(delete(BallotTag).where(BallotTag.edition_id == edition.id))
    db.session.flush()
    return count


def erase_key(edition: Edition) -> bool:
    """Overwrite and delete the edition's tag key file; return whether there was one."""
    path = key_path(edition.id)
    if not path.exists():
        return False
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.write(secrets.token_bytes(size))
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()
    return True
