"""Markdown written by staff (edition descriptions, rules), rendered to safe HTML."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML is off in the parser *and* whatever comes out is sanitised: two independent locks.
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote", "a",
        "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"scope"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


# A pure function of its arguments, called on every view of an edition or proposal page for texts that
# rarely change: remember the last few hundred results (parsing + sanitising costs ~0.3 ms per text).
@lru_cache(maxsize=512)
def render_markdown(text: str | None, *, heading_level: int = 3) -> Markup:
    """Render Markdown to sanitised HTML; the text's top headings become ``<h{heading_level}>``."""
    tokens = _parser.parse(text or "")
    for token in tokens:
        # Shift headings so that a "# Title" in the text never competes with the page's own outline.
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1]) + heading_level - 1
            token.tag = f"h{min(level, 6)}"
    html = _parser.renderer.render(tokens, _parser.options, {})
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
