"""Whole public pages cached for anonymous visitors, correct across server processes.

Most visitors of a participatory budget arrive from a link, read, and leave: they are anonymous, and they
all see the same page. Rendering it costs 5-10 ms of ORM and template work; sending a stored copy costs a
fraction of that. A page is stored under everything it depends on:

- the content version (``civic.core.content_version``), read from the database on every request, so a
  comment, an edit, a moderator's decision or a publication in any process makes every copy stale;
- the current minute, because phases open and close by the clock without any write;
- the path and query, the language, htmx's request headers, and what the view names (``vary``).

Personal parts never enter the cache: logged-in visitors, visitors with a pending flash message, and
non-200 answers are always rendered. The only per-visitor value in an anonymous page, the CSRF token, is
stored as a placeholder and filled in for each visitor.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from civic.core.content_version import current_version
from civic.core.time import utcnow

F = TypeVar("F", bound=Callable[..., Any])
CSRF_PLACEHOLDER = "civic-csrf-placeholder-7f3a9c"
DEFAULT_SIZE = 256


class PageCache:
    """A small thread-safe LRU of (body, status, headers)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, tuple[str, list[tuple[str, str]]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> tuple[str, list[tuple[str, str]]] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item

    def put(self, key: Hashable, item: tuple[str, list[tuple[str, str]]]) -> None:
        with self._lock:
            self._items[key] = item
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)


def page_cache() -> PageCache:
    """Return this app's page cache."""
    cache = current_app.extensions.get("civic_page_cache")
    if cache is None:
        cache = PageCache(current_app.config.get("PAGE_CACHE_SIZE", DEFAULT_SIZE))
        current_app.extensions["civic_page_cache"] = cache
    return cache  # type: ignore[no-any-return]


def _cacheable() -> bool:
    return (
        bool(current_app.config.get("PAGE_CACHE", True))
        and request.method == "GET"
        and not current_user.is_authenticated
        and not session.get("_flashes")
    )


# Headers that belong to one answer to one visitor: never replayed from the cache.
_PERSONAL_HEADERS = frozenset({"set-cookie", "content-length", "x-ratelimit-remaining", "x-ratelimit-reset"})


def cached_for_anonymous(vary: Callable[[], Hashable] | None = None) -> Callable[[F], F]:
    """Serve the page from the cache to anonymous visitors; ``vary`` adds what else the page depends on."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not _cacheable():
                return view(*args, **kwargs)
            key = (
                request.endpoint,
                request.full_path,
                request.headers.get("HX-Request"),
                request.headers.get("HX-Target"),
                str(get_locale()),
                utcnow().replace(second=0, microsecond=0),
                current_version(),
                vary() if vary else None,
            )
            cache = page_cache()
            hit = cache.get(key)
            if hit is not None:
                body, headers = hit
                response = make_response(body.replace(CSRF_PLACEHOLDER, generate_csrf()), 200)
                for name, value in headers:
                    response.headers[name] = value
                return response
            response = make_response(view(*args, **kwargs))
            token = g.get("csrf_token")
            if (
                response.status_code == 200
                and response.mimetype == "text/html"
                and not session.get("_flashes")
            ):
                body = response.get_data(as_text=True)
                if token:
                    body = body.replace(str(token), CSRF_PLACEHOLDER)
                headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _PERSONAL_HEADERS]
                cache.put(key, (body, headers))
            return response

        return wrapped  # type: ignore[return-value]

    return decorator
