"""Readers for postmortems (a folder of Markdown files) and corrective actions (a CSV).

Both return plain, JSON-serialisable dicts with the values as written in the files (SQL
normalises statuses, dates and severities later) and a list of :class:`ReadError`. They
raise only when the folder or file itself is missing.

How problems are reported (one ReadError type, the reason says which case it is):

- *Skipped*: a file that cannot be used at all (not UTF-8, invalid or unclosed YAML front
  matter, front matter that is not a mapping, no Markdown heading) gives one ReadError
  ending "the file was skipped" and no postmortem; a CSV row with the wrong number of
  cells, or a table row likewise, gives one ReadError and is not loaded.
- *Loaded with a warning*: unknown or repeated front-matter keys, values kept as written
  that later steps will not understand (a root cause outside the taxonomy, a
  ``published_at`` that is not ISO-8601, a release without ``@``, an incident that is not
  ``source:id``), a postmortem linked to no incident, unknown table/CSV columns. Losing a
  postmortem over an extra key would be worse than landing it.
- Front-matter values of the wrong shape (a list for ``severity``) are ignored and that
  field is derived from the text, as if the key were absent.
"""

from .actions_csv import read_actions_csv
from .errors import ReadError
from .reader import iter_postmortems, read_postmortems
from .vocab import DEFAULT_TAXONOMY

__all__ = [
    "DEFAULT_TAXONOMY",
    "ReadError",
    "iter_postmortems",
    "read_actions_csv",
    "read_postmortems",
]
