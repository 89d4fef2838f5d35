"""Moderating at scale in Chromium: a saved answer kept in three languages, several amendments
selected in the triage and answered at once, on a desktop and a phone."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_moderation import add_amendments
from tests.browser.test_core_path import propose
from tests.browser.test_threads import log_in, log_out


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
    page.goto("/moderation/saved-answers?lang=en")
    page.get_by_role("link", name="Delete… Already covered").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete “Already covered”?")
    screenshot(page, "saved-answer-delete-en-1280")
    page.get_by_role("button", name="Delete it").click()
    expect(page.get_by_role("status")).to_contain_text("Saved answer deleted")


OVERLAPPING = {  # three participants change the same words of Article X; a fourth changes other words
    "participant@demo.test": ("adequate housing", "decent housing"),
    "asia@demo.test": ("adequate housing", "affordable housing"),
    "thandiwe.mokoena@demo.test": ("adequate housing", "dignified housing"),
    "dewi.kusumawati@demo.test": ("against forced eviction", "against any forced eviction"),
}


def test_overlapping_amendments_are_shown_together_and_answered_in_one_step(page, live_server):
    ids = {}
    for email, (old, new) in OVERLAPPING.items():
        log_in(page, email)
        ids[email] = int(propose(page, "Right to housing", old, new).rstrip("/").split("/")[-1])
        log_out(page)
    first, second, third, elsewhere = ids.values()

    log_in(page, "moderator@demo.test")
    page.goto(f"/moderation/rounds/1/triage?status=submitted&language=en&amendment={first}")
    for one in (first, second, third):
        expect(page.locator(f"#amendment-{one} .overlap")).to_contain_text("Changes the same words as:")
    expect(page.locator(f"#amendment-{first} .overlap")).to_contain_text(f"Amendment {second}")
    expect(page.locator(f"#amendment-{elsewhere} .overlap")).to_have_count(0)
    screenshot(page, "triage-overlap-en-1280")
    page.locator(f"#amendment-{second}").get_by_role("link", name="Compare and answer them together").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"\d+ amendments change the same words"))
    expect(page.locator(".shared-passage mark")).to_have_text("adequate")
    for one in (first, second, third):
        expect(page.get_by_label(f"Accept amendment {one}")).to_be_visible()
    expect(page.get_by_label(f"Accept amendment {elsewhere}")).to_have_count(0)
    screenshot(page, "overlap-group-en-1280")
    page.get_by_label(f"Accept amendment {second}").check()
    page.locator("#accepted_en").fill("Affordable is the word the charter needs.")
    page.get_by_role("button", name="Accept it and mark the others as duplicates").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Amendment {second} accepted;")

    for one, said in ((second, "Affordable is the word the charter needs."),
                      (first, "Another amendment proposing the same change was accepted"),
                      (third, "Another amendment proposing the same change was accepted")):
        page.goto(f"/amendments/{one}")
        expect(page.locator("main")).to_contain_text(said)
    expect(page.locator("main")).to_contain_text(f"Duplicate of Amendment {second}")
    page.goto(f"/amendments/{elsewhere}")
    expect(page.locator("main")).to_contain_text("Awaiting an answer")
    log_out(page)
    log_in(page, "thandiwe.mokoena@demo.test")  # each author is told
    page.goto("/my/notices")
    expect(page.locator("main")).to_contain_text("Another amendment proposing the same change was accepted")
    log_out(page)
    log_in(page, "moderator@demo.test")
    for locale in ("fr", "es"):
        page.goto(f"/moderation/rounds/1/triage?status=submitted&language=en&amendment={elsewhere}&lang={locale}")
        screenshot(page, f"triage-overlap-{locale}-1280")
        page.goto(f"/moderation/rounds/1/overlaps/{first}?lang={locale}")
        screenshot(page, f"overlap-group-{locale}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/moderation/rounds/1/overlaps/{first}")
    screenshot(page, "overlap-group-en-390")


def test_the_secretariat_assigns_an_article_and_the_moderator_finds_it_assigned_to_them(page, live_server):
    log_in(page, "secretariat@demo.test")
    page.goto("/moderation/")
    page.get_by_role("link", name="Who answers what").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who answers what")
    round_id = re.search(r"/rounds/(\d+)/", page.url)[1]
    page.get_by_label(re.compile("Right to housing")).select_option(label="Inès Lambert")
    page.get_by_role("button", name="Save who answers what").click()
    expect(page.get_by_role("status")).to_contain_text("1 article assigned.")
    expect(page.get_by_label(re.compile("Right to housing"))).to_have_value(re.compile(r"\d+"))
    screenshot(page, "assignments-en-1280")
    for locale in ("fr", "es"):
        page.goto(page.url.split("?")[0] + f"?lang={locale}")
        screenshot(page, f"assignments-{locale}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "assignments-es-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/?lang=en")
    log_out(page)

    log_in(page, "moderator@demo.test")
    page.goto(f"/moderation/rounds/{round_id}/triage")
    page.get_by_label("Articles").select_option(label="Assigned to me")
    page.get_by_role("button", name="Apply").click()
    headings = page.locator("section.triage-group h2")
    expect(headings.first).to_contain_text("Right to housing")
    assert all("Right to housing" in headings.nth(i).inner_text() for i in range(headings.count()))
    expect(page.locator(".article-holder").first).to_contain_text("Answered by Inès Lambert")
    screenshot(page, "triage-assigned-to-me-en-1280")
    page.goto("/moderation/")
    expect(page.locator("main")).to_contain_text(re.compile(r"Inès Lambert: \d+ answered, \d+ waiting"))
