"""Moderating at scale in Chromium: a saved answer kept in three languages, several amendments
selected in the triage and answered at once, on a desktop and a phone."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_moderation import add_amendments
from tests.browser.test_threads import log_in


def test_moderator_answers_several_amendments_at_once_with_a_saved_answer(page, live_server):
    add_amendments(live_server, "global-online-consultation", 6)
    log_in(page, "moderator@demo.test")
    page.goto("/moderation/saved-answers")
    page.get_by_label("Title (for the moderators)").fill("Already covered")
    page.get_by_label("Answer in English").fill("The charter already covers this in another article.")
    page.get_by_label("Answer in French").fill("La charte couvre déjà ce point dans un autre article.")
    page.get_by_label("Answer in Spanish").fill("La carta ya cubre este punto en otro artículo.")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_contain_text("Saved answer added")

    page.goto("/moderation/rounds/1/triage?status=submitted")
    amendments = page.locator("article.amendment")
    ids = [amendments.nth(i).get_attribute("id").split("-")[1] for i in range(3)]
    page.get_by_label(f"Select amendment {ids[0]}").check()
    page.get_by_label(f"Select amendment {ids[1]}").focus()  # keyboard-reachable: Space ticks it
    page.keyboard.press("Space")
    page.get_by_label(f"Select amendment {ids[2]}").check()
    page.get_by_label("Start from a saved answer").select_option(label="Already covered")
    screenshot(page, "triage-bulk-en-1280")
    page.get_by_role("button", name="Answer the selected amendments…").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Answer 3 amendments at once")
    expect(page.get_by_label("Public answer in English")).to_have_value("The charter already covers this in another article.")
    page.get_by_label("Rejected", exact=True).check()
    page.get_by_label("Public answer in English").fill("The charter already covers this in Article III.")
    screenshot(page, "bulk-answer-review-en-1280")
    page.get_by_role("button", name="Send this answer to 3 amendments").click()
    expect(page.get_by_role("status").first).to_contain_text("3 amendments answered: Rejected.")
    for amendment_id in ids:
        page.goto(f"/amendments/{amendment_id}")
        # each in its own language: the edited English, or the saved French or Spanish
        expect(page.locator("main")).to_contain_text(re.compile(
            "covers this in Article III|couvre déjà ce point|ya cubre este punto"))

    # "select all on this page" without JavaScript, on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/moderation/rounds/1/triage?status=submitted")
    page.get_by_role("link", name="Select all on this page").click()
    boxes = page.locator("input.bulk-check")
    expect(boxes.first).to_be_checked()
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    screenshot(page, "triage-bulk-en-390")
    page.goto("/moderation/saved-answers")
    screenshot(page, "saved-answers-en-390")
    for locale in ("fr", "es"):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"/moderation/rounds/1/triage?status=submitted&select=all&lang={locale}")
        screenshot(page, f"triage-bulk-{locale}-1280")
    assert re.search(r"\d", ids[0])


def add_overlapping(live_server) -> list[int]:
    """Three participants change the same words of one article; a fourth changes it elsewhere."""
    import sqlalchemy as sa

    from consult.extensions import db
    from consult.models import Amendment, AmendmentKind, Round, User

    with live_server.app_context():
        round_ = db.session.scalar(sa.select(Round).where(Round.slug == "global-online-consultation"))
        sample = db.session.scalar(sa.select(Amendment).where(Amendment.round_id == round_.id, Amendment.locale == "en")
                                   .order_by(Amendment.id))
        moderator = db.session.scalar(sa.select(User).where(User.email == "moderator@demo.test"))
        others = sa.select(User).where(User.organisation_id.is_not(None), User.role == "participant", User.id != moderator.id)
        if moderator.organisation_id:  # nobody answers their own organisation's amendments
            others = others.where(User.organisation_id != moderator.organisation_id)
        authors = db.session.scalars(others.order_by(User.id).limit(4)).all()
        words = sample.base_text.split(" ")
        middle = len(words) // 2
        changes = [" ".join(words[:middle] + [insert] + words[middle:]) for insert in ("inclusive", "caring", "open")]
        changes.append(sample.base_text + " The city reports every year.")
        made = [Amendment(round=round_, article_id=sample.article_id, kind=AmendmentKind.modify, locale="en",
                          base_title=sample.base_title, base_text=sample.base_text, title=sample.base_title, body=body,
                          rationale="Why", rationale_html="<p>Why</p>", author=author,
                          organisation_id=author.organisation_id) for body, author in zip(changes, authors)]
        db.session.add_all(made)
        db.session.commit()
        ids = [a.id for a in made]
        db.session.remove()
    return ids


def test_overlapping_amendments_are_shown_together_and_answered_in_one_step(page, live_server):
    first, second, third, elsewhere = add_overlapping(live_server)
    log_in(page, "moderator@demo.test")
    page.goto(f"/moderation/rounds/1/triage?status=submitted&language=en#amendment-{first}")
    for one in (first, second, third):
        expect(page.locator(f"#amendment-{one} .overlap")).to_contain_text("Changes the same words as:")
    expect(page.locator(f"#amendment-{elsewhere} .overlap")).to_have_count(0)
    card = page.locator(f"#amendment-{first}")
    card.get_by_label("Accepted", exact=True).check()
    card.get_by_label("Public answer").fill("Accepted.")
    card.get_by_role("button", name="Save the answer").click()
    expect(page.get_by_role("status")).to_contain_text(f"Amendment {first}: Accepted")

    page.goto(f"/moderation/rounds/1/triage?status=submitted&language=en&select={second},{third}#amendment-{second}")
    expect(page.get_by_label(f"Select amendment {second}")).to_be_checked()
    expect(page.get_by_label(f"Select amendment {third}")).to_be_checked()
    screenshot(page, "triage-overlap-en-1280")
    page.get_by_role("button", name="Answer the selected amendments…").first.click()
    page.get_by_label("Duplicate", exact=True).check()
    page.get_by_label("Duplicate of amendment number").fill(str(first))
    page.get_by_label("Public answer in English").fill("The same change as an accepted amendment.")
    page.get_by_role("button", name="Send this answer to 2 amendments").click()
    expect(page.get_by_role("status").first).to_contain_text("2 amendments answered: Duplicate.")
    for one in (second, third):
        page.goto(f"/amendments/{one}")
        expect(page.locator("main")).to_contain_text("The same change as an accepted amendment.")
