"""axe-core finds no serious or critical violation on the pages of the foundation."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import screenshot

PAGES = {
    "home": "/",
    "contents": "/charter/",
    "article": "ARTICLE",
    "languages": "ARTICLE/languages",
    "login": "/account/login",
    "register": "/account/register",
    "privacy": "/privacy",
}


def _log_in(page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("consult-demo")
    page.locator("form[action='/account/login'] button[type=submit]").click()


def _article_url(page) -> str:
    page.goto("/charter/")
    return page.locator(".toc-section").nth(2).get_by_role("link").first.get_attribute("href")


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_pages_have_no_serious_accessibility_violation(page, locale, width):
    page.set_viewport_size({"width": width, "height": 900})
    article = _article_url(page)
    axe = Axe()
    failures = {}
    for name, path in PAGES.items():
        page.goto(path.replace("ARTICLE", article) + f"?lang={locale}")
        screenshot(page, f"{name}-{locale}-{width}")
        results = axe.run(page)
        serious = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        if serious:
            failures[name] = serious
    assert failures == {}


def test_account_page_is_accessible(page):
    _log_in(page, "participant@demo.test")
    page.goto("/account/settings")
    results = Axe().run(page)
    assert [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")] == []


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_thread_pages_have_no_serious_accessibility_violation(page, locale, width):
    """The article thread with its forms, an amendment, the amendment form, my contributions."""
    page.set_viewport_size({"width": width, "height": 900})
    _log_in(page, "participant@demo.test")
    page.goto("/charter/")
    page.locator(".language-switcher button[lang='%s']" % locale).click()
    # the first article with amendments in the round shown
    article = page.evaluate("""() => [...document.querySelectorAll('.toc-articles li')]
        .find(li => !li.querySelector('.toc-counts').textContent.trim().startsWith('0'))
        .querySelector('a').getAttribute('href')""")
    page.goto(article)
    amendment = page.locator("article.amendment h3 a").first.get_attribute("href")
    propose = page.locator("a.button").first.get_attribute("href")
    axe = Axe()
    failures = {}
    for name, path in {"thread": article, "amendment": amendment, "propose": propose, "mine": "/my/contributions"}.items():
        page.goto(path)
        screenshot(page, f"{name}-{locale}-{width}")
        results = axe.run(page)
        serious = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        if serious:
            failures[name] = serious
    assert failures == {}


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_moderation_pages_have_no_serious_accessibility_violation(page, locale):
    _log_in(page, "secretariat@demo.test")
    page.goto("/")
    page.locator(".language-switcher button[lang='%s']" % locale).click()
    axe = Axe()
    failures = {}
    pages = {"moderation": "/moderation/", "triage": "/moderation/rounds/3/triage", "account": "/rounds/1",
             "record": "/moderation/rounds/2/record", "audit": "/moderation/audit", "organisations": "/admin/organisations",
             "people": "/admin/people", "new-round": "/rounds/new", "rounds": "/rounds/", "notices": "/my/notices"}
    for name, path in pages.items():
        page.goto(path)
        screenshot(page, f"{name}-{locale}-1280")
        serious = [v["id"] for v in axe.run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        if serious:
            failures[name] = serious
    assert failures == {}


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_consolidation_pages_have_no_serious_accessibility_violation(page, live_server, locale):
    from consult.consolidation import services as consolidation
    from consult.extensions import db
    from consult.models import Round, User, Version
    from consult.rounds import services as rounds

    with live_server.app_context():
        moderator = db.session.scalar(db.select(User).where(User.email == "moderator@demo.test"))
        for round_ in db.session.scalars(db.select(Round)):
            if round_.is_open():
                rounds.close_early(moderator, round_, "End")
        draft = db.session.scalar(db.select(Version).where(Version.slug == "draft-2026"))
        new = consolidation.start(moderator, draft, {"en": "Consolidated", "fr": "Consolidé", "es": "Consolidado"})
        article_i = next(a for a in consolidation.articles(new) if a.number == "I")
        ids = {"version": new.id, "draft": draft.id, "article": article_i.id}
        db.session.commit()
    _log_in(page, "moderator@demo.test")
    page.goto("/")
    page.locator(".language-switcher button[lang='%s']" % locale).click()
    axe = Axe()
    failures = {}

    def check(name):
        screenshot(page, f"{name}-{locale}-1280")
        serious = [v["id"] for v in axe.run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        if serious:
            failures[name] = serious

    for name, path in {"consolidation": "/consolidation/", "workbench-overview": f"/consolidation/{ids['version']}/",
                       "workbench": f"/consolidation/articles/{ids['article']}?locale=en",
                       "history": "/charter/history",
                       "compare": f"/charter/compare?from={ids['draft']}&to={ids['version']}"}.items():
        page.goto(path)
        check(name)
    page.goto(f"/consolidation/articles/{ids['article']}?locale=en")
    page.locator("article.amendment button.button").first.click()  # Apply
    check("apply")
    assert failures == {}
