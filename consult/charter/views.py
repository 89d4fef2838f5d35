from flask import abort, redirect, render_template, url_for

from consult.charter import bp, services
from consult.extensions import db
from consult.i18n import current_locale
from consult.models import Version
from consult.permissions import Action, authorize, checked, public


def _main_version_or_404():
    charter = services.main_charter()
    version = charter and services.current_version(charter)
    if version is None:
        abort(404)
    return charter, version


@bp.route("/")
@public
def home():
    charter = services.main_charter()
    version = charter and services.current_version(charter)
    rounds = services.rounds_of_version(version) if version else []
    return render_template("charter/home.html", charter=charter, version=version, rounds=rounds)


@bp.route("/charter/")
@public
def contents():
    charter, version = _main_version_or_404()
    return redirect(url_for(".version_contents", version_id=version.id))


@bp.route("/charter/versions/<int:version_id>/")
@checked
def version_contents(version_id: int):
    version = db.get_or_404(Version, version_id)
    authorize(Action.view_version, version)
    sections = services.load_version(version)
    rounds = services.rounds_of_version(version)
    return render_template("charter/contents.html", version=version, sections=sections, rounds=rounds)


@bp.route("/charter/articles/<int:article_id>")
@checked
def article(article_id: int):
    article = services.article_with_texts(article_id) or abort(404)
    authorize(Action.view_version, article.version)
    locale = current_locale()
    return render_template(
        "charter/article.html",
        article=article,
        text=article.text(locale),
        neighbours=services.neighbours(article),
        rounds=services.rounds_of_version(article.version),
        counts=services.contribution_counts(article),
    )


@bp.route("/charter/articles/<int:article_id>/languages")
@checked
def article_languages(article_id: int):
    article = services.article_with_texts(article_id) or abort(404)
    authorize(Action.view_version, article.version)
    texts = {t.locale: t for t in article.texts}
    return render_template("charter/article_languages.html", article=article, texts=texts,
                           neighbours=services.neighbours(article))
