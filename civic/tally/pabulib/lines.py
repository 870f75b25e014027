"""Rows of a pabulib file: `;`-separated cells, quoted cells, physical line numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import NamedTuple

from civic.tally.errors import PabulibError

NOT_UTF8 = "file is not UTF-8 text"
SECTIONS = ("meta", "projects", "votes")
# What `str.strip` removes in ASCII text, line breaks aside.
_ASCII_SPACES = (" ", "\t", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


class Rest(NamedTuple):
    """The lines left in a stream, and what the whole text holds."""

    lines: list[str]
    quoted: bool  # some line holds a double quote
    spaced: bool  # some cell may need `str.strip` (the text holds whitespace other than line breaks)


class Lines:
    """Logical `;`-separated rows of a stream, with the physical line number of the last row read.

    Lines without a double quote are split directly (the common case); quoted lines go through the
    csv module, joining physical lines while a quoted cell spans a line break.
    """

    def __init__(self, stream: Iterable[str]) -> None:
        self._stream = stream
        self._it = iter(stream)
        self.line = 0

    def _read_line(self) -> str | None:
        try:
            raw = next(self._it, None)
        except UnicodeDecodeError:
            raise PabulibError(NOT_UTF8, self.line + 1) from None
        if raw is not None:
            self.line += 1
        return raw

    def rest(self) -> Rest:
        """Return the remaining physical lines without their line breaks (the caller keeps the count)."""
        read = getattr(self._stream, "read", None)
        try:
            text = read() if read is not None else "".join(self._it)
        except UnicodeDecodeError:
            raise PabulibError(NOT_UTF8, self.line + 1) from None
        if "\r" in text:
            # Line breaks as the file iterator knows them (newline=""): \n, \r\n and a lone \r.
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()  # the break that ends the last line opens no line
        # Asked of the whole text once rather than of each line.
        spaced = not text.isascii() or any(map(text.__contains__, _ASCII_SPACES))
        return Rest(lines, '"' in text, spaced)

    def row(self) -> list[str] | None:
        """Return the next row as cells (None at end of input)."""
        raw = self._read_line()
        if raw is None:
            return None
        if '"' not in raw:
            return raw.rstrip("\r\n").split(";")
        return self._quoted(raw)

    def _quoted(self, raw: str) -> list[str]:
        start = self.line
        buf = raw
        while True:
            if "\x00" in buf:
                raise PabulibError("file contains a NUL byte", self.line)
            try:
                rows = list(
                    csv.reader(io.StringIO(buf, newline=""), delimiter=";", quotechar='"', strict=True)
                )
            except csv.Error as exc:
                if buf.count('"') % 2 == 0:
                    raise PabulibError(f"malformed quoted cell: {exc}", start) from None
                buf += self._until_quote(start, exc)
                continue
            if len(rows) != 1:  # pragma: no cover - a single logical line yields one row
                raise PabulibError("malformed quoted cell", start)
            return rows[0]

    def _until_quote(self, start: int, exc: csv.Error) -> str:
        """Return the next lines up to the first one holding an odd number of quotes (closing a cell).

        Parsing again after each line would make an unclosed quote quadratic in the lines that follow.
        """
        more: list[str] = []
        while True:
            line = self._read_line()
            if line is None:
                raise PabulibError(f"malformed quoted cell: {exc}", start) from None
            more.append(line)
            if line.count('"') % 2 == 1:
                return "".join(more)

    def content_row(self) -> list[str] | None:
        """Return the next row that is not blank."""
        while True:
            row = self.row()
            if row is None or any(map(str.strip, row)):
                return row


def fit(row: list[str], n: int, line: int, section: str) -> list[str]:
    """Return the row padded or cut to n cells; PabulibError if the cells cut are not empty."""
    if len(row) < n:
        return row + [""] * (n - len(row))
    if any(map(str.strip, row[n:])):
        raise PabulibError(f"{section} row has {len(row)} cells but the header has {n}", line)
    return row[:n]


def header(row: list[str] | None) -> list[str]:
    """Return a section's header cells, stripped."""
    return list(map(str.strip, row or []))
