"""Civic's counting engine: pure, exact participatory-budgeting rules and pabulib I/O.

No framework and no other `civic.*` package is imported here: the app and the CLI call the facade.

Facade (`civic.tally.api`):
- `count_file(path, rule, **options) -> Outcome` — read a pabulib `.pb` file and count it.
- `count_ballots(projects, budget, kind, ballots, rule, **options) -> Outcome` — count in-memory
  data (from the database): `projects` as `Project(id, cost)` or `(id, cost)` pairs in display
  order, exact costs (int or Fraction, never float), `kind` in approval / choose-1 / cumulative /
  ordinal, `ballots` as `Ballot(projects, points=None, weight=1)` or plain id sequences.
- `count(election, rule, **options) -> Outcome` — count an already built `Election`.
- `RULES` (name -> `Rule` with `.description`) and `rule_names()`: greedy, greedy-cardinality, mes,
  mes-greedy, mes-add1, mes-add1-official, phragmen, official. `official` takes
  `official_rule=` (a pabulib META `rule`), optional `scores=` and `threshold=`; `count_file`
  fills them from the file. `mes-add1-official` takes `comparison=` and `comparison_mode=`.

`Outcome` has `selected` (ids in selection order), `budget`, `budget_used`, `explanation`
(greedy decisions, MES rounds/prices/rejections, Phragmén loads) and `notes`;
`outcome.to_dict()` is JSON-serializable (exact non-integers as {"exact": "p/q", "approx": float}).

Errors (`civic.tally.errors`, all subclasses of `TallyError`, one-line messages):
`PabulibError` (malformed file; `.line`, `.path`), `RuleNotApplicable` (e.g. MES on ordinal
ballots), `UnknownRule`, `InvalidElection` (bad in-memory data).

pabulib I/O (`civic.tally.pabulib`): `read(path)`, `read_string(text)`, `write(pbfile, path)`,
`write_string(pbfile)`, `project_scores(pbfile)`; `PabulibFile.election()` groups the ballots.
"""

from civic.tally.api import RULES, count, count_ballots, count_file, rule_names
from civic.tally.errors import InvalidElection, PabulibError, RuleNotApplicable, TallyError, UnknownRule
from civic.tally.model import Ballot, Election, Project
from civic.tally.outcome import Outcome

__all__ = [
    "RULES",
    "Ballot",
    "Election",
    "InvalidElection",
    "Outcome",
    "PabulibError",
    "Project",
    "RuleNotApplicable",
    "TallyError",
    "UnknownRule",
    "count",
    "count_ballots",
    "count_file",
    "rule_names",
]
