"""Checks of episode 06 that the general notebook tests do not make.

The worked examples (the dropout layer, the weight penalties, the batch
normalisation parameters) must be stored as computed; the episode must save
the model that episode 07 loads, and name the one that did best. The
conclusions the text draws from its experiments are pinned in
``test_experiment_conclusions.py``.
"""

import re
from pathlib import Path

import pytest

from episode_files import code, markdown, read_episode, stored_text

EPISODE = Path(__file__).resolve().parent.parent / "episodes" / "06-prevent-overfitting.ipynb"


@pytest.fixture(scope="module")
def notebook():
    return read_episode(EPISODE.name)


def test_worked_examples_are_stored(notebook):
    text = stored_text(notebook)
    assert "training=True:  [[2. 0. 2. 0. 0. 0. 0. 2. 0. 2.]]" in text
    assert "training=False: [[1. 1. 1. 1. 1. 1. 1. 1. 1. 1.]]" in text
    assert "= 0.0350" in text and "= 0.0525" in text
    assert "79,866 parameters: 79,642 trainable, 224 non-trainable" in text
    assert "Total params: 33,834" in text


def test_the_text_matches_the_dropout_demonstration(notebook):
    """The text says how many of the ten values were dropped; the stored output must agree."""
    shown = re.search(r"training=True:  \[\[([0-9. ]+)\]\]", stored_text(notebook)).group(1).split()
    dropped = shown.count("0.")
    words = {4: "four", 5: "five", 6: "six"}
    assert f"{words[dropped]} of the ten values became 0" in markdown(notebook)


def test_the_episode_defines_its_models(notebook):
    for name in ("create_model_intro_dropout", "create_model_l2", "create_model_augmented",
                 "create_model_batchnorm", "create_model_dropout"):
        assert f"def {name}():" in code(notebook), name


def test_every_regularisation_run_is_stored_from_a_full_run(notebook):
    text = stored_text(notebook)
    assert "training:   (40000, 32, 32, 3) uint8 (40000, 10)" in text
    for name in ("intro (baseline)", "dropout", "L2 penalty", "data augmentation", "early stopping"):
        assert re.search(rf"^{re.escape(name)}: \d+ epochs on 2,000 images", text, re.M), name
    assert "restore_best_weights=True" in code(notebook)


def test_the_episode_saves_the_model_episode_07_loads(notebook):
    assert '.save("fit_outputs/model_dropout.keras")' in code(notebook)
    assert "saved fit_outputs/model_dropout.keras" in stored_text(notebook)


def test_the_model_chosen_for_episode_07_did_best(notebook):
    choice = re.search(r"episode 07 loads `(fit_outputs/model_\w+\.keras)`", markdown(notebook))
    assert choice, "the text should name the file episode 07 loads"
    stored = stored_text(notebook)
    best = re.search(r"highest: (fit_outputs/model_\w+\.keras)", stored)
    assert best and best.group(1) == choice.group(1)
    accuracies = dict(re.findall(r"(fit_outputs/model_\w+\.keras): validation accuracy (0\.\d{3})", stored))
    choice_paragraph = next(cell.source for cell in notebook.cells
                            if cell.cell_type == "markdown" and "episode 07 loads" in cell.source)
    for number in re.findall(r"\b0\.\d{3}\b", choice_paragraph):
        assert number in accuracies.values(), f"{number} is not a stored validation accuracy"


def test_no_placeholder_is_left_in_the_text(notebook):
    assert not re.search(r"\bXX\b|\{[A-Z_]+\}|TODO", markdown(notebook))
    for cell in notebook.cells:
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        assert "TODO" not in alt, cell.source[:60]
