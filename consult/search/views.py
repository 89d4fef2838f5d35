"""The results page: a GET form, so a search is a link like any other; no JavaScript."""

from flask import current_app, render_template, request

from consult.extensions import limiter
from consult.permissions import public
from consult.search import bp, services


def _search_limit() -> str:
    return current_app.config["RATELIMIT_SEARCH"]


def _nothing_searched() -> bool:
    """Only searches count against the limit: the empty form costs nothing."""
    return services.SearchForm.from_args(request.args).too_short


@bp.route("/")
@limiter.limit(_search_limit, exempt_when=_nothing_searched)
@public
def results():
    form = services.SearchForm.from_args(request.args)
    results = services.search(form)
    versions, rounds = services.choices()
    return render_template("search/results.html", form=form, results=results, versions=versions, rounds=rounds,
                           words=form.words, highlight_title=services.highlight_title,
                           min_query=services.MIN_QUERY, page_size=services.PAGE_SIZE)
