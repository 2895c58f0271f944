"""Related papers: the most similar papers of the digest by TF-IDF over title and abstract.

The weighting is scikit-learn's TfidfVectorizer(sublinear_tf=True), with a shorter English
stop-word list, written with numpy and scipy: importing scikit-learn alone (over a second) took
longer than all the rest does for 2,000 papers, and this sits on the build's critical path. Up to
EXACT_LIMIT papers, similarities are exact cosines of the sparse TF-IDF vectors; beyond it, the
vectors are first reduced to LSA_DIMENSIONS by a randomized SVD (fixed seed), so the all-pairs
comparison is a dense product with a small constant instead of a sparse one that grows with the
vocabulary (20,000 papers: seconds, not minutes). Rows are compared a block at a time, so memory
stays bounded. Scores are rounded and ties broken by file name, so the same content always
gives the same lists. The build runs it in one of its workers (site/build.py).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from typing import NamedTuple

from generator.model import Paper

RELATED = 5
BLOCK = 1000  # rows of the similarity matrix held at once
EXACT_LIMIT = 3000
LSA_DIMENSIONS = 128
OVERSAMPLES = 10  # extra random directions, so the top LSA_DIMENSIONS are found accurately
POWER_ITERATIONS = 5  # scikit-learn's TruncatedSVD default
COMMON_SHARE = 0.05  # words in more than this share of papers are compared densely
MIN_SCORE = 0.05  # below this, papers share little more than common words
# scikit-learn's default token, words of two or more characters, written `(?u)\b\w\w+\b` there:
# a run of word characters is bounded by \b already, and dropping the two checks was 15% faster.
TOKEN = re.compile(r"\w\w+")
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


class PaperText(NamedTuple):
    """What related papers are computed from: light to send to another process."""

    name: str
    title: str
    abstract: str


def compute_related(papers: list[Paper] | list[PaperText], count: int = RELATED
                    ) -> dict[str, list[str]]:
    """For every paper (by file name), the names of its most similar papers, best first."""
    import numpy as np  # imported here: `digest check` needs neither numpy nor scipy

    ordered = sorted(papers, key=lambda p: p.name)
    names = [p.name for p in ordered]
    related: dict[str, list[str]] = {name: [] for name in names}
    keep = min(count, len(ordered) - 1)
    if keep < 1:
        return related
    # The title counts twice: it names what the paper is about.
    # The abstract as written: rendering it to plain text first cost 40% of the time, on the
    # build's critical path, and its markup leftovers are stop words below.
    vectors = tfidf_vectors([f"{p.title}. {p.title}. {p.abstract}"
                             for p in ordered])
    if len(ordered) > EXACT_LIMIT and min(vectors.shape) > LSA_DIMENSIONS:
        reduced = lsa_vectors(vectors)

        def similarities(start: int):
            return reduced[start : start + BLOCK] @ reduced.T
    else:
        similarities = exact_cosines(vectors)

    def best_of_block(start: int) -> list[tuple[int, int]]:
        scores = similarities(start)
        rows = np.arange(len(scores))
        scores[rows, rows + start] = -np.inf  # never related to itself
        return nearest(scores, keep)

    starts = range(0, len(names), BLOCK)
    for start, pairs in zip(starts, map(best_of_block, starts)):
        for row, column in pairs:
            related[names[start + row]].append(names[column])
    return related


def tfidf_vectors(texts: list[str]):
    """L2-normalised TF-IDF rows (scipy CSR), weighted as TfidfVectorizer(sublinear_tf=True)."""
    import numpy as np
    from scipy import sparse

    vocabulary: dict[str, int] = {}
    numbers = itertools.count()  # one per word looked up: a new word keeps its number
    columns: list[int] = []
    counts: list[int] = []
    starts = [0]
    for text in texts:
        tally = Counter(TOKEN.findall(text.lower()))
        for word in STOP_WORDS.intersection(tally):
            tally.pop(word)  # dict's own: Counter's `del` is written in Python
        columns.extend(map(vocabulary.setdefault, tally, numbers))  # in C, not a Python loop
        counts.extend(tally.values())
        starts.append(len(columns))
    # Renumber the words 0, 1, 2, ... in order of first use (their numbers grow with it).
    dense = np.empty(next(numbers), dtype=np.int64)
    dense[np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))] = np.arange(
        len(vocabulary))
    columns_array = dense[np.array(columns, dtype=np.int64)]
    weights = 1.0 + np.log(np.array(counts, dtype=np.float64))  # sublinear tf
    documents = np.bincount(columns_array, minlength=len(vocabulary))
    weights *= (np.log((1 + len(texts)) / (1 + documents)) + 1)[columns_array]  # smooth idf
    rows = np.repeat(np.arange(len(texts)), np.diff(starts))
    weights /= np.sqrt(np.bincount(rows, weights=weights**2, minlength=len(texts)))[rows]
    return sparse.csr_matrix((weights, columns_array, np.array(starts)),
                             shape=(len(texts), len(vocabulary)))


def exact_cosines(vectors):
    """A function giving the cosines of BLOCK papers from `start` with every paper (a dense
    float64 array).

    A sparse product pays for every pair of papers sharing a word, so the few words found in
    many papers ("reasoning", "models") would cost most of it; their columns go through a dense
    BLAS product instead, and only the rest through the sparse one.
    """
    import numpy as np

    papers, words = vectors.shape
    common = np.bincount(vectors.indices, minlength=words) > COMMON_SHARE * papers
    dense = vectors[:, common].toarray()  # at most nnz / (COMMON_SHARE * papers) columns
    rare = vectors[:, ~common].tocsr()
    rare_columns = rare.T.tocsr()

    def cosines(start: int):
        return (dense[start : start + BLOCK] @ dense.T
                + (rare[start : start + BLOCK] @ rare_columns).toarray())

    return cosines


def lsa_vectors(vectors):
    """The rows reduced to LSA_DIMENSIONS (U times Sigma of a truncated SVD), L2-normalised.

    A randomized SVD (Halko, Martinsson and Tropp 2011, algorithm 4.4 with scikit-learn's
    defaults): a fixed-seed Gaussian projection finds the range of the matrix, power iterations
    sharpen it, then an exact SVD of the small projected matrix. Between the products, an LU
    factor keeps the basis from collapsing onto the top direction as well as a QR would (as in
    scikit-learn), at a tenth of the cost (a QR of 20,000 x 138 takes 0.3 s); the last basis is
    made orthonormal with one QR.
    """
    import numpy as np
    from scipy import linalg

    width = LSA_DIMENSIONS + OVERSAMPLES
    basis = np.random.default_rng(0).standard_normal((vectors.shape[1], width))
    for _ in range(POWER_ITERATIONS):
        basis = linalg.lu(vectors @ basis, permute_l=True, check_finite=False)[0]
        basis = linalg.lu(vectors.T @ basis, permute_l=True, check_finite=False)[0]
    basis = linalg.qr(vectors @ basis, mode="economic", check_finite=False)[0]
    # The SVD of the projection's transpose (words x width) gives the same factors, faster.
    _, sigma, left = np.linalg.svd(vectors.T @ basis, full_matrices=False)
    reduced = basis @ (left[:LSA_DIMENSIONS].T * sigma[:LSA_DIMENSIONS])
    norms = np.linalg.norm(reduced, axis=1, keepdims=True)
    norms[norms == 0] = 1.0  # a paper of stop words only stays a zero row
    # float32 halves the time of the all-pairs product and of every pass over its blocks.
    return (reduced / norms).astype(np.float32)


def nearest(scores, keep: int) -> list[tuple[int, int]]:
    """(row, column) of each row's `keep` best scores, best first, equal scores by column.

    Scores are ranked rounded to 6 decimals, so noise in the last bits of a float does not
    reorder equal scores: those go by column, that is by file name. Ranking only the few entries
    that can make a row's top `keep` avoids rounding and partitioning the whole block, which
    cost more than the product itself.
    """
    import numpy as np

    width = scores.shape[1]
    # The keep-th best of the maxima of >= keep groups of columns is a lower bound of the
    # keep-th best score, found in one cheap pass.
    size = max(1, width // max(64, 4 * keep))
    maxima = np.maximum.reduceat(scores, np.arange(0, width, size), axis=1)
    floor = np.partition(maxima, -keep, axis=1)[:, -keep]
    # Anything that could round to the keep-th best rounded score or above (rounding moves a
    # score by at most 5e-7). np.flatnonzero: a 2-D np.nonzero is ten times slower.
    found = np.flatnonzero(scores >= (floor - 1e-6)[:, None])
    rows, columns = np.divmod(found, width)
    rounded = np.round(scores.ravel()[found].astype(np.float64), 6)
    order = np.lexsort((columns, -rounded, rows))
    rows, columns, rounded = rows[order], columns[order], rounded[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)  # position within its row
    chosen = (rank < keep) & (rounded >= MIN_SCORE)
    return list(zip(rows[chosen].tolist(), columns[chosen].tolist()))
