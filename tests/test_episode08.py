"""Checks of episode 08 that the general notebook tests do not make.

The ImageNet path cannot download its weights here, so it is tested twice with
the notebook's own cells: with a weights file saved from the same network
(``weights=None``) and handed over as a path, as an instructor's USB stick
would, and with a download that fails as it does offline, which must print
one sentence and skip the training. Fine-tuning must leave the base's batch
normalisation averages alone (and, as the text says, ``training=False`` would
not), the saved base must be reused, and the text must agree with the stored
full-mode results.
"""

import ast
import contextlib
import io
import json
import re
from pathlib import Path

import keras
import numpy as np
import pytest

from episode_files import code, read_episode, runnable_code_cells, stored_text, the_cell
from helpers.pretrained import MOBILENET_WEIGHTS_FILE, mobilenet_base

EPISODE = Path(__file__).resolve().parent.parent / "episodes" / "08-transfer-learning.ipynb"
SPREAD = Path(__file__).resolve().parent.parent / "docs" / "experiment-spread.json"

# Saving weights converts TensorFlow variables with np.array(x, copy=False), which NumPy 2 flags;
# a notebook never shows this warning (it is raised inside keras, not in __main__).
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.fixture(scope="module")
def notebook():
    return read_episode(EPISODE.name)


def run_cells(namespace, *cells, replace=()):
    """Run cells in ``namespace``, each source with the (old, new) replacements made; return what they printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for cell in cells:
            source = cell.source
            for old, new in replace:
                assert source.count(old) == 1, f"expected {old!r} once in the cell"
                source = source.replace(old, new)
            exec(compile(ast.parse(source), "<episode 08>", "exec"), namespace)
    return printed.getvalue()


def small_task(notebook):
    """The notebook's imports and training function, with 20 random images standing in for the new task."""
    namespace = {}
    run_cells(namespace, runnable_code_cells(notebook)[0])
    rng = np.random.default_rng(8)
    namespace.update(few_images=rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8), few_labels=np.arange(20) % 5,
                     new_test_images=rng.integers(0, 256, (10, 32, 32, 3), dtype=np.uint8),
                     new_test_labels=np.arange(10) % 5,
                     one_hot=lambda labels: keras.utils.to_categorical(labels, num_classes=5))
    run_cells(namespace, the_cell(notebook, "def train_on_few("))
    return namespace


WEIGHTS_LINE = 'MOBILENET_WEIGHTS = "imagenet"'


@pytest.mark.slow
def test_the_imagenet_path_runs_with_a_weights_file_handed_over(notebook, tmp_path):
    saved = mobilenet_base(96, weights=None)
    path = tmp_path / "mobilenet.weights.h5"
    saved.save_weights(path)
    namespace = small_task(notebook)

    printed = run_cells(namespace, the_cell(notebook, "mobilenet_base("),
                        replace=[(WEIGHTS_LINE, f"MOBILENET_WEIGHTS = {str(path)!r}")])
    assert printed == "MobileNetV3Small's base: 939,120 weights, 576 features per image\n"
    for expected, loaded in zip(saved.get_weights(), namespace["imagenet_base"].get_weights(), strict=True):
        np.testing.assert_array_equal(expected, loaded)

    printed = run_cells(namespace, the_cell(notebook, "if imagenet_base is None:"))
    assert printed.startswith("ImageNet base, new head: 40 epochs, 2,885 trainable weights, ")
    row = namespace["results"]["ImageNet base, new head"]
    assert row["trainable weights"] == 576 * 5 + 5 and 0 <= row["test accuracy"] <= 1
    assert namespace["imagenet_model"].input.shape == (None, 32, 32, 3)


def test_offline_the_imagenet_cells_print_one_sentence_and_skip(notebook, monkeypatch, tmp_path):
    import keras.src.utils.file_utils as file_utils

    def no_internet(filename, origin, *args, **kwargs):
        raise Exception(f"URL fetch failure on {origin}: None -- [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(file_utils, "get_file", no_internet)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    namespace = small_task(notebook)
    printed = run_cells(namespace, the_cell(notebook, "mobilenet_base("))
    assert printed.startswith("The ImageNet weights could not be downloaded") and printed.count("\n") == 1
    assert MOBILENET_WEIGHTS_FILE in printed and "USB stick" in printed
    assert namespace["imagenet_base"] is None
    printed = run_cells(namespace, the_cell(notebook, "if imagenet_base is None:"))
    assert printed == "Skipped: the ImageNet weights are not on this computer (see the cell above).\n"
    assert "ImageNet base, new head" not in namespace["results"]


def fast_base():
    """The base as the episode cuts it from the fast network: its layers up to "features"."""
    from helpers.models import create_model_fast

    images = np.random.default_rng(1).integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)
    model = create_model_fast(images, num_classes=5)
    return keras.Model(model.input, model.get_layer("features").output, name="base")


def batch_norm_averages(base):
    layer = next(layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization))
    return np.array(layer.moving_mean), np.array(layer.moving_variance)


def first_trained_kernel(base):
    """The kernel of the base's first convolution after the fixed whitening layer."""
    layer = next(layer for layer in base.layers
                 if isinstance(layer, keras.layers.Conv2D) and layer.name != "patch_whitening")
    return np.array(layer.kernel)


def fit_once(model):
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    rng = np.random.default_rng(0)
    model.fit(rng.integers(0, 256, (16, 32, 32, 3), dtype=np.uint8), np.eye(5)[np.arange(16) % 5], verbose=0)


def test_fine_tuning_keeps_the_pretrained_batch_normalisation_averages(notebook):
    """The fine-tuning cell trains the base's weights but leaves its batch normalisation averages alone."""
    namespace = {}
    run_cells(namespace, runnable_code_cells(notebook)[0], the_cell(notebook, "def with_new_head("))
    base = fast_base()
    base.trainable = False
    namespace.update(base=base, transfer_model=namespace["with_new_head"](base, 5),
                     train_on_few=lambda name, model, learning_rate, epochs: fit_once(model))
    averages, kernel = batch_norm_averages(base), first_trained_kernel(base)
    run_cells(namespace, the_cell(notebook, 'train_on_few("fine-tuned"'))
    assert base.trainable
    for before, after in zip(averages, batch_norm_averages(base)):
        np.testing.assert_array_equal(before, after)
    assert not np.array_equal(kernel, first_trained_kernel(base)), "the unfrozen base should still train"


def test_calling_the_base_with_training_false_does_not_keep_its_averages_in_keras_3():
    """What the episode says of older guides' advice: once the base is trainable, fit updates the averages."""
    base = fast_base()
    inputs = keras.Input(shape=(32, 32, 3))
    model = keras.Model(inputs, keras.layers.Dense(5, activation="softmax")(base(inputs, training=False)))
    before = batch_norm_averages(base)
    fit_once(model)
    assert not np.array_equal(before[0], batch_norm_averages(base)[0])


def test_the_base_is_pretrained_once_and_then_reused(notebook):
    source = the_cell(notebook, "load_or_train_fast(").source
    assert 'load_or_train_fast(f"fit_outputs/fast_five_classes_seed{SEED}.keras",' in source
    assert 'pretrained.get_layer("features")' in source


def test_the_network_from_scratch_is_the_pretrained_one_with_random_weights(notebook):
    """A fair comparison: the network trained from scratch has the base's layers and a head like the new one."""
    scratch = the_cell(notebook, 'train_on_few("from scratch"').source
    assert "create_model_fast(few_images, num_classes=5)" in scratch


def test_the_same_code_runs_in_quick_and_full_mode(notebook):
    text = code(notebook)
    assert "quick_mode" not in text and "LESSON_QUICK" not in text


def stored_runs(notebook):
    """{run: {column: value}} from the lines that train_on_few printed in the stored outputs."""
    pattern = (r"^(.+?): (\d+) epochs, ([\d,]+) trainable weights, (\d+) s; "
               r"accuracy ([01]\.\d{3}) training, (0\.\d{3}) test$")
    return {name: {"epochs": int(epochs), "trainable weights": int(weights.replace(",", "")),
                   "training accuracy": float(training), "test accuracy": float(test)}
            for name, epochs, weights, _, training, test in re.findall(pattern, stored_text(notebook), re.M)}


def test_stored_outputs_come_from_a_full_run(notebook):
    text = stored_text(notebook)
    assert "to pretrain: 25,000 images of airplane, automobile, bird, cat, deer" in text
    assert "new task:    500 images of dog, frog, horse, ship, truck" in text
    assert "test images: 5,000 of the first five classes, 5,000 of the new ones" in text
    runs = stored_runs(notebook)
    assert list(runs) == ["from scratch", "frozen base, new head", "fine-tuned"]
    assert [run["epochs"] for run in runs.values()] == [40, 20, 20]
    assert runs["frozen base, new head"]["trainable weights"] == 645


def test_offline_the_stored_outputs_say_what_happened_without_an_error(notebook):
    load = the_cell(notebook, "mobilenet_base(")
    assert not [output for cell in notebook.cells for output in cell.get("outputs", [])
                if output["output_type"] == "error"]
    text = "".join(output.get("text", "") for output in load.outputs)
    assert text.startswith("The ImageNet weights could not be downloaded") and "Traceback" not in text
    assert "~/.keras/models, where Keras looks for it" in text  # the path a learner would type, not ours
    skipped = the_cell(notebook, "imagenet_base is None")
    assert "Skipped" in "".join(output.get("text", "") for output in skipped.outputs)
    # The text says what a learner with internet will see, and gives no number for it.
    expect = next(cell.source for cell in notebook.cells if cell.source.startswith("**What you will see.**"))
    assert "no internet" in expect and "quote no number" in expect
    assert not re.search(r"\d\.\d{3}|\d+ ?%", expect)
    # Its one number is the size of the base that the cell prints once it has the weights.
    size = mobilenet_base(96, weights=None).count_params()
    assert f"(about {size / 1e6:.1f} million weights)" in expect


def test_the_text_agrees_with_the_stored_results_and_the_second_seed(notebook):
    runs = stored_runs(notebook)
    scratch, frozen, tuned = (runs[name] for name in ("from scratch", "frozen base, new head", "fine-tuned"))
    comparison = next(cell.source for cell in notebook.cells if cell.source.startswith("From scratch"))
    spread = json.loads(SPREAD.read_text(encoding="utf-8"))["experiments"]["transfer"]
    assert spread["seeds"] == [1, 2]
    second = {row: {column: values[1] for column, values in columns.items()}
              for row, columns in spread["values"].items()}
    quoted = [float(number) for number in re.findall(r"\b[01]\.\d{3}\b", comparison)]
    assert quoted == [scratch["training accuracy"], scratch["test accuracy"], frozen["test accuracy"],
                      tuned["test accuracy"], *(round(second[run]["test accuracy"], 3)
                                                for run in ("from scratch", "frozen base, new head", "fine-tuned"))]
    below = round((scratch["test accuracy"] - frozen["test accuracy"]) * 100, 1)
    more = round((tuned["test accuracy"] - frozen["test accuracy"]) * 100, 1)
    above = round((tuned["test accuracy"] - scratch["test accuracy"]) * 100, 1)
    assert f"{below:.1f} percentage points *below* training from scratch" in comparison
    assert f"{more:.1f} more" in comparison and f"{above:.1f} percentage points above" in comparison
    assert f"{scratch['trainable weights']:,} weights" in comparison
    assert f"trained {frozen['trainable weights']} weights" in comparison


def test_the_text_describes_the_pretraining_and_the_network_from_scratch_as_run(notebook):
    pretraining = next(cell.source for cell in notebook.cells if cell.source.startswith("## Pretrain the base"))
    assert "for 3 epochs" in pretraining and "epochs=3)" in the_cell(notebook, "load_or_train_fast(").source
    scratch = stored_runs(notebook)["from scratch"]
    freeze_after = next(cell.source for cell in notebook.cells if cell.source.startswith("Training will change"))
    assert scratch["trainable weights"] > 500_000 and "more than half a million" in freeze_after
