"""Read and write pabulib `.pb` files (pabulib.org/format), exact and fast.

`read(path)` returns a `PabulibFile`; any malformed input raises one `PabulibError` carrying the line
number. `write(pbfile, path)` writes a file the pabulib checker accepts; `read(write(read(f))) == read(f)`.

One module per part of the format: `meta`, `projects` and `votes` read their section (`reader` chains
them), `numbers` checks the numbers of every cell, `lines` splits rows and quoted cells, `file` holds
what was read (the VOTES rows stay lazy: counting works from the distinct ballots), `writer` writes.
"""

from civic.tally.pabulib.file import PabulibFile, PabulibProject, PabulibVoter, VoterRows
from civic.tally.pabulib.numbers import MAX_AMOUNT, MAX_POINTS, MAX_SCORE, limited_number
from civic.tally.pabulib.reader import read, read_string
from civic.tally.pabulib.writer import computed_scores, project_scores, write, write_string

__all__ = [
    "MAX_AMOUNT",
    "MAX_POINTS",
    "MAX_SCORE",
    "PabulibFile",
    "PabulibProject",
    "PabulibVoter",
    "VoterRows",
    "computed_scores",
    "limited_number",
    "project_scores",
    "read",
    "read_string",
    "write",
    "write_string",
]
