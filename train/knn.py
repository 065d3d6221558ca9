"""Exact k-nearest-neighbours classification, tuned for latency.

scikit-learn's ``KNeighborsClassifier`` is exact and fast on large batches,
but spends several milliseconds per call on small ones (a video frame holds
about ten digits), and a brute-force search has to stream the whole
reference set from memory for every call. The search here first compares
queries with the references on their leading principal components only (a
quarter of the memory), which gives a lower bound of every distance; only
the references whose bound beats the k-th best full distance found so far
are compared in full. The result is exact.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

# Queries handled per matrix product: bounds the memory of the distance block
# (chunk x training samples, float32) to about 120 MB for 60,000 samples.
_CHUNK = 512
# Leading features used for the lower bound (the features should come in
# decreasing order of variance, as principal components do).
_HEAD = 32


class KNeighborsVoter(ClassifierMixin, BaseEstimator):
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
        self._head = np.ascontiguousarray(X[:, :_HEAD])
        self._head_sq_norms = np.einsum("ij,ij->i", self._head, self._head)
        self.n_features_in_ = X.shape[1]
        return self

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
        check_is_fitted(self, "_X")
        k = min(n_neighbors or self.n_neighbors, len(self._X))
        X = np.ascontiguousarray(X, dtype=np.float32)
        distances = np.empty((len(X), k), np.float32)
        indices = np.empty((len(X), k), np.int64)
        for start in range(0, len(X), _CHUNK):
            stop = start + _CHUNK
            distances[start:stop], indices[start:stop] = self._nearest(X[start:stop], k)
        return distances, indices

    def _nearest(self, queries, k):
        head = queries[:, :self._head.shape[1]]
        # Squared head distance minus the query's own squared head norm.
        partial = self._head_sq_norms[None, :] - 2.0 * (head @ self._head.T)
        # k references nearest on the head: their full distances bound the
        # k-th nearest distance from above.
        rows = np.arange(len(queries))
        guess = np.empty((len(queries), k), np.int64)
        bounded = partial.copy()
        for j in range(k):
            guess[:, j] = bounded.argmin(axis=1)
            bounded[rows, guess[:, j]] = np.inf
        kth = _squared_distances(queries, self._X[guess]).max(axis=1)
        # Head distances never exceed full ones: only references whose head
        # distance is within the bound can be among the k nearest.
        limit = kth - np.einsum("ij,ij->i", head, head)
        # Rounding of the expanded form must not drop a true neighbour.
        limit += 1e-4 * np.maximum(kth, 1.0)
        distances = np.empty((len(queries), k), np.float32)
        indices = np.empty((len(queries), k), np.int64)
        for i, query in enumerate(queries):
            candidates = np.union1d(np.flatnonzero(partial[i] <= limit[i]), guess[i])
            squared = _squared_distances(query[None, :], self._X[candidates][None])[0]
            best = np.argsort(squared, kind="stable")[:k]
            indices[i] = candidates[best]
            distances[i] = np.sqrt(np.maximum(squared[best], 0.0))
        return distances, indices

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
