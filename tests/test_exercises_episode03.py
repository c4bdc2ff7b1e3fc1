"""The self-checks of episode 03 accept the recorded answers and explain typical wrong ones."""

import keras
import numpy as np
import pytest

from exercise_runs import run_cell, run_filled
from helpers.data import CLASS_NAMES
from helpers.exercises import episode03

# The notebook's state before each challenge, built up step by step as in the
# episode: every earlier challenge answered correctly.
BEFORE = {
    "padding": "",
    "input_layer": "",
    "first_conv": "inputs = keras.Input(shape=train_images.shape[1:])\nx = keras.layers.Rescaling(1 / 255)(inputs)",
}
LATER_STEPS = ["first_conv", "pooling", "flatten", "hidden_dense", "output_layer"]


def namespace_before(name):
    """A fresh namespace holding what the notebook holds just before challenge ``name``."""
    namespace = {"keras": keras, "np": np, "CLASS_NAMES": CLASS_NAMES,
                 "train_images": np.zeros((6, 32, 32, 3), dtype="uint8")}
    if name in BEFORE:
        exec(BEFORE[name], namespace)
        return namespace
    exec(BEFORE["first_conv"], namespace)
    for earlier in LATER_STEPS[:LATER_STEPS.index(name)]:
        exercise = getattr(episode03, earlier)
        assert run_filled(exercise, exercise.answers, namespace).startswith("Correct!")
    return namespace


CHECKED = ["padding", "input_layer", *LATER_STEPS]


@pytest.mark.parametrize("name", CHECKED)
def test_the_recorded_answers_are_correct(name):
    exercise = getattr(episode03, name)
    assert run_filled(exercise, exercise.answers, namespace_before(name)).startswith("Correct!")


@pytest.mark.parametrize("name", CHECKED)
def test_empty_blanks_are_reported_as_not_yet_done(name):
    verdict = run_filled(getattr(episode03, name), [], namespace_before(name))
    assert verdict.startswith("Not yet:")


WRONG_ANSWERS = [
    ("padding", ['"same"', '"valid"'], "swapped"),
    ("padding", ['"valid"', '"valid"'], "same has shape (None, 30, 30, 8), expected (None, 32, 32, 8)"),
    ("input_layer", ["train_images.shape"], "the first number of train_images.shape counts the images"),
    ("input_layer", ["train_images.shape[2:]"], "one image has shape (32, 32, 3)"),
    ("first_conv", ["32", "(3, 3)", '"relu"'], "filters=32; the challenge asks for 16"),
    ("first_conv", ["16", "(3, 3)", '"sigmoid"'], 'activation "sigmoid"; the challenge asks for "relu"'),
    ("first_conv", ["16", "(5, 5)", '"relu"'], "kernel_size=(5, 5)"),
    ("pooling", ["(3, 3)", "(2, 2)"], "pool_size=(3, 3)"),
    ("pooling", ["(2, 2)", "(1, 1)"], "pool_size=(1, 1)"),
    ("flatten", ["GlobalAveragePooling2D"], "GlobalAveragePooling2D"),
    ("flatten", ["Dense"], "still the output of MaxPooling2D((2, 2)): Flatten() is missing"),
    ("hidden_dense", ["10", '"relu"'], "units=10; the challenge asks for 64"),
    ("hidden_dense", ["64", '"softmax"'], 'activation "softmax"; the challenge asks for "relu"'),
    ("output_layer", ["len(CLASS_NAMES)", '"relu"'],
     "the output layer uses relu; a classifier over 10 classes needs softmax"),
    ("output_layer", ["1", '"softmax"'], "the output layer has 1 units; it needs one per class"),
]


@pytest.mark.parametrize("name, answers, message", WRONG_ANSWERS)
def test_typical_wrong_answers_get_a_specific_message(name, answers, message):
    verdict = run_filled(getattr(episode03, name), answers, namespace_before(name))
    assert verdict.startswith("Not quite:") and message in verdict, verdict


def test_a_cell_run_twice_is_noticed():
    namespace = namespace_before("first_conv")
    run_filled(episode03.first_conv, episode03.first_conv.answers, namespace)
    verdict = run_filled(episode03.first_conv, episode03.first_conv.answers, namespace)
    assert verdict.startswith("Not quite:") and "Did a cell run twice?" in verdict


def test_a_skipped_step_is_named():
    """The learner notebook before this issue: a pooling cell without the second convolution."""
    verdict = run_cell(episode03.pooling, "x = keras.layers.MaxPooling2D((2, 2))(x)", namespace_before("pooling"))
    assert "(None, 15, 15, 16)" in verdict and 'Conv2D(32, (3, 3), activation="relu"), MaxPooling2D((2, 2)) are missing' in verdict


@pytest.mark.parametrize("name", ["count_parameters", "read_comparison"])
def test_discussion_challenges_point_to_the_solution(name):
    assert "solution()" in getattr(episode03, name).verdict({})
