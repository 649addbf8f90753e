"""A synthetic text-classification data set for the sparse benchmarks.

Documents are bags of words over a Zipf-distributed vocabulary; each class
favours 300 words of its own (40 times likelier), as topics do.  Rows are
TF-IDF weighted and l2-normalised, as a TfidfVectorizer makes them: a CSR
matrix of float64 with about 100 nonzeros per row.
"""
import numpy as np
import scipy.sparse as sp


def text_like(n_docs=12000, n_terms=30000, words_per_doc=165, n_classes=4, seed=0):
    """(X, y): X is CSR (n_docs, n_terms), y the class of each document."""
    rng = np.random.RandomState(seed)
    zipf = 1.0 / np.arange(1, n_terms + 1) ** 1.1
    zipf /= zipf.sum()
    y = rng.randint(0, n_classes, n_docs)
    lengths = rng.poisson(words_per_doc, n_docs)
    rows, words = [], []
    for c in range(n_classes):
        topic = zipf.copy()
        topic[rng.choice(n_terms, 300, replace=False)] *= 40.0
        mix = 0.5 * topic / topic.sum() + 0.5 * zipf
        cdf = np.cumsum(mix)
        docs = np.flatnonzero(y == c)
        doc_rows = np.repeat(docs, lengths[docs])
        rows.append(doc_rows)
        words.append(np.minimum(np.searchsorted(cdf, rng.rand(len(doc_rows)) * cdf[-1]),
                                n_terms - 1))
    rows, words = np.concatenate(rows), np.concatenate(words)
    counts = sp.csr_matrix((np.ones(len(rows)), (rows, words)), shape=(n_docs, n_terms))
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=n_terms)
    X = counts.multiply(np.log((1 + n_docs) / (1 + df)) + 1).tocsr()
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.diags(1.0 / np.maximum(norms, 1e-12)) @ X
    X = X.tocsr()
    X.sort_indices()
    return X, y


def split(X, y, n_train=10000):
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]
