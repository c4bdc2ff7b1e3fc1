"""Every challenge's check on what a learner might answer: the recorded answer, nothing, and typical mistakes.

The same tests for every episode, run over the answer key. What differs between
the challenges is data, in exercise_cases.py: what the notebook holds before
each challenge, and the feedback each wrong answer must get.
"""

import keras
import numpy as np
import pandas as pd
import pytest

import exercise_cases
from exercise_cases import AFTER_THE_RECORDED_ANSWER, CONFIRMATIONS, OTHER_CELLS, WRONG_ANSWERS
from exercise_runs import define_as_in_notebook, exercise_of, run_cell, run_filled
from helpers.data import PIMA_COLUMNS
from helpers.exercises import answer_key

# Saving weights converts TensorFlow variables with np.array(x, copy=False), which NumPy 2 flags;
# a notebook never shows this warning (it is raised inside keras, not in __main__).
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

CHALLENGES = [(episode, name, entry["blank"] is not None)
              for episode, entries in answer_key().items() for name, entry in entries.items()]
CHECKED = [pytest.param(episode, name, id=f"{episode}-{name}") for episode, name, checked in CHALLENGES if checked]
DISCUSSED = [pytest.param(episode, name, id=f"{episode}-{name}") for episode, name, checked in CHALLENGES
             if not checked]
# Cases that train the intro model for 32 epochs.
SLOW = {"batch_size and epochs are swapped"}


def cases(rows, feedback=lambda row: row[-1]):
    """pytest parameters for rows that start with the episode and the challenge, named by the feedback they expect."""
    return [pytest.param(*row, id=f"{row[0]}-{row[1]}: {feedback(row)}",
                         marks=[pytest.mark.slow] if feedback(row) in SLOW else [])
            for row in rows]


@pytest.fixture
def namespace_before(tmp_path, monkeypatch):
    """A function that returns a fresh namespace holding what the notebook holds before a challenge.

    The cells run in tmp_path, where the namespace keeps its files.
    """
    monkeypatch.chdir(tmp_path)
    return lambda episode, name: exercise_cases.namespace_before(episode, name, tmp_path)


@pytest.mark.parametrize("episode, name", CHECKED)
def test_the_recorded_answers_are_correct(episode, name, namespace_before):
    exercise = exercise_of(episode, name)
    verdict = run_filled(exercise, exercise.answers, namespace_before(episode, name))
    assert verdict.startswith("Correct!"), verdict
    if (episode, name) in CONFIRMATIONS:
        assert verdict == f"Correct! {CONFIRMATIONS[episode, name]}"


@pytest.mark.parametrize("episode, name", CHECKED)
def test_empty_blanks_are_reported_as_not_yet_done(episode, name, namespace_before):
    verdict = run_filled(exercise_of(episode, name), [], namespace_before(episode, name))
    assert verdict.startswith("Not yet:"), verdict


@pytest.mark.parametrize("episode, name", CHECKED)
def test_every_checked_challenge_is_tried_with_at_least_two_typical_wrong_answers(episode, name):
    assert len(WRONG_ANSWERS.get((episode, name), [])) >= 2


@pytest.mark.parametrize("episode, name, answers, message",
                         cases((*challenge, *case) for challenge, table in WRONG_ANSWERS.items() for case in table))
def test_typical_wrong_answers_get_a_specific_message(episode, name, answers, message, namespace_before):
    verdict = run_filled(exercise_of(episode, name), answers, namespace_before(episode, name))
    assert verdict.startswith("Not quite:") and message in verdict, verdict


@pytest.mark.parametrize("episode, name, source, opening, fragments",
                         cases(OTHER_CELLS, feedback=lambda row: " ".join([row[3], *row[4]])))
def test_cells_written_another_way_get_their_own_verdict(episode, name, source, opening, fragments, namespace_before):
    verdict = run_cell(exercise_of(episode, name), source, namespace_before(episode, name))
    assert verdict.startswith(opening) and all(fragment in verdict for fragment in fragments), verdict


@pytest.mark.parametrize("episode, name, answers, message", cases(AFTER_THE_RECORDED_ANSWER))
def test_running_the_cell_again_after_the_recorded_answer_is_explained(episode, name, answers, message,
                                                                       namespace_before):
    exercise = exercise_of(episode, name)
    namespace = namespace_before(episode, name)
    run_filled(exercise, exercise.answers, namespace)
    verdict = run_filled(exercise, answers, namespace)
    assert verdict.startswith("Not quite:") and message in verdict, verdict


@pytest.mark.parametrize("episode, name", DISCUSSED)
def test_discussion_challenges_point_to_the_solution(episode, name):
    assert f"exercises.{name}.solution()" in exercise_of(episode, name).verdict({})


def test_checking_a_split_without_random_state_leaves_the_random_numbers_alone(namespace_before):
    namespace = namespace_before("02", "write_prepare_dataset")
    np.random.seed(7)
    expected = np.random.random()
    np.random.seed(7)
    run_filled(exercise_of("02", "write_prepare_dataset"),
               ["to_categorical", "len(CLASS_NAMES)", "train_labels", "0.2", "None"], namespace)
    assert np.random.random() == expected


def test_learning_rates_reads_the_histories_of_real_models():
    """The notebook's own Pima networks, each trained for one epoch on a few rows, instead of the stand-in."""
    notebook = define_as_in_notebook("04", ["create_model_pima", "new_pima_model"],
                                     {"keras": keras, "PIMA_COLUMNS": PIMA_COLUMNS})
    features = np.random.default_rng(0).normal(size=(16, len(PIMA_COLUMNS))).astype("float32")
    outcome = np.arange(16, dtype="float32") % 2
    exercise = exercise_of("04", "learning_rates")
    more_histories = {rate: notebook["new_pima_model"](keras.optimizers.SGD(learning_rate=rate)).fit(
                          features, outcome, epochs=1, batch_size=8, verbose=0)
                      for rate in exercise.answer(0)}
    assert exercise.verdict({"more_histories": more_histories}).startswith("Correct!")


def test_the_per_class_confirmation_does_not_depend_on_the_data(namespace_before):
    """The notebooks run on 2,000 images in the tests and 50,000 in full; the stored output must not change."""
    exercise = exercise_of("07", "per_class")
    namespace = namespace_before("07", "per_class")
    verdict = run_filled(exercise, exercise.answers, namespace)
    namespace["matrix"] = namespace["matrix"] * 7
    namespace["per_class_accuracy"] = pd.Series(np.diag(namespace["matrix"]) / namespace["matrix"].sum(axis=1))
    assert exercise.verdict(namespace) == verdict
