"""Checks of episode 10 that the general notebook tests do not make.

The stored outputs must show what the text says of them (whitening removes
the correlation of neighbouring pixels, label smoothing penalises
overconfidence, the schedule's steps follow the recipe's settings), the fast
recipe must have trained in full mode through the training command in
parts, and the notebook itself must never start TensorFlow.
"""

import json
import math
import re
from pathlib import Path

import pytest

from episode_files import markdown, read_episode, runnable_code, stored_text
from helpers.train import MODEL_DEFAULTS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def notebook():
    return read_episode("10-how-fast.ipynb")


def test_whitening_removes_what_neighbouring_pixels_share(notebook):
    text = stored_text(notebook)
    before = float(re.search(r"correlation of neighbouring red values: +(-?[\d.]+)", text)[1])
    after = float(re.search(r"largest correlation of two whitened values: +(-?[\d.]+)", text)[1])
    assert before > 0.8 and abs(after) < 0.05
    assert "rise and fall together almost perfectly" in markdown(notebook)


def test_label_smoothing_makes_overconfidence_cost_more(notebook):
    losses = re.findall(r"cat predicted with (0\.\d+): loss ([\d.]+) without smoothing, ([\d.]+) with",
                        stored_text(notebook))
    (_, plain_80, smoothed_80), (_, plain_99, smoothed_99) = [tuple(map(float, row)) for row in losses]
    assert plain_99 < plain_80 and smoothed_99 > smoothed_80
    assert "the loss is *higher* at 0.99 than at 0.8" in markdown(notebook)
    assert "smoothed target: [0.02 0.02 0.02 0.82" in stored_text(notebook)


def test_the_schedule_has_the_steps_of_the_recipe(notebook):
    fast = MODEL_DEFAULTS["fast"]
    steps = math.ceil(50_000 / fast["batch_size"])
    expected = f"{fast['epochs']} epochs of {steps} steps with batches of {fast['batch_size']}: "
    assert expected + f"{fast['epochs'] * steps:,} steps" in stored_text(notebook)
    assert f"uses {fast['batch_size']}" in markdown(notebook)


def test_the_fast_recipe_trained_in_full_mode_in_parts(notebook):
    text = stored_text(notebook)
    assert "Training on 50000 images, validating on the 10000 test images." in text
    assert "Paused after epoch" in text and "Continuing the unfinished run" in text
    assert re.search(r"training: [\d.]+ min for 5 epochs on 50,000 images", text)
    accuracy = float(re.search(r"with flip averaging: (0\.\d+)", text)[1])
    assert 0.8 < accuracy < 1


def test_the_notebook_never_starts_tensorflow(notebook):
    code = runnable_code(notebook)
    assert not re.search(r"^\s*(import|from) (tensorflow|keras)\b", code, re.M)
    assert "helpers.models" not in code and "helpers.plotting" not in code  # both import TensorFlow or seaborn
    assert "never imports TensorFlow" in markdown(notebook)


def test_benchmark_tables_are_rendered_into_the_text(notebook):
    text = markdown(notebook)
    assert "| --model | epochs |" in text and "| recipe | training images |" in text


def benchmark(section):
    return json.loads((ROOT / "benchmarks" / "results.json").read_text())["sections"][section]["results"]


def test_what_the_text_says_of_the_ablation_holds_in_the_stored_benchmark(notebook):
    runs = benchmark("ablation")
    change = {name: runs[name]["test_accuracy"] - runs["full"]["test_accuracy"] for name in runs if name != "full"}
    change_flipped = {name: runs[name]["test_accuracy_flip_averaged"] - runs["full"]["test_accuracy_flip_averaged"]
                      for name in runs if name != "full"}
    assert min(change, key=change.get) == "constant-learning-rate" and change["constant-learning-rate"] < -0.02
    for run in runs.values():  # "flip averaging adds about a point to every row"
        assert 0.005 <= run["test_accuracy_flip_averaged"] - run["test_accuracy"] <= 0.015
    for idea in ["no-whitening", "no-label-smoothing", "no-augmentation"]:  # "less than a point"
        assert abs(change[idea]) < 0.01 and abs(change_flipped[idea]) < 0.01
    # "about as far apart as two runs of the very same recipe can land": this notebook's run and the table's
    notebook_run = float(re.search(r"test accuracy: (0\.\d+), with flip averaging", stored_text(notebook))[1])
    assert abs(notebook_run - runs["full"]["test_accuracy"]) >= 0.003
    assert max(abs(change[idea]) for idea in ["no-whitening", "no-label-smoothing", "no-augmentation"]) < 0.006 + abs(
        notebook_run - runs["full"]["test_accuracy"])
    text = markdown(notebook)
    assert "the learning-rate schedule matters most by far" in text
    assert "Patch whitening, label smoothing and augmentation each move the result by less than a point" in text


def test_what_the_text_says_of_the_time_to_accuracy_holds_in_the_stored_benchmark(notebook):
    runs = benchmark("time-to-accuracy")
    fast, three_blocks = runs["fast"], runs["three-blocks"]

    def accuracy_by(run, seconds):  # the last validation accuracy measured by then
        reached = [row["val_categorical_accuracy"] for row in run["history"] if row["training_seconds"] <= seconds]
        return reached[-1] if reached else 0.0

    first, second = fast["history"][0], fast["history"][1]
    assert first["val_categorical_accuracy"] < accuracy_by(three_blocks, first["training_seconds"])  # "starts behind"
    assert second["val_categorical_accuracy"] > accuracy_by(three_blocks, second["training_seconds"])  # "overtakes"
    assert three_blocks["time_to_accuracy"]["0.80"] is None and fast["time_to_accuracy"]["0.80"] is not None
    assert "it overtakes the three-block network in its second epoch" in markdown(notebook)
