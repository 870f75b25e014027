"""The in-person channel over HTTP: the officer's screen, the kiosk, paper sheets typed twice, the minutes.

Every refusal says why and writes nothing; the happy paths reach the board with the right channel.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.core.time import utcnow
from civic.eligibility import services as roll_services
from civic.eligibility.models import Participation, ParticipationChannel
from civic.extensions import db
from civic.voting import mixer, tasks, townhall
from civic.voting.ballot_rules import BallotFormat
from civic.voting.models import (
    Ballot,
    BallotChannel,
    BoardBatch,
    KioskTicket,
    PooledBallot,
    SheetState,
    TallySheet,
    TallySheetEntry,
)
from tests.conftest import csrf_token, log_in
from tests.factories import create_user
from tests.voting.test_casting import _on_roll
from tests.voting.test_filling import _ballot

EN = {"Accept-Language": "en"}
BIRTH = date(1980, 5, 1)
TICKET_RE = re.compile(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>")


def _count(model) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model)))


def _add(edition, identifier="CNI-1001"):
    desk = create_user(roles=(Role.FRONT_DESK,))
    roll_services.add_in_person(
        actor=desk, edition=edition, identifier=identifier, birth_date=BIRTH, district_id=None
    )
    db.session.commit()


def _officer(client):
    officer = create_user(roles=(Role.FRONT_DESK,), locale="en")
    log_in(client, officer)
    return officer


def _record(client, edition, identifier="CNI-1001", medium="kiosk", place="Mairie", birth=BIRTH):
    url = f"/front-desk/editions/{edition.slug}/in-person"
    token = csrf_token(client, url)
    data = {
        "csrf_token": token,
        "identifier": identifier,
        "birth_date": birth.isoformat(),
        "place": place,
        "medium": medium,
    }
    return client.post(url, data=data, headers=EN)


def _ticket(answer) -> str:
    match = TICKET_RE.search(answer.get_data(as_text=True))
    assert match, answer.get_data(as_text=True)[:2000]
    return match.group(1)


def _enable_kiosk(app, edition):
    """A device the officer turned into the kiosk (then logged out)."""
    kiosk = app.test_client()
    _officer(kiosk)
    token = csrf_token(kiosk, f"/front-desk/editions/{edition.slug}/in-person")
    answer = kiosk.post(f"/front-desk/editions/{edition.slug}/kiosk", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/kiosk")
    return kiosk


def _kiosk_vote(kiosk, edition, pool, ticket, *project_ids):
    token = csrf_token(kiosk, f"/editions/{edition.slug}/kiosk")
    start = kiosk.post(
        f"/editions/{edition.slug}/kiosk", data={"csrf_token": token, "ticket": ticket}, headers=EN
    )
    if start.status_code != 303:
        return start
    fill = kiosk.post(
        f"/editions/{edition.slug}/kiosk/ballots/{pool.id}",
        data={"csrf_token": token, "project": list(project_ids)},
        headers=EN,
    )
    assert fill.status_code == 303 and fill.headers["Location"].endswith("/kiosk/review"), fill.get_data(
        as_text=True
    )[:1000]
    return kiosk.post(f"/editions/{edition.slug}/kiosk/cast", data={"csrf_token": token}, headers=EN)


# --- the officer's screen -------------------------------------------------------------------------


def test_the_officer_records_a_kiosk_participation_and_gets_a_ticket_stored_only_as_a_hash(client, app):
    edition, _pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _add(edition)
    officer = _officer(client)
    answer = _record(client, edition)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    code = _ticket(answer)
    (participation,) = db.session.scalars(select(Participation)).all()
    assert participation.channel is ParticipationChannel.TOWN_HALL and participation.place == "Mairie"
    assert participation.officer_id == officer.id and participation.day == utcnow().date()
    (ticket,) = db.session.scalars(select(KioskTicket)).all()
    assert ticket.code_hash == townhall.ticket_hash(code) and code.replace("-", "") not in ticket.code_hash
    assert set(KioskTicket.__table__.columns.keys()) == {
        "code_hash",
        "edition_id",
        "pool_ids",
        "other_pool_ids",
        "extra_choices",
    }


def test_a_paper_participation_tells_the_officer_to_hand_a_ballot_and_issues_no_ticket(client, app):
    edition, *_ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _add(edition)
    _officer(client)
    answer = _record(client, edition, medium="paper")
    assert answer.status_code == 200 and "Hand the voter a paper ballot" in answer.get_data(as_text=True)
    assert _count(KioskTicket) == 0
    assert db.session.scalar(select(Participation.channel)) is ParticipationChannel.PAPER


def test_a_person_not_on_the_roll_is_refused_and_nothing_is_written(client, app):
    edition, *_ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _officer(client)
    answer = _record(client, edition, identifier="NOBODY-9")
    assert answer.status_code == 422 and "This person is not on the voter roll" in answer.get_data(
        as_text=True
    )
    assert 'value="NOBODY-9"' in answer.get_data(as_text=True)  # typed input kept
    assert _count(Participation) == 0 and _count(KioskTicket) == 0


def test_a_wrong_birth_date_is_refused(client, app):
    edition, *_ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _add(edition)
    _officer(client)
    answer = _record(client, edition, birth=date(1981, 1, 1))
    assert answer.status_code == 422 and "birth date does not match" in answer.get_data(as_text=True)
    assert _count(Participation) == 0


def test_a_person_who_voted_online_is_refused_with_the_channel_and_day(client, login_as, app):
    edition, *_ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    voter = create_user(locale="en")
    _on_roll(edition, voter, identifier="CNI-1001")
    roll_services.record_participation(
        actor=voter,
        edition=edition,
        person_key=roll_services.link_of(edition.id, voter.id).person_key,
        channel=ParticipationChannel.ONLINE,
        day=date(2026, 12, 1),
    )
    db.session.commit()
    _officer(client)
    answer = _record(client, edition)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "already taken part in this vote: online, on December 1, 2026" in html
    assert _count(Participation) == 1 and _count(KioskTicket) == 0


def test_a_second_in_person_participation_names_the_first_channel(client, app):
    edition, *_ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _add(edition)
    _officer(client)
    assert _record(client, edition, medium="paper").status_code == 200
    again = _record(client, edition, medium="kiosk")
    assert again.status_code == 409 and "already taken part in this vote: on paper, on" in again.get_data(
        as_text=True
    )
    assert _count(Participation) == 1 and _count(KioskTicket) == 0


def test_after_the_close_no_participation_is_recorded(client, app):
    edition, *_ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _add(edition)
    vote = next(p for p in edition.phases if p.kind.value == "vote")
    vote.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    _officer(client)
    answer = _record(client, edition)
    assert answer.status_code == 403 and "The vote is closed" in answer.get_data(as_text=True)
    assert _count(Participation) == 0


def test_a_resident_cannot_use_the_officer_screen(client, login_as, app):
    edition, *_ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    login_as()
    assert client.get(f"/front-desk/editions/{edition.slug}/in-person").status_code == 403
    assert client.get(f"/front-desk/editions/{edition.slug}/sheets").status_code == 403
    assert client.get(f"/front-desk/editions/{edition.slug}/minutes").status_code == 403


# --- the kiosk ------------------------------------------------------------------------------------


def test_a_kiosk_ballot_reaches_the_board_as_in_person_and_the_ticket_is_gone(client, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.KNAPSACK)
    _add(edition)
    _officer(client)
    code = _ticket(_record(client, edition))
    kiosk = _enable_kiosk(app, edition)
    page = kiosk.get(f"/editions/{edition.slug}/kiosk", headers=EN).get_data(as_text=True)
    assert "Main navigation" not in page and "Log in" not in page  # locked down: no site navigation
    cast = _kiosk_vote(kiosk, edition, pool, code.lower(), ids["Jardin"], ids["Fontaine"])
    assert cast.status_code == 303 and cast.headers["Location"].endswith("/kiosk/done")
    done = kiosk.get(cast.headers["Location"], headers=EN).get_data(as_text=True)
    (pooled,) = db.session.scalars(select(PooledBallot)).all()
    assert pooled.channel is BallotChannel.IN_PERSON
    assert mixer.board.shown_tracker(pooled.tracker) in done and "Print this page" in done
    assert _count(KioskTicket) == 0
    # The kiosk is reset for the next voter: the receipt is gone, the ticket screen is back.
    again = kiosk.get(f"/editions/{edition.slug}/kiosk/done")
    assert again.status_code == 303 and again.headers["Location"].endswith("/kiosk")
    tracker = pooled.tracker  # the pooled row is gone once mixed
    mixer.mix(edition=edition, final=True)
    db.session.commit()
    (ballot,) = db.session.scalars(select(Ballot)).all()
    assert ballot.channel is BallotChannel.IN_PERSON and ballot.tracker == tracker and ballot.batch == 1
    assert _count(Participation) == 1


def test_a_used_ticket_is_refused(client, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _add(edition)
    _officer(client)
    code = _ticket(_record(client, edition))
    kiosk = _enable_kiosk(app, edition)
    assert _kiosk_vote(kiosk, edition, pool, code, ids["Bancs"]).status_code == 303
    kiosk.get(f"/editions/{edition.slug}/kiosk/done")
    token = csrf_token(kiosk, f"/editions/{edition.slug}/kiosk")
    again = kiosk.post(
        f"/editions/{edition.slug}/kiosk", data={"csrf_token": token, "ticket": code}, headers=EN
    )
    assert again.status_code == 422 and "unknown or has already been used" in again.get_data(as_text=True)
    assert _count(PooledBallot) == 1


def test_a_ticket_used_meanwhile_at_another_kiosk_casts_nothing(client, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _add(edition)
    _officer(client)
    code = _ticket(_record(client, edition))
    first, second = _enable_kiosk(app, edition), _enable_kiosk(app, edition)
    token = csrf_token(second, f"/editions/{edition.slug}/kiosk")
    second.post(f"/editions/{edition.slug}/kiosk", data={"csrf_token": token, "ticket": code})
    second.post(
        f"/editions/{edition.slug}/kiosk/ballots/{pool.id}",
        data={"csrf_token": token, "project": [ids["Bancs"]]},
    )
    assert _kiosk_vote(first, edition, pool, code, ids["Jardin"]).status_code == 303
    late = second.post(f"/editions/{edition.slug}/kiosk/cast", data={"csrf_token": token}, headers=EN)
    assert late.status_code == 422 and "unknown or has already been used" in late.get_data(as_text=True)
    assert _count(PooledBallot) == 1


def test_a_bad_ticket_and_a_ballot_breaking_a_rule_are_refused(client, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.KNAPSACK)
    _add(edition)
    _officer(client)
    code = _ticket(_record(client, edition))
    kiosk = _enable_kiosk(app, edition)
    token = csrf_token(kiosk, f"/editions/{edition.slug}/kiosk")
    bad = kiosk.post(
        f"/editions/{edition.slug}/kiosk", data={"csrf_token": token, "ticket": "ZZZZZ-ZZZZZ"}, headers=EN
    )
    assert bad.status_code == 422 and "unknown or has already been used" in bad.get_data(as_text=True)
    kiosk.post(f"/editions/{edition.slug}/kiosk", data={"csrf_token": token, "ticket": code})
    over = kiosk.post(
        f"/editions/{edition.slug}/kiosk/ballots/{pool.id}",
        data={"csrf_token": token, "project": [ids["Jardin"], ids["Bancs"]]},
        headers=EN,
    )
    assert over.status_code == 422 and "costs €100 more than the envelope" in over.get_data(as_text=True)
    cast = kiosk.post(f"/editions/{edition.slug}/kiosk/cast", data={"csrf_token": token}, headers=EN)
    assert cast.status_code == 422 and "breaks a rule" in cast.get_data(as_text=True)
    assert _count(PooledBallot) == 0 and _count(KioskTicket) == 1


def test_the_kiosk_refuses_once_the_vote_is_closed_and_the_tickets_are_dropped(client, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _add(edition)
    _officer(client)
    code = _ticket(_record(client, edition))
    kiosk = _enable_kiosk(app, edition)
    token = csrf_token(kiosk, f"/editions/{edition.slug}/kiosk")
    kiosk.post(f"/editions/{edition.slug}/kiosk", data={"csrf_token": token, "ticket": code})
    kiosk.post(
        f"/editions/{edition.slug}/kiosk/ballots/{pool.id}",
        data={"csrf_token": token, "project": [ids["Bancs"]]},
    )
    vote = next(p for p in edition.phases if p.kind.value == "vote")
    vote.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    cast = kiosk.post(f"/editions/{edition.slug}/kiosk/cast", data={"csrf_token": token}, headers=EN)
    assert cast.status_code == 403 and "The vote is closed" in cast.get_data(as_text=True)
    assert _count(PooledBallot) == 0
    assert tasks.drop_ended_tickets() == 1 and _count(KioskTicket) == 0


def test_the_kiosk_page_needs_a_kiosk_enabled_by_an_officer(client, app):
    edition, *_ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    answer = client.get(f"/editions/{edition.slug}/kiosk", headers=EN)
    assert answer.status_code == 403 and "enabled by a front-desk officer" in answer.get_data(as_text=True)


# --- paper tally sheets ---------------------------------------------------------------------------


def _type(client, edition, pool, ballots, *, number=1, place="Mairie", blank=0, url=None):
    url = url or f"/front-desk/editions/{edition.slug}/sheets/new"
    token = csrf_token(client, f"/front-desk/editions/{edition.slug}/sheets")
    data = {
        "csrf_token": token,
        "pool": str(pool.id),
        "place": place,
        "number": str(number),
        "ballots": str(len(ballots)),
        "blank": str(blank),
        "step": "save",
    }
    for n, chosen in enumerate(ballots, start=1):
        data[f"b{n}-project"] = [str(i) for i in chosen]
    return client.post(url, data=data, headers=EN)


def _paper_voters(client, edition, n):
    for i in range(n):
        _add(edition, identifier=f"PAPER-{i}")
        assert _record(client, edition, identifier=f"PAPER-{i}", medium="paper").status_code == 200


def test_two_officers_type_a_matching_sheet_and_its_ballots_enter_the_box_as_paper(client, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    first = _officer(client)
    _paper_voters(client, edition, 3)
    sheet_ballots = [[ids["Jardin"]], [ids["Bancs"], ids["Fontaine"]]]
    answer = _type(client, edition, pool, sheet_ballots, blank=1)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    # The same officer typing the sheet again is refused: a second, different officer must.
    same = _type(client, edition, pool, sheet_ballots, blank=1)
    assert same.status_code == 409 and "second, different officer" in same.get_data(as_text=True)
    assert _count(TallySheetEntry) == 1 and _count(Ballot) == 0
    _officer(client)
    second = _type(client, edition, pool, list(reversed(sheet_ballots)), blank=1)
    assert second.status_code == 303
    # The order of the projects on one ballot does not matter, the order of the ballots on the sheet does.
    (sheet,) = db.session.scalars(select(TallySheet)).all()
    assert sheet.state is SheetState.DIFFERS and _count(Ballot) == 0
    page = client.get(second.headers["Location"], headers=EN).get_data(as_text=True)
    assert "The two entries differ" in page and "Ballot 1: Jardin in the first entry" in page
    fixed = _type(
        client,
        edition,
        pool,
        [[ids["Jardin"]], [ids["Fontaine"], ids["Bancs"]]],
        blank=1,
        url=f"/front-desk/editions/{edition.slug}/sheets/{sheet.id}/correct",
    )
    assert fixed.status_code == 303
    db.session.expire_all()
    assert db.session.get(TallySheet, sheet.id).state is SheetState.ACCEPTED
    ballots = db.session.scalars(select(Ballot)).all()
    assert len(ballots) == 2 and {b.channel for b in ballots} == {BallotChannel.PAPER}
    (batch,) = db.session.scalars(select(BoardBatch)).all()
    assert sorted(batch.trackers) == sorted(b.tracker for b in ballots) and all(b.batch == 1 for b in ballots)
    assert mixer.board_view(edition).problems == []
    corrected = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "voting.paper_sheet_corrected")
    ).all()
    assert len(corrected) == 1 and corrected[0].before["blank"] == 1
    assert first.id != corrected[0].actor_id
    # The ballots carry nothing of the sheet or the officers.
    assert set(Ballot.__table__.columns.keys()) == {
        "id",
        "pool_id",
        "channel",
        "extra",
        "raw",
        "tracker",
        "batch",
        "superseded",
    }


def test_a_mismatched_sheet_is_not_accepted(client, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _officer(client)
    _type(client, edition, pool, [[ids["Jardin"]]], blank=0)
    _officer(client)
    answer = _type(client, edition, pool, [[ids["Jardin"]]], blank=2)
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Blank or spoiled ballots: 0 in the first entry, 2 in the second." in page
    assert _count(Ballot) == 0 and _count(BoardBatch) == 0
    third = create_user(roles=(Role.FRONT_DESK,))
    log_in(client, third)
    late = _type(client, edition, pool, [[ids["Jardin"]]])
    assert late.status_code == 409
    assert "déjà été saisie deux fois" in late.get_data(as_text=True)  # the third officer reads French


def test_a_paper_ballot_breaking_a_rule_is_shown_and_nothing_is_saved(client, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.KNAPSACK)
    _officer(client)
    answer = _type(client, edition, pool, [[ids["Jardin"], ids["Bancs"]], []])
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Ballot 1: Your choice costs €100 more than the envelope" in html
    assert "Ballot 2: This ballot is empty" in html
    assert f'name="b1-project" value="{ids["Jardin"]}" checked' in html  # typed input kept
    assert _count(TallySheet) == 0


# --- reconciliation and minutes -------------------------------------------------------------------


def test_the_minutes_reconcile_participations_with_ballots_and_keep_audited_remarks(client, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _officer(client)
    _paper_voters(client, edition, 2)
    _add(edition, identifier="KIOSK-1")
    _record(client, edition, identifier="KIOSK-1", medium="kiosk")
    # Three paper ballots and a blank one for two paper participations: flagged.
    for _ in range(2):
        _type(client, edition, pool, [[ids["Jardin"]], [ids["Bancs"]], [ids["Bancs"]]], blank=1)
        _officer(client)
    figures = townhall.place_figures(edition, "Mairie")
    assert (figures.kiosk_participations, figures.paper_participations) == (1, 2)
    assert [(b.paper_ballots, b.blank) for b in figures.boxes] == [(3, 1)]
    page = client.get(f"/front-desk/editions/{edition.slug}/minutes/place?place=Mairie", headers=EN)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "4 paper ballots (blank and spoiled included) for 2 paper participations" in html
    token = csrf_token(client, f"/front-desk/editions/{edition.slug}/minutes/place?place=Mairie")
    saved = client.post(
        f"/front-desk/editions/{edition.slug}/minutes/place?place=Mairie",
        data={"csrf_token": token, "remarks": "Two people voted twice? To be checked."},
    )
    assert saved.status_code == 303
    assert "Two people voted twice" in client.get(saved.headers["Location"]).get_data(as_text=True)
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "voting.minutes_remarks")
    ).all()
    assert entry.after["remarks"].startswith("Two people")
    summary = client.get(f"/front-desk/editions/{edition.slug}/minutes", headers=EN).get_data(as_text=True)
    assert "Mairie" in summary and "Tickets not used yet" in summary
    assert townhall.kiosk_figures(edition).unused_tickets == 1
    missing = client.get(f"/front-desk/editions/{edition.slug}/minutes/place?place=Nowhere")
    assert missing.status_code == 404


def test_the_migration_keeps_the_ballot_side_without_rowid_and_without_person_or_time(tmp_path, monkeypatch):
    """ballot_pool gains its channel (existing rows: online) and stays WITHOUT ROWID; kiosk_ticket too."""
    import sqlite3
    from contextlib import closing

    from flask_migrate import downgrade, upgrade

    from civic import create_app
    from tests.conftest import settings_for

    monkeypatch.setenv("CIVIC_INSTANCE_PATH", str(tmp_path))
    path = tmp_path / "townhall.sqlite"
    app = create_app(settings_for(f"sqlite:///{path}"))

    def tables():
        with closing(sqlite3.connect(path)) as raw:
            names = ("ballot_pool", "kiosk_ticket")
            return dict(
                raw.execute("SELECT name, sql FROM sqlite_master WHERE name IN (?, ?)", names).fetchall()
            )

    with app.app_context():
        upgrade(revision="8f5a3c1b6e74")
        with closing(sqlite3.connect(path)) as raw, raw:  # foreign keys are off on a raw connection
            raw.execute(
                "INSERT INTO ballot_pool (id, pool_id, choices, tracker) VALUES (?, 7, '[]', 'AAAABBBBCCCCDDDD')",
                (b"0123456789abcdef",),
            )
        upgrade()
        with closing(sqlite3.connect(path)) as raw:
            assert raw.execute("SELECT channel FROM ballot_pool").fetchall() == [("online",)]
        sql = tables()
        assert set(sql) == {"ballot_pool", "kiosk_ticket"} and all("WITHOUT ROWID" in s for s in sql.values())
        assert "channel" in sql["ballot_pool"]
        words = ("user", "voter", "person", "officer", "address", "created", "time", "_at", "date", "day")
        assert not [w for w in words if w in sql["kiosk_ticket"].lower()], sql["kiosk_ticket"]
        with closing(sqlite3.connect(path)) as raw, raw:
            raw.execute("DELETE FROM ballot_pool")  # the row has no vote pool: the table copy would refuse it
        downgrade(revision="8f5a3c1b6e74")
        sql = tables()
        assert set(sql) == {"ballot_pool"} and "WITHOUT ROWID" in sql["ballot_pool"]
        assert "channel" not in sql["ballot_pool"]
        db.engine.dispose()


def test_a_points_sheet_is_read_with_the_ballot_fields_and_its_points_reach_the_box(client, app):
    edition, pool, ids, _ = _ballot(
        app, ballot_format=BallotFormat.CUMULATIVE, total_points=5, max_points_per_project=3
    )

    def post(points):
        token = csrf_token(client, f"/front-desk/editions/{edition.slug}/sheets")
        data = {"csrf_token": token, "pool": str(pool.id), "place": "Annexe", "number": "4", "ballots": "1"}
        data.update({f"b1-points-{ids[name]}": str(n) for name, n in points.items()})
        return client.post(
            f"/front-desk/editions/{edition.slug}/sheets/new", data={**data, "step": "save"}, headers=EN
        )

    _officer(client)
    over = post({"Jardin": 4})
    assert over.status_code == 422 and "Ballot 1: Jardin: at most 3 points per project." in over.get_data(
        as_text=True
    )
    assert post({"Jardin": 3, "Bancs": 2}).status_code == 303
    _officer(client)
    assert post({"Bancs": 2, "Jardin": 3}).status_code == 303
    (ballot,) = db.session.scalars(select(Ballot)).all()
    assert ballot.channel is BallotChannel.PAPER
    assert sorted((c.project.proposal.title, c.points) for c in ballot.choices) == [
        ("Bancs", 2),
        ("Jardin", 3),
    ]


def _districts_vote(app, rule):
    from civic.voting import ballot as services
    from civic.voting.ballot_rules import DistrictsPerVoter, Settings
    from tests.factories import create_district, create_edition
    from tests.voting.test_ballot_building import feasible

    nord, sud, est = create_district(name="Nord"), create_district(name="Sud"), create_district(name="Est")
    edition = create_edition(districts=[nord, sud, est], open_phase="vote")
    for share in edition.districts:
        share.envelope_cents = 500_00
    db.session.commit()
    for district in (nord, sud, est):
        feasible(edition, district, title=f"Jardin {district.name}", cost=100_00)
    admin = create_user(roles=(Role.ADMIN,))
    settings = Settings(ballot_format=BallotFormat.APPROVAL, districts_per_voter=DistrictsPerVoter(rule))
    services.save_settings(actor=admin, edition=edition, settings=settings)
    pools = {p.district.name: p for p in services.build_all_ballots(actor=admin, edition=edition)}
    desk = create_user(roles=(Role.FRONT_DESK,))
    roll_services.add_in_person(
        actor=desk, edition=edition, identifier="N-1", birth_date=BIRTH, district_id=nord.id
    )
    db.session.commit()
    return edition, pools


def test_a_ticket_opens_only_the_boxes_of_the_persons_district(client, app):
    edition, pools = _districts_vote(app, "own")
    _officer(client)
    answer = _record(client, edition, identifier="N-1")
    assert "Ballots of: Nord." in answer.get_data(as_text=True)
    code = _ticket(answer)
    (ticket,) = db.session.scalars(select(KioskTicket)).all()
    assert (ticket.pool_ids, ticket.other_pool_ids, ticket.extra_choices) == ([pools["Nord"].id], [], 0)
    kiosk = _enable_kiosk(app, edition)
    token = csrf_token(kiosk, f"/editions/{edition.slug}/kiosk")
    kiosk.post(f"/editions/{edition.slug}/kiosk", data={"csrf_token": token, "ticket": code})
    south = kiosk.get(f"/editions/{edition.slug}/kiosk/ballots/{pools['Sud'].id}")
    assert south.status_code == 303 and south.headers["Location"].endswith("/kiosk")
    north = pools["Nord"]
    kiosk.post(
        f"/editions/{edition.slug}/kiosk/ballots/{north.id}",
        data={"csrf_token": token, "project": [north.projects[0].id]},
    )
    cast = kiosk.post(f"/editions/{edition.slug}/kiosk/cast", data={"csrf_token": token})
    assert cast.status_code == 303
    (pooled,) = db.session.scalars(select(PooledBallot)).all()
    assert pooled.pool_id == pools["Nord"].id and pooled.channel is BallotChannel.IN_PERSON


def test_own_district_plus_one_at_the_kiosk_refuses_a_third_box(client, app):
    edition, pools = _districts_vote(app, "own_plus_one")
    _officer(client)
    code = _ticket(_record(client, edition, identifier="N-1"))
    (ticket,) = db.session.scalars(select(KioskTicket)).all()
    assert ticket.pool_ids == [pools["Nord"].id] and ticket.extra_choices == 1
    assert sorted(ticket.other_pool_ids) == sorted([pools["Sud"].id, pools["Est"].id])
    from civic.voting import ballot as services
    from civic.voting.filling import Reading

    rules = services.settings_of(edition).rules()
    three = [(pool, Reading((pool.projects[0],), None)) for pool in pools.values()]
    with pytest.raises(townhall.ValidationFailed, match=r"1 (autre|other) (au plus|at most)"):
        townhall.cast_at_kiosk(edition=edition, settings=rules, typed_ticket=code, ballots=three)
    db.session.rollback()
    assert _count(PooledBallot) == 0 and _count(KioskTicket) == 1
    two = [(pools["Nord"], Reading((pools["Nord"].projects[0],), None))]
    two.append((pools["Est"], Reading((pools["Est"].projects[0],), None)))
    cast = townhall.cast_at_kiosk(edition=edition, settings=rules, typed_ticket=code, ballots=two)
    db.session.commit()
    assert len(cast) == 2 and _count(PooledBallot) == 2 and _count(KioskTicket) == 0


def test_two_officers_saving_the_second_entry_at_once_leave_two_entries_and_one_batch(client, app):
    import threading

    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _officer(client)
    assert _type(client, edition, pool, [[ids["Jardin"]]]).status_code == 303
    clients = [app.test_client(), app.test_client()]
    tokens = []
    for c in clients:
        _officer(c)
        tokens.append(csrf_token(c, f"/front-desk/editions/{edition.slug}/sheets"))
    barrier, results = threading.Barrier(2), []
    url = f"/front-desk/editions/{edition.slug}/sheets/new"
    data = {"pool": str(pool.id), "place": "Mairie", "number": "1", "ballots": "1", "step": "save"}
    data["b1-project"] = [str(ids["Jardin"])]

    def post(c, token):
        barrier.wait()  # the objects of the test's session are not read in the threads
        answer = c.post(url, data={**data, "csrf_token": token}, headers=EN)
        results.append((answer.status_code, answer.get_data(as_text=True)))

    threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(status for status, _html in results) == [303, 409]
    refused = next(html for status, html in results if status == 409)
    assert "already been typed twice" in refused or "at the same moment" in refused
    assert _count(TallySheetEntry) == 2 and _count(BoardBatch) == 1 and _count(Ballot) == 1
