"""Markdown to sanitised HTML, done once at write time; the stored HTML is what pages show.

Sanitising uses nh3 (Rust's ammonia): bleach, the former Python default, no longer receives
releases, security fixes included.
"""

import re

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
ALLOWED_CLASSES = {"ul": {"lettered"}}
_LETTER_MARKER = re.compile(r"[a-z]{1,4}\)\s")
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
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
    _mark_lettered_lists(tokens)
    return sanitise_html(_md.renderer.render(tokens, _md.options, {}))


def _mark_lettered_lists(tokens) -> None:
    """Charters write lettered points as "- a) text": such a list carries its own markers, so it is
    classed `lettered` and shown without bullets."""
    for index, token in enumerate(tokens):
        if token.type != "bullet_list_open":
            continue
        end = next(i for i in range(index + 1, len(tokens))
                   if tokens[i].type == "bullet_list_close" and tokens[i].level == token.level)
        # an item opens, then its (possibly hidden) paragraph, then the paragraph's text
        firsts = [tokens[i + 2] for i in range(index + 1, end)
                  if tokens[i].type == "list_item_open" and tokens[i].level == token.level + 1]
        if firsts and all(t.type == "inline" and _LETTER_MARKER.match(t.content) for t in firsts):
            token.attrSet("class", "lettered")


def word_count(text: str) -> int:
    return len((text or "").split())
