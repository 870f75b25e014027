"""Measure what one password hash costs with Civic's argon2id parameters (target: 20-60 ms)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from argon2 import PasswordHasher

from civic.config import Config

RESULTS = Path(__file__).resolve().parent / "results" / "argon2.md"


def main() -> None:
    """Hash 30 times with the production parameters and report median and p95."""
    hasher = PasswordHasher(
        time_cost=Config.ARGON2_TIME_COST,
        memory_cost=Config.ARGON2_MEMORY_COST,
        parallelism=Config.ARGON2_PARALLELISM,
    )
    hasher.hash("warm-up password")
    samples = []
    for _ in range(30):
        start = time.perf_counter()
        hasher.hash("correct horse battery staple")
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    median = statistics.median(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    line = (
        f"argon2id t={Config.ARGON2_TIME_COST} m={Config.ARGON2_MEMORY_COST} KiB p={Config.ARGON2_PARALLELISM}: "
        f"median {median:.1f} ms, p95 {p95:.1f} ms over {len(samples)} hashes"
    )
    print(line)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(f"# Password hashing cost\n\n{line}\n")


if __name__ == "__main__":
    main()
