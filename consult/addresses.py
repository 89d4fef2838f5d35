"""Where links and redirects may lead: addresses built from what a visitor sent, made safe."""

from urllib.parse import urlencode, urlsplit

from flask import request, url_for


def safe_next(target: str | None, fallback: str) -> str:
    """Only ever follow a local path: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def page_link(param: str, anchor: str | None = None):
    """The address of page n of a list shown on this page: this address with `param` set. The path
    comes from the route and the query is re-encoded from its own arguments, so nothing a visitor
    puts in the query (`_external`, `_scheme`…) can steer the link, as `url_for(**request.args)` could."""
    path = url_for(request.endpoint, **(request.view_args or {}))
    kept = [(key, value) for key, value in request.args.items(multi=True) if key != param]

    def link(number: int) -> str:
        query = urlencode(kept + ([(param, str(number))] if number > 1 else []))
        return path + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")

    return link
