"""`civic tally FILE`: count a pabulib file from the command line, without the web app.

The `civic` console script (`civic.console`) sends `civic tally FILE` here, so that counting a file
imports neither Flask nor SQLAlchemy and starts about as fast as Python itself; `civic tally --edition`
(the ballots of the database) and `flask civic tally` go through the Flask command, which prints its
outcome with `print_outcome` below: the same output either way.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from civic.tally.api import count_file, rule_names
from civic.tally.errors import TallyError
from civic.tally.model import Number
from civic.tally.outcome import Outcome
from civic.tally.rules import Progress

# Exit code of a refused request or a failed count (as click's usage errors).
EXIT_ERROR = 2


def parser(prog: str = "civic tally") -> argparse.ArgumentParser:
    """Return the parser of `civic tally`'s arguments (the Flask command takes the same ones)."""
    p = argparse.ArgumentParser(
        prog=prog,
        description="Count a pabulib FILE, or an edition's ballots (--edition), and print the selected project ids.",
        allow_abbrev=False,
    )
    p.add_argument("path", metavar="FILE", nargs="?", help="A pabulib .pb file.")
    p.add_argument("--edition", help="Count this edition's pool (slug or name) from the database.")
    p.add_argument("--district", help="With --edition: count this district's pool (name or slug).")
    p.add_argument("--rule", required=True, metavar="RULE", help=f"One of: {', '.join(rule_names())}.")
    p.add_argument("--json", action="store_true", help="Print the outcome and its explanation as JSON.")
    return p


def main(argv: Sequence[str] | None = None, prog: str = "civic tally") -> int:
    """Count the file named on the command line and print the outcome; return the exit code."""
    args = parser(prog).parse_args(argv)
    if (args.path is None) == (args.edition is None):
        return fail("give either a pabulib FILE or --edition EDITION")
    if args.district is not None and args.edition is None:
        return fail("--district goes with --edition")
    if args.edition is not None:
        return fail("--edition counts the database: run it with the `civic` command")
    progress = terminal_progress()
    try:
        outcome = count_file(args.path, args.rule, progress=progress)
    except TallyError as exc:
        return fail(exc)
    finally:
        if progress is not None:
            sys.stderr.write("\r\x1b[K")
    print_outcome(outcome, as_json=args.json)
    return 0


def fail(message: object) -> int:
    """Print a one-line error on stderr; return the exit code of a refused request."""
    print(f"Error: {message}", file=sys.stderr)
    return EXIT_ERROR


def print_outcome(outcome: Outcome, *, as_json: bool) -> None:
    """Print the selected ids, one per line, or the whole outcome as JSON."""
    stream = sys.stdout
    if as_json:
        import json  # only for --json: one import less on the way to a plain count

        stream.write(json.dumps(outcome.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        stream.write("".join(f"{project_id}\n" for project_id in outcome.selected))
    stream.flush()


def terminal_progress() -> Progress | None:
    """Return a reporter for long Equal Shares counts: a line on stderr each second, when it is a terminal."""
    if not sys.stderr.isatty():
        return None
    last = time.monotonic()

    def report(steps: int, per_voter: Number) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= 1.0:
            last = now
            # Overwrites itself; cleared (\x1b[K) so the result starts on a clean line.
            sys.stderr.write(f"\r\x1b[Kper-voter budget {per_voter} (step {steps})…")
            sys.stderr.flush()

    return report


if __name__ == "__main__":
    sys.exit(main(prog="python -m civic.tally.cli"))
