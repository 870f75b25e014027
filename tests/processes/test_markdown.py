"""Staff-written Markdown is rendered, and nothing a browser would run gets through."""

from __future__ import annotations

from markupsafe import Markup

from civic.web.markdown import render_markdown


def test_markdown_is_rendered_as_markup():
    html = render_markdown("Un **projet** par *personne*.\n\n- a\n- b")
    assert isinstance(html, Markup)
    assert "<strong>projet</strong>" in html and "<em>personne</em>" in html and "<li>a</li>" in html


def test_raw_html_is_shown_as_text_never_as_tags():
    html = render_markdown('"><svg onload=alert(1)> <script>alert(1)</script> <img src=x onerror=alert(1)>')
    assert "<svg" not in html and "<script" not in html and "<img" not in html
    assert "&lt;svg onload=alert(1)&gt;" in html


def test_only_safe_links_survive_and_they_do_not_leak_the_opener():
    html = render_markdown("[a](javascript:alert(1)) [b](https://example.org) [c](data:text/html,x)")
    assert 'href="javascript' not in html and 'href="data' not in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">b</a>' in html


def test_headings_are_shifted_below_the_page_outline():
    assert "<h3>Règles</h3>" in render_markdown("# Règles")
    assert "<h2>Règles</h2>" in render_markdown("# Règles", heading_level=2)
    assert "<h6>Fin</h6>" in render_markdown("###### Fin")


def test_empty_text_renders_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""
