"""One "server process" for test_shared_limits: fail to log in N times, print the statuses as JSON.

Run as ``python -m tests.accounts.limits_worker DATABASE_URL STORAGE_URI EMAIL N``; the first run
creates the schema and the account.
"""

from __future__ import annotations

import json
import sys

from civic import create_app
from civic.accounts.services import create_user, find_live_user_by_email
from civic.extensions import db
from tests.conftest import settings_for


def main(database_url: str, storage_uri: str, email: str, attempts: int) -> None:
    settings = {**settings_for(database_url), "RATELIMIT_STORAGE_URI": storage_uri, "WTF_CSRF_ENABLED": False}
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        if find_live_user_by_email(email) is None:
            create_user(
                email=email, display_name="Limit", password="correct horse battery staple", confirmed=True
            )
            db.session.commit()
    client = app.test_client()
    data = {"email": email, "password": "wrong password guess"}
    print(json.dumps([client.post("/login", data=data).status_code for _ in range(attempts)]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
