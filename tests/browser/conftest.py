"""A live server on a fresh demo database, and Debian's Chromium driven by Playwright."""

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from consult import create_app
from consult.extensions import db
from tests.conftest import REQUIRE_ALL, ROOT, base_config

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# Per module: an idle headless Chromium still takes a tenth of a core, which the rest of the run
# should not pay for.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if REQUIRE_ALL:
            pytest.fail("Chromium is not installed but every test must run")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(tmp_path):
    """The real app, CSRF on, on a demo database of its own, served from a thread."""
    from consult.seeding import load_seeds

    config = base_config(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path)
    config["WTF_CSRF_ENABLED"] = True
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        db.create_all()
        load_seeds(ROOT / "seeds")
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.test_url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = app.test_url  # mails' links lead to this server
    yield app
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_smtp(live_server, smtp_server):
    """The live server sending its mail to a real SMTP server; yields that server."""
    live_server.config.update(MAIL_TRANSPORT="smtp", MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=smtp_server.port,
                              MAIL_SMTP_SECURITY="none", MAIL_SMTP_TIMEOUT=5)
    return smtp_server


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.test_url, locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
