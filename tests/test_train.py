"""The training command: a real quick run, and clear one-line errors for bad input.

Faults during a run (a full disk, Ctrl-C) are tested in-process through
``main``, with the failing call replaced by monkeypatch; one test sends a real
Ctrl-C (SIGINT) to a running command.
"""

import errno
import json
import os
import re
import signal
import subprocess
import sys

import pandas as pd
import pytest

from helpers.train import RESULT_FILES, build_parser, check_output_folder, main

# Saving a model converts TensorFlow variables with np.array(x, copy=False), which NumPy 2
# flags; the command never shows this warning (it is raised inside keras, not in __main__).
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def run_train(*args, env=None):
    return subprocess.run([sys.executable, "-m", "helpers.train", *args], capture_output=True,
                          text=True, env=env or os.environ.copy(), timeout=600)


@pytest.fixture(scope="module")
def data_env(tmp_path_factory, shared_data_dir):
    """Environment variables for the real offline data, with one decoding cache for the whole module."""
    return {"LESSON_DATA_DIR": str(shared_data_dir), "LESSON_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}


@pytest.fixture
def run_main(monkeypatch, data_env):
    """Call ``main`` in this process on the offline data; return its exit status."""
    for name, value in data_env.items():
        monkeypatch.setenv(name, value)

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
    output = tmp_path_factory.mktemp("train") / "new" / "results"
    env = {**os.environ, **data_env}
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


def test_quick_run_writes_every_result_file_and_nothing_else(quick_run):
    _, output = quick_run
    assert sorted(path.name for path in output.iterdir()) == sorted(RESULT_FILES)
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


def test_quick_flag_does_not_change_the_environment(run_main, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("LESSON_QUICK", raising=False)
    assert run_main("--quick", "--epochs", "1", "--output", tmp_path / "out") == 0
    assert "LESSON_QUICK" not in os.environ
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["quick_mode"] is True and metrics["training_images"] == 1600


def test_overwrite_replaces_the_earlier_results_and_nothing_else(run_main, tmp_path, capsys):
    output = tmp_path / "out"
    earlier_run(output)
    (output / "runs").mkdir()
    (output / "runs" / "model.keras").write_text("a model the user keeps")
    assert run_main("--quick", "--epochs", "1", "--output", output, "--overwrite") == 0
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


# --- faults while saving and training ------------------------------------------------

def half_written_then_full(self, path, *args, **kwargs):
    with open(path, "w") as file:
        file.write("half a file")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def read_only(self, path, *args, **kwargs):
    raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))


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
        "nothing was written there."]
    assert contents(output) == before
    assert sorted(path.name for path in output.iterdir()) == sorted([*RESULT_FILES, "notes.txt"])


def test_a_failed_save_into_a_new_folder_leaves_no_folder(run_main, monkeypatch, tmp_path, capsys):
    output = tmp_path / "out"
    monkeypatch.setattr("keras.Model.save", half_written_then_full)
    assert run_main("--quick", "--epochs", "1", "--output", output) == 1
    assert "nothing was written there" in capsys.readouterr().err
    assert not output.exists()


def interrupted(*args, **kwargs):
    raise KeyboardInterrupt


def test_an_interrupted_run_creates_no_output_folder(run_main, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("keras.Model.fit", interrupted)
    output = tmp_path / "new" / "out"
    assert run_main("--quick", "--output", output) == 130
    assert capsys.readouterr().err.splitlines() == [
        f"python -m helpers.train: interrupted; nothing was saved in {output}/."]
    assert not (tmp_path / "new").exists()


def test_ctrl_c_during_training_stops_in_one_line_and_keeps_the_earlier_results(tmp_path, data_env):
    output = tmp_path / "out"
    earlier_run(output)
    before = contents(output)
    env = {**os.environ, **data_env, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "helpers.train", "--quick", "--epochs", "1000", "--output", str(output),
               "--overwrite"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            for line in process.stdout:  # wait until the second epoch starts: training is under way
                if line.startswith("Epoch 2/"):
                    break
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=120)
        finally:
            process.kill()
    assert process.returncode == 130, stderr
    assert stderr.splitlines() == [f"python -m helpers.train: interrupted; nothing was saved in {output}/."]
    assert contents(output) == before
    assert sorted(path.name for path in output.iterdir()) == sorted([*RESULT_FILES, "notes.txt"])


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
    message = f"cannot create the output folder {blocker / 'results' / 'run-1'}: {blocker} is a file"
    with pytest.raises(ValueError, match=re.escape(message)):
        check_output_folder(blocker / "results" / "run-1")


def test_checking_the_output_folder_creates_nothing(tmp_path):
    check_output_folder(tmp_path / "new" / "results")
    assert list(tmp_path.iterdir()) == []


def test_a_batch_larger_than_the_training_set_gets_a_warning(run_main, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("keras.Model.fit", interrupted)  # the warning comes before training starts
    run_main("--quick", "--batch-size", "2000", "--output", tmp_path / "out")
    assert ("python -m helpers.train: warning: --batch-size 2000 is more than the 1,600 training images, "
            "so every epoch is a single step on all of them.") in capsys.readouterr().err.splitlines()


def test_help_explains_every_flag():
    text = build_parser().format_help()
    for flag in ["--epochs", "--batch-size", "--output", "--overwrite", "--seed", "--quick"]:
        assert flag in text
    assert "default 10" in text and "default output/" in text
    assert "replace the results of an earlier run in --output" in text
    assert max(len(line) for line in text.splitlines()) <= 78


def test_missing_data_is_reported_without_a_traceback(tmp_path):
    # Send any download to a closed local port, so the test never reaches the internet.
    env = {key: value for key, value in os.environ.items() if key.lower() != "no_proxy"}
    env.update({"LESSON_DATA_DIR": str(tmp_path), "LESSON_CACHE_DIR": str(tmp_path),
                "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"})
    result = run_train("--quick", "--output", str(tmp_path / "out"), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("python -m helpers.train: error: No copy of the cifar10 dataset")
