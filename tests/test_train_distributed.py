"""The training command on several devices and machines: ``--distribute mirrored`` and ``multi-worker``.

Both must be set up before TensorFlow starts, so every run here is a command
in a new process. ``--cpu-devices 2`` splits the CPU into two logical
devices, so that the mirrored strategy runs without GPUs; the multi-worker
run starts two workers on this machine, talking over free local ports.
"""

import json
import math
import os
import re
import socket
import subprocess
import sys

import numpy as np
import pytest

from helpers.distribution import multi_worker_task
from helpers.runs import RESULT_FILES, UNFINISHED_RUN
from helpers.train import main

# Saving a model converts TensorFlow variables with np.array(x, copy=False), which NumPy 2
# flags; the command never shows this warning (it is raised inside keras, not in __main__).
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

COMMAND = [sys.executable, "-m", "helpers.train"]


@pytest.fixture(scope="module")
def data_env(tmp_path_factory, shared_data_dir):
    """Environment variables for the real offline data, decoded once into a cache for the whole test session.

    test_train.py uses the same cache folder, so CIFAR-10 is decoded once for both.
    """
    cache = tmp_path_factory.getbasetemp() / "cifar10-cache"
    cache.mkdir(exist_ok=True)
    env = {"LESSON_DATA_DIR": str(shared_data_dir), "LESSON_CACHE_DIR": str(cache)}
    with pytest.MonkeyPatch.context() as patch:  # decode now, so that two workers never write the cache at once
        for name, value in env.items():
            patch.setenv(name, value)
        from helpers.data import load_cifar10

        load_cifar10(quick=True)
    return env


def run_main(*args):
    """Call ``main`` in this process; return its exit status."""
    try:
        return main([str(arg) for arg in args])
    except SystemExit as exit:
        return exit.code


def iterations(model_file):
    """How many training steps the optimizer of a saved model took."""
    import keras

    return int(keras.models.load_model(model_file).optimizer.iterations)


# --- mirrored, on two logical CPU devices ------------------------------------------------

@pytest.fixture(scope="module")
def mirrored_run(tmp_path_factory, data_env):
    """Two epochs on two CPU devices, in two calls: --time-limit 0 pauses the first after epoch 1."""
    output = tmp_path_factory.mktemp("mirrored") / "out"
    command = [*COMMAND, "--quick", "--epochs", "2", "--batch-size", "200", "--distribute", "mirrored",
               "--cpu-devices", "2", "--time-limit", "0", "--output", str(output)]
    env = {**os.environ, **data_env}
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    names_between = sorted(path.name for path in output.iterdir())
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    return first, names_between, second, output


@pytest.mark.slow
def test_mirrored_on_two_cpu_devices_says_so_and_shows_the_global_batch(mirrored_run):
    first, _, second, _ = mirrored_run
    for result in (first, second):
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        lines = result.stdout.splitlines()
        assert lines[0] == ("Splitting the CPU into 2 logical devices: this only simulates several devices, "
                            "for trying distributed training; it does not make training faster.")
        assert "2 replicas: global batch size 400 (200 per replica)." in lines
    assert re.search(r"^Epoch 1/2: ", first.stdout, re.M) and "Paused after epoch 1 of 2" in first.stdout
    assert re.search(r"^Epoch 2/2: ", second.stdout, re.M) and "Continuing the unfinished run" in second.stdout


@pytest.mark.slow
def test_mirrored_writes_the_results_once_after_continuing(mirrored_run):
    _, names_between, _, output = mirrored_run
    assert names_between == [UNFINISHED_RUN]
    assert sorted(path.name for path in output.iterdir()) == sorted(RESULT_FILES)
    metrics = json.loads((output / "metrics.json").read_text())
    assert (metrics["distribute"], metrics["replicas"], metrics["batch_size"]) == ("mirrored", 2, 200)
    # Batches of 400 images, the global batch: 1,600 training images make 4 steps an epoch.
    assert iterations(output / "model.keras") == 2 * math.ceil(1600 / 400)


# --- two workers on this machine ------------------------------------------------------

def free_ports(count):
    """Numbers of local ports that are free now (the system picks them)."""
    sockets = [socket.socket() for _ in range(count)]
    for each in sockets:
        each.bind(("127.0.0.1", 0))
    ports = [each.getsockname()[1] for each in sockets]
    for each in sockets:
        each.close()
    return ports


def tf_config(cluster, index):
    return json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})


@pytest.fixture(scope="module")
def multi_worker_run(tmp_path_factory, data_env):
    """Worker 0 (the chief) and worker 1, started together, each with its own --output and temporary folder.

    Returns the folder that holds out-0, out-1, tmp-0 and tmp-1, and each worker's
    (exit status, stdout, stderr).
    """
    folder = tmp_path_factory.mktemp("multi-worker")
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    processes = []
    for index in range(2):
        (folder / f"tmp-{index}").mkdir()
        env = {**os.environ, **data_env, "TF_CONFIG": tf_config(cluster, index),
               "TMPDIR": str(folder / f"tmp-{index}")}
        processes.append(subprocess.Popen(
            [*COMMAND, "--quick", "--epochs", "1", "--batch-size", "200", "--distribute", "multi-worker",
             "--output", str(folder / f"out-{index}")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    results = []
    try:
        for process in processes:  # a worker that hangs fails the test instead of freezing it
            stdout, stderr = process.communicate(timeout=600)
            results.append((process.returncode, stdout, stderr))
    finally:
        for process in processes:
            process.kill()
            process.wait()
    return folder, results


@pytest.mark.slow
def test_both_workers_finish_and_only_the_chief_reports(multi_worker_run):
    _, [(chief_code, chief_out, chief_err), (worker_code, worker_out, worker_err)] = multi_worker_run
    assert chief_code == 0, chief_err
    assert worker_code == 0, worker_err
    assert chief_err == "" and worker_err == ""
    assert "2 replicas on 2 workers: global batch size 400 (200 per replica)." in chief_out.splitlines()
    assert re.search(r"^Epoch 1/1: ", chief_out, re.M) and re.search(r"^Test accuracy ", chief_out, re.M)
    assert worker_out == "This is worker 1 of a multi-worker run; the chief writes the results.\n"


@pytest.mark.slow
def test_only_the_chief_writes_results_and_nothing_stray_is_left(multi_worker_run):
    folder, _ = multi_worker_run
    assert sorted(path.name for path in folder.iterdir()) == ["out-0", "tmp-0", "tmp-1"]
    assert sorted(path.name for path in (folder / "out-0").iterdir()) == sorted(RESULT_FILES)
    assert list((folder / "tmp-0").iterdir()) == [] and list((folder / "tmp-1").iterdir()) == []
    metrics = json.loads((folder / "out-0" / "metrics.json").read_text())
    assert (metrics["distribute"], metrics["replicas"]) == ("multi-worker", 2)
    assert iterations(folder / "out-0" / "model.keras") == math.ceil(1600 / 400)  # global batches of 400


@pytest.mark.slow
def test_a_worker_whose_port_is_taken_says_so_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        cluster = {"worker": [address, f"127.0.0.1:{free_ports(1)[0]}"]}
        result = subprocess.run([*COMMAND, "--distribute", "multi-worker", "--output", str(tmp_path / "out")],
                                capture_output=True, text=True, env={**os.environ, "TF_CONFIG": tf_config(cluster, 0)},
                                timeout=300)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"python -m helpers.train: error: this worker could not start at {address} (Could not start gRPC server); "
        "TF_CONFIG must give it a port that is free"]
    assert not (tmp_path / "out").exists()


# --- TF_CONFIG and combinations that cannot work ---------------------------------------------

EXAMPLE = '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'


def test_a_missing_tf_config_is_one_line_before_tensorflow_loads(tmp_path):
    env = {name: value for name, value in os.environ.items() if name != "TF_CONFIG"}
    code = ("import sys\nfrom helpers.train import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit as exit:\n    print(exit.code, 'tensorflow' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code, "--distribute", "multi-worker", "--output",
                             str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=120)
    assert result.stdout.split() == ["2", "False"]
    assert result.stderr.splitlines() == [
        "python -m helpers.train: error: --distribute multi-worker needs the environment variable TF_CONFIG, "
        "which lists the workers and says which one this is; on the first of two machines, for example: "
        f"TF_CONFIG='{EXAMPLE}'"]


@pytest.mark.parametrize("value, start", [
    ("{'cluster': {}}", "TF_CONFIG is not valid JSON (Expecting property name enclosed in double quotes"),
    ('{"cluster": {"worker": ["a:1"]}}', 'TF_CONFIG must list the workers under "cluster"'),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 1}}', "TF_CONFIG must list"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "evaluator", "index": 0}}', "TF_CONFIG must list"),
    ('["a:1"]', "TF_CONFIG must list"),
])
def test_a_wrong_tf_config_is_one_line(monkeypatch, tmp_path, capsys, value, start):
    monkeypatch.setenv("TF_CONFIG", value)
    assert run_main("--distribute", "multi-worker", "--output", tmp_path / "out") == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"python -m helpers.train: error: {start}")
    assert line.endswith(f"'{EXAMPLE}'")
    assert not (tmp_path / "out").exists()


def test_a_time_limit_cannot_pause_several_workers(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TF_CONFIG", EXAMPLE)
    assert run_main("--distribute", "multi-worker", "--time-limit", "4", "--output", tmp_path / "out") == 2
    assert capsys.readouterr().err.splitlines() == [
        "python -m helpers.train: error: --time-limit cannot be used with --distribute multi-worker: the "
        "workers cannot pause and continue together, so a multi-worker run always goes to the end"]


def test_cpu_devices_need_the_mirrored_strategy(tmp_path, capsys):
    assert run_main("--cpu-devices", "2", "--output", tmp_path / "out") == 2
    assert capsys.readouterr().err.splitlines() == [
        "python -m helpers.train: error: --cpu-devices works only with --distribute mirrored, which trains on "
        "those devices; add --distribute mirrored or leave out --cpu-devices"]


@pytest.mark.parametrize("args, option", [
    (["--distribute", "mirrored", "--cpu-devices", "2"], "--cpu-devices"),
    (["--distribute", "multi-worker"], "--distribute multi-worker"),
])
def test_devices_cannot_be_set_up_once_tensorflow_has_started(monkeypatch, tmp_path, capsys, args, option):
    monkeypatch.setenv("TF_CONFIG", EXAMPLE)  # this process imported TensorFlow already (conftest.py)
    assert run_main("--quick", *args, "--output", tmp_path / "out") == 2
    assert capsys.readouterr().err.splitlines() == [
        f"python -m helpers.train: error: {option} must be set before TensorFlow starts; run the command in "
        "a new Python process"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("cluster, task, chief", [
    ({"worker": ["a:1", "b:1"]}, {"type": "worker", "index": 0}, True),
    ({"worker": ["a:1", "b:1"]}, {"type": "worker", "index": 1}, False),
    ({"chief": ["c:1"], "worker": ["a:1"]}, {"type": "worker", "index": 0}, False),
    ({"chief": ["c:1"], "worker": ["a:1"]}, {"type": "chief", "index": 0}, True),
])
def test_the_chief_is_the_chief_task_or_else_worker_0(monkeypatch, cluster, task, chief):
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": task}))
    found = multi_worker_task()
    assert found["chief"] is chief and found["workers"] == 2
    assert found["address"] == cluster[task["type"]][task["index"]]


# --- the fast recipe under a strategy ----------------------------------------------------

@pytest.fixture
def images():
    return np.random.default_rng(1).integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)


def test_the_whitening_filters_are_set_under_a_strategy(images):
    import tensorflow as tf

    from helpers.models import create_model_fast, patch_whitening_filters

    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        model = create_model_fast(images)
    np.testing.assert_allclose(model.get_layer("patch_whitening").get_weights()[0],
                               patch_whitening_filters(images.astype("float32") / 255), rtol=1e-5)


def test_the_fast_schedule_follows_the_steps_under_a_strategy(images):
    import keras
    import tensorflow as tf

    from helpers.models import compile_model_fast, create_model_fast, fast_schedule

    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        model = create_model_fast(images)
        compile_model_fast(model)
    schedule = fast_schedule(total_steps=4)
    labels = keras.utils.to_categorical(np.arange(len(images)) % 10, 10)
    model.fit(images, labels, batch_size=32, epochs=2, callbacks=[schedule], verbose=0)
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 4
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(schedule.rate(3))
