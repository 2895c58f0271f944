// Site search with Pagefind, in Material's search box (see partials/search.html).
// Pagefind's chunked index is fetched piece by piece as a query needs it. Result text comes
// from the index: it is copied into the page as text, never as HTML, except Pagefind's <mark>
// highlights, which are recreated as elements.
(() => {
  "use strict";
  const script = document.currentScript;
  const siteRoot = new URL("..", script.src);  // this file lives in <site>/assets/
  const MAX_RESULTS = 10;
  let pagefind = null;
  let latest = 0;

  function loadPagefind() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind/pagefind.js", siteRoot).href).then(async (module) => {
        await module.options({ baseUrl: siteRoot.pathname });
        module.init();
        return module;
      });
    }
    return pagefind;
  }

  // Text with <mark> highlights, built from DOM nodes so nothing in it can run.
  function highlighted(excerpt) {
    const parsed = new DOMParser().parseFromString(`<p>${excerpt}</p>`, "text/html");
    const out = document.createElement("p");
    for (const node of parsed.body.firstChild.childNodes) {
      if (node.nodeName === "MARK") {
        const mark = document.createElement("mark");
        mark.textContent = node.textContent;
        out.append(mark);
      } else {
        out.append(document.createTextNode(node.textContent));
      }
    }
    return out;
  }

  function item(data) {
    const li = document.createElement("li");
    li.className = "md-search-result__item";
    const link = document.createElement("a");
    link.className = "md-search-result__link";
    link.href = data.url;
    link.tabIndex = -1;
    const article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    const title = document.createElement("h1");
    title.textContent = (data.meta && data.meta.title) || data.url;
    article.append(title, highlighted(data.excerpt || ""));
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
    const engine = await loadPagefind();
    const found = await engine.search(query);
    if (ticket !== latest || !found) return;  // a newer query has started
    const top = await Promise.all(found.results.slice(0, MAX_RESULTS).map((r) => r.data()));
    if (ticket !== latest) return;
    const count = found.results.length;
    meta.textContent = count === 0 ? "No matching documents"
      : count === 1 ? "1 matching document" : `${count} matching documents`;
    list.replaceChildren(...top.map(item));
    list.dataset.query = query;  // which query the list shows (benchmarks and tests wait on it)
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
      loadPagefind();  // start fetching the small entry files before the first key
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

  // With navigation.instant, Material swaps pages without reloading: mount again each time.
  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(mount);
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
  mount();
})();
