"""The training command: a real quick run, and clear one-line errors for bad input."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from helpers.train import build_parser, check_output_folder


def run_train(*args, env=None):
    return subprocess.run([sys.executable, "-m", "helpers.train", *args], capture_output=True,
                          text=True, env=env or os.environ.copy(), timeout=600)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, shared_data_dir):
    output = tmp_path_factory.mktemp("train") / "results"
    env = {**os.environ, "LESSON_DATA_DIR": str(shared_data_dir),
           "LESSON_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    env.pop("LESSON_QUICK", None)  # --quick alone must switch quick mode on
    result = run_train("--quick", "--epochs", "2", "--batch-size", "64", "--output", str(output), env=env)
    return result, output


def test_quick_run_succeeds_quietly_and_shows_each_epoch(quick_run):
    result, _ = quick_run
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "(quick mode)" in result.stdout
    assert "Epoch 1/2" in result.stdout and "Epoch 2/2" in result.stdout
    assert "Test accuracy" in result.stdout


def test_quick_run_writes_every_result_file(quick_run):
    _, output = quick_run
    names = {path.name for path in output.iterdir()}
    assert {"sample_images.png", "training_history.png", "model.keras",
            "history.csv", "metrics.json"} <= names
    for png in ["sample_images.png", "training_history.png"]:
        assert (output / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quick_run_metrics_are_plausible(quick_run):
    _, output = quick_run
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and metrics["batch_size"] == 64 and metrics["quick_mode"] is True
    assert metrics["training_images"] == 1600
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["test_loss"] > 0
    assert metrics["training_seconds"] > 0
    assert set(metrics["versions"]) == {"python", "tensorflow", "keras", "numpy"}
    history = pd.read_csv(output / "history.csv")
    assert list(history["epoch"]) == [1, 2]
    assert {"loss", "categorical_accuracy", "val_loss", "val_categorical_accuracy"} <= set(history)


def test_quick_run_model_reloads_and_is_the_three_block_cnn(quick_run):
    import keras

    from helpers.models import architecture, create_model_three_blocks

    _, output = quick_run
    model = keras.models.load_model(output / "model.keras")
    assert architecture(model) == architecture(create_model_three_blocks())


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
])
def test_bad_values_exit_with_one_line(args, message):
    result = run_train(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"python -m helpers.train: error: argument {message}"
                                                  if message.startswith("--") else
                                                  f"python -m helpers.train: error: {message}"]


def test_output_that_is_a_file_is_refused_in_one_line(tmp_path):
    existing_file = tmp_path / "results.txt"
    existing_file.write_text("not a folder")
    result = run_train("--output", str(existing_file))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"python -m helpers.train: error: --output {existing_file} is a file; give a folder name instead"]


def test_output_that_cannot_be_created_is_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="cannot create the output folder"):
        check_output_folder(blocker / "results")


def test_output_folder_is_created(tmp_path):
    check_output_folder(tmp_path / "new" / "results")
    assert (tmp_path / "new" / "results").is_dir()


def test_a_batch_larger_than_the_training_set_gets_a_warning(tmp_path, shared_data_dir):
    env = {**os.environ, "LESSON_DATA_DIR": str(shared_data_dir), "LESSON_CACHE_DIR": str(tmp_path / "cache")}
    result = run_train("--quick", "--epochs", "1", "--batch-size", "2000", "--output", str(tmp_path / "out"),
                       env=env)
    assert result.returncode == 0, result.stderr
    assert ("python -m helpers.train: warning: --batch-size 2000 is more than the 1,600 training images, "
            "so every epoch is a single step on all of them.") in result.stderr


def test_help_explains_every_flag():
    text = build_parser().format_help()
    for flag in ["--epochs", "--batch-size", "--output", "--seed", "--quick"]:
        assert flag in text
    assert "default 10" in text and "default output/" in text


def test_missing_data_is_reported_without_a_traceback(tmp_path):
    # Send any download to a closed local port, so the test never reaches the internet.
    env = {key: value for key, value in os.environ.items() if key.lower() != "no_proxy"}
    env.update({"LESSON_DATA_DIR": str(tmp_path), "LESSON_CACHE_DIR": str(tmp_path),
                "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"})
    result = run_train("--quick", "--output", str(tmp_path / "out"), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("python -m helpers.train: error: No copy of the cifar10 dataset")
