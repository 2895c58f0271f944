"""Related papers: the most similar papers of the digest by TF-IDF over title and abstract.

scikit-learn computes it: `TfidfVectorizer(sublinear_tf=True)` with a shorter English stop-word
list weights the words; up to EXACT_LIMIT papers, similarities are exact cosines of those
sparse vectors; beyond it, the vectors are first reduced to LSA_DIMENSIONS by a `TruncatedSVD`
(randomized, fixed random_state), so comparing all pairs is a dense product of a small width
instead of a sparse one that grows with the vocabulary. Rows are compared BLOCK at a time, so
memory stays bounded. Scores are rounded and ties broken by file name, so the same content
always gives the same lists. The build runs it in one of its workers (site/build.py).
"""

from __future__ import annotations

from generator.model import Paper

RELATED = 5
BLOCK = 1000  # rows of the similarity matrix held at once
EXACT_LIMIT = 3000
LSA_DIMENSIONS = 128
MIN_SCORE = 0.05  # below this, papers share little more than common words
# Function words, a subset of scikit-learn's English list: that list also drops words that
# carry meaning in papers ("system", "detail", "interest", "find", "first"). The last line:
# leftovers of URLs and LaTeX in abstracts as written.
STOP_WORDS = frozenset("""
    about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anyhow anyone anything anyway anywhere
    are around as at be became because become becomes becoming been before behind being below
    beside besides between beyond both but by can cannot could do done down due during each eg
    either else elsewhere enough etc even ever every everything except few for former formerly
    from further had has have he hence her here hers herself him himself his how however ie if in
    indeed into is it its itself least less many may me meanwhile might more moreover most mostly
    much must my myself neither never nevertheless no none nor not nothing now of off often on
    once only onto or other others otherwise our ours ourselves out over own per perhaps rather
    same several she should show since so some such than that the their them themselves then
    thence there thereby therefore these they this those though through throughout thus to
    together too toward towards under until up upon us very via was we well were what whatever
    when whence whenever where whereas whether which while who whom whose why will with within
    without would yet you your yours yourself yourselves
    http https www com org github io html pdf textbf textit emph texttt mathbf mathrm footnote url
""".split())


def compute_related(papers: list[Paper], count: int = RELATED
                    ) -> dict[str, list[str]]:
    """For every paper (by file name), the names of its most similar papers, best first."""
    # Imported here: `digest check` and `digest serve` never need scikit-learn.
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel
    from sklearn.utils import gen_batches

    ordered = sorted(papers, key=lambda p: p.name)
    names = [p.name for p in ordered]
    related: dict[str, list[str]] = {name: [] for name in names}
    keep = min(count, len(ordered) - 1)
    if keep < 1:
        return related
    # The title counts twice: it names what the paper is about. The abstract as written: its
    # markup leftovers are stop words.
    texts = [f"{p.title}. {p.title}. {p.abstract}" for p in ordered]
    # The default token, as before: words of two or more characters, lowercased.
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words=sorted(STOP_WORDS))
    try:
        vectors = vectorizer.fit_transform(texts)
    except ValueError:  # scikit-learn's "empty vocabulary": every paper is stop words only
        return related
    if len(ordered) > EXACT_LIMIT and min(vectors.shape) > LSA_DIMENSIONS:
        vectors = lsa_vectors(vectors)
    for rows in gen_batches(len(names), BLOCK):
        # Rows are L2-normalised, so their dot products are their cosines.
        scores = linear_kernel(vectors[rows], vectors)
        scores[np.arange(len(scores)), np.arange(rows.start, rows.stop)] = -np.inf  # not itself
        for row, columns in enumerate(best_columns(scores, keep), start=rows.start):
            related[names[row]] = [names[column] for column in columns]
    return related


def lsa_vectors(vectors):
    """The TF-IDF rows reduced to LSA_DIMENSIONS by a truncated SVD, L2-normalised (float32)."""
    import numpy as np
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    reduced = TruncatedSVD(LSA_DIMENSIONS, random_state=0).fit_transform(vectors)
    # float32 halves the time of the all-pairs product and of every pass over its blocks; a
    # paper of stop words only stays a zero row.
    return normalize(reduced).astype(np.float32)


def best_columns(scores, keep: int) -> list[list[int]]:
    """For each row, the columns of its `keep` best scores of at least MIN_SCORE, best first.

    Scores are ranked rounded to 6 decimals, so noise in the last bits of a float does not
    reorder equal scores: those go by column, that is by file name. Only the entries that can
    round to a row's keep-th best score or above are rounded and sorted: doing so for the
    whole block costs more than computing it.
    """
    import numpy as np

    width = scores.shape[1]
    # The keep-th best of the maxima of at least `keep` groups of columns is a lower bound of
    # a row's keep-th best score, found without partitioning the whole block.
    size = max(1, width // max(64, 4 * keep))
    maxima = np.maximum.reduceat(scores, np.arange(0, width, size), axis=1)
    floor = np.partition(maxima, -keep, axis=1)[:, -keep]
    # Rounding moves a score by at most 5e-7. (A flat index: a 2-D np.nonzero is far slower.)
    rows, columns = np.divmod(np.flatnonzero(scores >= (floor - 1e-6)[:, None]), width)
    rounded = np.round(scores[rows, columns].astype(np.float64), 6)
    order = np.lexsort((columns, -rounded, rows))
    best: list[list[int]] = [[] for _ in range(len(scores))]
    for row, column, score in zip(rows[order].tolist(), columns[order].tolist(),
                                  rounded[order].tolist()):
        if len(best[row]) < keep and score >= MIN_SCORE:
            best[row].append(column)
    return best
