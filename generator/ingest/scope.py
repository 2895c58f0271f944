"""The digest's scope (content/scope.yml) and how relevant a candidate paper is to it.

Themes sort the papers that belong; the scope decides what belongs. A candidate's score (0 to 1)
weighs two readings:

- the *model*: a logistic regression over TF-IDF words and word pairs of title and abstract,
  learned from the digest's own decisions. Its on-topic examples are the papers of
  content/papers/ and the scope's description and terms; its off-topic examples are the papers
  curators rejected (content/rejected.yml) and the scope's declared `off_topic` descriptions,
  so a new digest without a single rejection still learns where its borders are;
- the *terms*: the scope terms the paper uses (a term in the title counts twice, one said only
  once in the abstract half), each one halving the distance to 1. The model alone leans on
  the words its papers share ("reasoning"); the terms let the digest declare its vocabulary
  (chain of thought, theorem proving, verifiers) so that a paper saying it differently is
  still found.

The score is `w * model + (1 - w) * terms`, where the model's weight w grows with the papers it
learned from, `0.5 * n / (n + 10)`: 0.46 at 115 papers, 0 for a digest with no paper yet (or
with no off-topic example: then there is nothing to tell apart), whose scores are its terms'.

The reason printed with a score names the terms matched, the three nearest papers of the digest
(cosine of the same TF-IDF vectors) and, for a low score, the off-topic example it is most like.
Everything is deterministic: inputs sorted, fixed solver and seed, scores rounded to 2 places
before they are compared with the threshold. scikit-learn is imported only when a model is
trained (`digest check` reads scope.yml without it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import yaml

from generator.content.read import parse_record, read_text_file, rel
from generator.content.frontmatter import FrontMatterError, key_lines, load_yaml
from generator.model import Paper, Rejection, Scope
from generator.problems import Problem

FILE = "scope.yml"
TITLE_WEIGHT = 2  # a scope term in the title says more about the paper than one in its abstract
NEAREST = 3
EVIDENCE = 10  # papers at which the learned model weighs half as much as it can
MAX_TERM = 80  # characters of one term
_WORD = re.compile(r"[^\W_]+")


def read_scope(root) -> tuple[Scope | None, list[Problem]]:
    """Load and validate content/scope.yml; (None, []) when the digest declares no scope."""
    path = root / FILE
    name = rel(path, root)
    if not path.is_file():
        return None, []
    try:
        data, node = load_yaml(read_text_file(path, name), name)
    except FrontMatterError as exc:
        return None, [exc.problem]
    if not isinstance(data, dict):
        return None, [Problem(name, 1, "", "expected a mapping with description, threshold, "
                              "terms and off_topic")]
    lines = key_lines(node, 1)
    items = {key.value: [item.start_mark.line + 1 for item in value.value]  # each entry's line
             for key, value in node.value if isinstance(value, yaml.SequenceNode)}
    problems, declared = [], data
    for key in ("terms", "off_topic"):
        entries = data.get(key)
        if isinstance(entries, list) and any(isinstance(e, dict) for e in entries):
            for entry, line in zip(entries, items[key]):
                if isinstance(entry, dict):
                    problems.append(Problem(name, line, key, "YAML read this entry as a mapping "
                                            "(because of ': ' in it): put it in quotes"))
            data = {k: v for k, v in data.items() if k != key}
    scope, found = parse_record(Scope, data, lines, name, 1)
    problems += found
    if scope is None:
        return None, problems
    if not 0 <= scope.threshold <= 1:
        problems.append(Problem(name, lines["threshold"], "threshold",
                                f"expected a number from 0 to 1, found {scope.threshold}"))
    seen: dict[str, int] = {}
    for term, line in zip(scope.terms, items.get("terms", [])):
        words = term_words(term.removesuffix("*"))
        if not words:
            problems.append(Problem(name, line, "terms", f"{term!r} has no letters or digits"))
        elif len(term) > MAX_TERM:
            problems.append(Problem(name, line, "terms", f"{term[:30]!r}... is longer than "
                                    f"{MAX_TERM} characters"))
        elif "*" in term.removesuffix("*"):
            problems.append(Problem(name, line, "terms", f"{term!r}: '*' may only end a term"))
        else:
            key = " ".join(words) + ("*" if term.endswith("*") else "")
            if key in seen:
                problems.append(Problem(name, line, "terms", f"{term!r} is listed twice (first "
                                        f"at line {seen[key]})"))
            seen.setdefault(key, line)
    for text, line in zip(scope.off_topic, items.get("off_topic", [])):
        if not term_words(text):
            problems.append(Problem(name, line, "off_topic", "an off-topic example must "
                                    "describe a subject in words"))
    if not declared.get("terms") and not declared.get("off_topic"):
        problems.append(Problem(name, 1, "terms", "declare terms or off_topic examples: with "
                                "neither, the scope cannot tell one paper from another"))
    if not term_words(scope.description):
        problems.append(Problem(name, lines["description"], "description",
                                "must describe the digest in words"))
    return (None if problems else scope), problems


def term_words(text: str) -> list[str]:
    """Lowercase words of a text, accents dropped: how terms and papers are compared."""
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    return _WORD.findall(text.casefold())


def compile_terms(terms: list[str]) -> list[tuple[str, re.Pattern]]:
    """Each term with the pattern that finds it in a text's words joined by single spaces."""
    compiled = []
    for term in terms:
        words = term_words(term.removesuffix("*"))
        ending = r"\S*" if term.endswith("*") else ""
        # Literal words and one \S* at most: linear in the text, whatever a curator writes.
        compiled.append((term, re.compile(r"(?<!\S)" + " ".join(map(re.escape, words))
                                          + ending + r"(?!\S)")))
    return compiled


def match_terms(terms: list[tuple[str, re.Pattern]], title: str, abstract: str
                ) -> tuple[list[str], float]:
    """The terms a paper uses (declared order) and their weight (title matches count twice)."""
    title_text, abstract_text = " ".join(term_words(title)), " ".join(term_words(abstract))
    found, weight = [], 0.0
    for term, pattern in terms:
        if pattern.search(title_text):
            found.append(term)
            weight += TITLE_WEIGHT
        elif uses := len(pattern.findall(abstract_text)):
            found.append(term)
            # Said once in passing ("... and reasoning") is half the evidence of a subject the
            # abstract comes back to.
            weight += min(uses, 2) / 2
    return found, weight


@dataclass(frozen=True)
class Relevance:
    """How a candidate paper relates to the digest's scope, and why."""

    score: float  # 0 to 1, rounded to 2 places: what the threshold is compared with
    model: float | None  # the learned model's probability of "on topic"; None: it has no say
    terms: tuple[str, ...]  # the scope terms it uses
    nearest: tuple[str, ...]  # titles of the nearest papers of the digest, nearest first
    unlike: str = ""  # the off-topic example (or rejected title) it is most like

    def reason(self, nearest: int = 1) -> str:
        """One line a curator can read: terms matched, the model, the nearest papers."""
        terms = ("terms " + ", ".join(self.terms)) if self.terms else "no scope term"
        parts = [terms] + ([f"model {self.model:.2f}"] if self.model is not None else [])
        if self.nearest[:nearest]:
            parts.append("nearest: " + "; ".join(f"“{t}”" for t in self.nearest[:nearest]))
        if self.unlike:
            parts.append(f"like off-topic “{self.unlike}”")
        return ", ".join(parts)


def _document(title: str, abstract: str) -> str:
    return f"{title}. {title}. {abstract}"  # the title twice: it names what the paper is about


class ScopeModel:
    """The relevance model of one digest: trained once, then scores any number of papers."""

    def __init__(self, scope: Scope, papers: list[Paper], rejections: list[Rejection]):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.scope = scope
        self.terms = compile_terms(scope.terms)
        ordered = sorted(papers, key=lambda p: p.name)
        self.titles = [p.title for p in ordered]
        # The scope's own words are on-topic examples too: the description, and the terms as
        # one text, so that a digest with few papers yet knows its vocabulary.
        vocabulary = " ".join(t.removesuffix("*") for t in scope.terms)
        positives = [_document(p.title, p.abstract) for p in ordered] + [scope.description,
                                                                          vocabulary]
        rejected = sorted(rejections, key=lambda r: (r.title, r.arxiv or ""))
        self.off_labels = [r.title for r in rejected] + list(scope.off_topic)
        negatives = [_document(r.title, r.abstract) for r in rejected] + list(scope.off_topic)
        self.vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2),
                                          stop_words="english", strip_accents="unicode")
        matrix = self.vectorizer.fit_transform(positives + negatives)
        self.paper_vectors = matrix[: len(ordered)]
        self.off_vectors = matrix[len(positives):]
        self.classifier = None
        # The model's say grows with the papers it learned from, up to half the score: with a
        # handful it knows little beyond the terms, and with no off-topic example nothing.
        self.weight = 0.5 * len(ordered) / (len(ordered) + EVIDENCE) if negatives else 0.0
        if negatives:
            labels = [1] * len(positives) + [0] * len(negatives)
            # Balanced: a hundred papers against twenty-five short descriptions would
            # otherwise make everything look on topic.
            self.classifier = LogisticRegression(C=10.0, class_weight="balanced",
                                                 max_iter=1000, random_state=0)
            self.classifier.fit(matrix, labels)

    def score(self, candidates: list[tuple[str, str]]) -> list[Relevance]:
        """The relevance of each (title, abstract), in the given order."""
        if not candidates:
            return []
        vectors = self.vectorizer.transform([_document(t, a) for t, a in candidates])
        if self.classifier is not None:
            probabilities = self.classifier.predict_proba(vectors)[:, 1]
        else:
            probabilities = [0.5] * len(candidates)
        import numpy as np

        # Cosines rounded before ranking, ties broken by position (papers sorted by file name):
        # the same content always names the same nearest papers.
        near = np.round((vectors @ self.paper_vectors.T).toarray(), 6) if self.titles else None
        off = np.round((vectors @ self.off_vectors.T).toarray(), 6) if self.off_labels else None
        results = []
        for row, (title, abstract) in enumerate(candidates):
            found, weight = match_terms(self.terms, title, abstract)
            terms_score = 1 - 0.5 ** weight
            model = round(float(probabilities[row]), 4)
            score = round(self.weight * model + (1 - self.weight) * terms_score, 2)
            if not self.weight:
                model = None
            nearest: tuple[str, ...] = ()
            if near is not None:
                ranked = np.lexsort((np.arange(len(self.titles)), -near[row]))[:NEAREST]
                nearest = tuple(self.titles[i] for i in ranked if near[row, i] > 0)
            unlike = ""
            if off is not None and score < self.scope.threshold:
                best = int(np.lexsort((np.arange(len(self.off_labels)), -off[row]))[0])
                unlike = self.off_labels[best] if off[row, best] > 0 else ""
            results.append(Relevance(score, model, tuple(found), nearest, unlike))
        return results
