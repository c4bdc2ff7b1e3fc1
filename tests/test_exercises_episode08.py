"""The self-checks of episode 08 accept the recorded answers and explain typical wrong ones.

The namespace holds a small stand-in for the episode's base (one convolution and
global average pooling, 8 features) and copies of the episode's ``with_new_head`` and
``train_on_few``, run on a few random images, so the checks see real Keras models.
"""

import keras
import numpy as np
import pytest

from exercise_runs import run_filled
from helpers.data import NEW_CLASSES
from helpers.exercises import episode08


def small_base():
    inputs = keras.Input(shape=(8, 8, 3))
    x = keras.layers.Conv2D(8, (3, 3), activation="relu")(inputs)
    x = keras.layers.BatchNormalization()(x)
    features = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs=inputs, outputs=features, name="base")


def with_new_head(base, num_classes):
    inputs = keras.Input(shape=base.input.shape[1:])
    x = keras.layers.Dropout(0.3)(base(inputs, training=False))
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="transfer_model")


def trainer(results):
    """Like the episode's train_on_few: compile with Adam at learning_rate, train briefly, keep a row in results."""

    def train_on_few(name, model, learning_rate, epochs):
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="categorical_crossentropy")
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (10, 8, 8, 3)).astype("uint8")
        model.fit(images, np.eye(5)[rng.integers(0, 5, 10)], epochs=1, verbose=0)
        results[name] = {"epochs": epochs, "test accuracy": 0.5}

    return train_on_few


def namespace_before(name):
    """A fresh namespace holding what the notebook holds just before challenge ``name``."""
    keras.backend.clear_session()
    results = {"from scratch": {"epochs": 40, "test accuracy": 0.5}}
    namespace = {"keras": keras, "np": np, "NEW_CLASSES": NEW_CLASSES, "SEED": 1, "base": small_base(),
                 "with_new_head": with_new_head, "train_on_few": trainer(results), "results": results}
    if name == "fine_tune":
        namespace["base"].trainable = False
        namespace["transfer_model"] = with_new_head(namespace["base"], 5)
        namespace["train_on_few"]("frozen base, new head", namespace["transfer_model"], 3e-3, 40)
    return namespace


CHECKED = ["freeze", "fine_tune"]


@pytest.mark.parametrize("name", CHECKED)
def test_the_recorded_answers_are_correct(name):
    exercise = getattr(episode08, name)
    verdict = run_filled(exercise, exercise.answers, namespace_before(name))
    assert verdict.startswith("Correct!"), verdict


@pytest.mark.parametrize("name", CHECKED)
def test_empty_blanks_are_reported_as_not_yet_done(name):
    verdict = run_filled(getattr(episode08, name), [], namespace_before(name))
    assert verdict.startswith("Not yet:"), verdict


def test_the_freeze_confirmation_counts_the_heads_weights():
    verdict = run_filled(episode08.freeze, episode08.freeze.answers, namespace_before("freeze"))
    assert "8 × 5 + 5 = 45 weights" in verdict, verdict  # the batch normalisation's weights stay frozen too


WRONG_ANSWERS = [
    ("freeze", ["True", "len(NEW_CLASSES)"], "base.trainable is still True"),
    ("freeze", ["False", "10"], "the new head has 10 outputs, but there are 5 new classes"),
    ("fine_tune", ["False", "3e-4"], "the base is still frozen"),
    ("fine_tune", ["True", "3e-3"], "at least as large as the head's 0.003"),
    ("fine_tune", ["True", "1e-2"], "at least as large as the head's 0.003"),
    ("fine_tune", ["True", "1e-4"], "compiled with the learning rate 0.0001"),
]


@pytest.mark.parametrize("name, answers, message", WRONG_ANSWERS)
def test_typical_wrong_answers_get_a_specific_message(name, answers, message):
    verdict = run_filled(getattr(episode08, name), answers, namespace_before(name))
    assert verdict.startswith("Not quite:") and message in verdict, verdict


def test_fine_tuning_with_trainable_batch_normalisation_is_named():
    namespace = namespace_before("fine_tune")
    source = episode08.fine_tune.entry["blank"]
    loop = source[source.index("for layer"):source.index("train_on_few")]
    from exercise_runs import fill, run_cell

    verdict = run_cell(episode08.fine_tune, fill(source.replace(loop, ""), episode08.fine_tune.answers), namespace)
    assert verdict.startswith("Not quite:") and "batch normalisation layers" in verdict, verdict


def test_fine_tuning_for_another_number_of_epochs_is_named():
    namespace = namespace_before("fine_tune")
    source = episode08.fine_tune.entry["blank"].replace("epochs=20", "epochs=10")
    from exercise_runs import run_cell, fill

    verdict = run_cell(episode08.fine_tune, fill(source, episode08.fine_tune.answers), namespace)
    assert verdict.startswith("Not quite:") and "ran 10 epochs; the challenge asks for 20" in verdict, verdict


@pytest.mark.parametrize("name", ["mixed_halves", "plan_transfer"])
def test_discussion_challenges_point_to_the_solution(name):
    assert "solution()" in getattr(episode08, name).verdict({})
