"""The site's search index: a static, chunked inverted index of the papers, under searchindex/.

The client (theme/assets/digest-search.js) downloads only what a query needs: the small entry
file, one term shard per query word and the records of the ten papers it shows. Once the first
results show, it also loads every paper's title, so later queries show results after one
round trip (the shards) and fill in excerpts when the records arrive. Scores are
computed here (BM25 over title, tags, abstract, authors, organisation and arXiv id) and stored
as small integers, so a query in the browser only adds numbers.

Stop words ("the", "we", "this"...) are indexed in titles only: there they tell titles apart
(a pasted title must find its paper, whatever words it holds), in abstracts they are noise. A
posting of a term that is in the paper's title also carries the number of distinct words of
that title, so the client can tell a query that is the whole title from one that is a part.

Files, relative to the site root:
- searchindex/index.json: {"version", "papers": N, "group": 8, "titles": 1000,
  "stop": [stop words], "themes": [theme titles], "shards": [sorted shard keys]}
- searchindex/t/<key>.json: {term: [[doc id deltas], [scores]]}, terms sorted, ids ascending.
  A score is BM25 * 20 (1..999), plus 1000 * the number of distinct words of the title when
  the term is in the title. A term lives in the shard of its first 3 characters (code points;
  a shorter term is its own key); <key> is the hex of that prefix's UTF-8 bytes, so file names
  stay plain ASCII.
- searchindex/p/<doc id // 8>.json: [[url, title, added, [theme numbers], [author names],
  organisation or "", plain abstract], ...] for 8 papers in a row.
- searchindex/n/<doc id // 1000>.json: [[url, title, added, [theme numbers]], ...] for 1,000
  papers in a row. `added` is YYYY-MM-DD; a theme number indexes "themes" of index.json.
Doc ids follow sort_newest, so equal scores list the newer paper first.

The tokenizer is written twice, here and in the client, and both must split text alike.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from array import array
from collections import Counter

from generator.model import Paper, Theme, sort_newest
from generator.render.text import harden_json_text, render_plain

VERSION = 3
GROUP = 8  # paper records per file: ~10 KB to fetch per result shown, 2,500 files for 20,000
# Titles per file: ~150 KB raw (15 to 50 KB gzipped), so no file takes long to parse.
TITLE_GROUP = 1000
PREFIX = 3  # shard key length: every term a query word is a prefix of sits in one shard
MAX_TOKEN = 40  # longer runs are noise (hashes); 1-character tokens are never kept
STOP_WORDS = ("a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "in", "into",
              "is", "it", "its", "of", "on", "or", "our", "than", "that", "the", "these", "this",
              "to", "via", "we", "which", "with")
_STOP = frozenset(STOP_WORDS)
K1, B = 1.2, 0.75  # BM25's usual constants
SCALE, MAX_SCORE = 20, 999  # a score is stored as round(BM25 * 20), 1..999
TITLE_FLAG, MAX_TITLE_WORDS = 1000, 99  # + 1000 * distinct title words, on a title's terms
# Field weights on term frequency: a word of the title counts three times, and so does the
# arXiv id (a paper citing the id in its abstract must not outrank the paper itself).
TITLE_WEIGHT, TAG_WEIGHT, PEOPLE_WEIGHT, ARXIV_WEIGHT = 3, 2, 2, 3
WORD = re.compile(r"[^\W_]{2,}")  # runs of letters and digits; JS: /[\p{L}\p{N}]+/gu
ASCII_WORD = re.compile(r"[a-z0-9]{2,}")  # the same on lower-case ASCII, and faster


def _words(text: str) -> list[str]:
    """Runs of letters and digits of 2 characters or more, lower case, accents dropped."""
    if text.isascii():
        return ASCII_WORD.findall(text.lower())
    # Compatibility decomposition before lower(): mathematical and fullwidth letters (𝐑𝐞𝐚𝐬𝐨𝐧)
    # only become ASCII capitals here. Then accents (combining marks) go.
    text = unicodedata.normalize("NFKD", text).lower()
    return WORD.findall("".join(c for c in text if unicodedata.category(c)[0] != "M"))


def _indexed(word: str) -> bool:
    """Whether a word of _words() is an index term: not a stop word, not overlong."""
    return word not in _STOP and len(word) <= MAX_TOKEN


def tokenize(text: str) -> list[str]:
    """The index terms of a text, in order: lower case, accents dropped, stop words dropped."""
    return [w for w in _words(text) if _indexed(w)]


def shard_key(term: str) -> str:
    """The shard a term lives in: the hex of the UTF-8 bytes of its first 3 characters."""
    return term[:PREFIX].encode("utf-8").hex()


def _to_json(data) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return harden_json_text(text)  # nothing in the index reads as markup


def _postings(ordered: list[Paper], records: list[list], theme_numbers: dict[str, int]):
    """Weighted term frequencies of every paper, as flat arrays (one row per term and paper),
    and how many of each paper's terms (its first ones) are the words of its title."""
    terms: dict[str, int] = {}  # term -> its number
    # Flat arrays, not lists of ints: 20,000 papers make millions of postings.
    term_of, freq_of, per_doc, title_words = array("I"), array("I"), array("I"), array("I")
    for paper in ordered:
        plain = render_plain(paper.abstract)  # cached: the pages rendered it
        names = paper.authors if isinstance(paper.authors, list) else []
        records.append([f"papers/{paper.name}/", " ".join(paper.title.split()),
                        paper.added.isoformat(),
                        [theme_numbers[t] for t in paper.themes if t in theme_numbers],
                        names, paper.organization or "", plain])
        # The title's words first, stop words included: they are the paper's first terms.
        in_title = [w for w in _words(paper.title) if len(w) <= MAX_TOKEN]
        counts = Counter(in_title * TITLE_WEIGHT)
        title_count = len(counts)
        # Counted before dropping what tokenize() drops: the same terms, tested once per
        # distinct word.
        counts.update(_words(plain))
        for text, weight in ((" ".join(paper.tags), TAG_WEIGHT),
                             (" ".join(names + [paper.organization or ""]), PEOPLE_WEIGHT),
                             (paper.arxiv or "", ARXIV_WEIGHT)):
            counts.update(_words(text) * weight)
        title = set(in_title)
        for word in [w for w in counts if not _indexed(w) and w not in title]:
            counts.pop(word)  # dict.pop: Counter.__delitem__ is Python code
        # set.difference looks each new word up; counts.keys() - terms.keys() would walk terms.
        for term in sorted(set(counts).difference(terms)):
            terms[term] = len(terms)
        term_of.extend(map(terms.__getitem__, counts))
        freq_of.extend(counts.values())
        per_doc.append(len(counts))
        title_words.append(title_count)
    return terms, term_of, freq_of, per_doc, title_words


def render_search_index(papers: list[Paper], themes: list[Theme] = ()) -> dict[str, str]:
    """Every file of the search index, {path relative to the site root: JSON text}."""
    import numpy as np  # here, like related.py: `digest check` never needs it

    ordered = sort_newest(papers)
    records: list[list] = []
    numbers = {theme.id: number for number, theme in enumerate(themes)}
    terms, term_of, freq_of, per_doc, title_words = _postings(ordered, records, numbers)
    count = len(ordered)
    term_of = np.frombuffer(term_of, dtype=np.uint32)
    per_doc = np.frombuffer(per_doc, dtype=np.uint32)
    docs = np.repeat(np.arange(count, dtype=np.int32), per_doc)
    # A posting's place among its paper's: the first title_words of them are the title's.
    place = np.arange(len(docs)) - np.repeat(np.cumsum(per_doc) - per_doc, per_doc)
    title_words = np.minimum(np.frombuffer(title_words, dtype=np.uint32), MAX_TITLE_WORDS)
    flags = np.where(place < title_words[docs], TITLE_FLAG * title_words[docs], 0)
    del place
    tf = np.frombuffer(freq_of, dtype=np.uint32).astype(np.float64)
    # BM25, with the weighted token count as the paper's length.
    lengths = np.bincount(docs, weights=tf, minlength=count)
    norms = K1 * (1 - B + B * lengths / max(lengths.mean() if count else 1.0, 1.0))
    df = np.bincount(term_of, minlength=len(terms))
    # math.log, not np.log: numpy's SIMD logarithm may differ in the last bit between CPUs,
    # and a score must not round differently on another machine.
    idf = np.array([math.log(1 + (count - n + 0.5) / (n + 0.5)) for n in df.tolist()])
    weight = SCALE * (K1 + 1) * idf[term_of] / (tf + norms[docs])
    scores = np.clip(np.rint(tf * weight), 1, MAX_SCORE).astype(np.int32) + flags
    del tf, weight, flags
    # Group the postings by term; a stable sort keeps each term's doc ids ascending.
    order = np.argsort(term_of, kind="stable")
    docs, scores = docs[order], scores[order]
    del order
    ends = np.cumsum(df)
    deltas = np.diff(docs, prepend=0)
    deltas[ends[:-1]] = docs[ends[:-1]]  # each term's list starts from its first id
    starts, ends = (ends - df).tolist(), ends.tolist()

    # Sorted terms come grouped by shard (a term's key is its prefix): one shard at a time.
    files: dict[str, str] = {}
    for key, group in itertools.groupby(sorted(terms), key=shard_key):
        shard = {}
        for term in group:
            number = terms[term]
            rows = slice(starts[number], ends[number])
            shard[term] = [deltas[rows].tolist(), scores[rows].tolist()]
        files[f"searchindex/t/{key}.json"] = _to_json(shard)
    files["searchindex/index.json"] = _to_json({
        "version": VERSION, "papers": count, "group": GROUP, "titles": TITLE_GROUP,
        "stop": list(STOP_WORDS), "themes": [theme.title for theme in themes],
        "shards": sorted(path[len("searchindex/t/"):-len(".json")] for path in files)})
    for start in range(0, count, GROUP):
        files[f"searchindex/p/{start // GROUP}.json"] = _to_json(records[start:start + GROUP])
    for start in range(0, count, TITLE_GROUP):
        files[f"searchindex/n/{start // TITLE_GROUP}.json"] = _to_json(
            [record[:4] for record in records[start:start + TITLE_GROUP]])
    return files
