"""The self-checks of episode 10 accept the recorded answers and explain typical wrong ones."""

import json

import keras
import numpy as np
import pandas as pd
import pytest

from exercise_runs import run_filled
from helpers.data import CLASS_NAMES
from helpers.exercises import episode10


@pytest.fixture
def namespace(tmp_path):
    """What the notebook holds before the challenges: a finished run's folder and its metrics."""
    history = pd.DataFrame({"val_categorical_accuracy": [0.7, 0.81], "training_seconds": [80.0, 160.0]})
    history.to_csv(tmp_path / "history.csv", index=False)
    metrics = {"time_to_accuracy": {"0.70": 80.0, "0.80": 160.0, "0.85": None}}
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    return {"keras": keras, "np": np, "pd": pd, "CLASS_NAMES": CLASS_NAMES, "fast_folder": tmp_path,
            "fast_metrics": metrics}


@pytest.mark.parametrize("exercise", [episode10.time_to_reach, episode10.smoothed_target])
def test_the_recorded_answers_are_correct(exercise, namespace):
    verdict = run_filled(exercise, exercise.answers, namespace)
    assert verdict.startswith("Correct!"), verdict


@pytest.mark.parametrize("exercise", [episode10.time_to_reach, episode10.smoothed_target])
def test_empty_blanks_are_reported_as_not_yet_done(exercise, namespace):
    assert run_filled(exercise, [], namespace).startswith("Not yet:")


TIME = episode10.time_to_reach.answers
SMOOTHED = episode10.smoothed_target.answers

WRONG_ANSWERS = [
    (episode10.time_to_reach, ["accuracy", "0", "0"], "instead of None: when no epoch reaches the accuracy"),
    (episode10.time_to_reach, ["accuracy", "None", "-1"], "take the first epoch that reached the accuracy"),
    (episode10.time_to_reach, ["accuracy + 0.001", "None", "0"], "an epoch that ends exactly at 0.80 counts"),
    (episode10.smoothed_target, ['"ship"', "0.2", "0.2"], "with a smoothing of 0.1 it should be 0.91 and 0.01"),
    (episode10.smoothed_target, ['"cat"', "0.1", "0.1"], "belongs to cat, not ship"),
    (episode10.smoothed_target, ['"ship"', "0.1", "0"], "add 0.1 / 10"),
]


@pytest.mark.parametrize("exercise, answers, message", WRONG_ANSWERS)
def test_typical_wrong_answers_get_a_specific_message(exercise, answers, message, namespace):
    verdict = run_filled(exercise, answers, namespace)
    assert verdict.startswith("Not quite:") and message in verdict, verdict


def test_a_value_instead_of_a_function_is_explained():
    verdict = episode10.time_to_reach.verdict({"seconds_to_reach": 160.0, "_ih": ["", "x = 1", "check"]})
    assert verdict.startswith("Not quite:") and "def seconds_to_reach(history, accuracy)" in verdict


def test_the_discussion_challenge_points_to_the_solution():
    assert "solution()" in episode10.slower_laptop.verdict({})
