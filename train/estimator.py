"""The estimator conventions of scikit-learn, without importing it.

Importing scikit-learn takes over a second (it loads much of SciPy), more
than reading a photo. The classes a model file holds follow its conventions
through this small base instead, so loading a model and reading digits never
import it; only training does. Being duck-type compatible, they still work
with ``sklearn.base.clone`` and its parameter tools.
"""

import inspect


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit``."""


class Estimator:
    """Parameters set in ``__init__`` and read back with ``get_params``.

    Subclasses store each ``__init__`` argument unchanged under its own name,
    and fitted state in attributes ending with an underscore.
    """

    @classmethod
    def _parameter_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(name for name, parameter in signature.parameters.items()
                      if name != "self" and parameter.kind == parameter.POSITIONAL_OR_KEYWORD)

    def get_params(self, deep=True):
        """Parameters of the estimator.

        Parameters
        ----------
        deep : bool, default True
            Accepted for compatibility; no parameter is itself an estimator.

        Returns
        -------
        dict
            Parameter names mapped to their values.
        """
        return {name: getattr(self, name) for name in self._parameter_names()}

    def set_params(self, **params):
        """Set parameters.

        Parameters
        ----------
        **params
            New values, by parameter name.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For a name that is not a parameter.
        """
        names = self._parameter_names()
        for name, value in params.items():
            if name not in names:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}; "
                                 f"its parameters are {', '.join(names)}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = type(self)().get_params()
        changed = [f"{name}={value!r}" for name, value in self.get_params().items()
                   if value != defaults[name]]
        return f"{type(self).__name__}({', '.join(changed)})"


def check_fitted(estimator, attribute):
    """Raise NotFittedError unless ``estimator`` has the fitted ``attribute``.

    Parameters
    ----------
    estimator : Estimator
    attribute : str
        An attribute that ``fit`` sets.
    """
    if not hasattr(estimator, attribute):
        raise NotFittedError(f"this {type(estimator).__name__} is not fitted yet; "
                             "call fit first")
