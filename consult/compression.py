"""Compressed responses: gzip for text, when the browser accepts it and compressing leaks nothing.

Compression is done here rather than left to a proxy because only the app knows which bodies hold
a secret. Every page carries the visitor's CSRF token (the language switcher, the forms), and a
compressed page that also reflects what an attacker put in its address (the query string, kept in
the page's links) lets the attacker read that token from the sizes of the responses, one guess at
a time (BREACH). The guesses are requests the attacker's site makes the visitor's browser send, so
they are cross-site: a body holding a secret is compressed only for requests the browser marks as
coming from this site or from the person (`Sec-Fetch-Site: same-origin` or `none`). Browsers that
do not say get it uncompressed, as does the first page someone reaches from a link elsewhere.
Static files, exports and other bodies without a secret are compressed for everyone.
"""

import gzip

from flask import Response, g, request

COMPRESSIBLE = {
    "text/html", "text/css", "text/plain", "text/csv", "text/markdown", "text/javascript",
    "application/javascript", "application/json", "application/xml", "application/akn+xml", "image/svg+xml",
}
MINIMUM_SIZE = 1024  # smaller bodies fit in a packet either way
MAXIMUM_SIZE = 32 * 2**20  # a file read whole to compress it; larger ones go as they are
CSRF_TOKEN = "csrf_token"  # where Flask-WTF keeps the token it put in this response (g.csrf_token)


def compress(response: Response) -> Response:
    if response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    if not _worth_compressing(response) or not _safe_to_compress():
        return response
    body = response.response  # a static file is read into memory: its length is bounded above
    response.direct_passthrough = False
    response.set_data(gzip.compress(response.get_data(), compresslevel=6, mtime=0))
    if hasattr(body, "close"):
        body.close()
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:  # the same resource, another encoding: no longer byte-for-byte equal
        response.set_etag(etag, weak=True)
    return response


def _worth_compressing(response: Response) -> bool:
    length = response.content_length
    return (
        request.method == "GET" and response.status_code == 200 and "Content-Encoding" not in response.headers
        and request.accept_encodings["gzip"] > 0
        # A streamed body (the contributions exports) goes out as it is made, never held whole.
        and length is not None and MINIMUM_SIZE <= length <= MAXIMUM_SIZE
    )


def _safe_to_compress() -> bool:
    holds_secret = CSRF_TOKEN in g
    return not holds_secret or request.headers.get("Sec-Fetch-Site") in ("same-origin", "none")
