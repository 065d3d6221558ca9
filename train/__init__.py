"""Training and storage of the digit classifier.

``python -m train`` trains a model on MNIST and saves it, by default to
``models/digits.joblib``; :func:`load_model` reads it back. Model files are
pickles: only load files from trusted sources.
"""

from train.classifier import DigitClassifier
from train.model_io import ModelError, load_model, save_model

__all__ = ["DigitClassifier", "ModelError", "load_model", "save_model"]
