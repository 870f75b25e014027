"""The `civic` console script: `civic tally FILE` counts without the web app, the rest is Flask's CLI."""

from __future__ import annotations

import sys


def main() -> None:
    """Run `civic tally FILE` on the engine alone, any other command (and `tally --edition`) through Flask."""
    args = sys.argv[1:]
    if args[:1] == ["tally"] and not any(a == "--edition" or a.startswith("--edition=") for a in args):
        # Counting a file must not pay for importing Flask, SQLAlchemy and the app (issue 9).
        from civic.tally.cli import main as tally

        sys.exit(tally(args[1:]))
    from civic.cli import main as flask_cli

    flask_cli()
