"""The digit classifier: features of MNIST-format digits, then a classifier."""

import numpy as np

from preprocessing.normalize import MNIST_SIZE
from train.estimator import Estimator, check_fitted
from train.features import digit_features
from train.knn import KNeighborsVoter

CLASSIFIERS = ("knn", "svm", "logreg", "mlp")
# The projection is learnt on at most this many digits: more do not change
# it measurably and cost time.
_PCA_SAMPLES = 20000
# Handwritten digits whose nearest-neighbour distances calibrate the
# typicality (enough to steady the percentile below; at most a third of them),
# and the size of the reference set that non-k-NN classifiers measure against.
_TYPICALITY_SAMPLES = 10000
_REFERENCE_SAMPLES = 20000
# Typicality is 1 up to this percentile of held-out training digits'
# distances to their nearest neighbour, and falls to 0 at this multiple of it.
_TYPICAL_PERCENTILE = 99
_FAR_FACTOR = 1.5
# The label the classifier learns shapes that are not digits under.
NOT_A_DIGIT = -1


def make_estimator(name, n_neighbors=4, random_state=0):
    """Create the classifier that works on the projected features.

    Parameters
    ----------
    name : {'knn', 'svm', 'logreg', 'mlp'}
    n_neighbors : int, default 4
        Used by 'knn' only.
    random_state : int, default 0

    Returns
    -------
    estimator
        An unfitted classifier with the scikit-learn interface and ``predict_proba``.
    """
    # scikit-learn is imported only here and in fit: a model that is loaded
    # to read digits does not need it (see train.estimator).
    if name == "knn":
        return KNeighborsVoter(n_neighbors=n_neighbors, weights="distance")
    if name == "svm":
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import SVC

        # Probabilities by Platt scaling, fitted on held-out folds.
        return CalibratedClassifierCV(SVC(C=10, gamma="scale", random_state=random_state),
                                      method="sigmoid", cv=3, ensemble=False)
    if name == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=10, max_iter=1000)
    if name == "mlp":
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier(hidden_layer_sizes=(256,), early_stopping=True,
                             random_state=random_state)
    raise ValueError(f"unknown classifier {name!r}; choose one of {', '.join(CLASSIFIERS)}")


class DigitClassifier(Estimator):
    """Classify 28x28 MNIST-format digits.

    Each digit is deskewed, described by gradient-orientation histograms,
    projected on its principal components, and classified.

    Parameters
    ----------
    classifier : {'knn', 'svm', 'logreg', 'mlp'}, default 'knn'
    n_neighbors : int, default 6
        Neighbours that vote, for 'knn'.
    bins : int, default 12
        Orientation bins of the features.
    cell : int, default 4
        Spacing in pixels of the feature pooling cells.
    n_components : int, default 96
        Principal components kept.
    random_state : int, default 0

    Attributes
    ----------
    classes_ : ndarray of shape (10,)
        The digits; shapes learnt as not digits are no class of their own.
    mean_ : ndarray of shape (n_features,)
        Mean of the training features.
    components_ : ndarray of shape (n_components, n_features)
        Their principal axes, by decreasing variance.
    estimator_ : the fitted classifier on projected features
    """

    def __init__(self, classifier="knn", n_neighbors=6, bins=12, cell=4,
                 n_components=96, random_state=0):
        self.classifier = classifier
        self.n_neighbors = n_neighbors
        self.bins = bins
        self.cell = cell
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X, y, handwritten=None, non_digits=None):
        """Learn from MNIST-format digits.

        Parameters
        ----------
        X : ndarray of shape (N, 28, 28), uint8
            Digits, white ink on black.
        y : ndarray of shape (N,)
            Their labels.
        handwritten : ndarray of shape (N,), bool, optional
            Which digits are genuine handwriting, whose distances to their
            nearest neighbours calibrate the typicality (default: all).
            Digits drawn from fonts come as near copies of each other and
            would make typical distances look shorter than they are.
        non_digits : ndarray of shape (M, 28, 28), uint8, optional
            Shapes that are not digits (letters, box outlines): a shape that
            looks like them gets a low typicality from :meth:`assess`.

        Returns
        -------
        self
        """
        X = _check_digits(X)
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} digits but y has {len(y)} labels")
        handwritten = np.ones(len(X), bool) if handwritten is None else np.asarray(handwritten, bool)
        if handwritten.shape != (len(X),) or not handwritten.any():
            raise ValueError("handwritten must mark at least one of the digits")
        if non_digits is not None and len(non_digits):
            X = np.concatenate([X, _check_digits(non_digits)])
            y = np.concatenate([y.astype(np.int64),
                                np.full(len(non_digits), NOT_A_DIGIT, np.int64)])
            handwritten = np.concatenate([handwritten, np.zeros(len(non_digits), bool)])
        features = digit_features(X, self.bins, self.cell)
        rng = np.random.default_rng(self.random_state)
        sample = rng.permutation(len(features))[:_PCA_SAMPLES]
        from sklearn.decomposition import PCA

        pca = PCA(self.n_components, random_state=self.random_state).fit(features[sample])
        self.mean_, self.components_ = pca.mean_, pca.components_
        projected = self._project(features)
        self.estimator_ = make_estimator(self.classifier, self.n_neighbors, self.random_state)
        self.estimator_.fit(projected, y)
        self.classes_ = self.estimator_.classes_[self.estimator_.classes_ != NOT_A_DIGIT]
        self._fit_typicality(projected, y, handwritten, rng)
        return self

    def _fit_typicality(self, projected, y, handwritten, rng):
        """Learn how far typical handwritten digits lie from their nearest
        training digit."""
        shuffled = rng.permutation(len(projected))
        candidates = shuffled[handwritten[shuffled]]
        probe = candidates[:min(_TYPICALITY_SAMPLES, len(candidates) // 3)]
        rest = shuffled[~np.isin(shuffled, probe)]
        if self.classifier == "knn":
            self.reference_ = None
            reference = KNeighborsVoter(1).fit(projected[rest], y[rest])
        else:
            rest = rest[:_REFERENCE_SAMPLES]
            self.reference_ = KNeighborsVoter(1).fit(projected[rest], y[rest])
            reference = self.reference_
        distances = reference.kneighbors(projected[probe], 1)[0][:, 0]
        self.typical_distance_ = float(np.percentile(distances, _TYPICAL_PERCENTILE))
        self.far_distance_ = _FAR_FACTOR * self.typical_distance_

    def transform(self, X):
        """Projected features of digits.

        Parameters
        ----------
        X : ndarray of shape (N, 28, 28), uint8

        Returns
        -------
        ndarray of shape (N, n_components), float32
        """
        check_fitted(self, "components_")
        return self._project(digit_features(_check_digits(X), self.bins, self.cell))

    def _project(self, features):
        return ((features - self.mean_) @ self.components_.T).astype(np.float32)

    def predict_proba(self, X):
        """Probability of each class for each digit.

        Parameters
        ----------
        X : ndarray of shape (N, 28, 28), uint8

        Returns
        -------
        ndarray of shape (N, 10)
            Rows sum to one; columns follow ``classes_``. Each row is the
            probability of each digit if the shape is a digit at all.
        """
        check_fitted(self, "estimator_")
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)), np.float32)
        return self._split_digit_votes(self.estimator_.predict_proba(self.transform(X)))[0]

    def assess(self, X):
        """Class probabilities and typicality of each digit.

        Typicality says how much a digit looks like a handwritten digit at
        all: its closeness to the training shapes (see :meth:`assess_parts`)
        scaled by the probability that the shape is a digit rather than one
        of the shapes learnt as not digits. A blob that is not a digit can get
        a confident class probability from its few nearest neighbours, but
        not a high typicality.

        Parameters
        ----------
        X : ndarray of shape (N, 28, 28), uint8

        Returns
        -------
        proba : ndarray of shape (N, 10)
        typicality : ndarray of shape (N,), float32, in [0, 1]
        """
        proba, closeness, digit_probability = self.assess_parts(X)
        return proba, closeness * digit_probability

    def assess_parts(self, X):
        """Class probabilities, closeness to the training shapes and
        probability of being a digit, of each shape.

        Parameters
        ----------
        X : ndarray of shape (N, 28, 28), uint8

        Returns
        -------
        proba : ndarray of shape (N, 10)
            Probability of each digit if the shape is a digit.
        closeness : ndarray of shape (N,), float32, in [0, 1]
            1 when the shape is as close to the training shapes as nearly
            all MNIST digits are (99 in 100), falling to 0 at one and a half
            times that distance.
        digit_probability : ndarray of shape (N,), float32, in [0, 1]
            Probability that the shape is a digit rather than one of the
            shapes learnt as not digits (letters, box outlines).
        """
        check_fitted(self, "estimator_")
        if len(X) == 0:
            return (np.zeros((0, len(self.classes_)), np.float32), np.zeros(0, np.float32),
                    np.zeros(0, np.float32))
        projected = self.transform(X)
        if self.reference_ is None:
            distances, indices = self.estimator_.kneighbors(projected)
            proba = self.estimator_.vote(distances, indices)
        else:
            proba = self.estimator_.predict_proba(projected)
            distances = self.reference_.kneighbors(projected, 1)[0]
        proba, digit_share = self._split_digit_votes(proba)
        span = max(self.far_distance_ - self.typical_distance_, 1e-6)
        closeness = np.clip((self.far_distance_ - distances[:, 0]) / span, 0.0, 1.0)
        return proba, closeness.astype(np.float32), digit_share.astype(np.float32)

    def _split_digit_votes(self, proba):
        """Digit probabilities given a digit, and the probability of a digit,
        from probabilities over the estimator's classes."""
        is_digit = self.estimator_.classes_ != NOT_A_DIGIT
        if is_digit.all():
            return proba, np.ones(len(proba), proba.dtype)
        digits = proba[:, is_digit]
        share = digits.sum(axis=1)
        # A shape with no digit vote at all gets even odds over the digits.
        given_digit = np.where(share[:, None] > 0, digits / np.maximum(share, 1e-12)[:, None],
                               1.0 / digits.shape[1])
        return given_digit.astype(proba.dtype), share

    def predict(self, X):
        """Label of each digit.

        Parameters
        ----------
        X : ndarray of shape (N, 28, 28), uint8

        Returns
        -------
        ndarray of shape (N,)
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


def _check_digits(X):
    X = np.asarray(X)
    if X.ndim != 3 or X.shape[1:] != (MNIST_SIZE, MNIST_SIZE):
        raise ValueError(f"expected digits of shape (N, 28, 28), got {X.shape}")
    if X.dtype != np.uint8:
        raise ValueError(f"expected uint8 digits, got {X.dtype}")
    return X
