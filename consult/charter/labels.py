"""How an article is named: in the language of its text, not of the interface, so the English
column of the side-by-side view says "Article X" even for a Spanish reader."""

from flask_babel import force_locale, gettext as _

from consult.models import Article, ArticleText


def article_label(article: Article, locale: str) -> str:
    if article.numbering == "article":
        with force_locale(locale):
            return _("Article %(number)s", number=article.number)
    if article.numbering == "point":
        return f"{article.number}."
    return ""


def article_heading(article: Article, text: ArticleText) -> str:
    if article.numbering == "article":
        with force_locale(text.locale):
            return _("Article %(number)s. %(title)s", number=article.number, title=text.title)
    if article.numbering == "point":
        return f"{article.number}. {text.title}"
    return text.title
