"""Readers for postmortems (a folder of Markdown files) and corrective actions (a CSV).

Both return plain, JSON-serialisable dicts with the values as written in the files (SQL
normalises statuses, dates and severities later) plus a list of :class:`ReadError`: a
file or row that cannot be read is reported with its path and line and the rest loads.
They raise only when the folder or file itself is missing.
"""

from .actions_csv import read_actions_csv
from .errors import ReadError
from .reader import read_postmortems
from .vocab import DEFAULT_TAXONOMY

__all__ = ["DEFAULT_TAXONOMY", "ReadError", "read_actions_csv", "read_postmortems"]
