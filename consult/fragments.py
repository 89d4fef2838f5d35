"""Markup rendered once and reused: a small in-process LRU of template fragments.

A fragment is kept under everything it shows. The template passes an immutable snapshot of the
values its macro reads (the macro reads nothing else), and the key adds the reader's locale and
the application's root. So a kept fragment cannot be stale: an edit, a hide or restore, a
deletion, a renamed organisation or another language is another key, whichever worker process
served the change (each keeps its own cache, none needs telling); keys no page asks for any more
simply age out. Translations and templates change only with a deployment, which starts afresh.
"""

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, g, request
from markupsafe import Markup

from consult.i18n import current_locale

DEFAULT_SIZE = 10_000  # fragments per process: a few hundred bytes to a few KB each
DEFAULT_CHARACTERS = 20_000_000  # and at most this much markup (some 20–40 MB a process): a discussion page is ~100 KB


class FragmentCache:
    def __init__(self, size: int = DEFAULT_SIZE, characters: int = DEFAULT_CHARACTERS):
        self.size, self.characters = size, characters
        self._entries: OrderedDict[Hashable, Markup] = OrderedDict()
        self._kept = 0  # characters of markup kept
        self._lock = threading.Lock()  # threaded servers share one cache between requests

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> Markup:
        with self._lock:
            markup = self._entries.get(key)
            if markup is not None:
                self._entries.move_to_end(key)
                return markup
        markup = Markup(render())  # outside the lock: two requests may render the same, harmlessly
        with self._lock:
            if key not in self._entries:
                self._entries[key] = markup
                self._kept += len(markup)
            while len(self._entries) > self.size or (self._kept > self.characters and len(self._entries) > 1):
                self._kept -= len(self._entries.popitem(last=False)[1])
        return markup

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._kept = 0


# What differs on every request inside kept markup — the CSRF token and each form's submission
# token — is kept as a placeholder and put in when the fragment is served (fragment(..., per_request=True)).
# The placeholders are random per process, so no text a person wrote can contain one.
_NONCE = secrets.token_hex(12)
CSRF_PLACEHOLDER, TOKEN_PLACEHOLDER = f"csrf-{_NONCE}", f"token-{_NONCE}"


def init_app(app) -> None:
    app.extensions["fragments"] = FragmentCache(app.config.get("FRAGMENT_CACHE_SIZE", DEFAULT_SIZE),
                                                app.config.get("FRAGMENT_CACHE_CHARACTERS", DEFAULT_CHARACTERS))
    app.jinja_env.globals["fragment"] = fragment
    globals_ = app.jinja_env.globals
    csrf_token, new_token = globals_["csrf_token"], globals_["new_token"]
    globals_["csrf_token"] = lambda: CSRF_PLACEHOLDER if g.get("fragment_placeholders") else csrf_token()
    globals_["new_token"] = lambda: TOKEN_PLACEHOLDER if g.get("fragment_placeholders") else new_token()


def fragment(macro, snapshot: Hashable, per_request: bool = False) -> Markup:
    """For templates: `{{ fragment(some_macro, snapshot) }}` renders `some_macro(snapshot)` once per
    distinct snapshot and language. Macro names must be unique among the macros cached this way.
    per_request=True for markup holding forms: their CSRF and submission tokens are filled in anew."""
    key = (macro.name, snapshot, current_locale(), request.script_root)
    if not per_request:
        return current_app.extensions["fragments"].get_or_render(key, lambda: macro(snapshot))
    return _fill(current_app.extensions["fragments"].get_or_render(key, lambda: _with_placeholders(macro, snapshot)))


def _with_placeholders(macro, snapshot) -> str:
    outer, g.fragment_placeholders = g.get("fragment_placeholders", False), True
    try:
        return macro(snapshot)
    finally:
        g.fragment_placeholders = outer


def _fill(markup: Markup) -> Markup:
    if g.get("fragment_placeholders"):  # inside another per-request fragment: it fills them
        return markup
    globals_ = current_app.jinja_env.globals
    parts = str(markup).replace(CSRF_PLACEHOLDER, globals_["csrf_token"]()).split(TOKEN_PLACEHOLDER)
    tokens = [globals_["new_token"]() for _ in parts[1:]]  # one per form, as when rendered afresh
    return Markup("".join(part for pair in zip(parts, [*tokens, ""]) for part in pair))
