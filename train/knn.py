"""Exact k-nearest-neighbours classification, tuned for latency.

scikit-learn's ``KNeighborsClassifier`` is exact and fast on large batches,
but spends several milliseconds per call on small ones (a video frame holds
about ten digits), and a brute-force search has to stream the whole
reference set from memory for every call. The search here first compares
queries with the references on their leading principal components only (half
quarter of the memory), which gives a lower bound of every distance; only
the references whose bound beats the k-th best full distance found so far
are compared in full. The result is exact.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from train.estimator import Estimator, check_fitted

# Queries handled per matrix product: the distance block (chunk x training
# samples, float32) stays about 30 MB for 60,000 samples.
_CHUNK = 128
# Leading features used for the lower bound (the features should come in
# decreasing order of variance, as principal components do).
_HEAD = 48


class KNeighborsVoter(Estimator):
    """k-nearest-neighbours classifier with inverse-distance voting.

    Parameters
    ----------
    n_neighbors : int, default 4
        Number of neighbours that vote.
    weights : {'distance', 'uniform'}, default 'distance'
        Each neighbour's vote is ``1 / distance`` or 1.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    """

    def __init__(self, n_neighbors=4, weights="distance"):
        self.n_neighbors = n_neighbors
        self.weights = weights

    def fit(self, X, y):
        """Store the training samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features, ideally in decreasing order of variance.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        if self.weights not in ("distance", "uniform"):
            raise ValueError(f"weights must be 'distance' or 'uniform', not {self.weights!r}")
        X = np.ascontiguousarray(X, dtype=np.float32)
        self.classes_, self._y = np.unique(np.asarray(y), return_inverse=True)
        self._X = X
        self.n_features_in_ = X.shape[1]
        self._prepare_search()
        return self

    def _prepare_search(self):
        """Build the search tables, derived from the training samples."""
        head = self._X[:, :_HEAD]
        # One matrix product gives squared head distances minus the query's
        # own squared norm: [q, 1] @ [-2 h, |h|^2]^T.
        self._head_product = np.ascontiguousarray(
            np.vstack([-2.0 * head.T, np.einsum("ij,ij->i", head, head)[None, :]]), np.float32)

    def __getstate__(self):
        # The search tables are rebuilt on loading: files stay small and do
        # not depend on how the search is organised.
        state = self.__dict__.copy()
        state.pop("_head_product", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "_X" in state:
            self._prepare_search()

    def kneighbors(self, X, n_neighbors=None):
        """Find the nearest training samples of each query.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
        n_neighbors : int, optional
            Defaults to ``self.n_neighbors``.

        Returns
        -------
        distances : ndarray of shape (n_queries, n_neighbors), float32
            Euclidean distances, nearest first.
        indices : ndarray of shape (n_queries, n_neighbors), int64
        """
        check_fitted(self, "_X")
        k = min(n_neighbors or self.n_neighbors, len(self._X))
        X = np.ascontiguousarray(X, dtype=np.float32)
        distances = np.empty((len(X), k), np.float32)
        indices = np.empty((len(X), k), np.int64)
        starts = range(0, len(X), _CHUNK)
        if len(starts) == 1:
            distances[:], indices[:] = self._nearest(X, k)
            return distances, indices
        # NumPy releases the GIL in the heavy steps: chunks run on every core
        # at once, each with a single-threaded matrix product.
        with threadpool_limits(1), ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            results = pool.map(lambda start: self._nearest(X[start:start + _CHUNK], k), starts)
            for start, (chunk_distances, chunk_indices) in zip(starts, results):
                distances[start:start + _CHUNK] = chunk_distances
                indices[start:start + _CHUNK] = chunk_indices
        return distances, indices

    def _nearest(self, queries, k):
        head = queries[:, :self._head_product.shape[0] - 1]
        partial = np.hstack([head, np.ones((len(queries), 1), np.float32)]) @ self._head_product
        # k references nearest on the head: their full distances bound the
        # k-th nearest distance from above.
        rows = np.arange(len(queries))
        guess = np.empty((len(queries), k), np.int64)
        taken = np.empty((len(queries), k), np.float32)
        for j in range(k):
            guess[:, j] = partial.argmin(axis=1)
            taken[:, j] = partial[rows, guess[:, j]]
            partial[rows, guess[:, j]] = np.inf
        partial[rows[:, None], guess] = taken
        kth = _squared_distances(queries, self._X[guess]).max(axis=1)
        # Head distances never exceed full ones: only references whose head
        # distance is within the bound can be among the k nearest.
        limit = kth - np.einsum("ij,ij->i", head, head)
        # Rounding of the expanded form must not drop a true neighbour.
        limit += 1e-4 * np.maximum(kth, 1.0)
        query_of, candidate = np.divmod(np.flatnonzero(partial <= limit[:, None]), partial.shape[1])
        # The guesses themselves are always candidates (rounding again).
        query_of = np.concatenate([query_of, np.repeat(rows, k)])
        candidate = np.concatenate([candidate, guess.ravel()])
        difference = self._X[candidate] - queries[query_of]
        squared = np.einsum("ij,ij->i", difference, difference)
        # Sort by query, then distance; drop repeated candidates; keep k each.
        order = np.lexsort((candidate, squared, query_of))
        query_of, candidate, squared = query_of[order], candidate[order], squared[order]
        fresh = np.ones(len(order), bool)
        fresh[1:] = (query_of[1:] != query_of[:-1]) | (candidate[1:] != candidate[:-1])
        query_of, candidate, squared = query_of[fresh], candidate[fresh], squared[fresh]
        starts = np.searchsorted(query_of, rows)
        picks = starts[:, None] + np.arange(k)
        return np.sqrt(np.maximum(squared[picks], 0.0)), candidate[picks]

    def predict_proba(self, X):
        """Share of the neighbours' votes that each class gets.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)

        Returns
        -------
        ndarray of shape (n_queries, n_classes), float32
            Rows sum to one.
        """
        return self.vote(*self.kneighbors(X))

    def vote(self, distances, indices):
        """Class shares of the votes of given neighbours.

        Parameters
        ----------
        distances, indices : ndarray of shape (n_queries, k)
            As returned by :meth:`kneighbors`.

        Returns
        -------
        ndarray of shape (n_queries, n_classes), float32
        """
        if self.weights == "distance":
            votes = 1.0 / np.maximum(distances, 1e-6)
        else:
            votes = np.ones_like(distances)
        proba = np.zeros((len(distances), len(self.classes_)), np.float32)
        rows = np.repeat(np.arange(len(distances)), distances.shape[1])
        np.add.at(proba, (rows, self._y[indices].ravel()), votes.ravel())
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Most voted class of each query.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)

        Returns
        -------
        ndarray of shape (n_queries,)
        """
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _squared_distances(queries, references):
    """Squared distances of each query to its own references.

    Parameters
    ----------
    queries : ndarray of shape (n, d)
    references : ndarray of shape (n, m, d)

    Returns
    -------
    ndarray of shape (n, m)
    """
    difference = references - queries[:, None, :]
    return np.einsum("nmd,nmd->nm", difference, difference)
