"""Train the lesson's deeper CNN, or the fast recipe, on CIFAR-10 from the command line.

    python -m helpers.train --epochs 10 --output output/
    python -m helpers.train --model fast --output output-fast/
    python -m helpers.train --model fast --time-limit 4 --output output-fast/   # again until done
    lesson-train --quick              # the same, as an installed command

The script version of the notebooks, taught in episode 09: the same data
loading, model building, training and evaluation, with no notebook needed,
so a run can go on a server or a GPU machine and be repeated exactly. It
writes into the output folder:

- ``sample_images.png``: 25 training images with their labels;
- ``training_history.png``: accuracy and loss per epoch;
- ``model.keras``: the trained model;
- ``history.csv``: the numbers behind the plot, and the seconds of training
  at the end of each epoch;
- ``metrics.json``: test loss and accuracy (also with flip averaging), the
  seconds it took to reach 70, 80 and 85 % validation accuracy, the settings
  and library versions.

The files appear only when the run is complete: they are written into a
temporary folder inside the output folder and moved into place at the end,
so a full disk or Ctrl-C never leaves half a result. A folder that holds
the results of an earlier run is refused, unless ``--overwrite`` asks to
replace them. Other files in the output folder are never touched.

Until then, the run keeps its state after every epoch in a hidden folder,
``.unfinished-run/`` inside the output folder: the weights and optimizer
state (saved by Keras's ``BackupAndRestore``), the settings, and the history
so far. The same command continues an unfinished run from its last finished
epoch, after Ctrl-C, a lost session, or a pause asked for with
``--time-limit``; the folder is deleted once the results are saved.

``--distribute`` trains on several devices with TensorFlow's own
strategies: ``mirrored`` on the GPUs of one machine, ``multi-worker`` on
several machines that each run the same command.
"""

import argparse
import contextlib
import csv
import json
import math
import os
import platform
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from helpers.cli import OneLineErrorParser, folder_name, number_in, seed_number, whole_number_at_least
from helpers.fast_recipe import FAST_LABEL_SMOOTHING, FAST_PEAK_LEARNING_RATE

# The files one run writes, in the order the module docstring lists them.
RESULT_FILES = ["sample_images.png", "training_history.png", "model.keras", "history.csv", "metrics.json"]

# The networks --model chooses from, with the epochs, batch size and validation set each trains with
# unless told otherwise. Five epochs of the fast recipe aim at 85 % test accuracy in under 10 minutes on
# a 2-core laptop CPU.
MODEL_DEFAULTS = {
    "three-blocks": {"epochs": 10, "batch_size": 32, "validation": "split"},
    "fast": {"epochs": 5, "batch_size": 256, "validation": "test"},
}

# time_to_accuracy in metrics.json: when validation accuracy first reached each of these.
ACCURACY_THRESHOLDS = (0.70, 0.80, 0.85)

# The hidden folder inside --output that keeps a run until its results are saved.
UNFINISHED_RUN = ".unfinished-run"

# What TF_CONFIG looks like on the first of two workers, for the error messages.
TF_CONFIG_EXAMPLE = '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'


class ResultsNotSavedError(Exception):
    """The result files could not be written; none of them were."""


class RunNotKeptError(Exception):
    """The state of the run could not be kept after an epoch."""


class DistributionError(Exception):
    """The devices or workers asked for cannot be set up in this process."""


class RunPaused(Exception):
    """The run stopped at its time limit; its state is kept, and the same command continues it."""


def build_parser():
    parser = OneLineErrorParser(
        prog="python -m helpers.train",
        description="Train a CNN on CIFAR-10 (the lesson's three-block CNN with batch normalisation, "
        "or the fast recipe) and save the model, its training history, plots and test metrics.",
    )
    parser.add_argument("--model", choices=list(MODEL_DEFAULTS), default="three-blocks",
                        help="the network: three-blocks, the lesson's CNN of episode 09 (default), or "
                        "fast, a recipe built for 85 %% test accuracy in 5 epochs on a laptop "
                        "(patch whitening, label smoothing, SGD with warm-up, flip averaging)")
    parser.add_argument("--epochs", type=whole_number_at_least(1), default=None,
                        help="passes over the training data (default 10; 5 with --model fast)")
    parser.add_argument("--batch-size", type=whole_number_at_least(1), default=None,
                        help="images per training step on each device (default 32; 256 with --model fast)")
    parser.add_argument("--validation", choices=["split", "test"], default=None,
                        help="what to check the accuracy on after each epoch: split holds back 10,000 of "
                        "the 50,000 training images (default); test trains on all 50,000 and checks "
                        "on the 10,000 test images, as speed benchmarks do (default with --model "
                        "fast), which is fair for a fixed recipe because no setting is chosen by "
                        "looking at that accuracy")
    parser.add_argument("--schedule", choices=["decay", "constant"], default="decay",
                        help="the learning rate: decay lowers it to 0 over the run, cosine-shaped "
                        f"from Adam's 0.001 (fast: a warm-up to {FAST_PEAK_LEARNING_RATE}, then a straight fall); "
                        f"constant keeps 0.001 (fast: {FAST_PEAK_LEARNING_RATE}) throughout (default decay)")
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                        help="show each training image mirrored at random and shifted by up to 2 "
                        "pixels (default --augment)")
    parser.add_argument("--whitening", action=argparse.BooleanOptionalAction, default=None,
                        help="with --model fast: start from the patch-whitening filters, never trained "
                        "(default --whitening); --no-whitening trains that first layer from random "
                        "weights instead")
    parser.add_argument("--label-smoothing", type=number_in(0, 1, "a number from 0 to below 1"), default=None,
                        metavar="AMOUNT",
                        help="with --model fast: the share of each target spread evenly over all the "
                        f"classes, from 0 (none) to less than 1 (default {FAST_LABEL_SMOOTHING})")
    parser.add_argument("--output", type=folder_name, default=Path("output"),
                        help="folder to write the results into; created if missing (default output/)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the results of an earlier run in --output, and start again "
                        "when an unfinished run there has other settings")
    parser.add_argument("--time-limit", type=number_in(0, math.inf, "0 or more minutes"), default=None,
                        metavar="MINUTES",
                        help="pause before an epoch that would end past MINUTES of training in this "
                        "call, keeping the run so far; the same command continues it (without it, "
                        "the run goes to the end)")
    parser.add_argument("--seed", type=seed_number, default=42,
                        help="random seed for weights and shuffling (default 42)")
    parser.add_argument("--quick", action="store_true",
                        help="use a small class-balanced subset, as LESSON_QUICK=1 does: 2,000 "
                        "training images (with --validation split, 1,600 to train on and 400 to "
                        "validate) and 500 test images; a fast check that everything works")
    parser.add_argument("--distribute", choices=["none", "mirrored", "multi-worker"], default="none",
                        help="train on one device (none, the default), on all the GPUs of this "
                        "machine (mirrored), or on several machines that each run this same "
                        "command with their own TF_CONFIG environment variable (multi-worker)")
    parser.add_argument("--cpu-devices", type=whole_number_at_least(1), default=None, metavar="N",
                        help="with --distribute mirrored: split the CPU into N logical devices, to "
                        "try distributed training on a laptop (it only simulates devices)")
    return parser


def run_settings(model="three-blocks", epochs=None, batch_size=None, validation=None, schedule="decay",
                 augment=True, whitening=None, label_smoothing=None, seed=42, quick=False, distribute="none",
                 cpu_devices=None):
    """The settings of one run as a dict, with the model's defaults for those given as None.

    ``whitening`` and ``label_smoothing`` belong to the fast recipe; the
    three-block CNN has neither (False and 0.0). An unfinished run continues
    only with exactly these settings.
    """
    defaults = MODEL_DEFAULTS[model]
    fast = model == "fast"
    return {
        "model": model,
        "epochs": epochs or defaults["epochs"],
        "batch_size": batch_size or defaults["batch_size"],
        "validation": validation or defaults["validation"],
        "schedule": schedule,
        "augment": augment,
        "whitening": fast and whitening is not False,
        "label_smoothing": (FAST_LABEL_SMOOTHING if label_smoothing is None else label_smoothing) if fast else 0.0,
        "seed": seed,
        "quick": quick,
        "distribute": distribute,
        "cpu_devices": cpu_devices,
    }


def check_combination(args):
    """Explain in one sentence why these options cannot work together, if they cannot."""
    for flag, value in [("--whitening or --no-whitening", args.whitening),
                        ("--label-smoothing", args.label_smoothing)]:
        if value is not None and args.model != "fast":
            raise ValueError(f"{flag} works only with --model fast, whose recipe it changes; add "
                             "--model fast or leave it out")
    if args.cpu_devices is not None and args.distribute != "mirrored":
        raise ValueError("--cpu-devices works only with --distribute mirrored, which trains on those "
                         "devices; add --distribute mirrored or leave out --cpu-devices")
    if args.distribute == "multi-worker":
        if args.time_limit is not None:
            raise ValueError("--time-limit cannot be used with --distribute multi-worker: the workers "
                             "cannot pause and continue together, so a multi-worker run always goes to "
                             "the end")
        multi_worker_task()  # TF_CONFIG must say where this worker belongs


def multi_worker_task():
    """This worker's place in the cluster that TF_CONFIG describes, as a dict.

    Its keys: "type" ("chief" or "worker"), "index" (in the list of that
    type), "address" (host:port), "chief" (whether this is the chief: the
    task of type "chief", or worker 0 when there is none), and "workers"
    (how many there are, the chief included). Raises ValueError, saying
    what to set, when TF_CONFIG is missing or wrong.
    """
    text = os.environ.get("TF_CONFIG", "")
    if not text.strip():
        raise ValueError("--distribute multi-worker needs the environment variable TF_CONFIG, which lists "
                         "the workers and says which one this is; on the first of two machines, for "
                         f"example: TF_CONFIG='{TF_CONFIG_EXAMPLE}'")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON ({error}); it should look like "
                         f"'{TF_CONFIG_EXAMPLE}'") from None
    try:
        cluster, task_type, index = config["cluster"], config["task"]["type"], config["task"]["index"]
        known = task_type in ("chief", "worker") and type(index) is int  # bool is no index either
        if not known or not 0 <= index < len(cluster[task_type]):
            raise ValueError
    except (TypeError, KeyError, ValueError):
        raise ValueError("TF_CONFIG must list the workers under \"cluster\" and give this one's \"type\" "
                         "(worker or chief) and \"index\" in that list under \"task\", like "
                         f"'{TF_CONFIG_EXAMPLE}'") from None
    return {"type": task_type, "index": index, "address": cluster[task_type][index],
            "chief": task_type == "chief" or (index == 0 and "chief" not in cluster),
            "workers": len(cluster.get("chief", [])) + len(cluster.get("worker", []))}


def is_chief(settings):
    """Whether this process writes the results: always, unless it is one of several workers that is not the chief."""
    return settings["distribute"] != "multi-worker" or multi_worker_task()["chief"]


def check_output_folder(folder, overwrite=False):
    """Explain in one sentence why the results cannot go into ``folder``, if they cannot.

    Creates nothing: ``save_results`` makes the folder when the results are ready.
    """
    # os.path's checks answer False, where Path's raise, when a parent folder cannot be read.
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ValueError(f"--output {folder} is a file; give a folder name instead")
    earlier = [name for name in RESULT_FILES if os.path.exists(folder / name)]
    if earlier and not overwrite:
        raise ValueError(f"{folder}/ already holds the results of an earlier run ({', '.join(earlier)}); "
                         "choose another --output folder, or add --overwrite to replace them.")
    nearest = folder.absolute()  # the folder, or the closest of its parents that exists
    while not os.path.exists(nearest):
        nearest = nearest.parent
    if not os.path.isdir(nearest):
        raise ValueError(f"cannot create the output folder {folder}: {nearest} is a file")
    if not os.access(nearest, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write into {nearest}, so the results cannot go into {folder}; "
                         "choose another --output folder")


# --- an unfinished run ----------------------------------------------------------------
# <output>/.unfinished-run/ holds settings.json (run_settings), history.csv (one row per
# finished epoch) and keras-backup/, the folder of Keras's BackupAndRestore.

def unfinished_run(folder):
    """The settings and per-epoch rows of the unfinished run in ``folder``: ``(None, [])`` if there is none.

    Only the epochs whose weights Keras saved count as finished. Raises
    ValueError when the unfinished run cannot be read.
    """
    kept = folder / UNFINISHED_RUN
    if not os.path.isdir(kept):
        return None, []
    try:
        settings = json.loads((kept / "settings.json").read_text())
        if not isinstance(settings, dict):
            raise ValueError("settings.json holds no settings")
        with open(kept / "history.csv", newline="") as file:
            rows = [{name: float(value) for name, value in row.items()} for row in csv.DictReader(file)]
        saved = kept / "keras-backup" / "training_metadata.json"
        finished = json.loads(saved.read_text())["epoch"] if saved.exists() else 0
        if finished > len(rows):
            raise ValueError(f"its history has {len(rows)} epochs, its weights {finished}")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{folder}/ holds an unfinished run that cannot be read ({error}); "
                         "add --overwrite to start again") from None
    return settings, [{**row, "epoch": int(row["epoch"])} for row in rows[:finished]]


def check_unfinished_run(folder, settings, overwrite=False):
    """Explain in one sentence why the unfinished run in ``folder`` cannot continue with ``settings``, if it cannot.

    ``overwrite`` allows starting again: then ``train`` discards that run.
    """
    try:
        earlier, rows = unfinished_run(folder)
    except ValueError:
        if overwrite:
            return
        raise
    if rows and earlier != settings and not overwrite:
        differences = "; ".join(f"--{name.replace('_', '-')} {shown(earlier.get(name))}, not {shown(value)}"
                                for name, value in settings.items() if earlier.get(name) != value)
        raise ValueError(f"{folder}/ holds an unfinished run with other settings ({differences}); run with "
                         "the same settings to continue it, or add --overwrite to start again.")


def shown(value):
    """A setting as the messages show it: on or off for True or False, none for None."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return "none" if value is None else str(value)


def finished_epochs(folder, settings):
    """How many epochs of a run with ``settings`` the same command would not need to train again in ``folder``."""
    try:
        earlier, rows = unfinished_run(folder)
    except ValueError:
        return 0
    return len(rows) if earlier == settings else 0


def what_was_kept(folder, settings):
    """Say, after Ctrl-C, whether the same command can continue the run in ``folder``."""
    finished = finished_epochs(folder, settings)
    if finished:
        return (f"epoch {finished} of {settings['epochs']}, the last finished, is kept in {folder}/, "
                "and the same command continues from it.")
    return f"nothing was saved in {folder}/."


class RunHistory:
    """The metrics of each epoch of one run, over every call of the command that trained it.

    ``rows`` holds one dict per finished epoch: ``epoch`` (from 1), the
    metrics, and ``training_seconds``, the seconds of training from the start
    of the run to the end of that epoch. With a ``folder``, the rows and the
    run's ``settings`` are written there after every epoch, for a later call.
    """

    def __init__(self, rows=(), folder=None, settings=None):
        self.rows = list(rows)
        self.folder = folder
        self.settings = settings

    @property
    def seconds(self):
        """The seconds of training so far, over all calls."""
        return self.rows[-1]["training_seconds"] if self.rows else 0.0

    def start_call(self):
        """Note when training starts in this call."""
        import time

        self.call_started = time.perf_counter()
        self.seconds_before = self.seconds

    def end_epoch(self, epoch, logs):
        """Add the row of the epoch that just ended, and write the rows down if there is a folder."""
        import time

        seconds = self.seconds_before + time.perf_counter() - self.call_started
        self.rows.append({"epoch": epoch + 1, **{name: float(value) for name, value in logs.items()},
                          "training_seconds": round(seconds, 3)})
        if self.folder is not None:
            self.write()

    def write(self):
        """Write the settings and rows into the folder, each file replaced whole."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "settings.json.new").write_text(json.dumps(self.settings, indent=2) + "\n")
        os.replace(self.folder / "settings.json.new", self.folder / "settings.json")
        with open(self.folder / "history.csv.new", "w", newline="") as file:
            table = csv.DictWriter(file, fieldnames=list(self.rows[0]))
            table.writeheader()
            table.writerows(self.rows)
        os.replace(self.folder / "history.csv.new", self.folder / "history.csv")

    def another_epoch_would_end_past(self, limit_seconds):
        """Whether one more epoch, as long as the last, would end past ``limit_seconds`` of training in this call."""
        this_call = self.seconds - self.seconds_before
        last_epoch = self.seconds - (self.rows[-2]["training_seconds"] if len(self.rows) > 1 else 0.0)
        return this_call + last_epoch > limit_seconds


def save_results(folder, writers):
    """Write every result file into ``folder``, or none of them.

    ``writers`` maps each file name to a function that writes that file to a
    path. The files go into a temporary folder inside ``folder`` first, and are
    moved into place (replacing an earlier run's) only when all are complete.
    """
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        unfinished = Path(tempfile.mkdtemp(prefix=".unfinished-results-", dir=folder))
        try:
            for name, write in writers.items():
                write(unfinished / name)
            for name in writers:
                os.replace(unfinished / name, folder / name)
        finally:
            shutil.rmtree(unfinished, ignore_errors=True)
    except OSError as error:
        if created:  # leave no empty folder behind either
            shutil.rmtree(folder, ignore_errors=True)
        raise ResultsNotSavedError(f"could not save the results in {folder}/ ({error.strerror or error}); "
                                   "nothing was written there.") from error


# --- training -------------------------------------------------------------------------

def train(settings, output, time_limit=None):
    """Train and evaluate a model, save the results into ``output``, return the metrics dict.

    ``settings`` comes from ``run_settings``. An unfinished run in ``output``
    with the same settings is continued; one with other settings is discarded
    (``main`` refuses that without --overwrite). With ``time_limit`` (minutes),
    training stops after the epoch when another would end past that much
    training in this call: then the run is kept and RunPaused is raised.
    With --distribute multi-worker, only the chief writes into ``output``.
    """
    import matplotlib

    matplotlib.use("Agg")  # draw into files only: no window, so no display is needed

    strategy = start_tensorflow(settings["distribute"], settings["cpu_devices"])
    import keras
    import numpy as np

    from helpers.data import CLASS_NAMES
    from helpers.models import predict_with_flips

    chief = is_chief(settings)
    if not chief:
        print(f"This is worker {multi_worker_task()['index']} of a multi-worker run; the chief writes the "
              "results.")
    keras.utils.set_random_seed(settings["seed"])
    (train_images, train_labels), validation_data, (test_images, test_labels) = load_data(
        settings["validation"], settings["quick"])
    batch_size = settings["batch_size"] * strategy.num_replicas_in_sync  # the global batch: all devices together
    if chief:
        describe_run(settings, len(train_images), len(validation_data[0]), len(test_images),
                     strategy.num_replicas_in_sync)
    sample = train_images[:25].copy(), train_labels[:25].copy()  # drawn after training, as is every figure

    history = start_history(output, settings, chief)
    training_images = len(train_images)
    total_steps = settings["epochs"] * math.ceil(training_images / batch_size)
    with strategy.scope():
        model, schedule_callbacks = build_model(settings, train_images, total_steps)
        if settings["distribute"] == "multi-worker":
            work_around_keras_multi_worker_bugs(model)
        # A continued run draws new orders and augmentations, rather than those of its first epochs again.
        training_data = training_batches(train_images, train_labels, batch_size, settings["augment"],
                                         settings["seed"] + len(history.rows))
        del train_images, train_labels  # the batches keep a copy of the images of their own: free this one
        fit(model, training_data, validation_data, settings["epochs"], batch_size, history, schedule_callbacks,
            time_limit, progress=chief)
        del training_data  # its copy of the training images: evaluating needs the memory
        test_loss, test_accuracy = model.evaluate(test_images, test_labels, batch_size=batch_size, verbose=0)
        flip_averaged = predict_with_flips(model, test_images, batch_size=batch_size)
    flip_averaged_accuracy = np.mean(flip_averaged.argmax(axis=1) == test_labels.argmax(axis=1))

    # The plotting libraries load only now: during training, their memory is better spent on the batches.
    import pandas as pd

    from helpers.plotting import plot_history, plot_images

    sample_images = plot_images(*sample, CLASS_NAMES)
    table = pd.DataFrame(history.rows)
    metrics = {
        "model": settings["model"],
        "test_loss": round(float(test_loss), 4),
        "test_accuracy": round(float(test_accuracy), 4),
        "test_accuracy_flip_averaged": round(float(flip_averaged_accuracy), 4),
        "epochs": settings["epochs"],
        "batch_size": settings["batch_size"],
        "schedule": settings["schedule"],
        "augment": settings["augment"],
        "whitening": settings["whitening"],
        "label_smoothing": settings["label_smoothing"],
        "validation": settings["validation"],
        "seed": settings["seed"],
        "training_images": training_images,
        "quick_mode": settings["quick"],
        "distribute": settings["distribute"],
        "replicas": strategy.num_replicas_in_sync,
        "training_seconds": round(history.seconds, 1),
        "time_to_accuracy": time_to_accuracy(table["val_categorical_accuracy"], table["training_seconds"]),
        "versions": versions(),
    }
    training_history = plot_history(table, ["categorical_accuracy", "loss"])
    # Every worker saves (reading the model's variables takes all of them); only the chief's copy stays.
    with results_folder(output, chief) as folder:
        save_results(folder, {
            "sample_images.png": lambda path: sample_images.savefig(path, dpi=100),
            "training_history.png": lambda path: training_history.savefig(path, dpi=100),
            "model.keras": model.save,
            "history.csv": lambda path: table.to_csv(path, index=False),
            "metrics.json": lambda path: path.write_text(json.dumps(metrics, indent=2) + "\n"),
        })
    if chief:
        shutil.rmtree(output / UNFINISHED_RUN, ignore_errors=True)  # the results are saved: the run is over
    return metrics


def describe_run(settings, training, validating, testing, replicas):
    """Print what the run trains on, how, and on how many devices."""
    quick = " (quick mode)." if settings["quick"] else "."
    if settings["validation"] == "test":
        print(f"Training on {training} images, validating on the {testing} test images{quick}")
    else:
        print(f"Training on {training} images, validating on {validating}, testing on {testing}{quick}")
    batch_size = settings["batch_size"] * replicas
    if settings["distribute"] != "none":
        workers = f" on {multi_worker_task()['workers']} workers" if settings["distribute"] == "multi-worker" else ""
        print(f"{replicas} replica{'s' if replicas != 1 else ''}{workers}: global batch size {batch_size:,} "
              f"({settings['batch_size']:,} per replica).")
    if batch_size > training:
        batch = f"--batch-size {batch_size}" if replicas == 1 else f"the global batch of {batch_size:,}"
        print(f"python -m helpers.train: warning: {batch} is more than the {training:,} training images, "
              "so every epoch is a single step on all of them.", file=sys.stderr)
    print(f"Model {settings['model']}: epochs {settings['epochs']}, batch size {settings['batch_size']}, "
          f"learning rate {settings['schedule']}, augmentation {'on' if settings['augment'] else 'off'}.")


def start_history(output, settings, chief):
    """The RunHistory to train with: that of the unfinished run in ``output`` if it continues, else a new one.

    Only the chief keeps the run in ``output``, and only when it can
    continue (not with --distribute multi-worker). It discards an unfinished
    run that cannot continue, and says when one does.
    """
    kept = output / UNFINISHED_RUN
    if not chief:
        return RunHistory()
    try:
        earlier, rows = unfinished_run(output)
    except ValueError:
        earlier, rows = None, []
    if earlier != settings or not rows:
        shutil.rmtree(kept, ignore_errors=True)
        rows = []
    epochs = settings["epochs"]
    if rows:
        print(f"Continuing the unfinished run in {output}/ from epoch {len(rows) + 1} of {epochs}."
              if len(rows) < epochs else
              f"The unfinished run in {output}/ finished all {epochs} epochs; evaluating and saving it.")
    if settings["distribute"] == "multi-worker":
        return RunHistory()
    return RunHistory(rows, folder=kept, settings=settings)


def fit(model, training_data, validation_data, epochs, batch_size, history, schedule_callbacks,
        time_limit=None, progress=True):
    """Train ``model`` for the ``epochs`` that ``history`` lacks, adding a row to it after each.

    When ``history`` has a folder, Keras's BackupAndRestore keeps the weights
    and optimizer state there too, and restores them first. With
    ``time_limit`` (minutes), training stops after the epoch when another
    would end past that much training in this call, and RunPaused is raised.
    ``progress`` prints a line per epoch.
    """
    import keras

    from helpers.models import EpochProgress, in_minutes

    ctrl_c = CtrlCHeldBack()

    def end_epoch(epoch, logs):
        if history.folder is not None:
            ctrl_c.hold()  # until the backup of this epoch is complete
        history.end_epoch(epoch, logs)
        if (time_limit is not None and epoch + 1 < epochs
                and history.another_epoch_would_end_past(time_limit * 60)):
            model.stop_training = True

    # Keras calls them in this order. The history and the progress line time the same span; the
    # backup comes after the history, so that no epoch has weights without its row.
    callbacks = [keras.callbacks.LambdaCallback(on_train_begin=lambda logs: history.start_call(),
                                                on_epoch_end=end_epoch)]
    if progress:
        callbacks.append(EpochProgress(seconds_before=history.seconds))
    if history.folder is not None:
        callbacks += [keras.callbacks.BackupAndRestore(history.folder / "keras-backup",
                                                       delete_checkpoint=False),  # deleted after saving
                      keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: ctrl_c.release())]
    try:
        model.fit(training_data, epochs=epochs, validation_data=validation_data,
                  validation_batch_size=batch_size, callbacks=[*callbacks, *schedule_callbacks],
                  shuffle=False, verbose=0)  # training_batches shuffles
    except OSError as error:
        raise RunNotKeptError(f"could not keep the run in {history.folder}/ ({error.strerror or error}); "
                              "free some space, or choose another --output folder.") from error
    finally:
        ctrl_c.restore()
    if len(history.rows) < epochs:
        raise RunPaused(f"Paused after epoch {len(history.rows)} of {epochs} ({in_minutes(history.seconds)} "
                        "of training so far). Run the same command again to continue.")


class CtrlCHeldBack:
    """Make Ctrl-C wait while the run is being saved, so that it never leaves a half-written file.

    Between ``hold`` and ``release``, Ctrl-C is only noted; ``release``
    then stops the program as Ctrl-C would have. ``restore`` ends the hold
    without that, for when the program stops anyway. Only the main thread
    receives Ctrl-C, so elsewhere this does nothing.
    """

    def __init__(self):
        self.handler = None  # Ctrl-C's usual handler, while it is held back
        self.pressed = False

    def hold(self):
        if threading.current_thread() is threading.main_thread() and self.handler is None:
            self.pressed = False
            self.handler = signal.signal(signal.SIGINT, self.note)

    def note(self, signal_number, frame):
        self.pressed = True

    def restore(self):
        if self.handler is not None:
            signal.signal(signal.SIGINT, self.handler)
            self.handler = None

    def release(self):
        self.restore()
        if self.pressed:
            raise KeyboardInterrupt


def versions():
    """The versions of Python and the libraries that trained the model."""
    import keras
    import numpy as np
    import tensorflow as tf

    return {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__}


def load_data(validation, quick):
    """The training, validation and test data, each as (uint8 images, one-hot labels).

    ``validation`` "split" holds back a fifth of the training images to
    validate on; "test" trains on all of them and validates on the test set.
    """
    import keras

    from helpers.data import CLASS_NAMES, load_cifar10, prepare_dataset

    (train_images, train_labels), (test_images, test_labels) = load_cifar10(quick=quick)
    test = (test_images, keras.utils.to_categorical(test_labels, len(CLASS_NAMES)))
    if validation == "test":
        return (train_images, keras.utils.to_categorical(train_labels, len(CLASS_NAMES))), test, test
    train_images, val_images, train_labels, val_labels = prepare_dataset(train_images, train_labels)
    return (train_images, train_labels), (val_images, val_labels), test


@contextlib.contextmanager
def results_folder(output, chief):
    """The folder to save the results into: ``output`` for the chief; for another worker, a temporary one."""
    if chief:
        yield output
        return
    folder = Path(tempfile.mkdtemp(prefix="helpers-train-worker-"))
    try:
        yield folder / "results"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def build_model(settings, train_images, total_steps):
    """The network that ``settings`` names, compiled, and the callbacks that ``fit`` needs for its learning rate.

    ``settings`` comes from ``run_settings``; its "schedule" is "decay" or
    "constant". three-blocks trains with Adam as in the episodes, its learning rate of 0.001 falling along a half cosine to 0
    over ``total_steps`` when it decays. fast trains with its own recipe
    (``compile_model_fast``), its rate set by ``fast_schedule`` when it decays,
    with or without whitening and with the label smoothing that ``settings`` give.
    Both schedules follow the optimizer's count of steps, so a run that
    continues after a pause picks up the rate where it stopped.
    Under a distribution strategy, call it inside ``strategy.scope()``.
    """
    import keras

    from helpers.models import compile_model_fast, create_model_fast, create_model_three_blocks, fast_schedule

    schedule = settings["schedule"]
    if settings["model"] == "fast":
        model = create_model_fast(train_images, whitening=settings["whitening"])
        compile_model_fast(model, label_smoothing=settings["label_smoothing"])
        return model, [fast_schedule(total_steps)] if schedule == "decay" else []
    model = create_model_three_blocks()
    learning_rate = 0.001
    if schedule == "decay":
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, total_steps)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=[keras.metrics.CategoricalAccuracy()],
    )
    return model, []


def training_batches(images, labels, batch_size, augment, seed):
    """The training images as shuffled batches, each image mirrored and shifted at random if ``augment``.

    A shift moves an image by up to 2 pixels each way (filling the edge with
    its mirror image). A new random order, mirroring and shift every epoch
    means the network never sees quite the same picture twice. Under a
    distribution strategy, ``batch_size`` is the global batch, which ``fit``
    splits between the devices.
    """
    import keras
    import tensorflow as tf

    # Shuffle the image numbers and gather each batch from one copy of the images: shuffling
    # the images themselves would fill a shuffle buffer with a second copy of all of them.
    images, labels = tf.convert_to_tensor(images), tf.convert_to_tensor(labels)
    batches = (tf.data.Dataset.range(len(images))
               .shuffle(len(images), seed=seed)
               .batch(batch_size)
               .map(lambda numbers: (tf.gather(images, numbers), tf.gather(labels, numbers))))
    if augment:
        shift = 2 / images.shape[1]  # RandomTranslation takes shifts as fractions of the image size
        augmentation = keras.Sequential([
            keras.layers.RandomFlip("horizontal", seed=seed),
            keras.layers.RandomTranslation(shift, shift, fill_mode="reflect", interpolation="nearest",
                                           seed=seed),
        ])
        batches = batches.map(lambda x, y: (augmentation(x, training=True), y),
                              num_parallel_calls=tf.data.AUTOTUNE)
    return batches.prefetch(tf.data.AUTOTUNE)


def time_to_accuracy(val_accuracies, elapsed_seconds, thresholds=ACCURACY_THRESHOLDS):
    """When validation accuracy first reached each threshold: seconds of training, or None if it never did.

    ``val_accuracies`` and ``elapsed_seconds`` hold one value per epoch; the
    keys are the thresholds written with two decimals, such as "0.70".
    """
    reached = {}
    for threshold in thresholds:
        seconds = [time for accuracy, time in zip(val_accuracies, elapsed_seconds) if accuracy >= threshold]
        reached[f"{threshold:.2f}"] = round(float(seconds[0]), 1) if seconds else None
    return reached


# --- distribution ---------------------------------------------------------------------

def start_tensorflow(distribute="none", cpu_devices=None):
    """Start TensorFlow without its start-up notices; return the tf.distribute strategy to train with.

    "none" gives TensorFlow's default strategy (one device), "mirrored" a
    MirroredStrategy over this machine's GPUs, or over ``cpu_devices``
    logical CPU devices, "multi-worker" a MultiWorkerMirroredStrategy set up
    from TF_CONFIG. Splitting the CPU and joining other workers must both
    happen before TensorFlow sets up its devices, which
    ``import_tensorflow_quietly`` does at once; so for those two, this
    imports TensorFlow itself, hiding its notices in the same way.
    """
    from helpers.quiet import import_tensorflow_quietly, tensorflow_notices_hidden

    if distribute == "none":
        return import_tensorflow_quietly().distribute.get_strategy()
    if distribute == "mirrored" and cpu_devices is None:
        return import_tensorflow_quietly().distribute.MirroredStrategy()
    if "tensorflow" in sys.modules:
        raise DistributionError(f"{'--cpu-devices' if cpu_devices else '--distribute multi-worker'} must be "
                                "set before TensorFlow starts; run the command in a new Python process")
    with tensorflow_notices_hidden(expected=(KeyboardInterrupt, DistributionError)):
        import tensorflow as tf

        if distribute == "multi-worker":
            try:
                strategy = tf.distribute.MultiWorkerMirroredStrategy()
            except tf.errors.OpError as error:
                raise DistributionError(f"this worker could not start at {multi_worker_task()['address']} "
                                        f"({error.message}); TF_CONFIG must give it a port that is free") from None
        else:
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * cpu_devices)
            strategy = tf.distribute.MirroredStrategy([device.name for device in tf.config.list_logical_devices("CPU")])
        tf.config.list_logical_devices()  # probe for CUDA now, while the notices are hidden
    tf.get_logger().setLevel("ERROR")
    if cpu_devices:
        print(f"Splitting the CPU into {cpu_devices} logical devices: this only simulates several devices, "
              "for trying distributed training; it does not make training faster.")
    return strategy


def work_around_keras_multi_worker_bugs(model):
    """Let ``model``'s fit, evaluate and predict run under MultiWorkerMirroredStrategy in Keras 3.

    Keras 3 (3.15 at least; keras-team/keras issue 20585) fails there twice:
    before training it averages a batch of images across the workers, to
    build the model, and after each step it averages every metric across
    the workers along an axis that a single number does not have. So the
    model skips the first (it is built already) and follows the strategy
    of the ``strategy.scope()`` it runs in, and the metrics are averaged
    as single numbers. Call fit, evaluate and predict inside that scope.
    """
    from keras.src.backend.tensorflow import trainer

    model._distribute_strategy = None  # Keras then builds nothing up front, and uses the enclosing scope's
    if not getattr(trainer.reduce_per_replica, "averages_single_numbers", False):
        trainer.reduce_per_replica = averaging_single_numbers(trainer.reduce_per_replica)


def averaging_single_numbers(reduce_per_replica):
    """Keras's ``reduce_per_replica``, except that across several workers it averages without an axis."""
    from keras.src.backend.tensorflow import trainer

    def reduce(values, strategy, reduction="auto"):
        if reduction in ("auto", "mean") and trainer._collective_all_reduce_multi_worker(strategy):
            return trainer.tree.map_structure(lambda value: strategy.reduce("MEAN", value, axis=None), values)
        return reduce_per_replica(values, strategy, reduction)

    reduce.averages_single_numbers = True
    return reduce


# --- the command ----------------------------------------------------------------------

def main(argv=None):
    """Run the command; report every fault it expects in one line on stderr."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from helpers.settings import quick_mode

    try:
        check_combination(args)
        check_output_folder(args.output, args.overwrite)
        settings = run_settings(model=args.model, epochs=args.epochs, batch_size=args.batch_size,
                                validation=args.validation, schedule=args.schedule, augment=args.augment,
                                whitening=args.whitening, label_smoothing=args.label_smoothing, seed=args.seed, quick=args.quick or quick_mode(), distribute=args.distribute,
                                cpu_devices=args.cpu_devices)
        check_unfinished_run(args.output, settings, args.overwrite)
    except ValueError as error:  # SettingError, a bad LESSON_QUICK, is one too
        parser.error(str(error))
    from helpers.data import CorruptDatasetError, DatasetNotAvailableError

    try:
        metrics = train(settings, args.output, time_limit=args.time_limit)
    except RunPaused as pause:
        print(pause)
        return 0
    except (DatasetNotAvailableError, CorruptDatasetError, RunNotKeptError) as error:
        parser.exit(1, f"{parser.prog}: error: {error}\n")
    except ResultsNotSavedError as error:
        kept = (f" The training is kept in {args.output / UNFINISHED_RUN}/: the same command saves the "
                "results without training again." if finished_epochs(args.output, settings) == settings["epochs"]
                else "")
        parser.exit(1, f"{parser.prog}: error: {error}{kept}\n")
    except DistributionError as error:
        parser.error(str(error))
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog}: interrupted; {what_was_kept(args.output, settings)}\n")
    if is_chief(settings):
        print(f"Test accuracy {metrics['test_accuracy']:.3f} ({metrics['test_accuracy_flip_averaged']:.3f} "
              f"with flip averaging), test loss {metrics['test_loss']:.3f}, "
              f"after {metrics['epochs']} epochs in {metrics['training_seconds']:.0f} s. "
              f"Results are in {args.output}/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
