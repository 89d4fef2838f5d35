"""The moderators' triage at scale (pages, a number for "duplicate of", a refused answer kept
beside its form) and the truthful attribution of contributions recorded at meetings."""

import re
from types import SimpleNamespace

import pytest

from consult.extensions import db
from consult.models import (
    Amendment, AmendmentKind, AmendmentStatus, AuditEvent, OrganisationKind, Region, Role, RoundState,
)
from consult.moderation import services as moderation
from consult.rounds import services as rounds
from tests.conftest import count_rows


def add_amendments(round_, article, author, n: int, **fields) -> list[Amendment]:
    """Many amendments at once, written straight to the database (the triage only reads them)."""
    base = article.text("en")
    made = [Amendment(round=round_, article=article, kind=AmendmentKind.modify, locale="en", base_title=base.title,
                      base_text=base.body, title=base.title, body=f"{base.body} Change {i}.", rationale=f"Reason {i}",
                      rationale_html=f"<p>Reason {i}</p>", author=author, organisation=author.organisation, **fields)
            for i in range(n)]
    db.session.add_all(made)
    db.session.commit()
    return made


@pytest.fixture
def scene(make_round, make_user, charter_version, login):
    articles = charter_version.sections[2].articles
    moderator = make_user(role=Role.moderator, organisation=None, name="Inès Lambert")
    login(moderator)
    return SimpleNamespace(round=make_round(RoundState.open), author=make_user(), first=articles[0],
                           second=articles[1], moderator=moderator)


def form_of(html: str, amendment_id: int) -> str:
    """The part of the triage that shows one amendment and its answer form."""
    start = html.index(f'<article class="amendment" id="amendment-{amendment_id}"')
    return html[start:html.index("</article>", start)]


def test_the_triage_weighs_the_same_whatever_the_size_of_the_article(client, scene, make_round):
    sizes = {}
    for n in (30, 300):
        round_ = make_round(RoundState.open)
        add_amendments(round_, scene.first, scene.author, n)
        page = client.get(f"/moderation/rounds/{round_.id}/triage")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        sizes[n] = len(page.data)
        assert html.count('<article class="amendment"') == 20
        assert html.count('inputmode="numeric"') == 20  # "duplicate of" is one number field per form
        assert html.count("<option") < 50  # only the filters' lists; no list of amendments per form
    assert sizes[300] < sizes[30] * 1.05


def test_the_triage_pages_keep_the_filters(client, scene):
    submitted = add_amendments(scene.round, scene.first, scene.author, 25)
    answered = add_amendments(scene.round, scene.first, scene.author, 5, status=AmendmentStatus.accepted)
    html = client.get(f"/moderation/rounds/{scene.round.id}/triage?status=submitted").get_data(as_text=True)
    assert "25 amendments match; page 1 of 2." in html
    links = [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]*triage\?[^"]*)"', html)]
    second = next(link for link in links if "page=2" in link)
    assert "status=submitted" in second

    html = client.get(second).get_data(as_text=True)
    shown = {int(n) for n in re.findall(r'<article class="amendment" id="amendment-(\d+)"', html)}
    assert shown == {a.id for a in submitted[20:]} and not shown & {a.id for a in answered}
    # the answer forms of page 2 come back to page 2, with the filter
    action = re.search(rf'action="(/moderation/amendments/{submitted[-1].id}/answer[^"]*)"', html)[1].replace("&amp;", "&")
    assert "page=2" in action and "status=submitted" in action

    response = client.post(action, data={f"a{submitted[-1].id}-status": "accepted",
                                                       f"a{submitted[-1].id}-answer": "Agreed."})
    location = response.headers["Location"]
    assert response.status_code == 302 and "page=2" in location and "status=submitted" in location
    assert location.endswith(f"#amendment-{submitted[-1].id}")


def test_a_refused_answer_comes_back_beside_its_form_with_everything_chosen_and_typed(client, scene):
    made = add_amendments(scene.round, scene.first, scene.author, 25)
    target = made[22]  # on page 2
    prefix = f"a{target.id}"
    before = count_rows(AuditEvent)

    response = client.post(f"/moderation/amendments/{target.id}/answer?page=2&status=submitted",
                           data={f"{prefix}-status": "rejected", f"{prefix}-answer": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "page 2 of 2" in html and "<footer" in html  # the whole page, the right one
    part = form_of(html, target.id)
    assert "A rejection needs a reason in the public answer." in part and f'id="{prefix}-answer-error"' in part
    assert re.search(r'<input [^>]*checked[^>]*value="rejected"', part)
    assert re.search(rf'<textarea [^>]*autofocus[^>]*id="{prefix}-answer"', part)
    assert html.count('class="error"') == 1 and 'role="alert"' in part  # only this form says something

    typed = "The same proposal as the other one, word for word."
    response = client.post(f"/moderation/amendments/{target.id}/answer?page=2",
                           data={f"{prefix}-status": "duplicate", f"{prefix}-duplicate_of": "999999",
                                 f"{prefix}-answer": typed})
    assert response.status_code == 400
    part = form_of(response.get_data(as_text=True), target.id)
    assert "There is no amendment with this number." in part and f'id="{prefix}-duplicate_of-error"' in part
    assert re.search(r'<input [^>]*checked[^>]*value="duplicate"', part)
    assert re.search(r'<input [^>]*autofocus[^>]*value="999999"', part) and typed in part

    db.session.refresh(target)
    assert target.status is AmendmentStatus.submitted and count_rows(AuditEvent) == before


def test_duplicate_of_is_another_amendment_of_the_same_article_and_round(client, scene, make_round):
    first, second = add_amendments(scene.round, scene.first, scene.author, 2)
    (elsewhere,) = add_amendments(scene.round, scene.second, scene.author, 1)
    (other_round,) = add_amendments(make_round(RoundState.open), scene.first, scene.author, 1)
    for number, code in ((999999, "duplicate_unknown"), (elsewhere.id, "duplicate_elsewhere"),
                         (other_round.id, "duplicate_elsewhere"), (second.id, "duplicate_of_itself"),
                         (None, "duplicate_needs_original")):
        with pytest.raises(moderation.ModerationError) as refused:
            moderation.answer(scene.moderator, second, AmendmentStatus.duplicate, "Same", duplicate_of=number)
        assert refused.value.code == code
    db.session.rollback()

    prefix = f"a{second.id}"
    refused = client.post(f"/moderation/amendments/{second.id}/answer", data={
        f"{prefix}-status": "duplicate", f"{prefix}-duplicate_of": str(elsewhere.id), f"{prefix}-answer": "Same"})
    assert refused.status_code == 400
    assert "This is not an amendment of the same article in this round." in form_of(refused.get_data(as_text=True), second.id)
    saved = client.post(f"/moderation/amendments/{second.id}/answer", data={
        f"{prefix}-status": "duplicate", f"{prefix}-duplicate_of": str(first.id), f"{prefix}-answer": "Same"})
    assert saved.status_code == 302
    db.session.refresh(second)
    assert second.status is AmendmentStatus.duplicate and second.duplicate_of_id == first.id
    # a number typed in the field is ignored unless the answer is "duplicate"
    client.post(f"/moderation/amendments/{second.id}/answer", data={
        f"{prefix}-status": "accepted", f"{prefix}-duplicate_of": "999999", f"{prefix}-answer": "Fine"})
    db.session.refresh(second)
    assert second.status is AmendmentStatus.accepted and second.duplicate_of_id is None


# --- contributions recorded at a meeting ---------------------------------------------------------


@pytest.fixture
def recorded(scene, make_organisation):
    """A moderator of a European city records what a city said at the Asia-Pacific meeting."""
    scene.moderator.organisation = make_organisation(name="Bandung City Government", region=Region.europe)
    city = make_organisation(name="Gwangju Metropolitan City", region=Region.asia_pacific, country="KR",
                             kind=OrganisationKind.local_government)
    source = "Asia-Pacific regional meeting, Gwangju, 2026-10-12"
    body = scene.first.text("en").body + " Including migrants."
    amendment = moderation.record_contribution(scene.moderator, scene.round, scene.first, city, kind="amendment",
                                               locale="en", body=body, rationale="", source=source)
    comment = moderation.record_contribution(scene.moderator, scene.round, scene.first, city, kind="comment",
                                             locale="en", body="Said in the plenary.", rationale="", source=source)
    db.session.commit()
    return SimpleNamespace(amendment=amendment, comment=comment, city=city, source=source)


def test_a_recorded_contribution_is_the_organisations_wherever_it_is_shown(client, scene, recorded):
    pages = {
        "amendment": f"/amendments/{recorded.amendment.id}",
        "triage": f"/moderation/rounds/{scene.round.id}/triage",
        "account": f"/rounds/{scene.round.id}",
        "article": f"/charter/articles/{scene.first.id}?round={scene.round.id}",
    }
    for name, url in pages.items():
        html = client.get(url).get_data(as_text=True)
        assert "<strong>Gwangju Metropolitan City</strong>" in html, name
        assert f"{recorded.source}, recorded by Inès Lambert" in html, name
        assert "<strong>Inès Lambert</strong>" not in html and "Bandung City Government" not in html, name


def test_round_figures_count_the_organisation_not_the_moderator(scene, recorded, make_user):
    account = rounds.account(scene.round)
    assert (account.participants, account.organisations) == (1, 1)
    assert account.participants_by_region == {"asia-pacific": 1}
    assert account.organisations_by_region == {"asia-pacific": 1}
    assert account.participants_by_kind == {"local-government": 1}

    # once one of its people takes part online, the city is counted through them, not twice
    from consult.comments import services as comments

    comments.post(make_user(organisation=recorded.city), scene.round, scene.first, body="Online too", locale="en")
    db.session.commit()
    account = rounds.account(scene.round)
    assert (account.participants, account.organisations) == (1, 1)
    assert account.participants_by_region == {"asia-pacific": 1}

    # the moderator's own contributions still count them
    comments.post(scene.moderator, scene.round, scene.first, body="As myself", locale="en")
    db.session.commit()
    assert rounds.account(scene.round).participants_by_region == {"asia-pacific": 1, "europe": 1}


def test_a_recorded_contribution_with_a_named_speaker_shows_them(scene, recorded, client):
    """Where a record names who spoke (the demo's seeds do), that person is shown and counted."""
    speaker = recorded.amendment.author = scene.author
    db.session.commit()
    html = client.get(f"/amendments/{recorded.amendment.id}").get_data(as_text=True)
    assert f"<strong>{speaker.name}</strong>, Gwangju Metropolitan City" in html
    assert "recorded by Inès Lambert" in html
    account = rounds.account(scene.round)  # the speaker, for the city: the city is counted through them
    assert (account.participants, account.participants_by_region) == (1, {"asia-pacific": 1})


def test_answer_it_opens_the_triage_page_that_holds_the_amendment(client, scene):
    made = add_amendments(scene.round, scene.first, scene.author, 45)
    html = client.get(f"/amendments/{made[-1].id}").get_data(as_text=True)
    link = re.search(r'href="([^"]*triage[^"]*)">Answer it', html)[1].replace("&amp;", "&")
    page = client.get(link.split("#")[0]).get_data(as_text=True)
    assert "page 3 of 3" in page and f'id="amendment-{made[-1].id}"' in page
