"""The public ballot board's arithmetic: canonical ballot content, trackers, the batch hash chain, signatures.

Pure (no Flask, no database: checked by import-linter), so that anyone can re-check a published board with
this module alone, or rewrite it from the definitions below in any language:

- a ballot's **canonical content** is compact JSON with sorted keys: ``{"c": [...]}`` where the list holds
  the projects' pabulib ids, sorted, for approval-like formats; ``[id, points]`` pairs sorted by id for
  points; the ids in rank order (best first) for rankings;
- its **tracker** is the first 16 characters of the RFC 4648 base32 encoding (no padding) of
  SHA-256(ballot id ‖ canonical content): it commits to the content, and without the random 16-byte id it
  cannot be computed from the content alone (two identical ballots have different trackers);
- a **batch** of ballots moved into the box together is sealed as SHA-256(previous batch hash ‖ "\n" ‖
  the batch's trackers, sorted, joined by "\n") in hexadecimal; the first batch's previous hash is 64 zeros;
- each batch hash is **signed** with the vote's Ed25519 key; the public key is published when the vote opens.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

GENESIS = "0" * 64
TRACKER_LENGTH = 16
BASE32_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


class ContentError(ValueError):
    """The choices cannot form a ballot (a project twice, points missing or not positive)."""


def canonical_content(kind: str, choices: Sequence[tuple[str, int | None]]) -> bytes:
    """Return a ballot's canonical content: ``choices`` are (pabulib id, points or None) in ballot order.

    ``kind``: "ordinal" keeps the order (best first); "cumulative" and "scoring" keep the points, sorted by
    id; any other kind (approval and its variants) keeps the sorted ids only.
    """
    ids = [pid for pid, _points in choices]
    if len(set(ids)) != len(ids):
        raise ContentError("a project is named twice")
    if kind == "ordinal":
        body: Sequence[object] = list(ids)
    elif kind in ("cumulative", "scoring"):
        if any(points is None or points <= 0 for _pid, points in choices):
            raise ContentError("every project named needs a positive number of points")
        body = [[pid, points] for pid, points in sorted(choices)]
    else:
        body = sorted(ids)
    return json.dumps({"c": body}, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def tracker(ballot_id: bytes, content: bytes) -> str:
    """Return the ballot's tracker (16 base32 characters)."""
    digest = hashlib.sha256(ballot_id + content).digest()
    return base64.b32encode(digest).decode("ascii").rstrip("=")[:TRACKER_LENGTH]


def shown_tracker(value: str) -> str:
    """Return a tracker as people read it: four groups of four characters."""
    return "-".join(value[i : i + 4] for i in range(0, len(value), 4))


def normalised_tracker(typed: str) -> str:
    """Return the tracker a person typed, without spaces or dashes, upper case (0/1 read as O/I)."""
    plain = "".join(ch for ch in typed.upper() if ch.isalnum())
    return plain.replace("0", "O").replace("1", "I")


def well_formed_tracker(typed: str) -> bool:
    """Tell whether what a person typed can be a tracker: 16 characters of base32 once normalised."""
    plain = normalised_tracker(typed)
    return len(plain) == TRACKER_LENGTH and all(ch in BASE32_ALPHABET for ch in plain)


def batch_hash(previous: str, trackers: Iterable[str]) -> str:
    """Return the hash that seals a batch after ``previous`` (hex; GENESIS for the first)."""
    bytes.fromhex(previous)  # a malformed previous hash is refused, not hashed
    message = previous.encode("ascii") + b"\n" + "\n".join(sorted(trackers)).encode("ascii")
    return hashlib.sha256(message).hexdigest()


def new_signing_key() -> bytes:
    """Return a new Ed25519 private key (32 raw bytes)."""
    return Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_key(private: bytes) -> str:
    """Return the public key of a raw private key, in hexadecimal (what the board publishes)."""
    key = Ed25519PrivateKey.from_private_bytes(private)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def sign(private: bytes, batch: str) -> str:
    """Return the hex Ed25519 signature of a batch hash."""
    return Ed25519PrivateKey.from_private_bytes(private).sign(batch.encode("ascii")).hex()


def verify(public: str, batch: str, signature: str) -> bool:
    """Tell whether ``signature`` is the vote key's signature of ``batch``."""
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(
            bytes.fromhex(signature), batch.encode("ascii")
        )
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class SealedBatch:
    """A batch as the board publishes it."""

    number: int
    trackers: tuple[str, ...]
    previous: str
    hash: str
    signature: str


def chain_problems(public: str, batches: Sequence[SealedBatch]) -> list[str]:
    """Check a published board: numbering, chaining, hashes and signatures (empty list: it holds)."""
    problems = []
    previous = GENESIS
    for expected, batch in enumerate(batches, start=1):
        if batch.number != expected:
            problems.append(f"batch {batch.number}: expected number {expected}")
        if batch.previous != previous:
            problems.append(f"batch {batch.number}: does not follow the previous batch")
        if batch_hash(batch.previous, batch.trackers) != batch.hash:
            problems.append(f"batch {batch.number}: its hash does not match its trackers")
        if not verify(public, batch.hash, batch.signature):
            problems.append(f"batch {batch.number}: the signature is not the vote key's")
        previous = batch.hash
    return problems
