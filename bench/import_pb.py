"""Benchmark pabulib import, counting from the database and export on the big shared files.

    python bench/import_pb.py [--files Lodz,Krakow]

Each file goes into a fresh SQLite database (WAL, synchronous=FULL, as in production) built by the
migrations. Writes a markdown table to bench/results/import_pb.md and prints it.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "import_pb.md"


def shared_dir() -> Path:
    """Return <repo>/../shared/pabulib (or $CIVIC_PABULIB_DIR)."""
    env = os.environ.get("CIVIC_PABULIB_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "pabulib"


def measure(path: Path) -> dict[str, object]:
    """Import one file into a fresh database; time read, import+commit, count (greedy) and export."""
    from flask_migrate import upgrade

    from civic import create_app
    from civic.extensions import db
    from civic.tally import api, pabulib
    from civic.voting.pabulib_io import export_pabulib, import_pabulib
    from civic.voting.services import ballots_for_pool, count_pool

    with tempfile.TemporaryDirectory() as instance:
        os.environ["CIVIC_INSTANCE_PATH"] = instance
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.sqlite"})
        with app.app_context():
            upgrade()
            t0 = time.perf_counter()
            pb = pabulib.read(path)
            t1 = time.perf_counter()
            pool = import_pabulib(pb, source_name=path.name)
            db.session.commit()
            t2 = time.perf_counter()
            pool_id = pool.id
            db.session.expire_all()
            pool = db.session.get(type(pool), pool_id)
            t3 = time.perf_counter()
            ballots_for_pool(pool)
            t4 = time.perf_counter()
            from_db = count_pool(pool, "greedy")
            t5 = time.perf_counter()
            from_file = api.count_file(path, "greedy")
            t6 = time.perf_counter()
            pabulib.write_string(export_pabulib(pool))
            t7 = time.perf_counter()
            assert from_db.to_dict() == from_file.to_dict(), path.name
            db.session.remove()
            db.engine.dispose()
    return {
        "file": path.stem,
        "voters": len(pb.voters),
        "projects": len(pb.projects),
        "read": t1 - t0,
        "import": t2 - t1,
        "load": t4 - t3,
        "count_db": t5 - t4,
        "count_file": t6 - t5,
        "export": t7 - t6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", help="comma-separated name fragments to keep")
    args = parser.parse_args()
    files = sorted((shared_dir() / "perf").glob("*.pb"))
    if args.files:
        keep = args.files.split(",")
        files = [f for f in files if any(k in f.name for k in keep)]
    rows = [measure(f) for f in files]
    lines = [
        "# pabulib import / count-from-database / export benchmark",
        "",
        f"SQLite file database built by the migrations (WAL, synchronous=FULL); Python {platform.python_version()}.",
        "read = parse and check the file (row objects are built later, inside import); import = store",
        "edition, proposals, pool and ballots, then commit;",
        "load = read the ballots back and group them (`ballots_for_pool`); count db = load + greedy",
        "(`count_pool`); count file = `civic.tally.api.count_file` (read + greedy); export = build and",
        "write the pabulib text. Outcomes from the database and from the file are checked equal.",
        "",
        "| file | voters | projects | read (s) | import (s) | load (s) | count db (s) | count file (s) | export (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['file']} | {r['voters']} | {r['projects']} | {r['read']:.2f} | {r['import']:.2f} | "
            f"{r['load']:.2f} | {r['count_db']:.2f} | {r['count_file']:.2f} | {r['export']:.2f} |"
        )
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
