"""Text folding for search and sorting, identical on SQLite and PostgreSQL.

Pure. Unicode NFKD, combining marks dropped, then full case folding
(Unicode 15, ``str.casefold``: "Straße" -> "strasse"), so "creme" finds
"Crème" and "GROSSE" finds "große" whatever the database's collation."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` with collapsed spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", stripped).casefold()).strip()


def sort_key(name: str, length: int = 255) -> str:
    """The key names are ordered by (folded, truncated to the column size)."""
    return fold(name)[:length]


def like_pattern(query: str) -> str:
    """A LIKE pattern matching ``query`` anywhere, with LIKE wildcards escaped (escape char ``\\``)."""
    folded = fold(query)
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
