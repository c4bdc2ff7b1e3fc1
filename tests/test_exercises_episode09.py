"""The self-checks of episode 09 (and episode 01) accept the recorded answers and explain typical wrong ones."""

from functools import cache
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from exercise_runs import run_filled
from helpers.data import CLASS_NAMES, cat_photo_path
from helpers.exercises import episode01, episode09
from helpers.models import create_model_dropout, create_model_intro

# Saving weights converts TensorFlow variables with np.array(x, copy=False), which NumPy 2 flags;
# a notebook never shows this warning (it is raised inside keras, not in __main__).
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


class FakeModel:
    """Stands in for ``reloaded``: predicts the same probabilities for every image, without a network."""

    def predict(self, images, verbose=0):
        return np.full((len(images), len(CLASS_NAMES)), 1 / len(CLASS_NAMES))


@cache
def base_network(name, **settings):
    """A keras.applications network, built once for this module: building EfficientNetB0 takes a while."""
    return getattr(keras.applications, name)(**settings)


# keras as the another_base cell sees it, with keras.applications handing out the networks built once.
KERAS_WITH_CACHED_BASES = SimpleNamespace(
    applications=SimpleNamespace(
        EfficientNetB0=lambda **settings: base_network("EfficientNetB0", **settings),
        MobileNetV3Small=lambda **settings: base_network("MobileNetV3Small", **settings),
    ),
    Input=keras.Input, layers=keras.layers, Model=keras.Model,
)


@pytest.fixture
def namespace_before(tmp_path, monkeypatch):
    """A function that returns a fresh namespace holding what the notebook holds just before a challenge."""
    monkeypatch.chdir(tmp_path)  # the weights_only cell writes into fit_outputs/
    (tmp_path / "fit_outputs").mkdir()

    def namespace(name):
        values = {"keras": keras, "np": np, "CLASS_NAMES": CLASS_NAMES, "cat_photo_path": cat_photo_path,
                  "create_model_dropout": create_model_dropout}
        if name == "weights_only":
            test_images = np.random.default_rng(0).integers(0, 256, (120, 32, 32, 3), dtype="uint8")
            model = create_model_dropout()
            values.update(model=model, test_images=test_images, create_model_intro=create_model_intro,
                          original_probabilities=model.predict(test_images[:100], verbose=0))
        if name == "crop":
            values["reloaded"] = FakeModel()
        if name == "another_base":
            values["keras"] = KERAS_WITH_CACHED_BASES
        return values

    return namespace


CHECKED = ["weights_only", "crop", "another_base"]


@pytest.mark.parametrize("name", CHECKED)
def test_the_recorded_answers_are_correct(name, namespace_before):
    exercise = getattr(episode09, name)
    verdict = run_filled(exercise, exercise.answers, namespace_before(name))
    assert verdict.startswith("Correct!"), verdict


@pytest.mark.parametrize("name", CHECKED)
def test_empty_blanks_are_reported_as_not_yet_done(name, namespace_before):
    verdict = run_filled(getattr(episode09, name), [], namespace_before(name))
    assert verdict.startswith("Not yet:"), verdict


WRONG_ANSWERS = [
    ("weights_only", ["save_weights", "create_model_dropout", "load_weights", "test_images", "compiled"],
     "fresh_probabilities has shape (120, 10), original_probabilities (100, 10)"),
    ("weights_only", ["save_weights", "create_model_dropout", "save_weights", "test_images[:100]", "compiled"],
     "fresh does not have model's weights"),
    ("crop", ["(32, 32)", "False", "np.newaxis", "square_batch"], "square_batch is the squashed photo"),
    ("crop", ["(32, 32)", "True", ":", "square_batch"], "(32, 32, 3), one image without a batch axis"),
    ("crop", ["(64, 64)", "True", "np.newaxis", "square_batch"],
     "square_batch has shape (1, 64, 64, 3), expected (1, 32, 32, 3)"),
    ("another_base", ["MobileNetV3Small", "False", "False", "trainable_weights"],
     "base_b0 is MobileNetV3Small; the challenge asks for keras.applications.EfficientNetB0"),
    ("another_base", ["EfficientNetB0", "False", "True", "trainable_weights"], "base_b0 is still trainable"),
    ("another_base", ["EfficientNetB0", "False", "False", "weights"],
     "every parameter of transfer_b0, frozen or not"),
]


@pytest.mark.parametrize("name, answers, message", WRONG_ANSWERS)
def test_typical_wrong_answers_get_a_specific_message(name, answers, message, namespace_before):
    verdict = run_filled(getattr(episode09, name), answers, namespace_before(name))
    assert verdict.startswith("Not quite:") and message in verdict, verdict


def test_a_fresh_model_of_another_architecture_is_named(namespace_before):
    """create_model_intro's layers do not fit the weights: load_weights fails, and the earlier predictions stay."""
    namespace = namespace_before("weights_only")
    answers = list(episode09.weights_only.answers)
    run_filled(episode09.weights_only, answers, namespace)
    answers[1] = "create_model_intro"
    verdict = run_filled(episode09.weights_only, answers, namespace)
    assert verdict.startswith("Not quite:") and "build fresh with create_model_dropout()" in verdict, verdict


def test_real_run_points_to_the_solution():
    assert "solution()" in episode09.real_run.verdict({})


def test_episode01_explore_data_points_to_the_solution():
    assert "solution()" in episode01.explore_data.verdict({})
