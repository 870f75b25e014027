"""Unexpected errors become a friendly 500 page (or fragment) and roll the transaction back."""

from __future__ import annotations

from sqlalchemy import select

from civic.accounts.models import User
from civic.extensions import db
from tests.factories import create_user


def test_unexpected_error_gives_a_friendly_500_and_changes_nothing(app, client):
    user = create_user(display_name="Before")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom():
        row = db.session.get(User, user.id)
        row.display_name = "Half-done"
        db.session.flush()
        raise RuntimeError("unexpected")

    app.add_url_rule("/boom", "boom", boom)
    page = client.get("/boom")
    assert page.status_code == 500
    assert "Une erreur est survenue" in page.get_data(as_text=True)
    assert "RuntimeError" not in page.get_data(as_text=True)
    assert "Content-Security-Policy" in page.headers
    fragment = client.get("/boom", headers={"HX-Request": "true"})
    assert fragment.status_code == 500 and "<html" not in fragment.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(User.display_name).where(User.id == user.id)) == "Before"
