"""Checks of episode 05 that the general notebook tests do not make.

The worked examples (optimizer settings, losses, the dropout layer, the
weight penalties) must be stored as computed; the episode must write the two
models that episode 06 loads; and the model it tells episode 06 to load must
be the one that did best in the stored full-mode run.
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
    assert "training=True:  [[2. 0. 2. 0. 0. 0. 0. 2. 0. 2.]]" in text
    assert "training=False: [[1. 1. 1. 1. 1. 1. 1. 1. 1. 1.]]" in text
    assert "= 0.0350" in text and "= 0.0525" in text
    assert "79,722 parameters: 79,626 trainable, 96 non-trainable" in text
    assert "Total params: 33,834" in text


def test_history_keys_follow_the_metric_names(notebook):
    text = stored_text(notebook)
    assert "['categorical_accuracy', 'loss', 'val_categorical_accuracy', 'val_loss']" in text
    assert "['accuracy', 'loss', 'val_accuracy', 'val_loss']" in text


def test_the_text_matches_the_dropout_demonstration(notebook):
    """The text says how many of the ten values were dropped; the stored output must agree."""
    shown = re.search(r"training=True:  \[\[([0-9. ]+)\]\]", stored_text(notebook)).group(1).split()
    dropped = shown.count("0.")
    words = {4: "four", 5: "five", 6: "six"}
    assert f"{words[dropped]} of the ten values became 0" in markdown(notebook)


def test_the_episode_defines_its_models(notebook):
    for name in ("create_model_dropout", "create_model_l2", "create_model_batchnorm", "create_model_augmented"):
        assert f"def {name}():" in code(notebook), name


def test_the_episode_saves_the_models_episode_06_loads(notebook):
    text = stored_text(notebook)
    for path in ("fit_outputs/model_intro.keras", "fit_outputs/model_dropout.keras"):
        assert f'.save("{path}")' in code(notebook)
        assert f"saved {path}: True" in text


def test_tensorboard_is_logged_but_only_shown_in_markdown(notebook):
    assert "keras.callbacks.TensorBoard(" in code(notebook)
    assert 'Path("logs") / "fit"' in code(notebook)
    text = markdown(notebook)
    assert "%load_ext tensorboard" in text and "%tensorboard --logdir logs/fit" in text
    assert "tensorboard --logdir episodes/logs/fit" in text
    assert "%tensorboard" not in code(notebook)
    assert "['train', 'validation']" in stored_text(notebook)


def test_the_regularisation_demos_are_all_run(notebook):
    text = stored_text(notebook)
    for name in ("intro (baseline)", "L2 penalty", "batch normalisation", "data augmentation", "early stopping"):
        assert re.search(rf"{re.escape(name)}: \d+ epochs on 10,000 images", text), name
    assert "restore_best_weights=True" in code(notebook)


def test_stored_outputs_come_from_a_full_run(notebook):
    text = stored_text(notebook)
    assert "training:   (40000, 32, 32, 3) uint8 (40000, 10)" in text
    assert text.count("1250/1250") == 20  # two models, ten epochs each


def test_no_placeholder_is_left_in_the_text(notebook):
    assert not re.search(r"\bXX\b|\{[A-Z_]+\}", markdown(notebook))


def test_the_model_chosen_for_episode_06_did_best(notebook):
    choice = re.search(r"episode 06 loads `(fit_outputs/model_\w+\.keras)`", markdown(notebook))
    assert choice, "the text should name the file episode 06 loads"
    stored = stored_text(notebook)
    best = re.search(r"highest: (fit_outputs/model_\w+\.keras)", stored)
    assert best and best.group(1) == choice.group(1)
    accuracies = dict(re.findall(r"(fit_outputs/model_\w+\.keras): validation accuracy (0\.\d{3})", stored))
    choice_paragraph = next(cell.source for cell in notebook.cells
                            if cell.cell_type == "markdown" and "episode 06 loads" in cell.source)
    for number in re.findall(r"\b0\.\d{3}\b", choice_paragraph):
        assert number in accuracies.values(), f"{number} is not a stored validation accuracy"
