"""Every ballot format in a real browser: filled in, refused when wrong (with what was typed kept), reviewed,
cast, and its tracker shown — fr at 375 px and en at 1280 px, axe clean at every step. The ranking is
reordered by dragging with the mouse and with the keyboard buttons, and the ranks it posts are checked; one
ballot is cast with JavaScript off through the plain form; "check my ballot" finds a sealed tracker, says
when one is unknown and when what was typed cannot be a tracker."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from civic.extensions import db
from civic.voting import board, mixer
from civic.voting.ballot_rules import BallotFormat
from tests.browser.conftest import AxeChecker
from tests.browser.helpers import log_in
from tests.voting.helpers import ballot_box, voter_on_roll

SIZES = [("fr", 375), ("en", 1280)]
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
TRACKER = re.compile(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}")
# What the page says, in the voter's language (the French comes from the catalog).
SAYS = {
    "fr": {
        "at_least": "Choisissez au moins {n} projet",
        "at_most": "Choisissez au plus {n} projets",
        "rank_at_most": "Classez au plus {n} projets",
        "can_cast": "Votre bulletin peut être déposé.",
        "chosen": "{n} projets choisis",
        "over": "de plus que l’enveloppe",
        "reach": "Votre choix doit atteindre au moins",
        "whole": "nombre entier",
        "cap": "au plus 6 points par projet",
        "tie": "Deux projets ont le rang 1",
    },
    "en": {
        "at_least": "Choose at least {n} project",
        "at_most": "Choose at most {n} projects",
        "rank_at_most": "Rank at most {n} projects",
        "can_cast": "Your ballot can be cast.",
        "chosen": "{n} projects chosen",
        "over": "more than the envelope",
        "reach": "Your choice must reach at least",
        "whole": "whole number",
        "cap": "at most 6 points per project",
        "tie": "Two projects have rank 1",
    },
}


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CIVIC_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Voter:
    """A resident on the roll, logged in, filling in one ballot box in a browser page."""

    def __init__(
        self, page, axe: AxeChecker, base: str, shots: Path, lang: str, width: int, journey: str
    ) -> None:
        self.page, self.axe, self.base, self.shots, self.journey = page, axe, base, shots, journey
        self.lang, self.width = lang, width
        self.says = SAYS[lang]
        if not hasattr(
            page, "console_errors"
        ):  # a page of the journey's own context: listen as the fixture does
            page.console_errors = []
            page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
            page.on(
                "console",
                lambda msg: (
                    page.console_errors.append(msg.text)
                    if msg.type == "error" and "status of 4" not in msg.text
                    else None
                ),
            )

    def open(self, edition, pool, voter) -> None:
        self.page.set_viewport_size({"width": self.width, "height": 900})
        log_in(self.page, self.base, voter)
        self.page.goto(f"{self.base}/editions/{edition.slug}/vote")
        self.page.locator(f"a[href='/editions/{edition.slug}/vote/{pool.id}']").click()
        self.page.wait_for_url(re.compile(rf".*/vote/{pool.id}$"))
        self.check("ballot")

    def check(self, name: str | None = None) -> None:
        """axe clean, nothing scrolls sideways, no script error (a CSP refusal included); a full-page
        screenshot when named."""
        assert not self.page.console_errors, self.page.console_errors
        self.axe.check(self.page)
        assert self.page.evaluate(NO_SIDEWAYS_SCROLL), f"sideways scroll at {self.width}px on {self.page.url}"
        if name:
            self.page.screenshot(
                path=str(self.shots / f"{self.journey}-{name}-{self.lang}-{self.width}.png"), full_page=True
            )

    scripts = True

    @property
    def basket(self):
        return self.page.locator("#basket")

    def basket_says(self, text: str) -> None:
        expect(self.basket).to_contain_text(text)

    def submit(self) -> None:
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_load_state()

    def refused(self, *texts: str, name: str) -> None:
        """The plain post came back (422): the error summary at the top has the focus and says why."""
        summary = self.page.locator(".error-summary")
        expect(summary).to_be_visible()
        for text in texts:
            expect(summary).to_contain_text(text)
        if self.scripts:  # civic.js moves the focus to the summary
            assert self.page.evaluate("document.activeElement.classList.contains('error-summary')")
        self.check(name)

    def review_and_cast(self, *chosen: str, absent: tuple[str, ...] = (), ordered: bool = False) -> str:
        """Go to the review (the projects chosen listed, in this order if ``ordered``), cast, and return the
        tracker shown."""
        self.submit()
        self.page.wait_for_url(re.compile(r".*/vote/review$"))
        self.check("review")
        listed = self.page.locator("main .ballot-content").inner_text()
        positions = [listed.index(title) for title in chosen]
        assert not ordered or positions == sorted(positions), listed
        assert not any(title in listed for title in absent), listed
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_url(re.compile(r".*/vote/receipt$"))
        self.check("receipt")
        tracker = self.page.locator(".receipt-trackers code").first.inner_text()
        assert TRACKER.fullmatch(tracker), tracker
        return tracker


@pytest.fixture
def voter_page(live_server, page, axe, tmp_path):
    def make(lang: str, width: int, journey: str) -> Voter:
        return Voter(page, axe, live_server, _shots(tmp_path), lang, width, journey)

    return make


class PlainVoter(Voter):
    """A voter whose browser runs no JavaScript. axe (itself a script) checks each page as this browser got
    it, replayed in a second page that runs axe but none of the app's scripts."""

    scripts = False

    def __init__(self, *args, checker, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.checker, self.snapshot = checker, {"html": ""}
        checker.route("**/*.js", lambda route: route.abort())
        checker.route(
            "**/__as-seen-without-javascript",
            lambda route: route.fulfill(status=200, content_type="text/html", body=self.snapshot["html"]),
        )

    def check(self, name: str | None = None) -> None:
        self.snapshot["html"] = self.page.content()
        self.checker.set_viewport_size({"width": self.width, "height": 900})
        self.checker.goto(f"{self.base}/__as-seen-without-javascript")
        self.axe.check(self.checker)
        assert self.checker.evaluate(NO_SIDEWAYS_SCROLL), (
            f"sideways scroll at {self.width}px on {self.page.url}"
        )
        if name:
            self.page.screenshot(
                path=str(self.shots / f"{self.journey}-{name}-{self.lang}-{self.width}.png"), full_page=True
            )


def _tick(voter: Voter, title: str, on: bool = True) -> None:
    box = voter.page.get_by_label(re.compile(title))
    box.check() if on else box.uncheck()


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_an_approval_ballot_refuses_an_empty_ballot_then_is_cast(app, voter_page, lang, width):
    edition, pool, _ids = ballot_box(app, ballot_format=BallotFormat.APPROVAL)
    voter = voter_page(lang, width, "approval")
    voter.open(edition, pool, voter_on_roll(edition, locale=lang))
    voter.submit()
    voter.refused(voter.says["at_least"].format(n=1), name="empty")
    _tick(voter, "Bancs")
    _tick(voter, "Fontaine")
    voter.basket_says(voter.says["chosen"].format(n=2))
    voter.basket_says(voter.says["can_cast"])
    voter.review_and_cast("Bancs", "Fontaine", absent=("Jardin",))


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_a_k_approval_ballot_says_the_minimum_and_the_maximum(app, voter_page, lang, width):
    edition, pool, _ids = ballot_box(app, ballot_format=BallotFormat.K_APPROVAL, min_choices=2, max_choices=2)
    voter = voter_page(lang, width, "k-approval")
    voter.open(edition, pool, voter_on_roll(edition, locale=lang))
    _tick(voter, "Bancs")
    voter.basket_says(voter.says["at_least"].format(n=2))  # live, before any submit
    voter.submit()
    voter.refused(voter.says["at_least"].format(n=2), name="too-few")
    expect(voter.page.get_by_label(re.compile("Bancs"))).to_be_checked()  # the choice is kept
    _tick(voter, "Jardin")
    _tick(voter, "Fontaine")
    voter.basket_says(voter.says["at_most"].format(n=2))
    voter.check("too-many")
    _tick(voter, "Jardin", on=False)
    voter.basket_says(voter.says["can_cast"])
    voter.review_and_cast("Bancs", "Fontaine", absent=("Jardin",))


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_a_knapsack_basket_is_live_refuses_over_budget_and_under_the_minimum(app, voter_page, lang, width):
    # 400 € envelope, at least 50 % of it (200 €): Jardin 300 €, Bancs 200 €, Fontaine 100 €.
    edition, pool, _ids = ballot_box(app, ballot_format=BallotFormat.KNAPSACK, min_spend_percent=50)
    voter = voter_page(lang, width, "knapsack")
    voter.open(edition, pool, voter_on_roll(edition, locale=lang))
    _tick(voter, "Fontaine")
    voter.basket_says(voter.says["reach"])
    expect(voter.basket).to_contain_text(re.compile(r"100\W*€.*300\W*€.*400\W*€|€100.*€300.*€400"))
    _tick(voter, "Jardin")
    _tick(voter, "Bancs")
    voter.basket_says(voter.says["over"])
    expect(voter.basket).to_contain_text(re.compile(r"600\W*€|€600"))  # the total, over the envelope
    voter.check("over")
    voter.submit()
    voter.refused(voter.says["over"], name="refused")
    for title in ("Jardin", "Bancs", "Fontaine"):
        expect(voter.page.get_by_label(re.compile(title))).to_be_checked()
    _tick(voter, "Bancs", on=False)
    voter.basket_says(voter.says["can_cast"])
    expect(voter.page.locator(".error-summary")).to_have_count(0)
    expect(voter.basket).to_contain_text(re.compile(r"0\W*€.*400\W*€|€0 left"))  # nothing left
    voter.review_and_cast("Jardin", "Fontaine", absent=("Bancs",))


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_a_cumulative_ballot_caps_points_per_project_and_says_what_is_left(app, voter_page, lang, width):
    edition, pool, ids = ballot_box(
        app, ballot_format=BallotFormat.CUMULATIVE, total_points=10, max_points_per_project=6
    )
    voter = voter_page(lang, width, "cumulative")
    voter.open(edition, pool, voter_on_roll(edition, locale=lang))
    page = voter.page
    jardin, bancs, fontaine = (page.locator(f"#points-{ids[t]}") for t in ("Jardin", "Bancs", "Fontaine"))
    jardin.fill("7")
    jardin.press("Tab")
    voter.basket_says(voter.says["cap"])
    bancs.fill("deux")
    voter.submit()
    voter.refused(voter.says["cap"], voter.says["whole"], name="refused")
    bancs = page.locator(f"#points-{ids['Bancs']}")
    expect(bancs).to_have_value("deux")  # what was typed is kept, marked and explained beside the field
    expect(bancs).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#error-{ids['Bancs']}")).to_contain_text(voter.says["whole"])
    # Tabbing through the points, each field comes into view above the sticky basket, never under it.
    first = page.locator("#ballot-projects input.ballot-number").first
    first.focus()
    for _field in range(3):
        hidden = page.evaluate(
            "() => { const f = document.activeElement.getBoundingClientRect();"
            " const b = document.getElementById('basket').getBoundingClientRect();"
            " return f.bottom > b.top && f.top < b.bottom; }"
        )
        assert not hidden, f"the focused field is under the basket at {width}px"
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")  # past the "about this project" link
    page.locator(f"#points-{ids['Jardin']}").fill("6")
    bancs.fill("")
    fontaine = page.locator(f"#points-{ids['Fontaine']}")
    fontaine.fill("3")
    fontaine.press("Tab")
    expect(voter.basket).to_contain_text(re.compile(r"9\D+10\D+1\b"))  # 9 of 10 given, 1 left
    voter.basket_says(voter.says["can_cast"])
    voter.review_and_cast("Jardin", "Fontaine", absent=("Bancs",))
    # The review said the points; the receipt holds the tracker (checked in review_and_cast).


RANKED = (("Jardin", 300_00), ("Bancs", 200_00), ("Fontaine", 100_00), ("Ombrières", 150_00))


def _ranked(page) -> list[str]:
    return page.eval_on_selector_all("#ranking-chosen .rank-item", "items => items.map(i => i.dataset.title)")


def _focused(page) -> tuple[str, str]:
    return tuple(
        page.evaluate(
            "[document.activeElement.closest('.rank-item').dataset.title,"
            " document.activeElement.dataset.move]"
        )
    )


def _drag(page, item, target) -> None:
    """Drag ``item`` by its handle with the mouse and drop it on the upper part of ``target``."""
    handle = item.locator(".drag-handle").bounding_box()
    goal = target.bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(goal["x"] + 30, goal["y"] + goal["height"] / 2, steps=12)
    page.mouse.move(goal["x"] + 30, goal["y"] + 5, steps=6)
    page.mouse.up()


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_a_ranking_is_ordered_by_keyboard_and_by_dragging_and_posts_the_ranks(app, voter_page, lang, width):
    edition, pool, ids = ballot_box(
        app, projects=RANKED, ballot_format=BallotFormat.RANKING, counting_rule="greedy", ranking_length=3
    )
    voter = voter_page(lang, width, "ranking")
    voter.open(edition, pool, voter_on_roll(edition, locale=lang))
    page = voter.page
    status = page.locator("#ranking-status")
    item = {t: page.locator(f".rank-item[data-title='{t}']") for t in ids}
    # With JavaScript the typed ranks give way to the list; the inputs stay in the form, hidden.
    expect(page.locator(f"#rank-{ids['Jardin']}")).to_be_hidden()
    expect(item["Jardin"].locator("[data-move=add]")).to_be_visible()
    # Touch targets of at least 44 px, on a phone too.
    for selector in ("[data-move=add]", ".drag-handle"):
        box = item["Jardin"].locator(selector).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (selector, box)

    # Keyboard: add three projects, each with Enter on its button; focus stays with the moved project.
    for title in ("Fontaine", "Jardin", "Bancs"):
        item[title].locator("[data-move=add]").focus()
        page.keyboard.press("Enter")
        expect(status).to_contain_text(title)
        assert _focused(page) == (title, "up")
    expect(status).to_contain_text(re.compile(r"Bancs\D+3\D+3"))
    page.keyboard.press("Enter")  # Bancs, focused, moves up
    expect(status).to_contain_text(re.compile(r"Bancs\D+2\D+3"))
    assert _ranked(page) == ["Fontaine", "Bancs", "Jardin"] and _focused(page) == ("Bancs", "up")
    item["Fontaine"].locator("[data-move=up]").focus()
    page.keyboard.press("Enter")  # already first: said, nothing moves
    expect(status).to_contain_text("Fontaine")
    assert _ranked(page) == ["Fontaine", "Bancs", "Jardin"]
    voter.basket_says(voter.says["can_cast"])
    expect(voter.basket).to_contain_text(re.compile("3 (projects ranked|projets classés)"))
    voter.check("keyboard")

    # A fourth project is one too many: said live, then refused on posting, the order kept.
    item["Ombrières"].locator("[data-move=add]").click()
    voter.basket_says(voter.says["rank_at_most"].format(n=3))
    voter.submit()
    voter.refused(voter.says["rank_at_most"].format(n=3), name="refused")
    assert _ranked(page) == ["Fontaine", "Bancs", "Jardin", "Ombrières"]
    expect(page.locator(".others-empty")).to_be_visible()  # every project ranked: the other list says so
    item["Ombrières"].locator("[data-move=remove]").click()
    assert _focused(page) == ("Ombrières", "add")
    expect(page.locator(".error-summary")).to_have_count(0)  # the live basket took over from the summary
    expect(page.locator(".others-empty")).to_be_hidden()
    expect(page.locator("#ranking-others .rank-item")).to_have_count(1)

    # Mouse: drag Jardin (3rd) by its handle above Fontaine (1st), the list scrolled into view.
    page.locator("#ranking-chosen-title").evaluate("title => title.scrollIntoView({block: 'start'})")
    _drag(page, item["Jardin"], item["Fontaine"])
    expect(status).to_contain_text(re.compile(r"Jardin\D+1\D+3"))
    assert _ranked(page) == ["Jardin", "Fontaine", "Bancs"]
    voter.check("dragged")

    # The same form posts the ranks the list shows.
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith(f"/vote/{pool.id}")) as posted:
        voter.page.locator("main form button[type=submit]").click()
    form = parse_qs(posted.value.post_data, keep_blank_values=True)
    ranks = {title: form[f"rank-{ids[title]}"][0] for title in ids}
    assert ranks == {"Jardin": "1", "Fontaine": "2", "Bancs": "3", "Ombrières": ""}, ranks
    page.wait_for_url(re.compile(r".*/vote/review$"))
    page.goto(f"{voter.base}/editions/{edition.slug}/vote/{pool.id}")
    assert _ranked(page) == ["Jardin", "Fontaine", "Bancs"]  # the draft came back in its order
    voter.review_and_cast("Jardin", "Fontaine", "Bancs", absent=("Ombrières",), ordered=True)


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_without_javascript_a_ranking_is_cast_through_the_plain_form(
    app, browser, live_server, tmp_path, lang, width
):
    edition, pool, ids = ballot_box(
        app, projects=RANKED, ballot_format=BallotFormat.RANKING, counting_rule="greedy", ranking_length=3
    )
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    replay = browser.new_context(locale="fr-FR")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        voter = PlainVoter(
            page, AxeChecker(), live_server, _shots(tmp_path), lang, width, "nojs", checker=replay.new_page()
        )
        voter.open(edition, pool, voter_on_roll(edition, locale=lang))
        expect(page.locator(".rank-moves").first).to_be_hidden()
        page.locator(f"#rank-{ids['Bancs']}").fill("1")
        page.locator(f"#rank-{ids['Fontaine']}").fill("1")
        voter.submit()
        expect(page.locator(".error-summary")).to_contain_text(voter.says["tie"])
        voter.check("refused")
        expect(page.locator(f"#rank-{ids['Fontaine']}")).to_have_value("1")  # typed input kept
        page.locator(f"#rank-{ids['Fontaine']}").fill("2")
        page.locator(f"#rank-{ids['Ombrières']}").fill("3")
        tracker = voter.review_and_cast("Bancs", "Fontaine", "Ombrières", absent=("Jardin",), ordered=True)
        assert TRACKER.fullmatch(tracker)
    finally:
        context.close()
        replay.close()


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_check_my_ballot_finds_a_sealed_tracker_and_explains_unknown_and_malformed_ones(
    app, live_server, page, axe, tmp_path, lang, width
):
    edition, pool, _ids = ballot_box(app, ballot_format=BallotFormat.APPROVAL)
    by_title = {vpp.proposal.title: vpp for vpp in pool.projects}
    cast = mixer.put_in_pool(pool=pool, choices=[(by_title["Bancs"], None), (by_title["Fontaine"], None)])
    mixer.mix(edition=edition, final=True)
    db.session.commit()
    voter = Voter(page, axe, live_server, _shots(tmp_path), lang, width, "check")
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, voter_on_roll(edition, locale=lang))  # the pages follow the voter's language
    url = f"{live_server}/editions/{edition.slug}/board/check"
    tracker = page.locator("#tracker")

    def look_up(typed: str) -> str:
        page.goto(url)
        tracker.fill(typed)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/board/check\?tracker=.*"))
        return page.locator("main").inner_text()

    found = look_up(board.shown_tracker(cast.tracker).lower().replace("-", " "))
    assert "Bancs" in found and "Fontaine" in found and "Jardin" not in found, found
    assert re.search(r"(lot|batch) 1\b", found), found
    expect(page.locator("main ul.ballot-content li")).to_have_count(2)  # ticked projects: a list, not numbered
    voter.check("sealed")
    unknown = look_up("AAAA-BBBB-CCCC-DDDD")
    assert re.search("Aucun bulletin n’a ce numéro de suivi|No ballot has this tracker", unknown), unknown
    voter.check("unknown")
    malformed = look_up("ABCD-1234")
    assert "16" in malformed and "Bancs" not in malformed, malformed
    expect(tracker).to_have_attribute("aria-invalid", "true")
    expect(tracker).to_have_value("ABCD-1234")
    expect(page.locator("#tracker-error")).to_be_visible()
    voter.check("malformed")


def _touch_drag(page, item, target) -> None:
    """Drag ``item`` by its handle with a finger (touch events through the DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    handle = item.locator(".drag-handle").bounding_box()
    goal = target.bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    end_x, end_y = goal["x"] + 30, goal["y"] + 5
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    steps = 15
    for n in range(1, steps + 1):
        point = {"x": x + (end_x - x) * n / steps, "y": y + (end_y - y) * n / steps}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        page.wait_for_timeout(20)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_on_a_phone_a_ranking_is_reordered_with_a_finger(app, browser, live_server, tmp_path):
    edition, pool, ids = ballot_box(
        app, projects=RANKED, ballot_format=BallotFormat.RANKING, counting_rule="greedy", ranking_length=3
    )
    context = browser.new_context(
        locale="fr-FR", has_touch=True, is_mobile=True, viewport={"width": 375, "height": 800}
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        voter = Voter(page, AxeChecker(), live_server, _shots(tmp_path), "fr", 375, "ranking-touch")
        voter.open(edition, pool, voter_on_roll(edition, locale="fr"))
        item = {t: page.locator(f".rank-item[data-title='{t}']") for t in ids}
        for title in ("Fontaine", "Jardin"):
            item[title].locator("[data-move=add]").tap()
        page.locator("#ranking-chosen-title").evaluate("title => title.scrollIntoView({block: 'start'})")
        _touch_drag(page, item["Jardin"], item["Fontaine"])
        expect(page.locator("#ranking-status")).to_contain_text(re.compile(r"Jardin\D+1\D+2"))
        assert _ranked(page) == ["Jardin", "Fontaine"]
        expect(page.locator(f"#rank-{ids['Jardin']}")).to_have_value("1")
        expect(page.locator(f"#rank-{ids['Fontaine']}")).to_have_value("2")
        voter.check("dragged")
    finally:
        context.close()
