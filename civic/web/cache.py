"""An in-process cache of rendered template fragments, for parts of pages that only change with the data.

A fragment is cached under a key that the view builds from the data it shows (for results: the id and date
of the published count, the newest finished count, the versions of the projects' texts), plus the language
and time zone of the reader. When the data change, the key changes and the old entry simply ages out of
the LRU; nothing has to be invalidated by hand, and several server processes stay correct because each key
is read from the database on every request. Each app has its own cache (tests build one app per test).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache, wraps
from typing import TypeVar

from flask import Flask, current_app
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

DEFAULT_SIZE = 512


class FragmentCache:
    """A small thread-safe LRU of rendered HTML."""

    def __init__(self, maxsize: int = DEFAULT_SIZE) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> Markup:
        """Return the HTML cached under ``key``, rendering and storing it on a miss."""
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return html
            self.misses += 1
        # ``render`` returns template output, escaped by Jinja's autoescape: it is HTML already.
        html = Markup(render())  # noqa: S704
        with self._lock:
            self._items[key] = html
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return html

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def fragment_cache(app: Flask | None = None) -> FragmentCache:
    """Return the app's fragment cache."""
    app = app or current_app
    cache = app.extensions.get("civic_fragment_cache")
    if cache is None:
        cache = FragmentCache(app.config.get("FRAGMENT_CACHE_SIZE", DEFAULT_SIZE))
        app.extensions["civic_fragment_cache"] = cache
    return cache


def cached_fragment(key: Hashable | None, caller: Callable[[], str]) -> Markup:
    """Template helper: ``{% call cached_fragment(key) %}…{% endcall %}`` renders the body once per key.

    The key is completed with the reader's language and time zone; ``None`` disables the cache.
    """
    if key is None:
        return Markup(caller())  # noqa: S704 (the body rendered by Jinja, already escaped)
    full_key = (key, str(get_locale()), str(get_timezone()))
    return fragment_cache().get_or_render(full_key, caller)


F = TypeVar("F", bound=Callable[..., str])


def per_reader(fn: F) -> F:
    """Remember a formatting filter's results per arguments, language and time zone of the reader.

    Pages format the same dates and amounts on every view (a calendar's dates, a results table's costs);
    Babel's formatting is pure given the value, the pattern, the locale and the time zone.
    """

    @lru_cache(maxsize=8192)
    def cached(locale: str, timezone: str, *args: Hashable) -> str:
        return fn(*args)

    @wraps(fn)
    def wrapper(*args: Hashable, **kwargs: object) -> str:
        if kwargs:
            return fn(*args, **kwargs)
        return cached(str(get_locale()), str(get_timezone()), *args)

    return wrapper  # type: ignore[return-value]
