"""Checks of episode 05 that the general notebook tests do not make.

The worked examples (optimizer settings, losses, metric names) must be stored
as computed, and the episode must save the intro model that episodes 06 and 07
load.
"""

import re
from pathlib import Path

import pytest

from episode_files import code, markdown, read_episode, stored_text

EPISODE = Path(__file__).resolve().parent.parent / "episodes" / "05-compile-train.ipynb"


@pytest.fixture(scope="module")
def notebook():
    return read_episode(EPISODE.name)


def test_worked_examples_are_stored(notebook):
    text = stored_text(notebook)
    for line in ("learning_rate = 0.001", "beta_1 = 0.9", "beta_2 = 0.999", "epsilon = 1e-07",
                 "SGD: learning_rate = 0.01, momentum = 0.9",
                 "RMSprop: learning_rate = 0.001, rho = 0.9, epsilon = 1e-07"):
        assert line in text, line
    assert "CategoricalCrossentropy:       1.1175" in text
    assert "SparseCategoricalCrossentropy: 1.1175" in text
    assert "logits, from_logits=True:            1.1250" in text
    assert "softmax first, then the default:     1.1250" in text


def test_history_keys_follow_the_metric_names(notebook):
    text = stored_text(notebook)
    assert "['categorical_accuracy', 'loss', 'val_categorical_accuracy', 'val_loss']" in text
    assert "['accuracy', 'loss', 'val_accuracy', 'val_loss']" in text


def test_the_episode_saves_the_intro_model(notebook):
    assert '.save("fit_outputs/model_intro.keras")' in code(notebook)
    assert "saved fit_outputs/model_intro.keras: True" in stored_text(notebook)


def test_tensorboard_is_logged_but_only_shown_in_markdown(notebook):
    assert "keras.callbacks.TensorBoard(" in code(notebook)
    assert 'Path("logs") / "fit"' in code(notebook)
    text = markdown(notebook)
    assert "%load_ext tensorboard" in text and "%tensorboard --logdir logs/fit" in text
    assert "tensorboard --logdir episodes/logs/fit" in text
    assert "%tensorboard" not in code(notebook)
    assert "['train', 'validation']" in stored_text(notebook)


def test_stored_outputs_come_from_a_full_run(notebook):
    text = stored_text(notebook)
    assert "training:   (40000, 32, 32, 3) uint8 (40000, 10)" in text
    assert text.count("1250/1250") == 10  # the intro model, ten epochs


def test_no_placeholder_is_left_in_the_text(notebook):
    assert not re.search(r"\bXX\b|\{[A-Z_]+\}", markdown(notebook))
