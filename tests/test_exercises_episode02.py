"""The self-checks of episode 02 accept the recorded answers and explain typical wrong ones."""

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from sklearn.model_selection import train_test_split

from exercise_runs import run_cell, run_filled
from helpers.data import CLASS_NAMES, prepare_dataset
from helpers.exercises import episode02

CHECKED = ["write_prepare_dataset", "class_balance"]


def namespace_before(name):
    """A fresh namespace holding what the notebook holds just before challenge ``name``.

    Instead of CIFAR-10, 60 small uint8 images with labels shaped (n, 1) as
    load_cifar10 returns them; the classes are unevenly spread, so that the two
    columns of class_counts differ.
    """
    labels = np.array([number % 7 for number in range(60)], dtype="uint8").reshape(-1, 1)
    images = np.random.default_rng(2).integers(0, 256, (60, 8, 8, 3), dtype="uint8")
    namespace = {"keras": keras, "np": np, "pd": pd, "plt": plt, "sns": sns, "train_test_split": train_test_split,
                 "CLASS_NAMES": CLASS_NAMES, "train_images": images, "train_labels": labels}
    if name == "class_balance":  # the notebook has run prepare_dataset
        train_images, val_images, train_labels, val_labels = prepare_dataset(images, labels)
        namespace.update(train_images=train_images, val_images=val_images, train_labels=train_labels,
                         val_labels=val_labels)
    return namespace




@pytest.mark.parametrize("name", CHECKED)
def test_the_recorded_answers_are_correct(name):
    exercise = getattr(episode02, name)
    verdict = run_filled(exercise, exercise.answers, namespace_before(name))
    assert verdict.startswith("Correct!"), verdict


@pytest.mark.parametrize("name", CHECKED)
def test_empty_blanks_are_reported_as_not_yet_done(name):
    verdict = run_filled(getattr(episode02, name), [], namespace_before(name))
    assert verdict.startswith("Not yet:")


WRONG_ANSWERS = [
    ("write_prepare_dataset", ["to_categorical", "len(CLASS_NAMES)", "train_images", "0.2", "42"],
     "train_test_split got the images twice"),
    ("write_prepare_dataset", ["to_categorical", "11", "train_labels", "0.2", "42"],
     "the labels have 11 columns; one-hot labels need one per class, 10"),
    ("write_prepare_dataset", ["to_categorical", "9", "train_labels", "0.2", "42"],
     "prepare_dataset stopped with IndexError"),
    ("write_prepare_dataset", ["to_categorical", "len(CLASS_NAMES)", "train_labels", "20", "42"],
     "kept back 20 of 50 made-up images, 40 %; the challenge asks for 20 %. test_size is a share between 0 and 1"),
    ("write_prepare_dataset", ["to_categorical", "len(CLASS_NAMES)", "train_labels", "0.2", "0"],
     "keeps back other images than the helpers' version: give train_test_split random_state=42"),
    ("write_prepare_dataset", ["to_categorical", "len(CLASS_NAMES)", "train_labels", "0.2", "None"],
     "random_state=42"),
    ("class_balance", ["argmax", "train_labels.argmax(axis=1)", 'pd.Index(CLASS_NAMES, name="class")'],
     "the validation column holds the same counts as the training column"),
    ("class_balance", ["argmax", "val_labels.argmax(axis=1)", "None"],
     "the rows of class_counts are labelled 0 to 9; give it one row per class name"),
    ("class_balance", ["argmax", "val_labels.argmax(axis=1)", "CLASS_NAMES"],
     "the index holds the class names but has no name"),
    ("class_balance", ["argmin", "val_labels.argmax(axis=1)", 'pd.Index(CLASS_NAMES, name="class")'],
     "the training column does not count the classes of train_labels"),
]


@pytest.mark.parametrize("name, answers, message", WRONG_ANSWERS)
def test_typical_wrong_answers_get_a_specific_message(name, answers, message):
    verdict = run_filled(getattr(episode02, name), answers, namespace_before(name))
    assert verdict.startswith("Not quite:") and message in verdict, verdict


def test_images_divided_by_255_are_pointed_to_the_rescaling_layer():
    source = """
def prepare_dataset(train_images, train_labels):
    train_labels = keras.utils.to_categorical(train_labels, num_classes=len(CLASS_NAMES))
    return train_test_split(train_images / 255, train_labels, test_size=0.2, random_state=42)
"""
    verdict = run_cell(episode02.write_prepare_dataset, source, namespace_before("write_prepare_dataset"))
    assert verdict.startswith("Not quite:") and "do not divide them by 255" in verdict, verdict
    assert "Rescaling(1 / 255)" in verdict


def test_labels_that_were_not_encoded_are_noticed():
    source = """
def prepare_dataset(train_images, train_labels):
    return train_test_split(train_images, train_labels, test_size=0.2, random_state=42)
"""
    verdict = run_cell(episode02.write_prepare_dataset, source, namespace_before("write_prepare_dataset"))
    assert verdict.startswith("Not quite:") and "the labels are still class numbers" in verdict, verdict


def test_a_function_that_returns_two_values_is_noticed():
    source = """
def prepare_dataset(train_images, train_labels):
    train_labels = keras.utils.to_categorical(train_labels, num_classes=len(CLASS_NAMES))
    return train_test_split(train_images, test_size=0.2, random_state=42)
"""
    verdict = run_cell(episode02.write_prepare_dataset, source, namespace_before("write_prepare_dataset"))
    assert verdict.startswith("Not quite:") and "prepare_dataset returns 2 values; it should return four" in verdict


def test_checking_a_split_without_random_state_leaves_the_random_numbers_alone():
    namespace = namespace_before("write_prepare_dataset")
    np.random.seed(7)
    expected = np.random.random()
    np.random.seed(7)
    run_filled(episode02.write_prepare_dataset, ["to_categorical", "len(CLASS_NAMES)", "train_labels", "0.2", "None"],
               namespace)
    assert np.random.random() == expected
