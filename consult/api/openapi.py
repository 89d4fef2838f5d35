"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json; the tests validate every
response against it. Its summaries are English (it is for programmers); the page at /api/v1/
lists the same operations with translated descriptions."""

from flask_babel import lazy_gettext as _l

from consult.api.services import DEFAULT_LIMIT, MAX_LIMIT
from consult.models import AmendmentKind, AmendmentStatus, OrganisationKind, Region, RoundState, Stance, TextStatus, VersionState


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
ID = {"type": "integer", "minimum": 1}
TIME = {"type": "string", "format": "date-time"}
TRANSLATED = {"type": "object", "additionalProperties": {"type": "string"},
              "description": "Texts by language code (en, fr, es)."}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}


def _enum(members) -> dict:
    return {"type": "string", "enum": [m.value for m in members]}


def _object(properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "required": list(properties), "properties": properties}
    return schema | ({"description": description} if description else {})


def _list_of(name: str) -> dict:
    return _object({"data": {"type": "array", "items": _ref(name)},
                    "next": _nullable({"type": "string", "format": "uri",
                                       "description": "The next page, or null on the last."})})


SCHEMAS = {
    "Problem": _object({"type": STRING, "title": STRING, "status": INTEGER, "detail": STRING},
                       "An error, as RFC 9457 problem details."),
    "OrganisationRef": _nullable(_object({"id": ID, "name": STRING})),
    "Charter": _object({"id": ID, "slug": STRING, "titles": TRANSLATED,
                        "versions": {"type": "array", "items": ID, "description": "The versions the caller may read."},
                        "updated_at": TIME}),
    "Version": _object({"id": ID, "charter_id": ID, "slug": STRING, "labels": TRANSLATED,
                        "state": _enum(VersionState), "source_locale": STRING, "based_on_id": _nullable(ID),
                        "published_at": _nullable(TIME), "updated_at": TIME}),
    "ArticleText": _object({"locale": STRING, "title": STRING, "body": {"type": "string", "description": "Markdown."},
                            "status": _enum(TextStatus) | {"description": "source: the text translations follow; "
                                                           "current: a translation up to date; outdated: a "
                                                           "translation behind a change of the source."},
                            "revision": INTEGER, "updated_at": TIME}),
    "Article": _object({"id": ID, "number": STRING, "numbering": STRING, "position": INTEGER,
                        "lineage_id": {"type": "string", "description": "The same article across versions."},
                        "texts": {"type": "array", "items": _ref("ArticleText")}}),
    "Section": _object({"id": ID, "position": INTEGER, "titles": TRANSLATED,
                        "articles": {"type": "array", "items": _ref("Article")}}),
    "VersionDetail": {"allOf": [_ref("Version"), _object({"sections": {"type": "array", "items": _ref("Section")}})]},
    "Provenance": _object({"version_id": ID, "articles": {"type": "array", "items": _object({
        "article_id": ID, "number": STRING, "lineage_id": STRING,
        "amendments": {"type": "array", "items": _object({"amendment_id": ID, "round_id": ID,
                                                           "incorporated_at": TIME})}})}}),
    "Round": _object({"id": ID, "version_id": ID, "slug": STRING, "titles": TRANSLATED, "descriptions": TRANSLATED,
                      "region": _enum(Region), "opens_at": TIME, "closes_at": TIME, "closed_early_at": _nullable(TIME),
                      "phase": _enum([RoundState.scheduled, RoundState.open, RoundState.closed]),
                      "allows_amendments": {"type": "boolean"}, "allows_comments": {"type": "boolean"},
                      "allows_supports": {"type": "boolean"}, "restricted_to_region": {"type": "boolean"},
                      "requires_verified_organisation": {"type": "boolean"}, "updated_at": TIME}),
    "Figures": _object({
        "participants": INTEGER, "organisations": INTEGER, "amendments": INTEGER, "comments": INTEGER,
        "supports": INTEGER, "participants_by_region": COUNTS, "organisations_by_region": COUNTS,
        "participants_by_kind": COUNTS, "contributions_by_language": COUNTS, "amendments_by_status": COUNTS,
        "contributions_by_week": {"type": "array", "items": _object({"week_starting": TIME,
                                                                     "contributions": INTEGER})},
    }, "The round's public account: visible contributions only."),
    "RoundDetail": {"allOf": [_ref("Round"), _object({"state": _enum(RoundState), "figures": _ref("Figures")})]},
    "Supports": _object({"people": INTEGER, "organisations": INTEGER, "regions": INTEGER}),
    "Amendment": _object({
        "id": ID, "round_id": ID, "article_id": ID, "kind": _enum(AmendmentKind), "locale": STRING,
        "status": _enum(AmendmentStatus),
        "base_title": STRING, "base_text": {"type": "string", "description": "The text the author amended: "
                                            "the base of the redline."},
        "title": STRING, "body": STRING, "rationale": STRING,
        "answer": _nullable({"type": "string", "description": "The moderators' public answer."}),
        "answered_at": _nullable(TIME), "duplicate_of_id": _nullable(ID), "incorporated_in_id": _nullable(ID),
        "organisation": _ref("OrganisationRef"), "supports": _ref("Supports"), "created_at": TIME, "updated_at": TIME,
    }),
    "Comment": _object({"id": ID, "round_id": ID, "article_id": ID, "amendment_id": _nullable(ID),
                        "parent_id": _nullable(ID), "locale": STRING, "body": STRING,
                        "stance": _nullable(_enum(Stance)), "organisation": _ref("OrganisationRef"),
                        "created_at": TIME, "edited_at": _nullable(TIME)}),
    "Organisation": _object({"id": ID, "name": STRING, "kind": _enum(OrganisationKind), "country": STRING,
                             "region": _enum(Region), "verified": {"type": "boolean"}}),
}
for _name in ("Charter", "Version", "Round", "Amendment", "Comment", "Organisation"):
    SCHEMAS[f"{_name}List"] = _list_of(_name)


def _parameter(name: str, schema: dict, description: str, where: str = "query") -> dict:
    return {"name": name, "in": where, "required": where == "path", "schema": schema, "description": description}


PAGE_PARAMETERS = [
    _parameter("cursor", STRING, "Where the page starts: the cursor of the previous page's `next` link."),
    _parameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
               "How many records a page holds."),
]


def _problem(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


HEADERS = {
    "ETag": {"schema": STRING, "description": "A hash of the body; send it back as If-None-Match."},
    "Last-Modified": {"schema": STRING, "description": "When the newest record shown changed, where known."},
    "Access-Control-Allow-Origin": {"schema": {"type": "string", "const": "*"}},
}


def _operation(operation_id: str, summary: str, schema: str, parameters=(), paged=False, not_found=False) -> dict:
    responses = {
        "200": {"description": summary, "headers": HEADERS,
                "content": {"application/json": {"schema": _ref(schema)}}},
        "304": {"description": "Not modified since the ETag sent as If-None-Match."},
        "400": _problem("A parameter cannot be used."),
        "401": _problem("The bearer token is unknown or revoked."),
        "429": _problem("Too many requests from this address; see Retry-After."),
    }
    if not_found:
        responses["404"] = _problem("No such record, or not public.")
    return {"get": {"operationId": operation_id, "summary": summary,
                    "parameters": [*parameters, *(PAGE_PARAMETERS if paged else [])], "responses": responses}}


def _path_id(name: str, what: str) -> dict:
    return _parameter(name, ID, f"The {what}'s id.", "path")


_FILTER_ID = {"type": "integer", "minimum": 1}

PATHS = {
    "/charters": _operation("listCharters", "The charters.", "CharterList", paged=True),
    "/versions": _operation("listVersions", "The versions of the charters (drafts only for the secretariat).",
                            "VersionList", paged=True),
    "/versions/{version_id}": _operation(
        "getVersion", "A version with its sections and articles, in every language, with each text's state.",
        "VersionDetail", [_path_id("version_id", "version")], not_found=True),
    "/versions/{version_id}/provenance": _operation(
        "getProvenance", "Which amendments each article of a version took in.", "Provenance",
        [_path_id("version_id", "version")], not_found=True),
    "/rounds": _operation("listRounds", "The consultation rounds.", "RoundList", paged=True),
    "/rounds/{round_id}": _operation("getRound", "A round with its figures.", "RoundDetail",
                                     [_path_id("round_id", "round")], not_found=True),
    "/amendments": _operation("listAmendments", "The amendments: status, public answer, redline base, supports.",
                              "AmendmentList", [
                                  _parameter("round", _FILTER_ID, "Only those of this round."),
                                  _parameter("article", _FILTER_ID, "Only those of this article."),
                                  _parameter("status", _enum(AmendmentStatus), "Only those with this status."),
                                  _parameter("locale", {"type": "string", "enum": ["en", "fr", "es"]},
                                             "Only those written in this language."),
                                  _parameter("region", _enum(Region.of_organisations()),
                                             "Only those of organisations of this region."),
                                  _parameter("kind", _enum(OrganisationKind),
                                             "Only those of organisations of this kind."),
                              ], paged=True),
    "/amendments/{amendment_id}": _operation("getAmendment", "One amendment.", "Amendment",
                                             [_path_id("amendment_id", "amendment")], not_found=True),
    "/comments": _operation("listComments", "The visible comments.", "CommentList", [
        _parameter("round", _FILTER_ID, "Only those of this round."),
        _parameter("article", _FILTER_ID, "Only those on this article."),
        _parameter("amendment", _FILTER_ID, "Only those on this amendment."),
    ], paged=True),
    "/organisations": _operation("listOrganisations", "The organisations (public fields only).", "OrganisationList",
                                 paged=True),
}

PATHS["/openapi.json"] = {"get": {
    "operationId": "getDocument", "summary": "This document.", "parameters": [],
    "responses": {"200": {"description": "The OpenAPI document.", "headers": HEADERS,
                          "content": {"application/json": {"schema": {"type": "object"}}}},
                  "304": {"description": "Not modified."},
                  "429": _problem("Too many requests from this address; see Retry-After.")}}}
PATHS["/"] = {"get": {
    "operationId": "getPage", "summary": "A page for people describing this API.", "parameters": [],
    "responses": {"200": {"description": "The page.", "content": {"text/html": {"schema": STRING}}},
                  "429": _problem("Too many requests from this address; see Retry-After.")}}}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Global Charter-Agenda consultation: open data API",
        "version": "1",
        "description": "Read-only public data of the consultation on the Global Charter-Agenda for Human Rights "
                       "in the City. Lists are paginated with an opaque cursor (follow `next`). Responses carry an "
                       "ETag (send If-None-Match for a 304). Nothing hidden by a moderator or deleted is shown, "
                       "nor anyone's e-mail address. Drafts are shown only to the secretariat, with a personal "
                       "token (account settings) sent as `Authorization: Bearer <token>`.",
        "license": {"name": "Open data", "identifier": "CC-BY-4.0"},
    },
    "servers": [{"url": "/api/v1"}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"personalToken": {"type": "http", "scheme": "bearer",
                                              "description": "A personal token, from account settings."}},
    },
    "security": [{}, {"personalToken": []}],
}

# What the page at /api/v1/ says of each operation, in the reader's language.
DESCRIPTIONS = {
    "listCharters": _l("The charters, with the versions you may read."),
    "listVersions": _l("The versions of the charter: published, in consultation, archived."),
    "getVersion": _l("A version with its sections and articles in every language, and the state of each translation."),
    "getProvenance": _l("Which amendments each article of a version took in."),
    "listRounds": _l("The consultation rounds."),
    "getRound": _l("A round with its figures: participants, organisations, contributions by region, language and status."),
    "listAmendments": _l("The amendments with their status, public answer, the text they amend and their supports."),
    "getAmendment": _l("One amendment."),
    "listComments": _l("The visible comments."),
    "listOrganisations": _l("The organisations: name, kind, country, region and whether they are verified."),
    "getDocument": _l("This description, as an OpenAPI 3.1 document."),
    "getPage": _l("This page."),
}


def endpoints() -> list[dict]:
    """The operations of the document, for the page."""
    result = []
    for path, item in PATHS.items():
        operation = item["get"]
        result.append({"path": "/api/v1" + path, "operation_id": operation["operationId"],
                       "description": DESCRIPTIONS[operation["operationId"]],
                       "parameters": [p["name"] for p in operation["parameters"]]})
    return result
