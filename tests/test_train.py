"""The training command: a real quick run, and clear one-line errors for bad input.

Faults during a run (a full disk, Ctrl-C) are tested in-process through
``main``, with the failing call replaced by monkeypatch; one test sends a real
Ctrl-C (SIGINT) to a running command. A run trained in two calls
(``--time-limit 0`` pauses it after each epoch) is tested in-process too.
In-process runs train on a few random images (``small_data``), so that each
takes seconds; the commands run in subprocesses train on the real quick
subset of CIFAR-10. Distribution over devices and machines is in
``test_train_distributed.py``.
"""

import contextlib
import errno
import io
import json
import math
import os
import re
import signal
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import helpers.train
from helpers.fast_recipe import FAST_LABEL_SMOOTHING
from helpers.runs import RESULT_FILES, UNFINISHED_RUN, CtrlCHeldBack, RunHistory, check_output_folder
from helpers.train import (
    MODEL_DEFAULTS,
    build_model,
    build_parser,
    main,
    run_settings,
    time_to_accuracy,
    training_batches,
)

# The fast recipe's batch size unless told otherwise.
FAST_BATCH = MODEL_DEFAULTS["fast"]["batch_size"]

# How many images small_data gives to train on, and to validate and test on.
SMALL_TRAINING, SMALL_TESTING = 128, 32

# Saving a model converts TensorFlow variables with np.array(x, copy=False), which NumPy 2
# flags; the command never shows this warning (it is raised inside keras, not in __main__).
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def run_train(*args, env=None):
    return subprocess.run([sys.executable, "-m", "helpers.train", *args], capture_output=True,
                          text=True, env=env or os.environ.copy(), timeout=600)


@pytest.fixture(scope="module")
def data_env(tmp_path_factory, shared_data_dir):
    """Environment variables for the real offline data, with one decoding cache for the whole test session.

    test_train_distributed.py uses the same cache folder, so CIFAR-10 is decoded once for both.
    """
    cache = tmp_path_factory.getbasetemp() / "cifar10-cache"
    cache.mkdir(exist_ok=True)
    return {"LESSON_DATA_DIR": str(shared_data_dir), "LESSON_CACHE_DIR": str(cache)}


def small_data(validation, quick, training=SMALL_TRAINING):
    """Stand in for ``helpers.train.load_data`` with a few random images, so that a run here takes seconds.

    Shaped as the command's data are: uint8 images of 32x32 pixels in colour and one-hot
    labels of 10 classes; ``training`` of them to train on, and with ``validation`` "test",
    the test images validate too.
    """
    rng = np.random.default_rng(0)

    def images_and_labels(count):
        return (rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8),
                np.eye(10, dtype="float32")[np.arange(count) % 10])

    test = images_and_labels(SMALL_TESTING)
    return images_and_labels(training), test if validation == "test" else images_and_labels(SMALL_TESTING), test


@pytest.fixture
def run_main(monkeypatch):
    """Call ``main`` in this process on ``small_data``; return its exit status."""
    monkeypatch.setattr("helpers.train.load_data", small_data)

    def run(*args):
        try:
            return main([str(arg) for arg in args])
        except SystemExit as exit:
            return exit.code

    return run


def earlier_run(folder):
    """Fill ``folder`` with the results of a pretend earlier run and a file of the user's own."""
    folder.mkdir(parents=True)
    for name in RESULT_FILES:
        (folder / name).write_text(f"earlier {name}")
    (folder / "notes.txt").write_text("my notes")


def contents(folder):
    """Every file under ``folder`` as {relative path: bytes}."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, data_env):
    """The command as a learner runs it, on the quick subset: two epochs into a folder that does not exist yet."""
    output = tmp_path_factory.mktemp("train") / "new" / "results"
    env = {**os.environ, **data_env}
    env.pop("LESSON_QUICK", None)  # --quick alone must switch quick mode on
    result = run_train("--quick", "--epochs", "2", "--batch-size", "200", "--output", str(output), env=env)
    return result, output


@pytest.mark.slow
def test_quick_run_succeeds_quietly_and_shows_each_epoch(quick_run):
    result, _ = quick_run
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Training on 1600 images, validating on 400, testing on 500 (quick mode)." in result.stdout
    assert "Model three-blocks: epochs 2, batch size 200, learning rate decay, augmentation on." in result.stdout
    # One line per epoch: its time, the time left, and the metrics.
    assert re.search(r"^Epoch 1/2: \d+ s, about \d+ s left - .* - val_categorical_accuracy 0\.\d{4} - val_loss [\d.]+$",
                     result.stdout, re.M)
    assert re.search(r"^Epoch 2/2: \d+ s, \d+ s in all - ", result.stdout, re.M)
    assert re.search(r"^Test accuracy 0\.\d{3} \(0\.\d{3} with flip averaging\), test loss", result.stdout, re.M)


@pytest.mark.slow
def test_quick_run_writes_every_result_file_and_nothing_else(quick_run):
    _, output = quick_run
    assert sorted(path.name for path in output.iterdir()) == sorted(RESULT_FILES)
    for png in ["sample_images.png", "training_history.png"]:
        assert (output / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_quick_run_metrics_are_plausible(quick_run):
    _, output = quick_run
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and metrics["batch_size"] == 200 and metrics["quick_mode"] is True
    assert metrics["training_images"] == 1600
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["test_loss"] > 0
    assert metrics["training_seconds"] > 0
    assert set(metrics["versions"]) == {"python", "tensorflow", "keras", "numpy"}
    assert (metrics["model"], metrics["schedule"], metrics["augment"]) == ("three-blocks", "decay", True)
    assert (metrics["validation"], metrics["distribute"], metrics["replicas"]) == ("split", "none", 1)
    assert 0.0 <= metrics["test_accuracy_flip_averaged"] <= 1.0
    assert_time_to_accuracy_is_plausible(metrics)
    history = pd.read_csv(output / "history.csv")
    assert list(history["epoch"]) == [1, 2]
    assert {"loss", "categorical_accuracy", "val_loss", "val_categorical_accuracy"} <= set(history)
    # The seconds of training at the end of each epoch; the last is the run's.
    assert 0 < history["training_seconds"][0] < history["training_seconds"][1]
    assert metrics["training_seconds"] == round(history["training_seconds"][1], 1)


@pytest.mark.slow
def test_quick_run_model_reloads_and_is_the_three_block_cnn(quick_run):
    import keras

    from helpers.models import create_model_three_blocks

    _, output = quick_run
    model, built = keras.models.load_model(output / "model.keras"), create_model_three_blocks()
    assert model.name == built.name and model.count_params() == built.count_params()
    assert [type(layer) for layer in model.layers] == [type(layer) for layer in built.layers]


def assert_time_to_accuracy_is_plausible(metrics):
    reached = metrics["time_to_accuracy"]
    assert list(reached) == ["0.70", "0.80", "0.85"]
    for seconds in reached.values():
        assert seconds is None or 0 < seconds <= metrics["training_seconds"]


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory, data_env):
    """The fast recipe with its own defaults, on the quick subset, for one epoch."""
    output = tmp_path_factory.mktemp("train-fast") / "results"
    result = run_train("--quick", "--model", "fast", "--epochs", "1", "--output", str(output),
                       env={**os.environ, **data_env})
    return result, output


@pytest.mark.slow
def test_the_fast_recipe_runs_quietly_and_writes_every_result_file(fast_run):
    result, output = fast_run
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"Model fast: epochs 1, batch size {FAST_BATCH}, learning rate decay, augmentation on." in result.stdout
    # By default the fast recipe trains on all the training images and validates on the test set.
    assert "Training on 2000 images, validating on the 500 test images (quick mode)." in result.stdout
    assert re.search(r"^Epoch 1/1: \d+ s, \d+ s in all - ", result.stdout, re.M)
    assert sorted(path.name for path in output.iterdir()) == sorted(RESULT_FILES)


@pytest.mark.slow
def test_the_fast_recipe_metrics_name_the_model_and_the_flip_averaged_accuracy(fast_run):
    _, output = fast_run
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["model"] == "fast"
    assert metrics["epochs"] == 1 and metrics["batch_size"] == FAST_BATCH  # the recipe's batch size unless told
    assert metrics["validation"] == "test" and metrics["training_images"] == 2000
    # Validating on the test set, the last epoch's validation accuracy is the test accuracy.
    history = pd.read_csv(output / "history.csv")
    assert history["val_categorical_accuracy"].iloc[-1] == pytest.approx(metrics["test_accuracy"], abs=6e-5)
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and 0.0 <= metrics["test_accuracy_flip_averaged"] <= 1.0
    assert_time_to_accuracy_is_plausible(metrics)
    assert list(pd.read_csv(output / "history.csv")["epoch"]) == [1]


@pytest.mark.slow
def test_the_fast_recipe_model_reloads_with_its_whitening_frozen(fast_run):
    import keras

    _, output = fast_run
    model = keras.models.load_model(output / "model.keras")
    assert model.name == "cifar_model_fast"
    assert model.get_layer("patch_whitening").trainable is False
    assert model.output_shape == (None, 10)


def test_time_to_accuracy_is_the_end_of_the_first_epoch_that_reached_each_threshold():
    reached = time_to_accuracy([0.55, 0.72, 0.81, 0.79, 0.84], [10.0, 20.04, 30.0, 40.0, 50.0])
    assert reached == {"0.70": 20.0, "0.80": 30.0, "0.85": None}
    assert time_to_accuracy([], []) == {"0.70": None, "0.80": None, "0.85": None}


def test_three_blocks_learning_rate_decays_along_a_cosine_unless_constant():
    import keras

    model, callbacks = build_model(run_settings(), None, 1000)
    rate = model.optimizer.learning_rate  # read through the schedule at the current step
    schedule = model.optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay) and callbacks == []
    assert float(schedule(0)) == pytest.approx(0.001) and float(schedule(500)) == pytest.approx(0.0005)
    assert float(schedule(1000)) == pytest.approx(0.0) and float(rate) == pytest.approx(0.001)
    model, callbacks = build_model(run_settings(schedule="constant"), None, 1000)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001) and callbacks == []


def test_the_fast_recipe_follows_its_schedule_unless_constant():
    from helpers.models import FAST_PEAK_LEARNING_RATE, TriangularSchedule

    images = np.random.default_rng(0).integers(0, 256, (20, 32, 32, 3), dtype=np.uint8)
    model, callbacks = build_model(run_settings(model="fast"), images, 300)
    assert [type(callback) for callback in callbacks] == [TriangularSchedule]
    assert callbacks[0].total_steps == 300 and callbacks[0].peak == pytest.approx(FAST_PEAK_LEARNING_RATE)
    model, callbacks = build_model(run_settings(model="fast", schedule="constant"), images, 300)
    assert callbacks == [] and float(model.optimizer.learning_rate) == pytest.approx(FAST_PEAK_LEARNING_RATE)


def variants(image):
    """Every version of ``image`` that augmentation may give: mirrored or not, shifted by up to 2 pixels."""
    for picture in (image, image[:, ::-1]):
        for down in range(-2, 3):
            for right in range(-2, 3):
                yield picture, down, right


def matches(augmented, image):
    """Whether ``augmented`` is ``image``, mirrored or not and shifted by up to 2 pixels (edges aside)."""
    for picture, down, right in variants(image):
        if np.array_equal(augmented[2:-2, 2:-2], picture[2 - down:30 - down, 2 - right:30 - right]):
            return True
    return False


def test_training_batches_shuffle_and_augment_each_image_by_a_mirror_and_a_small_shift():
    images = np.random.default_rng(0).integers(0, 256, (40, 32, 32, 3), dtype=np.uint8)
    labels = np.eye(40, dtype="float32")  # each label names its image
    plain = [(x.numpy(), y.numpy()) for x, y in training_batches(images, labels, 16, augment=False, seed=1)]
    assert [len(x) for x, _ in plain] == [16, 16, 8]
    order = np.concatenate([y.argmax(axis=1) for _, y in plain])
    assert sorted(order) == list(range(40)) and list(order) != list(range(40))
    np.testing.assert_array_equal(np.concatenate([x for x, _ in plain]), images[order])
    augmented = [(x.numpy(), y.numpy()) for x, y in training_batches(images, labels, 16, True, seed=1)]
    pairs = [(image, images[label.argmax()]) for x, y in augmented for image, label in zip(x, y)]
    assert all(matches(image, original) for image, original in pairs)
    assert sum(not np.array_equal(image, original) for image, original in pairs) > 30


def test_the_options_reach_the_training(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr("helpers.train.train", lambda *args, **kwargs: calls.append((args, kwargs)) or {
        "test_accuracy": 0.5, "test_accuracy_flip_averaged": 0.5, "test_loss": 1.0, "epochs": 1,
        "training_seconds": 1.0})
    monkeypatch.delenv("LESSON_QUICK", raising=False)
    assert main(["--model", "fast", "--schedule", "constant", "--no-augment", "--validation", "split",
                 "--time-limit", "4.5", "--output", f"{tmp_path}/a"]) == 0
    assert main(["--output", f"{tmp_path}/b", "--distribute", "mirrored", "--cpu-devices", "2"]) == 0
    assert calls == [
        ((run_settings(model="fast", schedule="constant", augment=False, validation="split"), tmp_path / "a"),
         {"time_limit": 4.5}),
        ((run_settings(distribute="mirrored", cpu_devices=2), tmp_path / "b"), {"time_limit": None})]


def test_each_model_has_its_own_defaults():
    assert run_settings() == {"model": "three-blocks", "epochs": 10, "batch_size": 32, "validation": "split",
                              "schedule": "decay", "augment": True, "whitening": False,
                              "label_smoothing": 0.0, "seed": 42, "quick": False,
                              "distribute": "none", "cpu_devices": None}
    fast = run_settings(model="fast")
    assert (fast["epochs"], fast["batch_size"], fast["validation"]) == (5, FAST_BATCH, "test")
    assert run_settings(model="fast", epochs=2, batch_size=64, validation="split")["validation"] == "split"
    assert (fast["whitening"], fast["label_smoothing"]) == (True, FAST_LABEL_SMOOTHING)
    changed = run_settings(model="fast", whitening=False, label_smoothing=0.0)
    assert (changed["whitening"], changed["label_smoothing"]) == (False, 0.0)


def test_the_fast_recipe_can_leave_out_whitening_and_label_smoothing():
    images = np.random.default_rng(0).integers(0, 256, (20, 32, 32, 3), dtype=np.uint8)
    model, _ = build_model(run_settings(model="fast"), images, 300)
    first = model.get_layer("patch_whitening")
    assert not first.trainable and model.loss.label_smoothing == pytest.approx(FAST_LABEL_SMOOTHING)
    model, _ = build_model(run_settings(model="fast", whitening=False, label_smoothing=0.0), images, 300)
    assert model.get_layer("patch_convolution").trainable and model.loss.label_smoothing == 0.0
    assert model.get_layer("patch_convolution").kernel.shape == first.kernel.shape


@pytest.mark.parametrize("flags", [["--no-whitening"], ["--whitening"], ["--label-smoothing", "0.1"]])
def test_the_fast_recipe_flags_need_the_fast_model(run_main, capsys, tmp_path, flags):
    assert run_main(*flags, "--output", tmp_path / "out") == 2
    error = capsys.readouterr().err
    assert "works only with --model fast" in error and "Traceback" not in error
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("amount", ["1", "-0.1", "lots"])
def test_label_smoothing_must_be_a_fraction_below_1(run_main, capsys, tmp_path, amount):
    assert run_main("--model", "fast", "--label-smoothing", amount, "--output", tmp_path / "out") == 2
    assert "--label-smoothing" in capsys.readouterr().err


def test_quick_flag_does_not_change_the_environment(run_main, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("LESSON_QUICK", raising=False)
    loaded = []

    def load_data(validation, quick):
        loaded.append(quick)
        return small_data(validation, quick)

    monkeypatch.setattr("helpers.train.load_data", load_data)
    monkeypatch.setattr("keras.Model.fit", interrupted)  # the data are loaded: no need to train
    assert run_main("--quick", "--epochs", "1", "--output", tmp_path / "out") == 130
    assert "LESSON_QUICK" not in os.environ
    assert loaded == [True] and "(quick mode)" in capsys.readouterr().out


@pytest.fixture(scope="module")
def overwritten_run(tmp_path_factory):
    """One epoch with --overwrite into a folder with an earlier run, files of the user's, and an unfinished run.

    The unfinished run has other settings. Returns the folder, the exit status and what was printed.
    """
    output = tmp_path_factory.mktemp("overwrite") / "out"
    earlier_run(output)
    (output / "runs").mkdir()
    (output / "runs" / "model.keras").write_text("a model the user keeps")
    pretend_unfinished_run(output, epochs=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("helpers.train.load_data", small_data)
        code, printed = call_main("--quick", "--epochs", "1", "--output", output, "--overwrite")
    return output, code, printed


@pytest.mark.slow
def test_overwrite_replaces_the_earlier_results_and_nothing_else(overwritten_run):
    output, code, _ = overwritten_run
    assert code == 0
    after = contents(output)
    assert sorted(after) == sorted([*RESULT_FILES, "notes.txt", "runs/model.keras"])  # no temporary folder left
    for name in RESULT_FILES:
        assert after[name] != f"earlier {name}".encode()
    assert after["notes.txt"] == b"my notes"
    assert after["runs/model.keras"] == b"a model the user keeps"


# --- a second run into the same folder -----------------------------------------------

def test_a_second_run_into_the_same_folder_is_refused_before_tensorflow_loads(tmp_path):
    output = tmp_path / "out"
    earlier_run(output)
    before = contents(output)
    code = ("import sys\nfrom helpers.train import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit as exit:\n    print(exit.code, 'tensorflow' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code, "--output", str(output)],
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["2", "False"]
    assert result.stderr.splitlines() == [
        f"python -m helpers.train: error: {output}/ already holds the results of an earlier run "
        "(sample_images.png, training_history.png, model.keras, history.csv, metrics.json); "
        "choose another --output folder, or add --overwrite to replace them."]
    assert contents(output) == before


def test_one_earlier_result_file_is_enough_to_refuse(tmp_path):
    (tmp_path / "metrics.json").write_text("{}")
    with pytest.raises(ValueError, match=r"earlier run \(metrics.json\); choose another --output folder"):
        check_output_folder(tmp_path)
    check_output_folder(tmp_path, overwrite=True)


def test_other_files_in_the_folder_are_no_earlier_run(tmp_path):
    (tmp_path / "notes.txt").write_text("my notes")
    (tmp_path / "old-model.keras").write_text("")
    check_output_folder(tmp_path)


# --- a run trained in several calls ---------------------------------------------------

def call_main(*args):
    """Run ``main`` in this process; return its exit status and what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exit:
            code = exit.code
    return code, printed.getvalue()


def run_in_two_calls(output, *args):
    """Train a run with ``args`` and --time-limit 0 on ``small_data`` in two calls: the first pauses after epoch 1.

    Returns each call's (exit status, stdout), the names in ``output`` and the
    kept history between the calls, and the seed each call shuffled with.
    """
    args = [*args, "--time-limit", "0", "--output", output]
    seeds = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("helpers.train.load_data", small_data)
        batches = helpers.train.training_batches
        patch.setattr("helpers.train.training_batches", lambda *given: seeds.append(given[-1]) or batches(*given))
        first = call_main(*args)
        between = sorted(path.name for path in output.iterdir()), pd.read_csv(output / UNFINISHED_RUN / "history.csv")
        second = call_main(*args)
    return first, between, second, seeds


@pytest.fixture(scope="module")
def fast_run_in_two_calls(tmp_path_factory):
    output = tmp_path_factory.mktemp("two-calls") / "out"
    return output, run_in_two_calls(output, "--quick", "--model", "fast", "--epochs", "2", "--batch-size", "32")


@pytest.mark.slow
def test_a_paused_run_says_so_and_keeps_its_state_instead_of_results(fast_run_in_two_calls):
    output, ((code, printed), (names, kept), _, _) = fast_run_in_two_calls
    assert code == 0
    assert re.fullmatch(r"Paused after epoch 1 of 2 \((\d+ s|\d+ min \d\d s) of training so far\)\. "
                        r"Run the same command again to continue\.", printed.splitlines()[-1])
    assert re.search(r"^Epoch 1/2: ", printed, re.M) and not re.search(r"^Epoch 2/2: ", printed, re.M)
    assert names == [UNFINISHED_RUN]  # no result file yet
    assert list(kept["epoch"]) == [1] and kept["training_seconds"][0] > 0


@pytest.mark.slow
def test_the_same_command_continues_the_run_and_saves_its_whole_history(fast_run_in_two_calls):
    output, (_, (_, kept), (code, printed), _) = fast_run_in_two_calls
    assert code == 0
    assert f"Continuing the unfinished run in {output}/ from epoch 2 of 2." in printed.splitlines()
    assert re.search(r"^Epoch 2/2: \d+ s, \d+ s in all - ", printed, re.M)
    assert not re.search(r"^Epoch 1/2: ", printed, re.M)
    assert sorted(path.name for path in output.iterdir()) == sorted(RESULT_FILES)  # the kept run is gone
    history = pd.read_csv(output / "history.csv")
    assert list(history["epoch"]) == [1, 2]
    pd.testing.assert_series_equal(history.iloc[0], kept.iloc[0], check_dtype=False)  # epoch 1 as it was
    # The training time is that of both calls together.
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["training_seconds"] == round(history["training_seconds"][1], 1)
    assert history["training_seconds"][1] > kept["training_seconds"][0] > 0
    assert_time_to_accuracy_is_plausible(metrics)


@pytest.mark.slow
def test_a_run_in_two_calls_ends_with_the_steps_and_learning_rate_of_one_run(fast_run_in_two_calls):
    import keras

    from helpers.models import fast_schedule

    output, _ = fast_run_in_two_calls
    optimizer = keras.models.load_model(output / "model.keras").optimizer
    steps = 2 * math.ceil(SMALL_TRAINING / 32)  # two epochs in batches of 32
    assert int(optimizer.iterations) == steps
    assert float(optimizer.learning_rate) == pytest.approx(fast_schedule(steps).rate(steps - 1))


@pytest.mark.slow
def test_a_continued_run_shuffles_and_augments_anew(fast_run_in_two_calls):
    _, (_, _, _, seeds) = fast_run_in_two_calls
    assert seeds == [42, 43]  # the second call does not show the first epoch's batches again


@pytest.mark.slow
def test_the_three_block_cnn_in_two_calls_ends_as_in_one(tmp_path):
    import keras

    (_, _), (_, _), (code, printed), _ = run_in_two_calls(tmp_path / "out", "--quick", "--epochs", "2")
    assert code == 0, printed
    optimizer = keras.models.load_model(tmp_path / "out" / "model.keras").optimizer
    steps = 2 * math.ceil(SMALL_TRAINING / 32)  # two epochs in batches of 32, the three-block CNN's
    in_one = keras.optimizers.schedules.CosineDecay(0.001, steps)  # the schedule of the same run in one call
    assert int(optimizer.iterations) == steps
    assert float(optimizer.learning_rate) == pytest.approx(float(in_one(steps)))


def pretend_unfinished_run(folder, **settings):
    """Put a pretend unfinished run into ``folder``: epoch 1 of a quick run with ``settings`` is finished."""
    kept = folder / UNFINISHED_RUN
    (kept / "keras-backup").mkdir(parents=True)
    (kept / "settings.json").write_text(json.dumps(run_settings(quick=True, **settings)))
    (kept / "history.csv").write_text("epoch,categorical_accuracy,loss,val_categorical_accuracy,val_loss,"
                                      "training_seconds\n1,0.2,2.1,0.15,2.2,12.5\n")
    (kept / "keras-backup" / "training_metadata.json").write_text('{"epoch": 1, "batch": 0}')


@pytest.mark.parametrize("args, differences", [
    (["--epochs", "3"], "--epochs 2, not 3"),
    (["--epochs", "2", "--no-augment", "--seed", "7"], "--augment on, not off; --seed 42, not 7"),
    (["--epochs", "2", "--model", "fast"], f"--model three-blocks, not fast; --batch-size 32, not {FAST_BATCH}; "
                                           "--validation split, not test; --whitening off, not on; "
                                           f"--label-smoothing 0.0, not {FAST_LABEL_SMOOTHING}"),
    (["--epochs", "2", "--distribute", "mirrored"], "--distribute none, not mirrored"),
])
def test_an_unfinished_run_with_other_settings_is_refused_in_one_line(run_main, tmp_path, capsys, args,
                                                                      differences):
    output = tmp_path / "out"
    pretend_unfinished_run(output, epochs=2)
    before = contents(output)
    assert run_main("--quick", *args, "--output", output) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"python -m helpers.train: error: {output}/ holds an unfinished run with other settings ({differences}); "
        "run with the same settings to continue it, or add --overwrite to start again."]
    assert contents(output) == before


@pytest.mark.slow
def test_overwrite_discards_an_unfinished_run_with_other_settings(overwritten_run):
    output, code, printed = overwritten_run
    assert code == 0
    assert "Continuing" not in printed and re.search(r"^Epoch 1/1: ", printed, re.M)  # trained from the start
    assert not (output / UNFINISHED_RUN).exists()
    assert list(pd.read_csv(output / "history.csv")["epoch"]) == [1]


def test_the_same_command_with_overwrite_continues_its_unfinished_run(run_main, monkeypatch, tmp_path, capsys):
    # A notebook cell with --overwrite --time-limit, run again, must not start again each time.
    output = tmp_path / "out"
    pretend_unfinished_run(output, epochs=2)
    monkeypatch.setattr("keras.Model.fit", interrupted)  # stop once training would start
    assert run_main("--quick", "--epochs", "2", "--output", output, "--overwrite") == 130
    captured = capsys.readouterr()
    assert f"Continuing the unfinished run in {output}/ from epoch 2 of 2." in captured.out.splitlines()
    assert captured.err.splitlines() == [
        f"python -m helpers.train: interrupted; epoch 1 of 2, the last finished, is kept in {output}/, "
        "and the same command continues from it."]


def test_an_unfinished_run_that_cannot_be_read_is_refused_unless_overwrite(run_main, tmp_path, capsys):
    output = tmp_path / "out"
    pretend_unfinished_run(output, epochs=2)
    (output / UNFINISHED_RUN / "settings.json").write_text("{half a file")
    assert run_main("--quick", "--epochs", "2", "--output", output) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"python -m helpers.train: error: {output}/ holds an unfinished run that cannot be "
                           "read (") and line.endswith("); add --overwrite to start again")


def test_the_time_limit_pauses_when_another_epoch_would_end_past_it():
    history = RunHistory([{"epoch": 1, "training_seconds": 100.0}])  # from an earlier call
    history.start_call()
    history.rows += [{"epoch": 2, "training_seconds": 160.0}, {"epoch": 3, "training_seconds": 200.0}]
    # In this call: 100 s so far, the last epoch took 40 s, so the next would end at 140 s.
    assert not history.another_epoch_would_end_past(140.0)
    assert history.another_epoch_would_end_past(139.9)
    history.rows = history.rows[:2]  # after one epoch of this call, 60 s: the next would end at 120 s
    assert history.another_epoch_would_end_past(119.9) and not history.another_epoch_would_end_past(120.0)


def test_progress_of_a_continued_run_counts_from_the_start_of_the_run(monkeypatch, capsys):
    from helpers.models import EpochProgress

    clock = iter([500.0, 520.0, 545.0])  # this call starts at 500 s; its epochs end at 520 and 545
    monkeypatch.setattr("helpers.models.time.perf_counter", lambda: next(clock))
    progress = EpochProgress(seconds_before=70.0)  # two epochs trained in an earlier call took 70 s
    progress.set_params({"epochs": 4})
    progress.on_train_begin()
    for epoch in (2, 3):
        progress.on_epoch_end(epoch, {"loss": 1.5})
    assert capsys.readouterr().out.splitlines() == [
        "Epoch 3/4: 20 s, about 20 s left - loss 1.5000",
        "Epoch 4/4: 25 s, 1 min 55 s in all - loss 1.5000",
    ]
    assert progress.elapsed == [90.0, 115.0]


# --- faults while saving and training ------------------------------------------------

def half_written_then_full(self, path, *args, **kwargs):
    with open(path, "w") as file:
        file.write("half a file")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def read_only(self, path, *args, **kwargs):
    raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))


@pytest.mark.slow
@pytest.mark.parametrize("cls, method, fault, reason", [
    ("keras.Model", "save", half_written_then_full, "No space left on device"),
    ("pandas.DataFrame", "to_csv", read_only, "Read-only file system"),
], ids=["full disk during model.save", "read-only during to_csv"])
def test_a_failed_save_leaves_the_earlier_results_as_they_were(run_main, monkeypatch, tmp_path, capsys,
                                                               cls, method, fault, reason):
    output = tmp_path / "out"
    earlier_run(output)
    before = contents(output)
    monkeypatch.setattr(f"{cls}.{method}", fault)
    assert run_main("--quick", "--epochs", "1", "--output", output, "--overwrite") == 1
    assert capsys.readouterr().err.splitlines() == [
        f"python -m helpers.train: error: could not save the results in {output}/ ({reason}); "
        f"nothing was written there. The training is kept in {output}/{UNFINISHED_RUN}/: the same command "
        "saves the results without training again."]
    after = contents(output)
    assert {name: after[name] for name in before} == before
    assert sorted(path.name for path in output.iterdir()) == sorted([*RESULT_FILES, "notes.txt", UNFINISHED_RUN])


@pytest.mark.slow
def test_a_failed_save_into_a_new_folder_keeps_the_training_for_the_same_command(run_main, monkeypatch,
                                                                                  tmp_path, capsys):
    output = tmp_path / "out"
    with monkeypatch.context() as patch:
        patch.setattr("keras.Model.save", half_written_then_full)
        assert run_main("--quick", "--epochs", "1", "--output", output) == 1
    assert "nothing was written there" in capsys.readouterr().err
    assert [path.name for path in output.iterdir()] == [UNFINISHED_RUN]  # no result file
    assert run_main("--quick", "--epochs", "1", "--output", output) == 0
    printed = capsys.readouterr().out.splitlines()
    assert f"The unfinished run in {output}/ finished all 1 epochs; evaluating and saving it." in printed
    assert not [line for line in printed if line.startswith("Epoch ")]  # no epoch trained again
    assert sorted(path.name for path in output.iterdir()) == sorted(RESULT_FILES)


@pytest.mark.slow
def test_a_run_that_cannot_be_kept_after_an_epoch_stops_in_one_line(run_main, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("keras.Model.save_weights", disk_full)
    output = tmp_path / "out"
    assert run_main("--quick", "--epochs", "2", "--output", output) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"python -m helpers.train: error: could not keep the run in {output}/{UNFINISHED_RUN}/ "
        "(No space left on device); free some space, or choose another --output folder."]


def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def interrupted(*args, **kwargs):
    raise KeyboardInterrupt


def test_an_interrupted_run_creates_no_output_folder(run_main, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("keras.Model.fit", interrupted)
    output = tmp_path / "new" / "out"
    assert run_main("--quick", "--output", output) == 130
    assert capsys.readouterr().err.splitlines() == [
        f"python -m helpers.train: interrupted; nothing was saved in {output}/."]
    assert not (tmp_path / "new").exists()


@pytest.mark.slow
def test_ctrl_c_during_training_keeps_the_finished_epochs_and_the_earlier_results(tmp_path, data_env):
    output = tmp_path / "out"
    earlier_run(output)
    before = contents(output)
    env = {**os.environ, **data_env, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "helpers.train", "--quick", "--epochs", "1000", "--batch-size", "200",
               "--output", str(output), "--overwrite"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            for line in process.stdout:  # wait until the second epoch ends, as its state is being saved
                if line.startswith("Epoch 2/"):
                    break
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=120)
        finally:
            process.kill()
    assert process.returncode == 130, stderr
    [line] = stderr.splitlines()
    finished = int(re.fullmatch(rf"python -m helpers.train: interrupted; epoch (\d+) of 1000, the last finished, "
                                rf"is kept in {re.escape(str(output))}/, and the same command continues from it\.",
                                line)[1])
    assert finished >= 2  # a Ctrl-C while an epoch is being saved waits until it is saved
    after = contents(output)
    assert {name: after[name] for name in before} == before  # the earlier results are as they were
    assert sorted(path.name for path in output.iterdir()) == sorted([*RESULT_FILES, "notes.txt", UNFINISHED_RUN])
    kept = pd.read_csv(output / UNFINISHED_RUN / "history.csv")
    assert list(kept["epoch"]) == list(range(1, len(kept) + 1)) and len(kept) >= finished


@pytest.mark.slow
def test_ctrl_c_while_an_epoch_is_being_kept_waits_until_it_is_kept(run_main, monkeypatch, tmp_path, capsys):
    import keras

    save_weights = keras.Model.save_weights

    def ctrl_c_meanwhile(self, *args, **kwargs):
        signal.raise_signal(signal.SIGINT)
        save_weights(self, *args, **kwargs)

    monkeypatch.setattr("keras.Model.save_weights", ctrl_c_meanwhile)
    output = tmp_path / "out"
    assert run_main("--quick", "--epochs", "2", "--output", output) == 130
    assert capsys.readouterr().err.splitlines() == [
        f"python -m helpers.train: interrupted; epoch 1 of 2, the last finished, is kept in {output}/, "
        "and the same command continues from it."]


def test_ctrl_c_while_the_run_is_being_saved_waits_until_it_is_saved():
    usual = signal.getsignal(signal.SIGINT)
    held = CtrlCHeldBack()
    held.hold()
    signal.raise_signal(signal.SIGINT)  # noted, not acted on
    assert held.pressed
    with pytest.raises(KeyboardInterrupt):
        held.release()
    assert signal.getsignal(signal.SIGINT) is usual
    held.hold()
    held.release()  # no Ctrl-C meanwhile: nothing happens
    held.hold()
    signal.raise_signal(signal.SIGINT)
    held.restore()  # the program stops anyway: no second interruption
    assert signal.getsignal(signal.SIGINT) is usual


def test_a_bad_lesson_quick_value_is_one_line(run_main, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("LESSON_QUICK", "maybe")
    assert run_main("--output", tmp_path / "out") == 2
    message = capsys.readouterr().err.splitlines()
    assert len(message) == 1 and message[0].startswith("python -m helpers.train: error: LESSON_QUICK is 'maybe'")
    assert not (tmp_path / "out").exists()


# --- bad command lines -----------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--epochs", "0"], "--epochs: must be 1 or more, got 0"),
    (["--epochs", "-3"], "--epochs: must be 1 or more, got -3"),
    (["--epochs", "ten"], "--epochs: expected a whole number, got 'ten'"),
    (["--batch-size", "0"], "--batch-size: must be 1 or more, got 0"),
    (["--seed", "-1"], "--seed: must be 0 or more, got -1"),
    (["--seed", "4294967296"], "--seed: must be at most 4294967295, got 4294967296"),
    (["--output", ""], "--output: give a folder name; an empty one would put the results among the files "
                       "of the current folder"),
    (["--colour", "red"], "unrecognized arguments: --colour red"),
    (["--augment", "yes"], "unrecognized arguments: yes"),
    (["--time-limit", "-1"], "--time-limit: must be 0 or more minutes, got -1"),
    (["--time-limit", "four"], "--time-limit: expected 0 or more minutes, got 'four'"),
    (["--time-limit", "nan"], "--time-limit: must be 0 or more minutes, got nan"),
    (["--cpu-devices", "0", "--distribute", "mirrored"], "--cpu-devices: must be 1 or more, got 0"),
])
def test_bad_values_exit_with_one_line(args, message):
    result = run_train(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"python -m helpers.train: error: argument {message}"
                                                  if message.startswith("--") else
                                                  f"python -m helpers.train: error: {message}"]


@pytest.mark.parametrize("option, value, choices", [
    ("--model", "nonsense", ["three-blocks", "fast"]),
    ("--schedule", "cosine", ["decay", "constant"]),
    ("--validation", "train", ["split", "test"]),
    ("--distribute", "horovod", ["none", "mirrored", "multi-worker"]),
])
def test_an_unknown_choice_is_one_line_listing_the_choices_before_tensorflow_loads(tmp_path, option, value,
                                                                                   choices):
    code = ("import sys\nfrom helpers.train import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit as exit:\n    print(exit.code, 'tensorflow' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code, option, value, "--output", str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["2", "False"]
    [line] = result.stderr.splitlines()
    assert line.startswith(f"python -m helpers.train: error: argument {option}: "
                           f"invalid choice: '{value}' (choose from ")
    assert all(choice in line for choice in choices)
    assert not (tmp_path / "out").exists()


def test_output_that_is_a_file_is_refused_in_one_line(tmp_path):
    existing_file = tmp_path / "results.txt"
    existing_file.write_text("not a folder")
    result = run_train("--output", str(existing_file))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"python -m helpers.train: error: the output folder {existing_file} is a file, not a folder; "
        "choose another --output folder"]


def test_output_that_cannot_be_created_is_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    message = (f"the output folder {blocker / 'results' / 'run-1'} cannot be created ({blocker} is a file); "
               "choose another --output folder")
    with pytest.raises(ValueError, match=re.escape(message)):
        check_output_folder(blocker / "results" / "run-1")


def test_checking_the_output_folder_creates_nothing(tmp_path):
    check_output_folder(tmp_path / "new" / "results")
    assert list(tmp_path.iterdir()) == []


def test_a_batch_larger_than_the_training_set_gets_a_warning(run_main, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("helpers.train.load_data", lambda validation, quick: small_data(validation, quick, 1600))
    monkeypatch.setattr("keras.Model.fit", interrupted)  # the warning comes before training starts
    run_main("--quick", "--batch-size", "2000", "--output", tmp_path / "out")
    assert ("python -m helpers.train: warning: --batch-size 2000 is more than the 1,600 training images, "
            "so every epoch is a single step on all of them.") in capsys.readouterr().err.splitlines()


def test_help_explains_every_flag():
    text = build_parser().format_help()
    for flag in ["--model", "--epochs", "--batch-size", "--schedule", "--augment", "--no-augment", "--output",
                 "--overwrite", "--seed", "--quick", "--validation", "--time-limit", "--distribute",
                 "--cpu-devices"]:
        assert flag in text
    assert "default 10" in text and "default output/" in text
    assert "{three-blocks,fast}" in text and "{decay,constant}" in text
    flat = " ".join(text.split())
    assert "5 with --model fast" in flat and f"{FAST_BATCH} with --model fast" in flat
    assert "(default decay)" in flat and "(default --augment)" in flat
    assert "replace the results of an earlier run in --output" in text
    assert "{split,test}" in text and "{none,mirrored,multi-worker}" in text
    assert "no setting is chosen by looking at that accuracy" in flat
    assert "the same command continues it" in flat and "TF_CONFIG" in flat
    assert "it only simulates devices" in flat and "on each device" in flat
    assert max(len(line) for line in text.splitlines()) <= 78


@pytest.mark.slow
def test_missing_data_is_reported_without_a_traceback(tmp_path):
    # Send any download to a closed local port, so the test never reaches the internet.
    env = {key: value for key, value in os.environ.items() if key.lower() != "no_proxy"}
    env.update({"LESSON_DATA_DIR": str(tmp_path), "LESSON_CACHE_DIR": str(tmp_path),
                "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"})
    result = run_train("--quick", "--output", str(tmp_path / "out"), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("python -m helpers.train: error: No copy of the cifar10 dataset")
