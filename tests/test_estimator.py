"""Tests of the scikit-learn conventions the classifiers follow."""

import numpy as np
import pytest
from sklearn.base import clone

from train import DigitClassifier
from train.estimator import NotFittedError
from train.knn import KNeighborsVoter


def test_parameters_are_those_of_init():
    model = DigitClassifier(n_neighbors=3, bins=8)
    assert model.get_params() == {"bins": 8, "cell": 4, "classifier": "knn", "n_components": 96,
                                  "n_neighbors": 3, "random_state": 0}
    assert repr(model) == "DigitClassifier(bins=8, n_neighbors=3)"


def test_set_params_changes_only_what_is_named_and_refuses_unknown_names():
    voter = KNeighborsVoter()
    assert voter.set_params(n_neighbors=2) is voter
    assert voter.get_params() == {"n_neighbors": 2, "weights": "distance"}
    with pytest.raises(ValueError, match="no parameter 'k'"):
        voter.set_params(k=3)


def test_scikit_learn_clones_them_unfitted():
    rng = np.random.default_rng(0)
    voter = KNeighborsVoter(n_neighbors=1).fit(rng.random((20, 3)), rng.integers(0, 2, 20))
    copy = clone(voter)
    assert copy.get_params() == voter.get_params()
    assert not hasattr(copy, "classes_")


def test_use_before_fit_is_a_clear_error():
    with pytest.raises(NotFittedError, match="not fitted"):
        DigitClassifier().predict(np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(NotFittedError, match="not fitted"):
        KNeighborsVoter().kneighbors(np.zeros((1, 3)))
