"""Mail through a real SMTP server: the outbox, its delivery after commit, retries, the sweep, a
killed worker; and the account mails (confirmation, forgotten password, change of address), each
in the recipient's language with links that work."""

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, lazy_gettext as _l

from consult import create_app
from consult.extensions import db
from consult.mail import compose, delivery
from consult.models import LoginSession, OutgoingMail, Role, User, utcnow
from consult.permissions import Action, decide
from tests.conftest import PASSWORD, ROOT, base_config
from tests.smtp import parts
from tests.test_accounts import registration

NEW_PASSWORD = "a brand new long password"


def link_in(message, path: str) -> str:
    """The path of the link to `path` in the plain-text part (the HTML part carries the same)."""
    text, html = parts(message)
    found = re.search(r"http://localhost(" + re.escape(path) + r"[^\s\"<]*)", text)
    assert found, text
    assert found.group(0) in html
    return found.group(1)


def mails(**where) -> list[OutgoingMail]:
    return db.session.scalars(sa.select(OutgoingMail).filter_by(**where).order_by(OutgoingMail.id)).all()


# --- the outbox --------------------------------------------------------------------------------


def test_a_message_has_both_parts_its_key_and_the_recipients_language(smtp_app, smtp_server, make_user):
    person = make_user(locale="es")
    compose.queue(person, "test", subject=_l("Test message from the charter consultation"))
    db.session.commit()
    [message] = smtp_server.wait_for(1)
    [row] = mails()
    assert message["Message-ID"] == row.message_id and row.sent_at is not None and row.attempts == 1
    assert message["To"] == person.email and message["Content-Language"] == "es"
    with force_locale("es"):
        assert message["Subject"] == str(_l("Test message from the charter consultation"))
        platform_name = str(_l("Human Rights in the City: charter consultation"))
    text, html = parts(message)
    assert '<html lang="es">' in html and "http://localhost/" in text and platform_name in text


def test_a_rolled_back_act_sends_nothing(smtp_app, smtp_server, make_user):
    person = make_user()
    compose.queue(person, "test", subject=_l("Test message from the charter consultation"))
    db.session.rollback()
    time.sleep(0.3)
    assert smtp_server.messages == [] and mails() == []


def test_a_failed_delivery_is_retried_later_then_given_up_and_shown_to_the_secretariat(
        smtp_app, smtp_server, make_user, login, client):
    smtp_app.config.update(MAIL_SMTP_PORT=smtp_server.port + 1 if smtp_server.port < 65535 else 1,
                           MAIL_MAX_ATTEMPTS=2)
    person = make_user(email="unreachable@example.org")
    compose.queue(person, "test", subject=_l("Test message from the charter consultation"))
    db.session.commit()
    [row] = mails()
    assert (row.sent_at, row.given_up_at, row.attempts) == (None, None, 1) and row.last_error
    assert row.next_attempt_at - utcnow() > timedelta(seconds=50)  # backoff: a minute

    delivery.deliver.call_local(row.id)  # too early: the retry waits for its time
    db.session.rollback()  # read afresh, past this session's snapshot
    assert row.attempts == 1
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    delivery.deliver.call_local(row.id)
    db.session.rollback()  # read afresh, past this session's snapshot
    assert row.attempts == 2 and row.given_up_at is not None and row.sent_at is None

    login(make_user(role=Role.secretariat))
    page = client.get("/admin/mail/").get_data(as_text=True)
    assert "unreachable@example.org" in page and "Given up after 2 attempts" in page
    smtp_app.config["MAIL_SMTP_PORT"] = smtp_server.port
    assert client.post(f"/admin/mail/{row.id}/retry").status_code == 302
    [message] = smtp_server.wait_for(1)
    assert message["Message-ID"] == row.message_id
    db.session.rollback()  # read afresh, past this session's snapshot
    assert row.sent_at is not None
    assert "Every message has been delivered." in client.get("/admin/mail/").get_data(as_text=True)


def test_the_undelivered_mail_page_is_the_secretariats(client, make_user, login):
    login(make_user(role=Role.moderator))
    assert client.get("/admin/mail/").status_code == 403


def test_the_sweep_delivers_a_message_whose_job_was_lost_once(smtp_app, smtp_server, make_user):
    person = make_user()
    row = compose.queue(person, "test", subject=_l("Test message from the charter consultation"))
    db.session().info.pop("jobs_after_commit")  # the job is lost
    row.created_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    time.sleep(0.2)
    assert smtp_server.messages == []
    assert delivery.sweep.call_local() == 1
    assert delivery.sweep.call_local() == 0
    assert len(smtp_server.wait_for(1)) == 1
    time.sleep(0.2)
    assert len(smtp_server.messages) == 1


def test_the_file_transport_writes_each_message_once(app, make_user):
    person = make_user()
    row = compose.queue(person, "test", subject=_l("Test message from the charter consultation"))
    db.session.commit()
    message = delivery.build_message(db.session.get(OutgoingMail, row.id))
    delivery.FileTransport().send(message)  # a second delivery of the same message
    files = list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == 1 and row.message_id.strip("<>").split("@")[0] in files[0].name


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_worker_killed_between_commit_and_send_delivers_once_after_restart(backend, tmp_path, smtp_server):
    """Real processes: the worker takes the job, is killed while the SMTP server holds the message
    (nothing is delivered), and a new worker delivers it exactly once."""
    instance = tmp_path / "instance"
    settings = {"MAIL_TRANSPORT": "smtp", "MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": smtp_server.port,
                "MAIL_SMTP_SECURITY": "none", "MAIL_CLAIM_SECONDS": 2, "BASE_URL": "http://localhost"}
    database = f"sqlite:///{tmp_path / 'consult.sqlite'}"
    app = create_app({**base_config(database, tmp_path), "JOBS_IMMEDIATE": False, **settings},
                     instance_path=str(instance))
    env = {**os.environ, "DATABASE_URL": database, "CONSULT_INSTANCE_PATH": str(instance),
           "CONSULT_SECRET_KEY": "test", **{f"CONSULT_{key}": str(value) for key, value in settings.items()}}

    def worker(log_name: str) -> subprocess.Popen:
        with open(tmp_path / log_name, "w") as log:  # the child keeps its own copy of the descriptor
            return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"],
                                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
                                    start_new_session=True)

    with app.app_context():
        db.create_all()
        db.session.add(User(email="focal@example.org", name="Focal Point", password_hash="x", locale="fr"))
        db.session.commit()
        held = smtp_server.hold_next()
        row = compose.queue(db.session.scalar(sa.select(User)), "test",
                            subject=_l("Test message from the charter consultation"))
        db.session.commit()  # the job waits in the queue in instance/jobs.sqlite
        mail_id = row.id

        first = worker("first.log")
        try:
            assert smtp_server.holding.wait(30), (tmp_path / "first.log").read_text()
            os.killpg(first.pid, signal.SIGKILL)  # between the commit and the message's delivery
            first.wait(10)
        finally:
            held.set()
        time.sleep(0.3)
        assert smtp_server.messages == []

        time.sleep(2.2)  # the dead worker's hold on the message passes
        second = worker("second.log")
        try:
            [message] = smtp_server.wait_for(1, timeout=30)
            time.sleep(1.5)  # and nothing more comes
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(15)
        assert len(smtp_server.messages) == 1
        db.session.rollback()  # read afresh, past this session's snapshot
        row = db.session.get(OutgoingMail, mail_id)
        assert message["Message-ID"] == row.message_id and row.sent_at is not None and row.attempts == 2
        db.session.remove()
        db.engine.dispose()


# --- accounts ------------------------------------------------------------------------------------


def test_registering_mails_a_confirmation_in_the_chosen_language_and_contributing_waits_for_it(
        smtp_app, smtp_server, client, make_round):
    round_ = make_round()
    response = client.post("/account/register", data=registration(locale="es"),
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302
    person = db.session.scalar(sa.select(User))
    assert not person.is_confirmed
    assert not decide(person, Action.comment, round_)
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "amina@example.org" and message["Content-Language"] == "es"
    assert message["Subject"] != "Confirm your e-mail address"  # Spanish, whatever the request's language

    assert client.post("/account/login", data={"email": person.email, "password": PASSWORD}).status_code == 302
    assert "Send the link again" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True) \
        or "/account/confirm" in client.get("/").get_data(as_text=True)
    assert client.get(link_in(message, "/account/confirm/")).status_code == 302
    db.session.rollback()  # read afresh, past this session's snapshot
    assert person.is_confirmed and decide(person, Action.comment, round_)


def test_a_taken_address_gets_a_notice_not_a_second_account(smtp_app, smtp_server, client, make_user):
    owner = make_user(email="amina@example.org", locale="en")
    response = client.post("/account/register", data=registration())
    assert response.status_code == 302
    [message] = smtp_server.wait_for(1)
    assert message["To"] == owner.email and "/account/password/forgot" in parts(message)[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_a_forgotten_password_is_reset_once_from_the_mail_and_ends_every_login(
        smtp_app, smtp_server, client, make_user, app):
    person = make_user(email="focal@example.org", locale="fr")
    other_device = app.test_client()
    assert other_device.post("/account/login", data={"email": person.email, "password": PASSWORD}).status_code == 302

    known = client.post("/account/password/forgot", data={"email": "Focal@example.org"})
    unknown = client.post("/account/password/forgot", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    [message] = smtp_server.wait_for(1)
    time.sleep(0.2)
    assert len(smtp_server.messages) == 1 and message["To"] == person.email
    assert message["Content-Language"] == "fr"

    link = link_in(message, "/account/password/reset/")
    assert client.get(link).status_code == 200
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0
    assert other_device.get("/account/settings").status_code == 302  # logged out there too
    assert client.post("/account/login", data={"email": person.email, "password": PASSWORD}).status_code == 400
    assert client.post("/account/login", data={"email": person.email, "password": NEW_PASSWORD}).status_code == 302

    used = client.get(link)  # in French: they are logged in, with French as their language
    with force_locale("fr"):
        used_words = str(_l("This link has already been used, or is incomplete. Ask for a new one if you still need it."))
    assert used.status_code == 400 and used_words in used.get_data(as_text=True).replace("&#39;", "'")


def test_a_reset_link_expires(smtp_app, smtp_server, client, make_user):
    person = make_user()
    client.post("/account/password/forgot", data={"email": person.email})
    [message] = smtp_server.wait_for(1)
    smtp_app.config["RESET_PASSWORD_MAX_AGE"] = timedelta(seconds=-1)
    expired = client.get(link_in(message, "/account/password/reset/"))
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)


def test_an_address_changes_once_confirmed_at_the_new_one_and_the_old_one_is_told(
        smtp_app, smtp_server, client, make_user, login):
    person = make_user(email="old@example.org", locale="es")
    login(person)
    wrong = client.post("/account/email", data={"new_email": "new@example.org", "password": "wrong password"})
    assert wrong.status_code == 400 and 'value="new@example.org"' in wrong.get_data(as_text=True)
    assert client.post("/account/email", data={"new_email": "New@example.org", "password": PASSWORD}).status_code == 302
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "new@example.org" and message["Content-Language"] == "es"
    db.session.rollback()  # read afresh, past this session's snapshot
    assert person.email == "old@example.org"

    link = link_in(message, "/account/email/confirm/")
    assert client.get(link).status_code == 302
    db.session.rollback()  # read afresh, past this session's snapshot
    assert person.email == "new@example.org"
    notice = smtp_server.wait_for(2)[1]
    assert notice["To"] == "old@example.org" and "new@example.org" in parts(notice)[0]
    assert client.get(link).status_code == 400  # used


def test_the_mail_test_command_sends_through_the_transport_or_says_why_not(app, runner, smtp_server):
    result = runner.invoke(args=["mail", "test", "--to", "secretariat@example.org"])
    assert result.exit_code == 0, result.output
    assert len(list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))) == 1

    app.config.update(MAIL_TRANSPORT="smtp", MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=smtp_server.port,
                      MAIL_SMTP_SECURITY="none")
    assert runner.invoke(args=["mail", "test", "--to", "secretariat@example.org"]).exit_code == 0
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "secretariat@example.org"

    app.config["MAIL_SMTP_PORT"] = 1  # nothing listens there
    failed = runner.invoke(args=["mail", "test", "--to", "secretariat@example.org"])
    assert failed.exit_code == 1 and "ConnectionRefusedError" in failed.output


def test_a_savepoint_released_is_not_the_commit(smtp_app, smtp_server, make_user):
    """Mail queued inside a savepoint waits for the transaction around it: released, then rolled
    back, it is never sent; committed, it is sent once."""
    person = make_user()
    with db.session.begin_nested():
        compose.queue(person, "test", subject=_l("Test message from the charter consultation"))
    time.sleep(0.3)
    assert smtp_server.messages == []  # the savepoint's release sent nothing
    db.session.rollback()
    time.sleep(0.3)
    assert smtp_server.messages == [] and mails() == []

    with db.session.begin_nested():
        compose.queue(person, "test", subject=_l("Test message from the charter consultation"))
    db.session.commit()
    assert len(smtp_server.wait_for(1)) == 1
