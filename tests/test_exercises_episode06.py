"""The self-checks of episode 06 accept the recorded answers and explain typical wrong ones."""

import keras
import numpy as np
import pytest

from exercise_runs import run_filled
from helpers.data import CLASS_NAMES
from helpers.exercises import episode06


def namespace_before(name):
    """A fresh namespace holding what the notebook holds just before challenge ``name``."""
    return {"keras": keras, "np": np, "CLASS_NAMES": CLASS_NAMES,
            "train_images": np.zeros((40, 32, 32, 3), dtype="uint8")}


DROPOUT_MODEL = episode06.dropout_model.answers


def test_the_recorded_answer_is_correct():
    verdict = run_filled(episode06.dropout_model, DROPOUT_MODEL, namespace_before("dropout_model"))
    assert verdict.startswith("Correct!"), verdict


def test_empty_blanks_are_reported_as_not_yet_done():
    verdict = run_filled(episode06.dropout_model, [], namespace_before("dropout_model"))
    assert verdict.startswith("Not yet:")


WRONG_ANSWERS = [
    ("dropout_model", ["32", *DROPOUT_MODEL[1:]], "the Conv2D layer has filters=32; the challenge asks for 64"),
    ("dropout_model", ["64", "Dropout", "0.2", *DROPOUT_MODEL[3:]],
     "the Dropout layer has rate=0.2; the challenge asks for 0.5"),
    ("dropout_model", [*DROPOUT_MODEL[:4], '"relu"'],
     "the output layer uses relu; a classifier over 10 classes needs softmax"),
    ("dropout_model", ["64", "BatchNormalization", "", *DROPOUT_MODEL[3:]],
     "Layer 7 after the input is BatchNormalization(), where the challenge has Dropout(0.5)"),
]


@pytest.mark.parametrize("name, answers, message", WRONG_ANSWERS)
def test_typical_wrong_answers_get_a_specific_message(name, answers, message):
    verdict = run_filled(getattr(episode06, name), answers, namespace_before(name))
    assert verdict.startswith("Not quite:") and message in verdict, verdict


def test_the_discussion_challenge_points_to_the_solution():
    assert "solution()" in episode06.read_regularisation.verdict({})
