"""Markup rendered once and reused: a small in-process LRU of template fragments.

A fragment is kept under everything it shows. The template passes an immutable snapshot of the
values its macro reads (the macro reads nothing else), and the key adds the reader's locale and
the application's root. So a kept fragment cannot be stale: an edit, a hide or restore, a
deletion, a renamed organisation or another language is another key, whichever worker process
served the change (each keeps its own cache, none needs telling); keys no page asks for any more
simply age out. Translations and templates change only with a deployment, which starts afresh.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, request
from markupsafe import Markup

from consult.i18n import current_locale

DEFAULT_SIZE = 10_000  # fragments per process: a few hundred bytes to a few KB each


class FragmentCache:
    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self._entries: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()  # threaded servers share one cache between requests

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> Markup:
        with self._lock:
            markup = self._entries.get(key)
            if markup is not None:
                self._entries.move_to_end(key)
                return markup
        markup = Markup(render())  # outside the lock: two requests may render the same, harmlessly
        with self._lock:
            self._entries[key] = markup
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return markup

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def init_app(app) -> None:
    app.extensions["fragments"] = FragmentCache(app.config.get("FRAGMENT_CACHE_SIZE", DEFAULT_SIZE))
    app.jinja_env.globals["fragment"] = fragment


def fragment(macro, snapshot: Hashable) -> Markup:
    """For templates: `{{ fragment(some_macro, snapshot) }}` renders `some_macro(snapshot)` once per
    distinct snapshot and language. Macro names must be unique among the macros cached this way."""
    key = (macro.name, snapshot, current_locale(), request.script_root)
    return current_app.extensions["fragments"].get_or_render(key, lambda: macro(snapshot))
