"""Markdown to sanitised HTML, done once at write time; the stored HTML is what pages show.

Sanitising uses nh3 (Rust's ammonia): bleach, the former Python default, no longer receives
releases, security fixes included.
"""

import nh3
from markdown_it import MarkdownIt

# CommonMark with raw HTML switched off: typed HTML is shown as text, never as markup.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "del", "ins",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )


def render_markdown(text: str, *, heading_offset: int = 2) -> str:
    """Render user or charter Markdown. Headings are pushed down so they sit under the page's own."""
    tokens = _md.parse(text or "")
    if heading_offset:
        for token in tokens:
            if token.type in ("heading_open", "heading_close"):
                level = min(int(token.tag[1]) + heading_offset, 6)
                token.tag = f"h{level}"
    return sanitise_html(_md.renderer.render(tokens, _md.options, {}))


def word_count(text: str) -> int:
    return len((text or "").split())
