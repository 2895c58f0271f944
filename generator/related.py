"""Related papers: the most similar papers of the digest by TF-IDF over title and abstract.

scikit-learn does the weighting; similarities are sparse products computed a block of rows at a
time, so memory stays bounded as the digest grows. Ties are broken by file name and scores are
rounded first, so the same content always gives the same lists.
"""

from __future__ import annotations

from .model import Paper
from .text import render_plain

RELATED = 5
BLOCK = 1000  # rows of the similarity matrix held at once
MIN_SCORE = 0.05  # below this, papers share little more than common words


def compute_related(papers: list[Paper], count: int = RELATED) -> dict[str, list[str]]:
    """For every paper (by file name), the names of its most similar papers, best first."""
    import numpy as np  # imported here: scikit-learn takes ~1.5 s to import, check needs neither
    from sklearn.feature_extraction.text import TfidfVectorizer

    ordered = sorted(papers, key=lambda p: p.name)
    if len(ordered) < 2:
        return {p.name: [] for p in ordered}
    # The title counts twice: it names what the paper is about.
    texts = [f"{p.title}. {p.title}. {render_plain(p.abstract)}" for p in ordered]
    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1,
                              dtype=np.float64).fit_transform(texts)
    names = [p.name for p in ordered]
    related: dict[str, list[str]] = {}
    for start in range(0, len(ordered), BLOCK):
        scores = (vectors[start : start + BLOCK] @ vectors.T).toarray()
        for offset, row in enumerate(scores):
            index = start + offset
            row[index] = -1.0  # never related to itself
            best = np.argsort(-np.round(row, 6), kind="stable")[:count]
            related[names[index]] = [names[j] for j in best if row[j] >= MIN_SCORE]
    return related
