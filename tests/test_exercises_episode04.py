"""The self-checks of episode 04 accept the recorded answers and explain typical wrong ones.

Nothing here trains for real except one test: the Pima network and the batch-size
runs are replaced by stand-ins that return at once what the notebook's would.
"""

import math

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns

from exercise_runs import run_filled
from helpers.exercises import episode04
from helpers.gradient_descent import descend
from helpers.models import create_model_pima
from helpers.plotting import plot_descent

CHECKED = ["step_size", "batch_sizes", "learning_rates"]
TRAINING_ROWS = 491  # the Pima training rows, as in the notebook


def loss(x):
    return (x - 3) ** 2


def gradient(x):
    return 2 * (x - 3)


def train_with_batch_size(batch_size, epochs=20):
    """Stands in for the notebook's function: the same kind of row, at once, without training."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise TypeError(f"batch_size should be a whole number; got {batch_size!r}")  # as fit would
    return {
        "batch size": batch_size,
        "updates per epoch": math.ceil(TRAINING_ROWS / batch_size),
        "training accuracy": 0.8,
        "test accuracy": 0.75,
        "training time (s)": round(20 / batch_size, 1),
    }


class PimaModelStandIn:
    """Stands in for the notebook's compiled Pima network.

    ``fit`` trains nothing, but returns a real ``keras.callbacks.History`` that
    knows its model, and through it the optimizer, as a real one does.
    """

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def fit(self, x, y, epochs=1, batch_size=32, validation_split=0.0, verbose="auto"):
        history = keras.callbacks.History()
        history.set_model(self)
        history.params = {"verbose": verbose, "epochs": epochs, "steps": math.ceil(len(x) * 0.8 / batch_size)}
        history.history = {name: list(np.linspace(0.7, 0.5, epochs))
                           for name in ["binary_accuracy", "loss", "val_binary_accuracy", "val_loss"]}
        return history


def combine_histories(histories):
    """The notebook's function: the histories as one table, with the epoch and the learning rate."""
    tables = []
    for rate, history in histories.items():
        table = pd.DataFrame(history.history)
        table["epoch"] = np.arange(1, len(table) + 1)
        table["learning rate"] = str(rate)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def plot_validation_curves(curves):
    sns.lineplot(data=curves, x="epoch", y="val_loss", hue="learning rate")


def namespace_before(name):
    """A fresh namespace holding what the notebook holds just before challenge ``name``."""
    namespace = {"keras": keras, "np": np, "pd": pd, "plt": plt, "sns": sns}
    if name == "step_size":  # the worked example before it: 25 steps at 0.05
        namespace.update(loss=loss, gradient=gradient, plot_descent=plot_descent, descend=descend,
                         learning_rate=0.05, iterations=25, positions=list(descend(1.0, 0.05, 25)))
    if name == "batch_sizes":
        namespace.update(train_with_batch_size=train_with_batch_size)
    if name == "learning_rates":
        rows = np.zeros((20, 8), dtype="float32")
        namespace.update(new_pima_model=PimaModelStandIn, x_train_scaled=rows, y_train=np.zeros(20, "float32"),
                         combine_histories=combine_histories, plot_validation_curves=plot_validation_curves,
                         learning_rate=0.05)  # left over from the backpropagation example
    return namespace


@pytest.mark.parametrize("name", CHECKED)
def test_the_recorded_answers_are_correct(name):
    exercise = getattr(episode04, name)
    verdict = run_filled(exercise, exercise.answers, namespace_before(name))
    assert verdict.startswith("Correct!"), verdict


def test_the_confirmation_of_step_size_names_the_rate_and_where_x_ended():
    verdict = run_filled(episode04.step_size, episode04.step_size.answers, namespace_before("step_size"))
    assert verdict == "Correct! After 25 steps at learning rate 0.01, x is 1.79."


@pytest.mark.parametrize("name", CHECKED)
def test_empty_blanks_are_reported_as_not_yet_done(name):
    verdict = run_filled(getattr(episode04, name), [], namespace_before(name))
    assert verdict.startswith("Not yet:")


WRONG_ANSWERS = [
    ("step_size", ["0.01", "25", "0.05"],
     "positions follow a learning rate of 0.05, but learning_rate is 0.01: use the variable learning_rate"),
    ("step_size", ["-0.1", "25", "learning_rate"], "learning_rate is -0.1: a negative rate steps uphill"),
    ("step_size", ["0", "25", "learning_rate"], "learning_rate is 0: every step moves x by 0 × the gradient"),
    ("step_size", ["0.01", "2.5", "learning_rate"], "iterations is 2.5; range() needs a whole number"),
    ("batch_sizes", ["[1, 100]", "batch_size", '"test accuracy"', '"training time (s)"'],
     "results has batch sizes [1, 100]; the challenge asks for [2, 8, 32, 128, 512]"),
    ("batch_sizes", ["[2, 8, 32, 128, 512]", "32", '"test accuracy"', '"training time (s)"'],
     "every row of results has batch size 32: pass the loop variable"),
    ("batch_sizes", ["[2, 8, 32, 128, 512]", '"batch_size"', '"test accuracy"', '"training time (s)"'],
     "results is still a list of 0 rows: the cell stopped before results = pd.DataFrame(results)"),
    ("learning_rates", ["[0.0001, 0.75]", "rate", "more_histories"],
     "more_histories has the learning rates [0.0001, 0.75]; the challenge asks for [0.001, 0.01, 0.1]"),
    ("learning_rates", ["[0.001, 0.01, 0.1]", "0.01", "more_histories"],
     "more_histories[0.001] was trained with learning rate 0.01: give the optimizer the loop variable"),
    ("learning_rates", ["[0.001, 0.01, 0.1]", "learning_rate", "more_histories"],
     "more_histories[0.001] was trained with learning rate 0.05"),
]


@pytest.mark.parametrize("name, answers, message", WRONG_ANSWERS)
def test_typical_wrong_answers_get_a_specific_message(name, answers, message):
    verdict = run_filled(getattr(episode04, name), answers, namespace_before(name))
    assert verdict.startswith("Not quite:") and message in verdict, verdict


def test_learning_rates_reads_the_histories_of_real_models():
    """The stand-in's History is the real class; here real networks train one epoch on a few rows."""
    features = np.random.default_rng(0).normal(size=(16, 8)).astype("float32")
    outcome = np.arange(16, dtype="float32") % 2
    more_histories = {}
    for rate in episode04.learning_rates.answer(0):
        model = create_model_pima()
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=rate), loss=keras.losses.BinaryCrossentropy())
        more_histories[rate] = model.fit(features, outcome, epochs=1, batch_size=8, verbose=0)
    assert episode04.learning_rates.verdict({"more_histories": more_histories}).startswith("Correct!")
