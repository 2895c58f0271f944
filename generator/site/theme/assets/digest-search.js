// Site search in Material's search box (see partials/search.html), over the static index that
// generator/search.py writes under searchindex/. A query downloads only what it needs: the
// small entry file (fetched when the box gets focus), one term shard per query word and the
// records of the papers it shows. Scores are precomputed (BM25), so ranking only adds numbers.
// Once the first results show, every paper's title is loaded (in files of 1,000, one at a
// time): later queries then show their results after one round trip, and excerpts follow.
// A query's words must all match, except common words (stop words), which are indexed in titles
// only and count when they match; a query that is a paper's whole title ranks that paper
// first. When no paper has every word, the papers with the most of them are shown, and the
// message says so. A query holding an arXiv id (bare, versioned, arXiv:, an arxiv.org or
// huggingface.co/papers address) searches that id. Ten results show at first; a button at
// the end shows ten more. Each result shows its date, themes and authors.
// Titles, names and abstracts are untrusted: they reach the page as text nodes, never as HTML.
(() => {
  "use strict";
  const script = document.currentScript;
  const siteRoot = new URL("..", script.src);  // this file lives in <site>/assets/
  const indexRoot = new URL("searchindex/", siteRoot);
  const MAX_RESULTS = 10;  // shown at first, and added by each "more results"
  const TITLE_FLAG = 1000;  // a score above this: the term is in the title (search.py)
  const MAX_TOKENS = 32;  // words of a query searched (a pasted abstract must not fetch 200 shards)
  const MAX_AUTHORS = 6;  // names shown per result, plus any name the query matches
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"];
  // New-style ids (2504.15777) and old-style ones (hep-th/0101001), a version and any prefix
  // (arXiv:, https://arxiv.org/abs/, /pdf/, https://huggingface.co/papers/) left out.
  const ARXIV_NEW = /(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?!\d)/;
  const ARXIV_OLD = /(?<![\w.-])([a-z][a-z.-]*\/\d{7})(?:v\d+)?(?!\d)/i;
  const PREFIX = 3;  // a term's shard is named after its first 3 characters (code points)
  const MAX_TOKEN = 40;
  const EXCERPT_WORDS = 30, EXCERPT_LEAD = 4;  // the excerpt starts a few words before a match
  const EXCERPT_DELAY = 100;  // ms without a newer query before excerpts are fetched
  // The tokenizer of generator/search.py, step for step: both sides must split text alike.
  const WORD = /[\p{L}\p{N}]+/gu;
  const MARKS = /\p{M}+/gu;
  const RAW_WORD = /[\p{L}\p{N}\p{M}]+/gu;  // a word as written, accents included
  let entry = null;
  const shards = new Map();  // shard key -> promise of Map(term -> [doc id deltas, scores])
  const postings = new Map();  // term -> {ids, scores}, decoded once
  const groups = new Map();  // group number -> promise of [[url, title, abstract], ...]
  const titleGroups = new Map();  // title group number -> promise of [[url, title], ...]
  const titleLists = new Map();  // the same, once loaded: title group number -> [[url, title]...]
  let titlesWanted = false;  // set once the first results show
  let ranking = 0;  // queries between their input and their results
  const rankingDone = [];  // title files waiting for those queries (see wantTitles)
  const NEVER = new Promise(() => {});
  let latest = 0;

  function words(text) {
    return text.normalize("NFKD").toLowerCase().replace(MARKS, "").match(WORD) || [];
  }

  function tokenize(text, stop) {
    return words(text).filter((word) => {
      const length = [...word].length;
      return length >= 2 && length <= MAX_TOKEN && !stop.has(word);
    });
  }

  // A query's tokens, each once: {term, required}. Stop words are not required, unless the
  // query has nothing else (they are indexed in titles only).
  function queryTokens(query, stop) {
    const terms = [...new Set(tokenize(query, new Set()))].slice(0, MAX_TOKENS);
    const anyOther = terms.some((term) => !stop.has(term));
    return terms.map((term) => ({ term, required: !anyOther || !stop.has(term) }));
  }

  // The arXiv id a query holds, without version or prefix; or null.
  function arxivId(query) {
    const match = query.match(ARXIV_NEW) || query.match(ARXIV_OLD);
    return match ? match[1].toLowerCase() : null;
  }

  function shardKey(term) {
    const prefix = [...term].slice(0, PREFIX).join("");
    return Array.from(new TextEncoder().encode(prefix),
      (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  async function fetchJSON(path, init) {
    const response = await fetch(new URL(path, indexRoot), init);
    if (!response.ok) throw new Error(`search index: ${path}: HTTP ${response.status}`);
    return response.json();
  }

  // Cached promises; a failed download is forgotten, so the next query tries again.
  function cached(cache, key, load) {
    let promise = cache.get(key);
    if (!promise) {
      promise = load();
      cache.set(key, promise);
      promise.catch(() => cache.delete(key));
    }
    return promise;
  }

  function loadEntry() {
    if (!entry) {
      entry = fetchJSON("index.json").then((data) => {
        if (data.version !== 3) throw new Error(`search index: version ${data.version}`);
        return { papers: data.papers, group: data.group, titles: data.titles,
                 stop: new Set(data.stop), themes: data.themes, shards: new Set(data.shards) };
      });
      entry.catch(() => { entry = null; });
    }
    return entry;
  }

  // Priorities: when a query is typed while the records of the one before are still loading
  // (excerpts) or titles are, its shards are sent first, as soon as a connection is free.
  // A shard is a Map, not the parsed object: a query word like "constructor" must not find
  // Object.prototype's members.
  const loadShard = (key) => cached(shards, key, () => fetchJSON(`t/${key}.json`,
    { priority: "high" }).then((data) => new Map(Object.entries(data))));
  const loadGroup = (number, priority) => cached(groups, number,
    () => fetchJSON(`p/${number}.json`, { priority }));
  const loadTitleGroup = (number) => cached(titleGroups, number,
    () => fetchJSON(`n/${number}.json`, { priority: "low" }).then((list) => {
      titleLists.set(number, list);
      return list;
    }));

  // One file at a time, and only while no query waits for its shards or records: title files
  // must not delay the query being typed. A query needing a file not loaded yet asks for it
  // at once (titlesOf).
  async function wantTitles(index) {
    if (titlesWanted) return;
    titlesWanted = true;
    for (let number = 0; number * index.titles < index.papers; number++) {
      while (ranking) await new Promise((resolve) => rankingDone.push(resolve));
      await loadTitleGroup(number).catch(() => {});  // a failed file is tried again when needed
    }
  }

  function doneRanking() {
    ranking--;
    if (!ranking) rankingDone.splice(0).forEach((resolve) => resolve());
  }

  function titled(index, list, id) {
    const [url, title, added, themes] = list[id % index.titles];
    return { url: new URL(url, siteRoot).href, title, added, themes, authors: null,
             organization: null, abstract: null };
  }

  // The titles and addresses of some papers, if every title file they need is loaded; or null.
  function loadedTitles(index, ids) {
    const lists = ids.map((id) => titleLists.get(Math.floor(id / index.titles)));
    return lists.every(Boolean) ? ids.map((id, i) => titled(index, lists[i], id)) : null;
  }

  // The same once their files are loaded, or a promise that never settles when they are not
  // loading (no results have shown yet) or failed to load.
  function titlesOf(index, ids) {
    if (!titlesWanted) return NEVER;
    return Promise.all(ids.map(async (id) => titled(
      index, await loadTitleGroup(Math.floor(id / index.titles)), id))).catch(() => NEVER);
  }

  // Records are fetched at low priority when they only bring excerpts (the titles are shown).
  function loadRecords(index, ids, priority = "auto") {
    const records = Promise.all(ids.map((id) => loadRecord(index, id, priority)));
    records.catch(() => {});  // awaited later, unless a newer query starts first
    return records;
  }

  // Excerpts are fetched once the query has stayed the same for a moment: while a query is
  // typed, every key shows new results, and fetching ten record files for each would hold the
  // connections and the main thread that the next key's shards need.
  const typingPause = () => new Promise((resolve) => setTimeout(resolve, EXCERPT_DELAY));

  function decoded(term, [deltas, scores]) {
    let list = postings.get(term);
    if (!list) {
      const ids = new Int32Array(deltas.length);
      for (let i = 0, id = 0; i < deltas.length; i++) ids[i] = id += deltas[i];
      list = { ids, scores: Int32Array.from(scores) };
      postings.set(term, list);
    }
    return list;
  }

  // Per paper, the best score among the terms a token matches: the term itself, or a longer
  // term it begins (as-you-type, and crude stemming) at half weight; and whether one of those
  // is in the title (`lengths` gets the title's number of distinct words). All of them sit in
  // the token's shard. Doubled, so scores stay whole numbers.
  function tokenScores(shard, token, papers, lengths) {
    const best = new Int32Array(papers);
    const inTitle = new Uint8Array(papers);
    for (const [term, lists] of shard || []) {
      const weight = term === token ? 2 : term.startsWith(token) ? 1 : 0;
      if (!weight) continue;
      const { ids, scores } = decoded(term, lists);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i], stored = scores[i];
        const score = (stored % TITLE_FLAG) * weight;
        if (score > best[id]) best[id] = score;
        if (stored >= TITLE_FLAG) {
          inTitle[id] = 1;
          lengths[id] = Math.floor(stored / TITLE_FLAG);
        }
      }
    }
    return { best, inTitle };
  }

  // The papers a query finds, best first: {ids, matched (required tokens the shown papers
  // match), missing (required tokens nothing matches)}. Papers must match every required
  // token, or, when none does, as many as any paper does. A query that is a paper's whole
  // title (every token in the title, every word of the title in the query) ranks it first;
  // then scores; equal scores keep doc id order (newest first).
  function rank(index, tokens, loaded) {
    const papers = index.papers;
    const total = new Int32Array(papers), matched = new Uint8Array(papers);
    const hits = new Uint8Array(papers), lengths = new Uint8Array(papers);
    const missing = [];
    tokens.forEach((token, i) => {
      const { best, inTitle } = tokenScores(loaded[i], token.term, papers, lengths);
      let any = false;
      for (let id = 0; id < papers; id++) {
        if (!best[id]) continue;
        any = true;
        total[id] += best[id];
        hits[id] += inTitle[id];
        if (token.required) matched[id]++;
      }
      if (token.required && !any) missing.push(token.term);
    });
    let most = 0;
    for (let id = 0; id < papers; id++) if (matched[id] > most) most = matched[id];
    const ids = [];
    if (most) for (let id = 0; id < papers; id++) if (matched[id] === most) ids.push(id);
    const whole = (id) => (hits[id] === tokens.length && hits[id] >= lengths[id] ? 1 : 0);
    ids.sort((a, b) => whole(b) - whole(a) || total[b] - total[a] || a - b);
    return { ids, matched: most, missing };
  }

  async function loadRecord(index, id, priority) {
    const records = await loadGroup(Math.floor(id / index.group), priority);
    const [url, title, added, themes, authors, organization, abstract] =
      records[id % index.group];
    return { url: new URL(url, siteRoot).href, title, added, themes, authors, organization,
             abstract };
  }

  // Text with the words that match a query token wrapped in <mark>, as DOM nodes.
  function highlight(parent, text, isMatch) {
    let done = 0;
    for (const match of text.matchAll(RAW_WORD)) {
      if (!isMatch(match[0])) continue;
      parent.append(text.slice(done, match.index));
      const mark = document.createElement("mark");
      mark.textContent = match[0];
      parent.append(mark);
      done = match.index + match[0].length;
    }
    parent.append(text.slice(done));
    return parent;
  }

  // About 30 words of the abstract, from a little before the first matching word.
  function excerpt(abstract, isMatch) {
    const parts = abstract.split(/\s+/).filter(Boolean);
    const first = parts.findIndex((part) => (part.match(RAW_WORD) || []).some(isMatch));
    const start = Math.max(0, first - EXCERPT_LEAD);
    const end = Math.min(parts.length, start + EXCERPT_WORDS);
    return (start ? "…" : "") + parts.slice(start, end).join(" ") + (end < parts.length ? "…" : "");
  }

  function fillExcerpt(paragraph, abstract, isMatch) {
    highlight(paragraph, excerpt(abstract, isMatch), isMatch);
  }

  // "December 8, 2025" from "2025-12-08", as the site's pages write dates.
  function longDate(iso) {
    const [year, month, day] = iso.split("-").map(Number);
    return `${MONTHS[month - 1]} ${day}, ${year}`;
  }

  // The authors line: the first names, and any further name the query matches.
  function people(record, isMatch) {
    const names = record.authors || [];
    if (!names.length) return record.organization || "";
    const shown = names.filter((name, i) => i < MAX_AUTHORS
      || (name.match(RAW_WORD) || []).some(isMatch));
    const rest = names.length - shown.length;
    return shown.join(", ") + (rest ? ` and ${rest} more` : "");
  }

  function fillDetails(article, record, isMatch) {
    const who = people(record, isMatch);
    if (who) {
      const line = document.createElement("p");
      line.className = "digest-search-people";
      article.querySelector(".digest-search-excerpt").before(highlight(line, who, isMatch));
    }
    fillExcerpt(article.querySelector(".digest-search-excerpt"), record.abstract, isMatch);
  }

  // A result: title, date and themes, then (once the record is there) authors and excerpt.
  function item(index, record, query) {
    const li = document.createElement("li");
    li.className = "md-search-result__item";
    const link = document.createElement("a");
    link.className = "md-search-result__link";
    link.href = record.url;
    link.tabIndex = -1;
    const article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    const facts = document.createElement("p");
    facts.className = "digest-search-facts";
    const themes = record.themes.map((number) => index.themes[number]).filter(Boolean);
    facts.textContent = [`added ${longDate(record.added)}`, ...themes].join(" · ");
    const paragraph = document.createElement("p");
    paragraph.className = "digest-search-excerpt";
    article.append(highlight(document.createElement("h1"), record.title, query.inTitle),
                   facts, paragraph);
    if (record.abstract !== null) fillDetails(article, record, query.isMatch);
    link.append(article);
    li.append(link);
    return li;
  }

  function countText(count, singular, plural) {
    return count === 1 ? `1 ${singular}` : `${count.toLocaleString("en")} ${plural}`;
  }

  // What the results are, in words: how many, and why a query finds less than it says.
  function describe(query, found) {
    const count = found.ids.length;
    if (query.arxiv) {
      return count ? countText(count, `paper with arXiv id ${query.arxiv}`,
                               `papers with arXiv id ${query.arxiv}`)
        : `No paper with arXiv id ${query.arxiv} in the digest`;
    }
    const common = query.tokens.every((token) => query.stop.has(token.term));
    const why = `words as common as “${query.tokens[0]?.term}” are searched in titles only`;
    if (!count) return common ? `No title holds “${query.text.trim()}” (${why})`
      : "No matching documents";
    const matching = countText(count, "matching document", "matching documents");
    const required = query.tokens.filter((token) => token.required);
    if (found.matched < required.length) {
      const quoted = found.missing.map((term) => `“${term}”`).join(", ");
      return found.missing.length && found.matched === required.length - found.missing.length
        ? `Nothing matches ${quoted}; ${countText(count, "document matches", "documents match")}`
          + " the other words"
        : `No document matches every word; ${countText(count, "document matches",
            "documents match")} ${found.matched} of ${required.length}`;
    }
    return common ? `${matching} (${why})` : matching;
  }

  // What a query is made of: its tokens, whether it is an arXiv id, and which words of a
  // result to highlight (stop words only in titles: in an abstract they are everywhere).
  function parseQuery(index, text) {
    const arxiv = arxivId(text);
    const tokens = arxiv ? queryTokens(arxiv, new Set()) : queryTokens(text, index.stop);
    const matcher = (list) => (word) => words(word).some((w) => list.some((t) => w.startsWith(t)));
    return { text, arxiv, tokens, stop: index.stop,
             inTitle: matcher(tokens.map((token) => token.term)),
             isMatch: matcher(tokens.filter((token) => !index.stop.has(token.term) || arxiv)
               .map((token) => token.term)) };
  }

  // The "more results" button closing the list, while some results are not shown.
  function moreButton(box, state) {
    const left = state.found.ids.length - state.shown;
    const li = document.createElement("li");
    li.className = "md-search-result__item digest-search-more";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "md-button";
    button.textContent = `Show ${Math.min(left, MAX_RESULTS)} more (${left} not shown yet)`;
    button.addEventListener("click", () => showMore(box, state, button));
    li.append(button);
    return li;
  }

  // Results shown as soon as their titles are known: at once when the title files they need
  // are loaded, else with the records or those files, whichever arrive first. Then the
  // excerpts, from the records (fetched after a pause in typing when they only bring those).
  // Resolves to the list items, or null once a newer query has started.
  async function showResults(box, state, ids, place) {
    const { index, ticket, query } = state;
    let top = loadedTitles(index, ids);
    let records = null;
    if (!top) {
      records = loadRecords(index, ids);
      top = await Promise.race([records, titlesOf(index, ids)]);
      if (ticket !== latest) return null;
    }
    const items = top.map((record) => item(index, record, query));
    place(items);
    return async () => {
      if (!top.some((record) => record.abstract === null)) return true;
      if (!records) {
        await typingPause();
        if (ticket !== latest) return false;
        records = loadRecords(index, ids, "low");
      }
      let full;
      try {
        full = await records;
      } catch (error) {  // the results stay, without excerpts; the next query tries again
        console.error(error);
        return false;
      }
      if (ticket !== latest) return false;
      full.forEach((record, i) => fillDetails(items[i].querySelector("article"), record,
                                              query.isMatch));
      return true;
    };
  }

  async function showMore(box, state, button) {
    if (state.ticket !== latest || button.getAttribute("aria-disabled") === "true") return;
    // Until its results replace it. Not `disabled`: Chromium takes the focus away from a
    // disabled button, and a keyboard user's place in the list with it.
    button.setAttribute("aria-disabled", "true");
    const list = box.querySelector(".md-search-result__list");
    const hadFocus = document.activeElement === button;
    const ids = state.found.ids.slice(state.shown, state.shown + MAX_RESULTS);
    try {
      const excerpts = await showResults(box, state, ids, (items) => {
        button.closest("li").remove();
        list.append(...items);
        state.shown += ids.length;
        if (state.shown < state.found.ids.length) list.append(moreButton(box, state));
        list.dataset.shown = state.shown;
        if (hadFocus && items.length) items[0].querySelector("a").focus();
      });
      const upTo = state.shown;
      if (excerpts && await excerpts() && upTo === state.shown) {
        list.dataset.complete = `${state.query.text}#${upTo}`;  // every excerpt shown
      }
    } catch (error) {  // the records and titles failed: the button stays, to try again
      button.removeAttribute("aria-disabled");
      console.error(error);
    }
  }

  async function search(box, text) {
    const meta = box.querySelector(".md-search-result__meta");
    const list = box.querySelector(".md-search-result__list");
    const ticket = ++latest;
    if (!text.trim()) {
      meta.textContent = meta.dataset.initial;
      list.replaceChildren();
      return;
    }
    ranking++;  // until this query's results show (or it ends otherwise)
    let ranked = false;
    const shown = () => {
      if (!ranked) doneRanking();
      ranked = true;
    };
    try {
      const index = await loadEntry();
      const query = parseQuery(index, text);
      const keys = query.tokens.map((token) => shardKey(token.term));
      let found = { ids: [], matched: 0, missing: [] };
      if (query.tokens.length) {
        // A token whose shard does not exist matches nothing.
        const loaded = await Promise.all(keys.map((key) => (index.shards.has(key)
          ? loadShard(key) : null)));
        if (ticket !== latest) return;  // a newer query has started
        found = rank(index, query.tokens, loaded);
      }
      const state = { index, ticket, query, found, shown: 0 };
      const ids = found.ids.slice(0, MAX_RESULTS);
      const excerpts = await showResults(box, state, ids, (items) => {
        meta.textContent = describe(query, found);
        state.shown = ids.length;
        if (state.shown < found.ids.length) items.push(moreButton(box, state));
        list.replaceChildren(...items);
        // Which query the list shows, how many of its results, and (below) whose excerpts it
        // shows: benchmarks and tests wait on these.
        list.dataset.query = text;
        list.dataset.shown = state.shown;
      });
      if (!excerpts) return;
      shown();
      wantTitles(index);
      if (await excerpts()) list.dataset.complete = text;
    } catch (error) {
      if (ticket !== latest) return;
      meta.textContent = "Search is unavailable, try again";
      list.replaceChildren();
      console.error(error);
    } finally {
      shown();  // on every way out: superseded, failed or done
    }
  }

  function mount() {
    const box = document.querySelector("[data-digest-search]");
    if (!box || box.dataset.mounted) return;
    box.dataset.mounted = "1";
    const input = box.querySelector("input.md-search__input");
    const form = box.querySelector("form");
    const meta = box.querySelector(".md-search-result__meta");
    const toggle = document.getElementById("__search");
    meta.dataset.initial = meta.textContent.trim();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const first = box.querySelector(".md-search-result__link");
      if (first) first.click();
    });
    form.addEventListener("reset", () => setTimeout(() => search(box, ""), 0));
    input.addEventListener("input", () => search(box, input.value));
    input.addEventListener("focus", () => {
      if (toggle && !toggle.checked) toggle.checked = true;
      loadEntry().catch(() => {});  // fetch the small entry file before the first key
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {
        const first = box.querySelector(".md-search-result__link");
        if (first) { event.preventDefault(); first.focus(); }
      } else if (event.key === "Escape" && toggle) {
        toggle.checked = false;
        input.blur();
      }
    });
    box.addEventListener("keydown", (event) => {
      const links = [...box.querySelectorAll(
        ".md-search-result__link, .digest-search-more button")];
      const index = links.indexOf(document.activeElement);
      if (index < 0) return;
      if (event.key === "ArrowDown" && index + 1 < links.length) {
        event.preventDefault(); links[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault(); (index ? links[index - 1] : input).focus();
      }
    });
    if (toggle) {
      toggle.addEventListener("change", () => { if (toggle.checked) input.focus(); });
    }
    box.addEventListener("click", (event) => {
      if (event.target.closest(".md-search-result__link") && toggle) toggle.checked = false;
    });
  }

  // For tests: the query tokenizer, to compare with generator/search.py's; and the state tests
  // wait on instead of sleeping: the title files asked for and loaded (by number), and how
  // many queries have not shown their results or ended yet.
  window.digestSearch = Object.freeze({
    tokenize: (text, stop = []) => tokenize(text, new Set(stop)),
    arxivId,
    titleFiles: () => ({ asked: [...titleGroups.keys()].sort((a, b) => a - b),
                         loaded: [...titleLists.keys()].sort((a, b) => a - b) }),
    ranking: () => ranking,
  });

  // Material's document$ emits once the page is ready (and after every page swap, should
  // navigation.instant be turned on again): mount each time.
  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(mount);
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
  mount();
})();
