"""Untrusted text rendered faithfully: what authors meant, and nothing that runs."""

from __future__ import annotations

import markdown
import pytest

from generator.render.text import extract_links, md_escape, render_abstract_html, render_plain

LINK = '<a href="{0}" rel="nofollow noopener">{0}</a>'


@pytest.mark.parametrize("source, html", [
    ("tokens like <think> and </think>", "tokens like &lt;think&gt; and &lt;/think&gt;"),
    ("up to 10.15\\% and 3\\&4 at \\$9", "up to 10.15% and 3&amp;4 at $9"),
    ("\\textbf{personalized reasoning}", "<strong>personalized reasoning</strong>"),
    ("\\emph{really} \\textit{so}", "<em>really</em> <em>so</em>"),
    ("leaderboard\\footnote{https://brightbenchmark.github.io/.}",
     "leaderboard (" + LINK.format("https://brightbenchmark.github.io/") + ")"),
    ("speed v_{reason} and ^{13}C NMR", "speed v<sub>reason</sub> and <sup>13</sup>C NMR"),
    ("**Med-R^3**, a **Med**ical **R**etrieval",
     "<strong>Med-R<sup>3</sup></strong>, a <strong>Med</strong>ical <strong>R</strong>etrieval"),
    ("A*-Decoding is 2 * 3", "A*-Decoding is 2 * 3"),
    ("GGUF q4\\_k\\_m and snake_case_name", "GGUF q4_k_m and snake_case_name"),
    ('delimiters like "\\n\\n" stay', 'delimiters like "\\n\\n" stay'),
    ("Code at https://github.com/a/b.", "Code at " + LINK.format("https://github.com/a/b") + "."),
    ("(see https://x.org/a_(b)), then", "(see " + LINK.format("https://x.org/a_(b)") + "), then"),
    ("at https://github.com/a/U{https://github.com/a/U}.",
     "at " + LINK.format("https://github.com/a/U") + "{" + LINK.format("https://github.com/a/U")
     + "}."),
    ("math $\\alpha \\leq 3$ here", 'math <span class="math">α≤3</span> here'),
    ("unclosed \\textbf{bold and **stars", "unclosed \\textbf{bold and **stars"),
])
def test_abstract_renders_as_meant(source, html):
    assert render_abstract_html(source) == f"<p>{html}</p>"


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<iframe src="javascript:alert(1)"></iframe>',
    "[x](javascript:alert(1))",
    "\\footnote{javascript:alert(1)}",
    '\\textbf{<svg onload="alert(1)">}',
    'https://example.org/"onmouseover="alert(1)',
])
def test_payloads_stay_text(payload):
    html = render_abstract_html(payload)
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "<svg" not in html and 'href="javascript' not in html
    assert "onmouseover=" not in html.split(">")[0]  # no attribute smuggled into a tag


def test_links_are_extracted_without_trailing_punctuation():
    text = ("Code: https://github.com/a/b. Data at https://huggingface.co/datasets/x/y, "
            "and again https://github.com/a/b; see \\footnote{https://p.io/.}")
    assert extract_links(text) == ["https://github.com/a/b", "https://huggingface.co/datasets/x/y",
                                   "https://p.io/"]


def test_plain_text_drops_markup_keeps_words():
    assert render_plain("a \\textbf{b} <think> 5\\% c") == "a b <think> 5% c"


@pytest.mark.parametrize("title", [
    "A*-Decoding: Token-Efficient Inference Scaling", "LR^2Bench: Long-chain Reflective Reasoning",
    "ALR^2: [Retrieve] then (Reason) #1 _under_ `tick` <b>x</b> & 1. item", "- leading dash",
])
def test_titles_are_literal_in_markdown(title):
    html = markdown.markdown(md_escape(title))
    assert html == "<p>" + title.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;") + "</p>"
