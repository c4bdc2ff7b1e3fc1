"""The self-checks of episode 07 accept the recorded answers and explain typical wrong ones."""


import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix

from exercise_runs import run_filled
from helpers.data import CLASS_NAMES
from helpers.exercises import episode07


class FakeModel:
    """Stands in for a Keras model: its loss depends on its dropout rate and on the images it is measured on."""

    def __init__(self, rate):
        self.rate = rate

    def evaluate(self, images, labels, verbose=0):
        return [1.5 + self.rate / 10 + len(images) / 1000, 0.5 - self.rate / 20 + len(images) / 10_000]


def create_model_dropout_rate(rate=0.5):
    """Stands in for the notebook's function: a model that only remembers its dropout rate."""
    return FakeModel(rate)


def compile_and_train(model, images, labels, validation_data, epochs=10, verbose=2):
    """Stands in for the helper: no training, no history."""
    return None, 0.0


def confusion_namespace():
    """50 test images, 5 of each class; every third is predicted as a cat, so rows and columns add up differently."""
    true_classes = np.repeat(np.arange(len(CLASS_NAMES)), 5)
    predicted_classes = true_classes.copy()
    predicted_classes[::3] = CLASS_NAMES.index("cat")
    matrix = confusion_matrix(true_classes, predicted_classes)
    return {"true_classes": true_classes, "predicted_classes": predicted_classes, "matrix": matrix,
            "test_labels": np.eye(len(CLASS_NAMES))[true_classes],
            "probabilities": np.eye(len(CLASS_NAMES))[predicted_classes] * 0.9 + 0.01,
            "confusion": pd.DataFrame(matrix, index=CLASS_NAMES, columns=CLASS_NAMES)}


def namespace_before(name):
    """A fresh namespace holding what the notebook holds just before challenge ``name``."""
    namespace = {"keras": keras, "np": np, "pd": pd, "CLASS_NAMES": CLASS_NAMES,
                 "train_images": np.zeros((4, 32, 32, 3), dtype="uint8")}
    if name == "per_class":
        namespace.update(confusion_namespace())
    if name == "dropout_rates":
        namespace.update(create_model_dropout_rate=create_model_dropout_rate, compile_and_train=compile_and_train,
                         SEED=1, train_labels=np.zeros((4, 10)), val_images=np.zeros((16, 32, 32, 3), dtype="uint8"),
                         val_labels=np.zeros((16, 10)))
    return namespace


CHECKED = ["per_class", "dropout_rates", "deeper"]


@pytest.mark.parametrize("name", CHECKED)
def test_the_recorded_answers_are_correct(name):
    exercise = getattr(episode07, name)
    verdict = run_filled(exercise, exercise.answers, namespace_before(name))
    assert verdict.startswith("Correct!"), verdict


@pytest.mark.parametrize("name", CHECKED)
def test_empty_blanks_are_reported_as_not_yet_done(name):
    verdict = run_filled(getattr(episode07, name), [], namespace_before(name))
    assert verdict.startswith("Not yet:"), verdict


RATES = "[0.0, 0.25, 0.5, 0.75, 0.9]"

WRONG_ANSWERS = [
    ("per_class", ["matrix", "matrix", "0"], "you divided by the column totals (axis=0)"),
    ("per_class", ["test_labels", "matrix", "1"], "for airplane you have 0.200 instead of 0.600"),
    ("per_class", ["probabilities", "matrix", "1"], "np.diag(matrix) / matrix.sum(axis=1)"),
    ("per_class", ["matrix", "matrix", "(0, 1)"], "the total of the whole matrix"),
    ("dropout_rates", [RATES, "rate", "train_images[:DROPOUT_SUBSET]", "train_labels[:DROPOUT_SUBSET]"],
     "measure each model on the validation set"),
    ("dropout_rates", ["[0.1, 0.5, 0.9]", "rate", "val_images", "val_labels"],
     "has the rates [0.1, 0.5, 0.9]; the challenge asks for [0.0, 0.25, 0.5, 0.75, 0.9]"),
    ("dropout_rates", [RATES, "0.5", "val_images", "val_labels"],
     "pass the loop's rate to create_model_dropout_rate(rate)"),
    ("deeper", ['x = keras.layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)'],
     "the Conv2D layer has padding='same'; the challenge asks for 'valid'"),
    ("deeper", ['x = keras.layers.Conv2D(64, (3, 3), activation="relu")(x)'],
     "the Conv2D layer has filters=64; the challenge asks for 32"),
    ("deeper", ["pass"], 'Layer 6 after the input is Flatten(), where the challenge has Conv2D(32, (3, 3)'),
    ("deeper", ['# x = keras.layers.Conv2D(32, (3, 3), activation="relu")(x)'], "Layer 6 after the input is Flatten()"),
]


@pytest.mark.parametrize("name, answers, message", WRONG_ANSWERS)
def test_typical_wrong_answers_get_a_specific_message(name, answers, message):
    verdict = run_filled(getattr(episode07, name), answers, namespace_before(name))
    assert verdict.startswith("Not quite:") and message in verdict, verdict


def test_the_confirmations_do_not_depend_on_the_data():
    """The notebooks run on 2,000 images in the tests and 50,000 in full; the stored output must not change."""
    namespace = namespace_before("per_class")
    run_filled(episode07.per_class, episode07.per_class.answers, namespace)
    verdict = episode07.per_class.verdict(namespace)
    namespace["matrix"] = namespace["matrix"] * 7
    namespace["per_class_accuracy"] = pd.Series(np.diag(namespace["matrix"]) / namespace["matrix"].sum(axis=1))
    assert episode07.per_class.verdict(namespace) == verdict


@pytest.mark.parametrize("name", ["good_test_set", "read_confusion", "plan_next"])
def test_discussion_challenges_point_to_the_solution(name):
    assert "solution()" in getattr(episode07, name).verdict({})
