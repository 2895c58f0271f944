// Site search in Material's search box (see partials/search.html), over the static index that
// generator/search.py writes under searchindex/. A query downloads only what it needs: the
// small entry file (fetched when the box gets focus), one term shard per query word and the
// records of the papers it shows. Scores are precomputed (BM25), so ranking only adds numbers.
// Once the first results show, every paper's title is loaded (in files of 1,000, one at a
// time): later queries then show their results after one round trip, and excerpts follow.
// Titles and abstracts are untrusted: they reach the page as text nodes, never as HTML.
(() => {
  "use strict";
  const script = document.currentScript;
  const siteRoot = new URL("..", script.src);  // this file lives in <site>/assets/
  const indexRoot = new URL("searchindex/", siteRoot);
  const MAX_RESULTS = 10;
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

  // A query's tokens. The word still being typed (no space after it yet) is kept even if it is a
  // stop word of 3 letters or more: "the" is on its way to "theorem".
  function queryTokens(query, stop) {
    const tokens = tokenize(query, stop);
    const typed = words(query).pop();
    if (typed && !/\s$/.test(query) && stop.has(typed) && [...typed].length >= PREFIX) {
      tokens.push(typed);
    }
    return tokens;
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
        if (data.version !== 2) throw new Error(`search index: version ${data.version}`);
        return { papers: data.papers, group: data.group, titles: data.titles,
                 stop: new Set(data.stop), shards: new Set(data.shards) };
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
    const [url, title] = list[id % index.titles];
    return { url: new URL(url, siteRoot).href, title, abstract: null };
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
  // term it begins (as-you-type, and crude stemming) at half weight. All of them sit in the
  // token's shard. Doubled, so scores stay whole numbers.
  function tokenScores(shard, token, papers) {
    const best = new Int32Array(papers);
    for (const [term, lists] of shard) {
      const weight = term === token ? 2 : term.startsWith(token) ? 1 : 0;
      if (!weight) continue;
      const { ids, scores } = decoded(term, lists);
      for (let i = 0; i < ids.length; i++) {
        const score = scores[i] * weight;
        if (score > best[ids[i]]) best[ids[i]] = score;
      }
    }
    return best;
  }

  // Papers matching every token, best first; equal scores keep doc id order (newest first).
  function rank(index, tokens, loaded) {
    let total = null;
    tokens.forEach((token, i) => {
      const best = tokenScores(loaded[i], token, index.papers);
      if (!total) total = best;
      else for (let id = 0; id < total.length; id++) {
        total[id] = total[id] && best[id] ? total[id] + best[id] : 0;
      }
    });
    const found = [];
    for (let id = 0; id < total.length; id++) if (total[id]) found.push(id);
    return found.sort((a, b) => total[b] - total[a] || a - b);
  }

  async function loadRecord(index, id, priority) {
    const records = await loadGroup(Math.floor(id / index.group), priority);
    const [url, title, abstract] = records[id % index.group];
    return { url: new URL(url, siteRoot).href, title, abstract };
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

  // A result; its excerpt stays empty while the record is still on its way (abstract: null).
  function item(record, isMatch) {
    const li = document.createElement("li");
    li.className = "md-search-result__item";
    const link = document.createElement("a");
    link.className = "md-search-result__link";
    link.href = record.url;
    link.tabIndex = -1;
    const article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    const paragraph = document.createElement("p");
    if (record.abstract !== null) fillExcerpt(paragraph, record.abstract, isMatch);
    article.append(highlight(document.createElement("h1"), record.title, isMatch), paragraph);
    link.append(article);
    li.append(link);
    return li;
  }

  async function search(box, query) {
    const meta = box.querySelector(".md-search-result__meta");
    const list = box.querySelector(".md-search-result__list");
    const ticket = ++latest;
    if (!query.trim()) {
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
      const tokens = [...new Set(queryTokens(query, index.stop))];
      const keys = tokens.map(shardKey);
      let found = [];
      // A token whose shard does not exist matches nothing, and so does the whole query.
      if (tokens.length && keys.every((key) => index.shards.has(key))) {
        const loaded = await Promise.all(keys.map(loadShard));
        if (ticket !== latest) return;  // a newer query has started
        found = rank(index, tokens, loaded);
      }
      const ids = found.slice(0, MAX_RESULTS);
      // Results show as soon as their titles are known: at once when the title files they
      // need are loaded, else with the records or those files, whichever arrive first.
      let top = loadedTitles(index, ids);
      let records = null;
      if (!top) {
        records = loadRecords(index, ids);
        top = await Promise.race([records, titlesOf(index, ids)]);
        if (ticket !== latest) return;
      }
      const count = found.length;
      meta.textContent = count === 0 ? "No matching documents"
        : count === 1 ? "1 matching document" : `${count} matching documents`;
      const isMatch = (word) => words(word).some((w) => tokens.some((t) => w.startsWith(t)));
      const items = top.map((record) => item(record, isMatch));
      list.replaceChildren(...items);
      // Which query the list shows, and (below) whose excerpts it shows: benchmarks and tests
      // wait on these.
      list.dataset.query = query;
      shown();
      wantTitles(index);
      if (top.some((record) => record.abstract === null)) {
        if (!records) {
          await typingPause();
          if (ticket !== latest) return;
          records = loadRecords(index, ids, "low");
        }
        let full;
        try {
          full = await records;
        } catch (error) {  // the results stay, without excerpts; the next query tries again
          console.error(error);
          return;
        }
        if (ticket !== latest) return;
        full.forEach((record, i) => fillExcerpt(items[i].querySelector("p"), record.abstract,
                                                isMatch));
      }
      list.dataset.complete = query;
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
      const links = [...box.querySelectorAll(".md-search-result__link")];
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

  // For tests: the query tokenizer, to compare with generator/search.py's.
  window.digestSearch = Object.freeze({
    tokenize: (text, stop = []) => tokenize(text, new Set(stop)),
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
