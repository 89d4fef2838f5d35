"""Invitations from a CSV list: reading, checking, sending, accepting, and the secretariat's list."""

import io
import re
from email import message_from_bytes, policy
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from consult.extensions import db
from consult.invitations import services
from consult.models import AuditEvent, Invitation, Organisation, OutgoingMail, Role, User

HEADER = "name;e-mail;organisation;country;role;language\n"


def upload(client, text: str | bytes, locale: str = "en", filename: str = "list.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/invitations/new", data={"file": (io.BytesIO(data), filename), "locale": locale},
                       content_type="multipart/form-data")


def token_in(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


def send(client, text: str, locale: str = "en"):
    response = upload(client, text, locale)
    assert response.status_code == 200, response.text
    return client.post("/invitations/send", data={"token": token_in(response.text)})


def outbox(app) -> list:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://localhost(/invitations/\S+)", text).group(1)


@pytest.fixture
def secretariat(make_user, login):
    return login(make_user(role=Role.secretariat))


# --- reading the file ---------------------------------------------------------------------------


def rows_of(data: bytes | str, locale: str = "en") -> services.Preview:
    return services.preview(data.encode() if isinstance(data, str) else data, locale)


def test_french_headers_semicolons_and_excel_bom(app, make_organisation):
    make_organisation(name="Ville de Bogotá", country="CO")
    text = ("\ufeffNom;Courriel;Organisation;Pays;Rôle;Langue\r\n"
            "Ana Ruiz;Ana@Bogota.example;VILLE DE BOGOTA;;Maire;fr\r\n")
    preview = rows_of(text.encode("utf-8"))
    [row] = preview.rows
    assert row.errors == []
    assert (row.name, row.email, row.organisation, row.country_code, row.position, row.locale) == (
        "Ana Ruiz", "ana@bogota.example", "Ville de Bogotá", "CO", "Maire", "fr")


def test_spanish_headers_commas_quotes_and_windows_1252(app):
    text = 'nombre,correo,organización,país,cargo,idioma\n"Núñez, José",jose@example.org,,España,,Español\n'
    preview = rows_of(text.encode("cp1252"))
    [row] = preview.rows
    assert row.name == "Núñez, José" and row.country_code == "ES" and row.locale == "es"
    assert row.errors == [] and preview.notes  # it says the file was not UTF-8


def test_a_file_without_the_needed_columns_is_refused_as_a_whole(app):
    assert rows_of("first;second\na;b\n").error
    assert rows_of(b"").error
    assert rows_of(HEADER).error  # names columns, lists nobody


def test_limits(app, monkeypatch):
    monkeypatch.setattr(services, "MAX_ROWS", 2)
    text = HEADER + "".join(f"P{n};p{n}@example.org;;FR;;\n" for n in range(3))
    assert "more than 2" in rows_of(text).error
    assert rows_of(b"x" * (services.MAX_BYTES + 1)).error


def test_errors_per_row(app, make_user, make_organisation):
    make_user(email="taken@example.org")
    make_organisation(name="Known City", country="KE")
    text = HEADER + "\n".join([
        ";nobody@example.org;;FR;;",                       # 2 no name
        "Bad Address;not-an-address;;FR;;",                # 3
        "Twice;twice@example.org;;FR;;",                   # 4 fine
        "Twice Again;TWICE@example.org;;FR;;",             # 5 same address
        "Taken;taken@example.org;;FR;;",                   # 6 has an account
        "Nowhere;nowhere@example.org;;Atlantis;;",         # 7 unknown country
        "Klingon;klingon@example.org;;FR;;tlh",            # 8 unknown language
        "Unknown Org;org@example.org;Ciudad Nueva;AR;;",   # 9 not on the platform, no region/kind
        "Known;known@example.org;known city;;;",           # 10 fine: the organisation's country
        "",                                                # blank lines are skipped
        "No Country;nocountry@example.org;;;;",            # 12 an individual needs a country
    ])
    rows = {row.line: row for row in rows_of(text).rows}
    assert "name is missing" in rows[2].errors[0]
    assert "not an e-mail address" in rows[3].errors[0]
    assert rows[4].errors == []
    assert "also on line 4" in rows[5].errors[0]
    assert "already has an account" in rows[6].errors[0]
    assert "Unknown country" in rows[7].errors[0]
    assert "Unknown language" in rows[8].errors[0]
    assert "not on the platform" in rows[9].errors[-1]
    assert rows[10].errors == [] and rows[10].country_code == "KE"
    assert "country is missing" in rows[12].errors[0]


def test_a_new_organisation_is_described_once_and_created_unverified(client, secretariat):
    text = ("name,email,organisation,country,region,kind\n"
            "A,a@example.org,Ciudad Nueva,AR,América Latina,Gobierno local\n"
            "B,b@example.org,CIUDAD NUEVA,,,\n")
    response = send(client, text)
    assert response.status_code == 302
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Ciudad Nueva"))
    assert organisation.region.value == "latin-america" and organisation.kind.value == "local-government"
    assert organisation.country == "AR" and not organisation.is_verified
    assert {i.organisation_id for i in db.session.scalars(sa.select(Invitation))} == {organisation.id}


# --- sending ------------------------------------------------------------------------------------


def test_preview_shows_errors_and_sending_writes_invitations_and_mails(app, client, secretariat, make_organisation):
    make_organisation(name="Ville de Dakar", country="SN")
    text = HEADER + "Amina Diallo;amina@dakar.example;Ville de Dakar;SN;Focal point;fr\n" \
                    "Carlos Pérez;carlos@example.org;;MX;;es\n" \
                    "Broken;broken;;MX;;\n"
    response = upload(client, text)
    assert response.status_code == 200
    assert "not an e-mail address" in response.text and "Send 2 invitations" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0  # nothing yet

    response = client.post("/invitations/send", data={"token": token_in(response.text)})
    assert response.status_code == 302 and "batch=" in response.location
    invitations = {i.email: i for i in db.session.scalars(sa.select(Invitation))}
    assert set(invitations) == {"amina@dakar.example", "carlos@example.org"}
    amina = invitations["amina@dakar.example"]
    assert (amina.locale, amina.position, amina.organisation.name, amina.country) == ("fr", "Focal point",
                                                                                      "Ville de Dakar", "SN")
    mails = {m.recipient: m for m in db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.kind == "invitation"))}
    assert {mails["amina@dakar.example"].locale, mails["carlos@example.org"].locale} == {"fr", "es"}
    messages = {m["To"]: m for m in outbox(app)}
    assert messages["amina@dakar.example"]["Content-Language"] == "fr"
    assert 'lang="es"' in messages["carlos@example.org"].get_body(("html",)).get_content()
    assert "/invitations/" in link_in(messages["amina@dakar.example"])

    # The same preview cannot be sent twice, and the people now have waiting invitations.
    again = upload(client, text)
    assert "has already been invited" in again.text
    page = client.get(response.location)
    assert "Amina Diallo" in page.text and "Waiting since" in page.text


def test_an_account_made_between_preview_and_sending_is_left_out(client, secretariat, make_user):
    response = upload(client, HEADER + "Late;late@example.org;;FR;;\nOther;other@example.org;;FR;;\n")
    make_user(email="late@example.org")
    client.post("/invitations/send", data={"token": token_in(response.text)})
    assert [i.email for i in db.session.scalars(sa.select(Invitation))] == ["other@example.org"]


def test_only_the_secretariat_invites(client, make_user, login):
    login(make_user(role=Role.moderator))
    assert client.get("/invitations/").status_code == 403
    assert client.get("/invitations/new").status_code == 403
    assert upload(client, HEADER + "A;a@example.org;;FR;;\n").status_code == 403
    assert client.post("/invitations/send", data={"token": "x" * 32}).status_code == 403


# --- accepting ----------------------------------------------------------------------------------


def accept(client, link: str, **fields):
    data = {"name": "Amina Diallo", "locale": "fr", "password": "a long enough password",
            "confirm": "a long enough password", "accept_privacy": "y"} | fields
    return client.post(link, data=data)


def test_accepting_creates_a_confirmed_member_logged_in_and_only_once(app, client, secretariat, make_organisation):
    make_organisation(name="Ville de Dakar", country="SN", verified=True)
    send(client, HEADER + "Amina Diallo;amina@dakar.example;Ville de Dakar;SN;Focal point;fr\n")
    link = link_in(outbox(app)[0])

    visitor = app.test_client()
    page = visitor.get(link)
    assert page.status_code == 200 and 'value="Amina Diallo"' in page.text
    response = accept(visitor, link, name="Amina  Diallo Sow")
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "amina@dakar.example"))
    assert user.name == "Amina Diallo Sow" and user.is_confirmed and user.locale == "fr"
    assert user.privacy_notice_version and user.privacy_accepted_at
    assert user.organisation.name == "Ville de Dakar" and user.organisation.is_verified
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.accepted_at is not None and invitation.user_id == user.id
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "accept_invitation"))
    assert visitor.get("/account/settings").status_code == 200  # logged in

    assert app.test_client().get(link).status_code == 409  # used
    assert accept(app.test_client(), link).status_code == 409

    page = client.get("/invitations/")
    assert "Accepted on" in page.text


def test_the_privacy_notice_must_be_accepted(app, client, secretariat):
    send(client, HEADER + "Careful;careful@example.org;;FR;;\n")
    link = link_in(outbox(app)[0])
    response = accept(app.test_client(), link, accept_privacy="")
    assert response.status_code == 400 and "privacy notice" in response.text
    assert db.session.scalar(sa.select(Invitation)).accepted_at is None


def test_expired_and_broken_links_get_a_clear_page(app, client, secretariat):
    send(client, HEADER + "Late Comer;late@example.org;;FR;;\n")
    link = link_in(outbox(app)[0])
    app.config["INVITATION_MAX_AGE"] = timedelta(seconds=-1)
    response = app.test_client().get(link)
    assert response.status_code == 400 and "expired" in response.text
    assert "Expired" in client.get("/invitations/").text
    response = app.test_client().get(link[:-3] + "xyz")
    assert response.status_code == 400 and "does not work" in response.text


def test_sending_again_makes_a_new_link(app, client, secretariat):
    send(client, HEADER + "Twice Sent;twice@example.org;;FR;;\n")
    invitation = db.session.scalar(sa.select(Invitation))
    response = client.post(f"/invitations/{invitation.id}/again")
    assert response.status_code == 302
    assert len(outbox(app)) == 2


def test_a_person_who_registered_meanwhile_cannot_accept(app, client, secretariat, make_user):
    send(client, HEADER + "Quick;quick@example.org;;FR;;\n")
    link = link_in(outbox(app)[0])
    make_user(email="quick@example.org")
    assert app.test_client().get(link).status_code == 409
    assert db.session.scalar(sa.select(Invitation)).accepted_at is None


def test_the_list_is_paginated_and_filtered_by_batch(client, secretariat, app):
    first = send(client, HEADER + "".join(f"P{n};p{n}@example.org;;FR;;\n" for n in range(55)))
    send(client, HEADER + "Other;other@example.org;;FR;;\n")
    assert "55 invitations" in client.get(first.location).text
    page = client.get("/invitations/")
    assert "56 invitations" in page.text and 'rel="next"' in page.text
    # A few queries for the whole list, not one per row: checking 2,000 rows stays cheap.
    statements = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    services.preview((HEADER + "".join(f"Q{n};q{n}@example.org;Org {n % 7};FR;;\n" for n in range(2000))).encode(),
                     "en")
    assert len(statements) < 10
