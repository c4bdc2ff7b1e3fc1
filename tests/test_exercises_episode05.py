"""The self-checks of episode 05 accept the recorded answers and explain typical wrong ones.

``train_intro`` trains a real intro model, on 40 blank images so that it is quick.
"""

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from exercise_runs import run_cell, run_filled
from helpers.data import CLASS_NAMES
from helpers.exercises import episode05
from helpers.models import create_model_intro

CHECKED = ["compile_intro", "train_intro"]


def one_hot(count):
    return keras.utils.to_categorical(np.arange(count) % len(CLASS_NAMES), num_classes=len(CLASS_NAMES))


def compiled_intro_model():
    model = create_model_intro()
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.CategoricalCrossentropy(),
                  metrics=[keras.metrics.CategoricalAccuracy()])
    return model


def namespace_before(name):
    """A fresh namespace holding what the notebook holds just before challenge ``name``."""
    namespace = {"keras": keras, "np": np, "plt": plt, "CLASS_NAMES": CLASS_NAMES, "create_model_intro": create_model_intro,
                 "train_images": np.zeros((40, 32, 32, 3), dtype="uint8"), "train_labels": one_hot(40),
                 "val_images": np.zeros((16, 32, 32, 3), dtype="uint8"), "val_labels": one_hot(16)}
    if name == "train_intro":
        namespace.update(model_intro=compiled_intro_model(),
                         tensorboard_intro=keras.callbacks.Callback())  # a callback that logs nothing
    return namespace




@pytest.mark.parametrize("name", CHECKED)
def test_the_recorded_answers_are_correct(name):
    exercise = getattr(episode05, name)
    verdict = run_filled(exercise, exercise.answers, namespace_before(name))
    assert verdict.startswith("Correct!"), verdict


@pytest.mark.parametrize("name", CHECKED)
def test_empty_blanks_are_reported_as_not_yet_done(name):
    verdict = run_filled(getattr(episode05, name), [], namespace_before(name))
    assert verdict.startswith("Not yet:")


ADAM, LOSS, METRICS = episode05.compile_intro.answers

WRONG_ANSWERS = [
    ("compile_intro", [ADAM, "keras.losses.SparseCategoricalCrossentropy()", METRICS],
     "SparseCategoricalCrossentropy expects class numbers, but our labels are one-hot rows"),
    ("compile_intro", [ADAM, LOSS, "keras.metrics.CategoricalAccuracy()"],
     "model_intro is built but not compiled: compile stopped with an error"),
    ("compile_intro", [ADAM, "keras.losses.CategoricalCrossentropy(from_logits=True)", METRICS],
     "the loss has from_logits=True, but the intro model ends in softmax"),
    ("compile_intro", ["keras.optimizers.SGD()", LOSS, METRICS],
     "model_intro uses the SGD optimizer; the challenge asks for Adam"),
    ("compile_intro", ["keras.optimizers.Adam(learning_rate=0.01)", LOSS, METRICS],
     "Adam's learning rate is 0.01; the challenge asks for its default settings (0.001)"),
    ("compile_intro", [ADAM, LOSS, '["accuracy"]'], 'the later cells read "categorical_accuracy"'),
    ("compile_intro", [ADAM, "keras.losses.MeanSquaredError()", METRICS], "the loss is MeanSquaredError"),
    ("train_intro", ["32", "1", "(val_images, val_labels)"], "fit ran 1 epoch; the challenge asks for 10"),
    ("train_intro", ["64", "10", "(val_images, val_labels)"],
     "fit took 1 step per epoch, where batches of 32 images make 2: its batches held more than 32 images"),
    ("train_intro", ["32", "10", "None"], "history_intro has no val_loss: fit ran without validation data"),
    ("train_intro", ["10", "32", "(val_images, val_labels)"], "batch_size and epochs are swapped"),
]


@pytest.mark.parametrize("name, answers, message", WRONG_ANSWERS)
def test_typical_wrong_answers_get_a_specific_message(name, answers, message):
    verdict = run_filled(getattr(episode05, name), answers, namespace_before(name))
    assert verdict.startswith("Not quite:") and message in verdict, verdict


def test_compiling_with_names_instead_of_objects_is_accepted():
    source = ('model_intro = create_model_intro()\n'
              'model_intro.compile(optimizer="adam", loss="categorical_crossentropy",\n'
              '                    metrics=["categorical_accuracy"])')
    verdict = run_cell(episode05.compile_intro, source, namespace_before("compile_intro"))
    assert verdict.startswith("Correct!"), verdict


def test_keeping_what_compile_returns_is_explained():
    source = ("model_intro = create_model_intro()\n"
              f"model_intro = model_intro.compile(optimizer={ADAM}, loss={LOSS}, metrics={METRICS})")
    verdict = run_cell(episode05.compile_intro, source, namespace_before("compile_intro"))
    assert verdict.startswith("Not quite:") and "compile changes the model itself and returns None" in verdict


@pytest.mark.parametrize("name", ["read_curves"])
def test_discussion_challenges_point_to_the_solution(name):
    assert "solution()" in getattr(episode05, name).verdict({})
