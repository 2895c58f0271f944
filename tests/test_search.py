"""The search index (generator/search.py) and its client (theme/assets/digest-search.js)."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from generator import search
from generator.model import Paper
from generator.search import STOP_WORDS, render_search_index, shard_key, tokenize


def paper(name: str, title: str, abstract: str = "", added: str = "2025-03-01", **fields) -> Paper:
    return Paper(title=title, abstract=abstract, added=dt.date.fromisoformat(added), themes=["x"],
                 name=name, **fields)


def shard(files: dict[str, str], term: str) -> dict[int, int]:
    """A term's postings, decoded: {doc id: score}."""
    deltas, scores = json.loads(files[f"searchindex/t/{shard_key(term)}.json"])[term]
    ids = [sum(deltas[: i + 1]) for i in range(len(deltas))]
    return dict(zip(ids, scores))


@pytest.mark.parametrize("text, tokens", [
    ("Reasoning With LLMs", ["reasoning", "llms"]),
    ("o1-mini, GPT-4o and pass@1", ["o1", "mini", "gpt", "4o", "pass"]),
    ("Étude naïve à l'Université Côte-d'Azur", ["etude", "naive", "universite", "cote", "azur"]),
    ("大规模语言模型的推理 能力", ["大规模语言模型的推理", "能力"]),
    ("The state of the art in reasoning, which we improve", ["state", "art", "reasoning",
                                                             "improve"]),
    ("snake_case x y 12.5%", ["snake", "case", "12"]),
    ("𝐑𝐞𝐚𝐬𝐨𝐧 ＧＲＰＯ ﬁne", ["reason", "grpo", "fine"]),  # math bold, fullwidth, ligature
    ("a" * 40 + " " + "b" * 41, ["a" * 40]),
])
def test_tokenizer(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize("term, key", [
    ("reasoning", "726561"), ("rea", "726561"), ("ai", "6169"), ("大规模语言模型", "e5a4a7e8a784e6a8a1"),
])
def test_shard_key_is_the_hex_of_the_first_three_characters(term, key):
    assert shard_key(term) == key


def test_files_entry_shards_and_paper_groups():
    papers = [paper(f"p{i}", f"Paper {i:02d} on {word}", f"About {word}.", f"2025-03-{i + 1:02d}")
              for i, word in enumerate(["planning"] * 4 + ["search"] * 5)]
    files = render_search_index(papers)
    assert sorted(files) == [
        "searchindex/index.json", "searchindex/n/0.json", "searchindex/p/0.json",
        "searchindex/p/1.json",
        "searchindex/t/3030.json", "searchindex/t/3031.json", "searchindex/t/3032.json",
        "searchindex/t/3033.json", "searchindex/t/3034.json", "searchindex/t/3035.json",
        "searchindex/t/3036.json", "searchindex/t/3037.json", "searchindex/t/3038.json",
        "searchindex/t/61626f.json", "searchindex/t/706170.json", "searchindex/t/706c61.json",
        "searchindex/t/736561.json"]
    assert json.loads(files["searchindex/index.json"]) == {
        "version": 2, "papers": 9, "group": 8, "titles": 1000, "stop": list(STOP_WORDS),
        "shards": ["3030", "3031", "3032", "3033", "3034", "3035", "3036", "3037", "3038",
                   "61626f", "706170", "706c61", "736561"]}
    # Doc ids: newest first. p8 was added last, so it is doc 0; groups of 8 papers.
    assert json.loads(files["searchindex/p/1.json"]) == [["papers/p0/", "Paper 00 on planning",
                                                          "About planning."]]
    assert [r[0] for r in json.loads(files["searchindex/p/0.json"])] == [
        f"papers/p{i}/" for i in range(8, 0, -1)]
    # Every title in one file (up to 1,000), in doc id order.
    assert json.loads(files["searchindex/n/0.json"]) == [
        [f"papers/p{i}/", f"Paper {i:02d} on {'planning' if i < 4 else 'search'}"]
        for i in range(8, -1, -1)]
    # Ascending doc ids, delta-encoded; every paper holds "about" and "paper" once.
    terms = json.loads(files["searchindex/t/706170.json"])
    assert list(terms) == ["paper"] and terms["paper"][0] == [0, 1, 1, 1, 1, 1, 1, 1, 1]
    assert json.loads(files["searchindex/t/736561.json"])["search"][0] == [0, 1, 1, 1, 1]
    assert list(json.loads(files["searchindex/t/706c61.json"])) == ["planning"]
    assert files["searchindex/t/3038.json"].startswith('{"08":[[0],[')


def test_scores_are_bm25_over_weighted_fields():
    papers = [paper("titled", "Verifier models", "Small study.", tags=["math"]),
              paper("tagged", "Other work", "Nothing here at all.", "2025-02-01",
                    tags=["verifier"], organization="Verifier Lab", arxiv="2501.00001")]
    files = render_search_index(papers)
    # Weighted lengths: titled = verifier 3 + models 3 + math 2 + small 1 + study 1 = 10;
    # tagged = other 3 + work 3 + verifier 2 (tag) + 1 (organization) + lab 1 + nothing 1 +
    # here 1 + all 1 + 2501 1 + 00001 1 = 15.
    average = (10 + 15) / 2

    def bm25(tf: int, df: int, length: int) -> int:
        idf = math.log(1 + (2 - df + 0.5) / (df + 0.5))
        return round(20 * idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / average)))

    assert shard(files, "verifier") == {0: bm25(3, 2, 10), 1: bm25(3, 2, 15)}
    assert shard(files, "math") == {0: bm25(2, 1, 10)}
    assert shard(files, "00001") == {1: bm25(1, 1, 15)}
    assert shard(files, "verifier")[0] > shard(files, "verifier")[1]  # the shorter paper


def test_a_title_match_outranks_an_abstract_only_match():
    papers = [paper("in-abstract", "Scaling test-time compute",
                    "We study overthinking in long chains of thought on math problems.",
                    "2025-04-01"),
              paper("in-title", "Overthinking in reasoning models",
                    "We study long chains of thought on math problems.", "2025-01-01")]
    scores = shard(render_search_index(papers), "overthinking")
    assert scores[1] > scores[0]  # doc 1 is the older paper, with the word in its title


def test_index_terms_are_the_tokens_of_the_indexed_fields():
    papers = [paper("mixed", "Über-Reasoning: the 𝐑𝐞𝐚𝐬𝐨𝐧 of o1", "An abstract with " + "x" * 41
                    + " and a_b.\n\nSecond paragraph.", tags=["chain-of-thought"],
                    organization="Université Paris", arxiv="2504.15777")]
    files = render_search_index(papers)
    terms = {t for path, text in files.items() if "/t/" in path for t in json.loads(text)}
    assert terms == {"uber", "reasoning", "reason", "o1", "abstract", "paragraph", "second",
                     "chain", "thought", "universite", "paris", "2504", "15777"}
    # Paragraphs keep a space between them; the record keeps the title as written.
    assert json.loads(files["searchindex/p/0.json"]) == [[
        "papers/mixed/", "Über-Reasoning: the 𝐑𝐞𝐚𝐬𝐨𝐧 of o1",
        "An abstract with " + "x" * 41 + " and a_b. Second paragraph."]]


def test_abstracts_are_stored_as_plain_text():
    files = render_search_index([paper("latex", "T", "Gains of 12.5\\% with \\textbf{GRPO} "
                                                     "and $\\alpha$.")])
    assert json.loads(files["searchindex/p/0.json"])[0][2] == "Gains of 12.5% with GRPO and α."


def test_the_same_papers_give_the_same_bytes_in_any_order():
    papers = [paper(f"p{i}", f"Title {i} reasoning", f"Abstract {i} of reasoning models.",
                    f"2025-0{1 + i % 3}-01") for i in range(12)]
    first = render_search_index(papers)
    assert render_search_index(list(reversed(papers))) == first
    assert render_search_index(papers) == first


def test_markup_in_titles_is_escaped_in_the_json():
    title = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    files = render_search_index([paper("hostile", title, "Abstract <b>bold</b> & more.")])
    for text in files.values():
        assert "<" not in text and ">" not in text and "&" not in text
    assert "\\u003cscript\\u003e" in files["searchindex/p/0.json"]
    record = json.loads(files["searchindex/p/0.json"])[0]
    assert record[1] == title and record[2] == "Abstract <b>bold</b> & more."


def test_no_papers_give_an_empty_index():
    assert render_search_index([]) == {"searchindex/index.json": json.dumps(
        {"group": 8, "papers": 0, "shards": [], "stop": list(STOP_WORDS), "titles": 1000,
         "version": 2},
        separators=(",", ":"))}


# The markup of partials/search.html, without Material: the client needs only these elements.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Search</title><link rel="icon" href="data:,">
</head><body>
<input class="md-toggle" type="checkbox" id="__search">
<div class="md-search" role="dialog" aria-label="Search" data-digest-search>
  <label class="md-search__overlay" for="__search"></label>
  <div class="md-search__inner" role="search">
    <form class="md-search__form" name="digest-search">
      <input type="text" class="md-search__input" name="query" aria-label="Search" required>
      <label class="md-search__icon md-icon" for="__search">Search</label>
      <nav class="md-search__options" aria-label="Search">
        <button type="reset" class="md-search__icon md-icon">Clear</button></nav>
    </form>
    <div class="md-search__output"><div class="md-search__scrollwrap" tabindex="0">
      <div class="md-search-result">
        <div class="md-search-result__meta" aria-live="polite">Initializing search</div>
        <ol class="md-search-result__list" role="presentation"></ol>
      </div></div></div>
  </div>
</div>
<script src="assets/digest-search.js"></script>
</body></html>
"""
HOSTILE = '<img src=x onerror="window.__pwned=1"> Reasoning'
TRICKY = ["Reasoning With LLMs", "o1-mini, GPT-4o and pass@1", "Étude naïve à l'Université",
          "大规模语言模型的推理 能力", "𝐑𝐞𝐚𝐬𝐨𝐧 ＧＲＰＯ ﬁne", "snake_case x y 12.5%",
          "İstanbul ΟΔΟΣ Straße", "a" * 40 + " " + "b" * 41, "The state of the art, which"]


@pytest.fixture(scope="module")
def search_site(tmp_path_factory) -> Path:
    papers = [
        paper("rlvr", "Reinforcement Learning with Verifiable Rewards",
              "We train reasoning models with verifiable rewards on math problems.", "2025-05-01"),
        paper("grpo", "GRPO for Math",
              "A study of reinforcement learning for math reasoning in small models.",
              "2025-04-01"),
        paper("hostile", HOSTILE, "Payloads in titles must stay text.", "2025-03-01"),
        paper("video", "Video Question Answering", "Models watch videos.", "2025-02-01"),
        paper("lean", "Theorem Proving in Lean", "Formal proofs, checked.", "2025-01-01"),
    ]
    site = tmp_path_factory.mktemp("search") / "site"
    # One record and two titles per file: the client must find each paper in its own file.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "GROUP", 1)
        patch.setattr(search, "TITLE_GROUP", 2)
        files = render_search_index(papers)
    assert sorted(path for path in files if "/n/" in path) == [
        "searchindex/n/0.json", "searchindex/n/1.json", "searchindex/n/2.json"]
    for path, text in files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text, encoding="utf-8")
    (site / "assets").mkdir()
    shutil.copy(REPO / "generator/theme/assets/digest-search.js", site / "assets")
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    return site


def test_search_in_chromium(search_site):
    from browser import chromium, search, serve_folder, wait_for_results

    def query(text: str, complete: bool = True) -> list[str]:
        """The titles a query shows; by default once its excerpts are shown too."""
        page.fill("input.md-search__input", text)
        wait_for_results(page, text, excerpts=complete)
        return page.locator(".md-search-result__item h1").all_inner_texts()

    def excerpts() -> list[str]:
        return page.locator(".md-search-result__item p").all_inner_texts()

    with serve_folder(search_site) as base, chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url.removeprefix(base)))
        page.goto(base)
        # Both tokenizers split text alike (the index and the query must agree).
        assert page.evaluate("([texts, stop]) => texts.map(t => digestSearch.tokenize(t, stop))",
                             [TRICKY, list(STOP_WORDS)]) == [tokenize(t) for t in TRICKY]

        results = search(page, "verifiable rewards")
        assert results.count() == 1
        assert page.inner_text(".md-search-result__meta") == "1 matching document"
        assert page.locator(".md-search-result__item mark").all_inner_texts() == [
            "Verifiable", "Rewards", "verifiable", "rewards"]
        assert results.first.locator("a").get_attribute("href") == base + "papers/rlvr/"

        # The first results shown, every title is loaded (and nothing else): a later query
        # shows its results before the records with the excerpts arrive.
        page.wait_for_load_state("networkidle")
        assert sorted(url for url in requested if "/n/" in url) == [
            "searchindex/n/0.json", "searchindex/n/1.json", "searchindex/n/2.json"]
        held = []
        page.route("**/searchindex/p/*.json", lambda route: held.append(route))
        assert query("video", complete=False) == ["Video Question Answering"]
        assert excerpts() == [""]
        assert page.inner_text(".md-search-result__meta") == "1 matching document"
        assert page.locator(".md-search-result__item a").get_attribute("href") == (
            base + "papers/video/")
        for _ in range(100):  # the records are asked for once the results are drawn
            if held:
                break
            page.wait_for_timeout(20)
        assert [route.request.url.removeprefix(base) for route in held] == [
            "searchindex/p/3.json"]
        held[0].continue_()
        wait_for_results(page, "video")
        assert excerpts() == ["Models watch videos."]
        page.unroute("**/searchindex/p/*.json")
        # Records that fail to load leave the results without excerpts.
        page.route("**/searchindex/p/4.json", lambda route: route.abort())
        logged = len(errors)
        with page.expect_console_message(lambda m: "searchindex" in m.text or "fetch" in m.text):
            assert query("lean", complete=False) == ["Theorem Proving in Lean"]
        page.wait_for_timeout(100)
        assert excerpts() == [""]
        assert page.inner_text(".md-search-result__meta") == "1 matching document"
        assert errors[logged:] and all("Failed to" in e for e in errors[logged:]), errors
        del errors[logged:]
        page.unroute("**/searchindex/p/4.json")

        # As you type: a prefix finds the longer word; the title match ranks first.
        assert query("reinforc") == ["Reinforcement Learning with Verifiable Rewards",
                                     "GRPO for Math"]
        assert page.inner_text(".md-search-result__meta") == "2 matching documents"
        assert page.locator(".md-search-result__item p").nth(1).inner_text() == (
            "A study of reinforcement learning for math reasoning in small models.")
        assert query("math reasoning") == [
            "GRPO for Math", "Reinforcement Learning with Verifiable Rewards"]
        assert query("video reinforcement") == []
        assert page.inner_text(".md-search-result__meta") == "No matching documents"
        assert query("the of") == []
        # A stop word still being typed is a prefix: "the" is on its way to "theorem".
        assert query("the") == ["Theorem Proving in Lean"]
        assert query("the ") == []

        # A hostile title is shown as text, and nothing in it runs.
        assert query("payloads") == [HOSTILE]
        assert page.locator(".md-search-result__list img").count() == 0
        assert page.evaluate("window.__pwned") is None

        # On a fresh visit, title files wait while a query waits for its own files.
        fresh = browser.new_context().new_page()
        fresh.on("pageerror", lambda exc: errors.append(str(exc)))
        asked: list[str] = []
        fresh.on("request", lambda r: asked.append(r.url.removeprefix(base)))
        held_titles, held_shard = [], []
        fresh.route("**/searchindex/n/0.json", lambda route: held_titles.append(route))
        fresh.route(f"**/searchindex/t/{shard_key('video')}.json",
                    lambda route: held_shard.append(route))
        fresh.goto(base)
        fresh.click("label.md-search__icon, .md-search__input")
        fresh.fill("input.md-search__input", "verifiable")  # doc 0: its title is in n/0
        wait_for_results(fresh, "verifiable")
        fresh.fill("input.md-search__input", "video")
        fresh.wait_for_timeout(200)
        assert held_titles and held_shard
        held_titles[0].continue_()
        fresh.wait_for_timeout(300)
        assert [url for url in asked if "/n/" in url] == ["searchindex/n/0.json"]
        held_shard[0].continue_()
        fresh.wait_for_load_state("networkidle")
        assert [url for url in asked if "/n/" in url] == [
            "searchindex/n/0.json", "searchindex/n/1.json", "searchindex/n/2.json"]
        fresh.context.close()

        # An older query that finishes last does not overwrite a newer one.
        held = []
        page.route(f"**/searchindex/t/{shard_key('problems')}.json", lambda r: held.append(r))
        page.evaluate("""() => {
            const input = document.querySelector('input.md-search__input');
            for (const q of ['problems', 'watch']) {
                input.value = q; input.dispatchEvent(new Event('input'));
            }}""")
        wait_for_results(page, "watch", excerpts=False)
        held[0].continue_()
        page.wait_for_load_state("networkidle")
        assert page.locator(".md-search-result__item h1").all_inner_texts() == [
            "Video Question Answering"]
        assert page.inner_text(".md-search-result__meta") == "1 matching document"

        # The keyboard: down from the box to the first result, Escape closes the dialog.
        page.focus("input.md-search__input")
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.href") == base + "papers/video/"
        page.focus("input.md-search__input")
        page.keyboard.press("Escape")
        assert not page.is_checked("#__search")

        page.fill("input.md-search__input", "")  # an empty query restores the initial text
        page.wait_for_function("document.querySelector('.md-search-result__meta')"
                               ".textContent === 'Initializing search'")
        assert page.locator(".md-search-result__item").count() == 0
        assert errors == []
