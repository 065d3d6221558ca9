"""Choose the k-NN settings by cross-validation on training digits.

The number of neighbours and the feature settings (orientation bins,
principal components) are chosen by stratified K-fold cross-validation on a
stratified subset of the training digits; test digits are never involved.
Among the numbers of neighbours that score within one standard error of
the best, the largest is taken.
For each feature setting and fold, the features, the projection and the
neighbours (up to the largest k) are computed once, and every k is scored
from those same neighbours.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.neighbors import NearestNeighbors
from tqdm import tqdm

from train.features import digit_features
from train.knn import KNeighborsVoter

BINS_GRID = (8, 12)
COMPONENTS_GRID = (48, 64, 96)
K_GRID = tuple(range(1, 9))
CV_SAMPLES = 20000
CV_FOLDS = 3


@dataclass(frozen=True)
class TuningResult:
    """Outcome of :func:`tune_knn`.

    Attributes
    ----------
    bins, n_components, n_neighbors : int
        The best setting.
    accuracy : float
        Its mean cross-validated accuracy.
    scores : ndarray of shape (len(bins_grid), len(components_grid), len(k_grid))
        Mean cross-validated accuracy of every setting.
    bins_grid, components_grid, k_grid : tuple of int
        The settings tried.
    n_samples, n_folds : int
        Training digits used and number of folds.
    """

    bins: int
    n_components: int
    n_neighbors: int
    accuracy: float
    scores: np.ndarray
    bins_grid: tuple
    components_grid: tuple
    k_grid: tuple
    n_samples: int
    n_folds: int

    def table(self):
        """Mean cross-validated accuracy of every setting, best first.

        Returns
        -------
        list of dict
            Rows with keys ``bins``, ``n_components``, ``n_neighbors`` and
            ``accuracy``.
        """
        rows = [
            {"bins": b, "n_components": c, "n_neighbors": k,
             "accuracy": float(self.scores[i, j, m])}
            for i, b in enumerate(self.bins_grid)
            for j, c in enumerate(self.components_grid)
            for m, k in enumerate(self.k_grid)
        ]
        return sorted(rows, key=lambda row: -row["accuracy"])


def tune_knn(X, y, *, bins_grid=BINS_GRID, components_grid=COMPONENTS_GRID,
             k_grid=K_GRID, cell=4, n_samples=CV_SAMPLES, n_folds=CV_FOLDS,
             random_state=0, progress=True):
    """Choose the bins, components and k of a k-NN digit classifier.

    Parameters
    ----------
    X : ndarray of shape (N, 28, 28), uint8
        Training digits only.
    y : ndarray of shape (N,)
        Their labels.
    bins_grid, components_grid, k_grid : sequence of int
        Settings to try.
    cell : int, default 4
        Spacing of the feature pooling cells (not tuned).
    n_samples : int, default 20000
        Size of the stratified subset that is cross-validated; all digits are
        used when there are fewer.
    n_folds : int, default 3
    random_state : int, default 0
        Seeds the subset and the folds.
    progress : bool, default True
        Whether to show a progress bar on standard error.

    Returns
    -------
    TuningResult
        The best feature setting (ties go to the fewest bins and
        components) with, for it, the largest k whose accuracy is within one
        standard error of the best k's, and the table of mean accuracies.
    """
    bins_grid, components_grid, k_grid = (tuple(sorted(g)) for g in
                                          (bins_grid, components_grid, k_grid))
    X, y = _stratified_subset(np.asarray(X), np.asarray(y), n_samples, random_state)
    folds = list(StratifiedKFold(n_folds, shuffle=True, random_state=random_state).split(X, y))
    scores = np.zeros((len(bins_grid), len(components_grid), len(k_grid)))
    with tqdm(total=len(bins_grid) * n_folds, desc="tuning", unit="fold",
              disable=not progress) as bar:
        for i, bins in enumerate(bins_grid):
            features = digit_features(X, bins, cell)
            for train, held_out in folds:
                scores[i] += _fold_scores(features[train], y[train], features[held_out],
                                          y[held_out], components_grid, k_grid)
                bar.update()
    scores /= n_folds
    i, j, m = np.unravel_index(np.argmax(scores), scores.shape)
    m = _smoothest_within_noise(scores[i, j], len(X))
    return TuningResult(
        bins=bins_grid[i], n_components=components_grid[j], n_neighbors=k_grid[m],
        accuracy=float(scores[i, j, m]), scores=scores, bins_grid=bins_grid,
        components_grid=components_grid, k_grid=k_grid, n_samples=len(X), n_folds=n_folds,
    )


def _smoothest_within_noise(k_scores, n_samples):
    """Index of the largest k whose accuracy is within one standard error of
    the best (the one-standard-error rule): more neighbours give smoother
    votes, which carry over better to digits unlike the training ones."""
    best = float(np.max(k_scores))
    standard_error = np.sqrt(best * (1.0 - best) / n_samples)
    return int(np.flatnonzero(k_scores >= best - standard_error).max())


def _stratified_subset(X, y, n_samples, random_state):
    if n_samples >= len(X):
        return X, y
    keep, _ = train_test_split(np.arange(len(X)), train_size=n_samples, stratify=y,
                               random_state=random_state)
    return X[np.sort(keep)], y[np.sort(keep)]


def _fold_scores(train_features, y_train, held_out_features, y_held_out,
                 components_grid, k_grid):
    """Accuracy on one fold of every (components, k) pair."""
    # With an exact solver the leading principal components do not depend on
    # how many are kept, so one projection serves every setting of the grid.
    # (The 'auto' solver would go randomized, and slow, on small folds.)
    pca = PCA(max(components_grid), svd_solver="covariance_eigh").fit(train_features)
    train_projected = _project(pca, train_features)
    held_out_projected = _project(pca, held_out_features)
    scores = np.zeros((len(components_grid), len(k_grid)))
    # Only its votes are used, so that every k is scored as the final model votes.
    voter = KNeighborsVoter(max(k_grid), weights="distance").fit(train_projected, y_train)
    for j, n_components in enumerate(components_grid):
        distances, indices = _neighbours(train_projected[:, :n_components],
                                         held_out_projected[:, :n_components], max(k_grid))
        for m, k in enumerate(k_grid):
            proba = voter.vote(distances[:, :k], indices[:, :k])
            scores[j, m] = np.mean(voter.classes_[proba.argmax(axis=1)] == y_held_out)
    return scores


def _neighbours(train, queries, k):
    # The same exact neighbours as KNeighborsVoter.kneighbors; scikit-learn's
    # multithreaded brute force is faster on batches this large.
    return NearestNeighbors(n_neighbors=k, algorithm="brute").fit(train).kneighbors(queries)


def _project(pca, features):
    return ((features - pca.mean_) @ pca.components_.T).astype(np.float32)
