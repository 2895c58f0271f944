"""The search index (generator/search.py) and its client (theme/assets/digest-search.js)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from generator.render import search
from generator.model import Paper, Theme
from generator.render.search import STOP_WORDS, render_search_index, shard_key, tokenize

THEMES = [Theme(id="x", title="Theme X", description="X."),
          Theme(id="y", title="Theme <Y> & Co", description="Y.")]


def paper(name: str, title: str, abstract: str = "", added: str = "2025-03-01", **fields) -> Paper:
    fields.setdefault("themes", ["x"])
    return Paper(title=title, abstract=abstract, added=dt.date.fromisoformat(added), name=name,
                 **fields)


def shard(files: dict[str, str], term: str, flags: bool = False) -> dict[int, int]:
    """A term's postings, decoded: {doc id: score}; with flags, the score as stored (plus 1000
    times the title's distinct words when the term is in the title)."""
    deltas, scores = json.loads(files[f"searchindex/t/{shard_key(term)}.json"])[term]
    ids = [sum(deltas[: i + 1]) for i in range(len(deltas))]
    return dict(zip(ids, scores if flags else [score % 1000 for score in scores]))


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
    papers[0].themes = ["y", "x"]
    papers[0].authors = ["Ada Lovelace", "Alan Turing"]
    papers[1].organization = "Example Lab"
    files = render_search_index(papers, THEMES)
    assert sorted(files) == [
        "searchindex/index.json", "searchindex/n/0.json", "searchindex/p/0.json",
        "searchindex/p/1.json",
        "searchindex/t/3030.json", "searchindex/t/3031.json", "searchindex/t/3032.json",
        "searchindex/t/3033.json", "searchindex/t/3034.json", "searchindex/t/3035.json",
        "searchindex/t/3036.json", "searchindex/t/3037.json", "searchindex/t/3038.json",
        "searchindex/t/61626f.json", "searchindex/t/616461.json", "searchindex/t/616c61.json",
        "searchindex/t/657861.json", "searchindex/t/6c6162.json",
        "searchindex/t/6c6f76.json", "searchindex/t/6f6e.json", "searchindex/t/706170.json",
        "searchindex/t/706c61.json", "searchindex/t/736561.json", "searchindex/t/747572.json"]
    assert json.loads(files["searchindex/index.json"]) == {
        "version": 3, "papers": 9, "group": 8, "titles": 1000, "stop": list(STOP_WORDS),
        "themes": ["Theme X", "Theme <Y> & Co"],
        "shards": ["3030", "3031", "3032", "3033", "3034", "3035", "3036", "3037", "3038",
                   "61626f", "616461", "616c61", "657861", "6c6162", "6c6f76", "6f6e", "706170",
                   "706c61", "736561", "747572"]}
    # Doc ids: newest first. p8 was added last, so it is doc 0; groups of 8 papers. A record:
    # address, title, added, theme numbers (in the order of the paper's themes), author names,
    # organisation, abstract.
    assert json.loads(files["searchindex/p/1.json"]) == [[
        "papers/p0/", "Paper 00 on planning", "2025-03-01", [1, 0], ["Ada Lovelace", "Alan Turing"],
        "", "About planning."]]
    assert json.loads(files["searchindex/p/0.json"])[7] == [
        "papers/p1/", "Paper 01 on planning", "2025-03-02", [0], [], "Example Lab",
        "About planning."]
    assert [r[0] for r in json.loads(files["searchindex/p/0.json"])] == [
        f"papers/p{i}/" for i in range(8, 0, -1)]
    # Every title in one file (up to 1,000), in doc id order, with its date and themes.
    assert json.loads(files["searchindex/n/0.json"]) == [
        [f"papers/p{i}/", f"Paper {i:02d} on {'planning' if i < 4 else 'search'}",
         f"2025-03-{i + 1:02d}", [1, 0] if i == 0 else [0]]
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
                    tags=["verifier"], organization="Verifier Lab", arxiv="2501.00001",
                    authors=["Ada Lovelace"])]
    files = render_search_index(papers)
    # Weighted lengths: titled = verifier 3 + models 3 + math 2 + small 1 + study 1 = 10;
    # tagged = other 3 + work 3 + verifier 2 (tag) + 2 (organisation) + lab 2 + ada 2 +
    # lovelace 2 + nothing 1 + here 1 + all 1 + 2501 3 + 00001 3 = 25.
    average = (10 + 25) / 2

    def bm25(tf: int, df: int, length: int) -> int:
        idf = math.log(1 + (2 - df + 0.5) / (df + 0.5))
        return round(20 * idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / average)))

    assert shard(files, "verifier") == {0: bm25(3, 2, 10), 1: bm25(4, 2, 25)}
    assert shard(files, "math") == {0: bm25(2, 1, 10)}
    assert shard(files, "lovelace") == {1: bm25(2, 1, 25)}
    assert shard(files, "00001") == {1: bm25(3, 1, 25)}
    # A term of the title carries the title's number of distinct words (2 here), in thousands.
    assert shard(files, "verifier", flags=True) == {0: 2000 + bm25(3, 2, 10), 1: bm25(4, 2, 25)}
    assert shard(files, "work", flags=True) == {1: 2000 + bm25(3, 1, 25)}


def test_stop_words_are_indexed_in_titles_only():
    papers = [paper("leverage", "Optimizers Qualitatively Alter Solutions And We Should "
                    "Leverage This", "This paper shows that we can do it."),
              paper("other", "Another Study", "This is what we did with the models.",
                    "2025-02-01")]
    files = render_search_index(papers)
    terms = {t for path, text in files.items() if "/t/" in path for t in json.loads(text)}
    assert {"this", "we", "and"} <= terms and not {"is", "the", "with", "it"} & terms
    # Doc 0 only: the other paper holds "this" and "we" in its abstract alone. Every term of
    # the title knows the title's 9 distinct words.
    for term in ("this", "we", "and", "optimizers", "leverage"):
        assert list(shard(files, term, flags=True)) == [0]
        assert shard(files, term, flags=True)[0] // 1000 == 9
    assert shard(files, "paper", flags=True)[0] < 1000  # abstract only


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
    assert terms == {"uber", "reasoning", "the", "reason", "of", "o1", "abstract", "paragraph",
                     "second", "chain", "thought", "universite", "paris", "2504", "15777"}
    # Paragraphs keep a space between them; the record keeps the title as written.
    assert json.loads(files["searchindex/p/0.json"]) == [[
        "papers/mixed/", "Über-Reasoning: the 𝐑𝐞𝐚𝐬𝐨𝐧 of o1", "2025-03-01", [], [],
        "Université Paris", "An abstract with " + "x" * 41 + " and a_b. Second paragraph."]]


def test_abstracts_are_stored_as_plain_text():
    files = render_search_index([paper("latex", "T", "Gains of 12.5\\% with \\textbf{GRPO} "
                                                     "and $\\alpha$.")])
    assert json.loads(files["searchindex/p/0.json"])[0][6] == "Gains of 12.5% with GRPO and α."


def test_the_same_papers_give_the_same_bytes_in_any_order():
    papers = [paper(f"p{i}", f"Title {i} reasoning", f"Abstract {i} of reasoning models.",
                    f"2025-0{1 + i % 3}-01") for i in range(12)]
    first = render_search_index(papers)
    assert render_search_index(list(reversed(papers))) == first
    assert render_search_index(papers) == first


def test_markup_in_titles_is_escaped_in_the_json():
    title = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    files = render_search_index([paper("hostile", title, "Abstract <b>bold</b> & more.",
                                       authors=["<b>Ada</b>"], themes=["y"])], THEMES)
    for text in files.values():
        assert "<" not in text and ">" not in text and "&" not in text
    assert "\\u003cscript\\u003e" in files["searchindex/p/0.json"]
    record = json.loads(files["searchindex/p/0.json"])[0]
    assert record[1] == title and record[6] == "Abstract <b>bold</b> & more."
    assert record[4] == ["<b>Ada</b>"]
    assert json.loads(files["searchindex/index.json"])["themes"][1] == "Theme <Y> & Co"


def test_no_papers_give_an_empty_index():
    assert render_search_index([]) == {"searchindex/index.json": json.dumps(
        {"group": 8, "papers": 0, "shards": [], "stop": list(STOP_WORDS), "themes": [],
         "titles": 1000, "version": 3},
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
    shutil.copy(REPO / "generator/site/theme/assets/digest-search.js", site / "assets")
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (Playwright's sync API runs one at a time)."""
    from browser import chromium

    with chromium() as started:
        yield started


@pytest.fixture(scope="module")
def search_browser(search_site, browser):
    """The small search site served on 127.0.0.1, and the browser: (base URL, browser)."""
    from browser import serve_folder

    with serve_folder(search_site) as base:
        yield base, browser


@pytest.fixture
def visit(search_browser):
    """A first visit of the search page, in a browser context of its own (nothing cached):
    call it to open the page (after setting routes, if any). The page records the requests it
    made (`page.requested`, relative to the site) and its errors (`page.errors`), which must be
    none by the end of the test."""
    base, browser = search_browser
    context = browser.new_context()
    page = context.new_page()
    page.base, page.errors, page.requested = base, [], []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: page.requested.append(r.url.removeprefix(base)))

    def open_page():
        page.goto(base)
        page.click("label.md-search__icon, .md-search__input")
        return page

    page.open = open_page
    yield page
    context.close()
    assert page.errors == []


def show(page, text: str, complete: bool = True) -> list[str]:
    """The titles a query shows; by default once its excerpts are shown too."""
    from browser import wait_for_results

    page.fill("input.md-search__input", text)
    wait_for_results(page, text, excerpts=complete)
    return page.locator(".md-search-result__item h1").all_inner_texts()


def excerpts(page) -> list[str]:
    return page.locator(".digest-search-excerpt").all_inner_texts()


def title_files(page, loaded: int | None = None) -> dict[str, list[int]]:
    """The title files the client asked for and loaded; first waits until `loaded` are."""
    if loaded is not None:
        page.wait_for_function("n => digestSearch.titleFiles().loaded.length === n", arg=loaded)
    return page.evaluate("digestSearch.titleFiles()")


def meta(page) -> str:
    return page.inner_text(".md-search-result__meta")


def test_both_tokenizers_split_text_alike(visit):
    page = visit.open()  # the index and the query must agree
    assert page.evaluate("([texts, stop]) => texts.map(t => digestSearch.tokenize(t, stop))",
                         [TRICKY, list(STOP_WORDS)]) == [tokenize(t) for t in TRICKY]


def test_a_query_shows_its_results_highlighted_and_linked(visit):
    from browser import search

    page = visit.open()
    results = search(page, "verifiable rewards")
    assert results.count() == 1
    assert meta(page) == "1 matching document"
    assert page.locator(".md-search-result__item mark").all_inner_texts() == [
        "Verifiable", "Rewards", "verifiable", "rewards"]
    assert results.first.locator("a").get_attribute("href") == page.base + "papers/rlvr/"


def test_the_first_results_load_every_title_file_and_nothing_else(visit):
    page = visit.open()
    assert not [url for url in page.requested if "/n/" in url]  # none before a query
    show(page, "verifiable rewards")
    assert title_files(page, loaded=3) == {"asked": [0, 1, 2], "loaded": [0, 1, 2]}
    assert sorted(url for url in page.requested if "/n/" in url) == [
        "searchindex/n/0.json", "searchindex/n/1.json", "searchindex/n/2.json"]


def test_a_later_query_shows_its_results_before_its_records_arrive(visit):
    from browser import wait_for_results, wait_until

    page = visit.open()
    show(page, "verifiable")
    title_files(page, loaded=3)
    held = []
    page.route("**/searchindex/p/*.json", lambda route: held.append(route))
    assert show(page, "video", complete=False) == ["Video Question Answering"]
    assert excerpts(page) == [""]
    assert meta(page) == "1 matching document"
    assert page.locator(".md-search-result__item a").get_attribute("href") == (
        page.base + "papers/video/")
    wait_until(page, lambda: held)  # the records are asked for once the results are drawn
    assert [route.request.url.removeprefix(page.base) for route in held] == [
        "searchindex/p/3.json"]
    held[0].continue_()
    wait_for_results(page, "video")
    assert excerpts(page) == ["Models watch videos."]


def test_records_that_fail_leave_the_results_without_excerpts(visit):
    page = visit.open()
    show(page, "verifiable")
    title_files(page, loaded=3)
    page.route("**/searchindex/p/4.json", lambda route: route.abort())
    # The client logs the failure once it has given up on the excerpts: nothing follows it.
    with page.expect_console_message(lambda m: m.type == "error" and "fetch" in m.text):
        assert show(page, "lean", complete=False) == ["Theorem Proving in Lean"]
    assert excerpts(page) == [""]
    assert meta(page) == "1 matching document"
    assert page.errors and all("Failed to" in e for e in page.errors), page.errors
    page.errors.clear()


def test_a_prefix_finds_the_longer_word_and_title_matches_rank_first(visit):
    page = visit.open()
    assert show(page, "reinforc") == ["Reinforcement Learning with Verifiable Rewards",
                                      "GRPO for Math"]
    assert meta(page) == "2 matching documents"
    assert excerpts(page)[1] == (
        "A study of reinforcement learning for math reasoning in small models.")
    assert show(page, "math reasoning") == [
        "GRPO for Math", "Reinforcement Learning with Verifiable Rewards"]


def test_papers_holding_some_of_the_words_are_shown_when_none_holds_all(visit):
    page = visit.open()
    assert show(page, "video reinforcement") == [
        "Video Question Answering", "Reinforcement Learning with Verifiable Rewards",
        "GRPO for Math"]
    assert meta(page) == "No document matches every word; 3 documents match 1 of 2"


def test_every_word_is_a_prefix(visit):
    page = visit.open()
    assert show(page, "the") == ["Theorem Proving in Lean"]  # "the" on its way to "theorem"


def test_a_hostile_title_is_shown_as_text(visit):
    page = visit.open()
    assert show(page, "payloads") == [HOSTILE]
    assert page.locator(".md-search-result__list img").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_title_files_wait_while_a_query_waits_for_its_own_files(visit):
    from browser import wait_for_results, wait_until

    held_titles, held_shard = [], []
    visit.route("**/searchindex/n/0.json", lambda route: held_titles.append(route))
    visit.route(f"**/searchindex/t/{shard_key('video')}.json",
                lambda route: held_shard.append(route))
    page = visit.open()
    page.fill("input.md-search__input", "verifiable")  # doc 0: its title is in n/0
    wait_for_results(page, "verifiable")
    page.fill("input.md-search__input", "video")
    wait_until(page, lambda: held_titles and held_shard)
    held_titles[0].continue_()
    # n/0 loaded while "video" waits for its shard: the next title file is not asked for.
    assert title_files(page, loaded=1) == {"asked": [0], "loaded": [0]}
    held_shard[0].continue_()
    assert title_files(page, loaded=3) == {"asked": [0, 1, 2], "loaded": [0, 1, 2]}
    wait_for_results(page, "video")
    assert [url for url in page.requested if "/n/" in url] == [
        "searchindex/n/0.json", "searchindex/n/1.json", "searchindex/n/2.json"]


def test_an_older_query_finishing_last_does_not_overwrite_a_newer_one(visit):
    from browser import wait_for_results, wait_until

    page = visit.open()
    held = []
    page.route(f"**/searchindex/t/{shard_key('problems')}.json", lambda r: held.append(r))
    page.evaluate("""() => {
        const input = document.querySelector('input.md-search__input');
        for (const q of ['problems', 'watch']) {
            input.value = q; input.dispatchEvent(new Event('input'));
        }}""")
    wait_for_results(page, "watch", excerpts=False)
    wait_until(page, lambda: held)
    held[0].continue_()
    page.wait_for_function("digestSearch.ranking() === 0")  # "problems" has ended too
    assert page.locator(".md-search-result__item h1").all_inner_texts() == [
        "Video Question Answering"]
    assert meta(page) == "1 matching document"


def test_the_keyboard_reaches_the_first_result_and_escape_closes(visit):
    page = visit.open()
    show(page, "watch")
    page.focus("input.md-search__input")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.href") == page.base + "papers/video/"
    page.focus("input.md-search__input")
    page.keyboard.press("Escape")
    assert not page.is_checked("#__search")


def test_an_empty_query_restores_the_initial_text(visit):
    page = visit.open()
    show(page, "watch")
    page.fill("input.md-search__input", "")
    page.wait_for_function("document.querySelector('.md-search-result__meta')"
                           ".textContent === 'Initializing search'")
    assert page.locator(".md-search-result__item").count() == 0


# A digest of the real seed listings (about 200 papers) plus papers whose titles are hard to
# find: built once by the real `digest build`, then searched in one Chromium page.
# ("Optimizers Qualitatively Alter Solutions And We Should Leverage This" is in the seeds.)
LEVERAGE = "papers/optimizers-qualitatively-alter-solutions-and-we/"
HARD_PAPERS = [
    paper("people", "Learning Rate Warmup Without Tears",
          "Warmup choice changes the solutions networks learn.", "2025-12-09",
          authors=["Razvan Pascanu", "Clare Lyle", "Ionut-Vlad Modoranu"], upvotes=12,
          themes=["other", "efficient"]),
    paper("this-is-it", "This Is It", "A title made of common words only.", "2025-12-09"),
    paper("reasoning", "Reasoning", "A one-word title that many longer titles contain.",
          "2025-12-09"),
    paper("arxiv-paper", "Reasoning Gym: Environments for Reinforcement Learning",
          "Procedurally generated tasks with verifiable rewards.", "2025-12-09",
          arxiv="2504.15777", authors=[f"Author Number{i}" for i in range(1, 12)]),
    paper("cites-id", "A Survey Citing Others", "We build on arXiv 2504.15777 and others.",
          "2025-12-09"),
    paper("old-id", "An Old-Style Identifier", "From before 2007.", "2025-12-09",
          arxiv="hep-th/0101001"),
    paper("unicode", "Über-Reasoning: the 𝐑𝐞𝐚𝐬𝐨𝐧 of o1 (大规模语言模型的推理)", "Unicode title.",
          "2025-12-09"),
    paper("to-be", "To Be or Not to Be: A Study of Negation", "Negation in reasoning.",
          "2025-12-09"),
]


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory) -> Path:
    from conftest import SEEDS, make_project, run_digest
    from generator.content.read import render_paper_file

    project = make_project(tmp_path_factory.mktemp("seed-search") / "digest")
    imported = run_digest("import", "--year", "2025", *map(str, sorted(SEEDS.glob("*.txt"))),
                          cwd=project)
    assert imported.returncode == 0, imported.stderr
    for hard in HARD_PAPERS:
        hard.themes = hard.themes if hard.themes != ["x"] else ["other"]
        (project / f"content/papers/{hard.name}.md").write_text(render_paper_file(hard),
                                                                encoding="utf-8")
    built = run_digest("build", cwd=project)
    assert built.returncode == 0, built.stderr
    return project


@pytest.fixture(scope="module")
def seed_page(seed_site, browser):
    """A page of the seed site in Chromium, with its base URL; no page error may happen."""
    from browser import serve_folder

    with serve_folder(seed_site / "site") as base:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base)
        page.click("label.md-search__icon, .md-search__input")
        page.base = base
        yield page
        assert errors == []


def run_query(page, text: str, complete: bool = True) -> list[str]:
    """Put a whole query in the box (one input event, as a paste does); the results' addresses,
    relative to the site, once they show (by default with their excerpts too)."""
    from browser import wait_for_results

    page.fill("input.md-search__input", text)
    wait_for_results(page, text, excerpts=complete)
    return [href.removeprefix(page.base) for href in page.locator(
        ".md-search-result__link").evaluate_all("links => links.map(a => a.href)")]


def test_every_title_finds_its_paper_in_the_first_three_results(seed_site, seed_page):
    from generator.content.read import read_content

    papers = read_content(seed_site / "content").papers
    assert len(papers) > 190
    missed = []
    for one in papers:
        found = run_query(seed_page, one.title, complete=False)
        if f"papers/{one.name}/" not in found[:3]:
            missed.append((one.title, found[:3]))
    assert missed == []


@pytest.mark.parametrize("title, address", [
    ("Optimizers Qualitatively Alter Solutions And We Should Leverage This", LEVERAGE),
    ("This Is It", "papers/this-is-it/"), ("Reasoning", "papers/reasoning/"),
    ("To Be or Not to Be: A Study of Negation", "papers/to-be/")])
def test_a_title_typed_key_by_key_finds_its_paper_first(seed_page, title, address):
    from browser import wait_for_results

    seed_page.fill("input.md-search__input", "")
    seed_page.type("input.md-search__input", title)
    wait_for_results(seed_page, title, excerpts=False)
    first = seed_page.locator(".md-search-result__link").first.get_attribute("href")
    assert first == seed_page.base + address


def test_common_words_alone_search_titles_and_say_so(seed_page):
    found = run_query(seed_page, "this")
    assert sorted(found[:2]) == sorted([LEVERAGE, "papers/this-is-it/"])
    assert seed_page.inner_text(".md-search-result__meta").endswith(
        "(words as common as “this” are searched in titles only)")
    assert run_query(seed_page, "these") == []
    assert seed_page.inner_text(".md-search-result__meta") == (
        "No title holds “these” (words as common as “these” are searched in titles only)")


@pytest.mark.parametrize("form", [
    "2504.15777", "2504.15777v2", "arXiv:2504.15777", "https://arxiv.org/abs/2504.15777",
    "https://arxiv.org/pdf/2504.15777v1", "https://huggingface.co/papers/2504.15777",
    " arxiv.org/abs/2504.15777v3 "])
def test_an_arxiv_id_is_found_in_every_form_people_paste(seed_page, form):
    found = run_query(seed_page, form)
    assert found[0] == "papers/arxiv-paper/"
    assert seed_page.inner_text(".md-search-result__meta").endswith("with arXiv id 2504.15777")


def test_an_old_style_arxiv_id_and_an_unknown_one(seed_page):
    assert run_query(seed_page, "https://arxiv.org/abs/hep-th/0101001v2") == ["papers/old-id/"]
    assert run_query(seed_page, "arXiv:2601.00001") == []
    assert seed_page.inner_text(".md-search-result__meta") == (
        "No paper with arXiv id 2601.00001 in the digest")


def test_every_result_of_a_broad_query_is_reachable(seed_site, seed_page):
    # The papers holding a word that begins with "chain" and one that begins with "thought"
    # ("of" is a stop word: not required), read from the index files.
    site = seed_site / "site"

    def having(prefix: str) -> set[int]:
        terms = json.loads((site / f"searchindex/t/{shard_key(prefix)}.json").read_text())
        ids = set()
        for term, (deltas, _) in terms.items():
            if term.startswith(prefix):
                ids.update(itertools.accumulate(deltas))
        return ids

    expected = len(having("chain") & having("thought"))
    assert expected > 25
    found = run_query(seed_page, "chain of thought")
    assert len(found) == 10
    assert seed_page.inner_text(".md-search-result__meta") == f"{expected} matching documents"
    more = seed_page.locator(".digest-search-more button")
    while more.count():
        shown = len(found)
        assert more.inner_text() == (f"Show {min(10, expected - shown)} more "
                                     f"({expected - shown} not shown yet)")
        more.focus()
        seed_page.keyboard.press("Enter")
        seed_page.wait_for_function(
            "n => document.querySelector('.md-search-result__list').dataset.shown == n",
            arg=str(min(shown + 10, expected)))
        found = [a.removeprefix(seed_page.base) for a in seed_page.locator(
            ".md-search-result__link").evaluate_all("links => links.map(a => a.href)")]
        # The keyboard stays with the results: focus moves to the first new one.
        assert seed_page.evaluate("document.activeElement.href") == seed_page.base + found[shown]
    assert len(found) == len(set(found)) == expected
    seed_page.wait_for_function(
        "q => document.querySelector('.md-search-result__list').dataset.complete === q",
        arg=f"chain of thought#{expected}")
    assert all(seed_page.locator(".digest-search-excerpt").all_inner_texts())


def test_authors_and_organisations_are_searchable(seed_page):
    assert run_query(seed_page, "Clare Lyle")[0] == "papers/people/"
    people = seed_page.locator(".digest-search-people").first
    assert people.inner_text() == "Razvan Pascanu, Clare Lyle, Ionut-Vlad Modoranu"
    assert people.locator("mark").all_inner_texts() == ["Clare", "Lyle"]
    # Long author lists show the first names, and any other the query matches.
    assert run_query(seed_page, "number11")[0] == "papers/arxiv-paper/"
    assert seed_page.locator(".digest-search-people").first.inner_text() == (
        "Author Number1, Author Number2, Author Number3, Author Number4, Author Number5, "
        "Author Number6, Author Number11 and 4 more")
    assert run_query(seed_page, "NJU-LINK Lab")[0].startswith("papers/")
    assert seed_page.locator(".digest-search-people").first.inner_text() == "NJU-LINK Lab"


def test_each_result_shows_its_date_and_themes(seed_page):
    run_query(seed_page, "warmup without tears")
    assert seed_page.locator(".digest-search-facts").first.inner_text() == (
        "added December 9, 2025 · Other reasoning · Efficient reasoning")


def test_a_word_nothing_holds_is_named_and_the_rest_still_found(seed_page):
    found = run_query(seed_page, "optimizers qualitatively xyzzyq")
    assert found[0] == LEVERAGE
    assert seed_page.inner_text(".md-search-result__meta") == (
        "Nothing matches “xyzzyq”; 1 document matches the other words")
