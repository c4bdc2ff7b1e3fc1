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

``main`` reads the command line into settings (``build_parser``,
``run_settings``); ``train`` loads the data (``load_data``), builds the
network (``build_model``), trains it (``fit``), evaluates it and saves the
results.

Two modules beside this one do the rest. ``helpers.runs`` keeps a run safe:
the result files appear only when all of them are complete, an earlier
run's results are replaced only with ``--overwrite``, and the run keeps its
state after every epoch in a hidden folder, ``.unfinished-run/``, so that
the same command continues it after Ctrl-C, a lost session or a pause asked
for with ``--time-limit``. ``helpers.distribution`` trains on several
devices with TensorFlow's own strategies (``--distribute``): ``mirrored`` on
the GPUs of one machine, ``multi-worker`` on several machines that each run
the same command.
"""

import argparse
import json
import math
import platform
import sys
from pathlib import Path

from helpers.cli import OneLineErrorParser, folder_name, number_in, seed_number, whole_number_at_least
from helpers.distribution import (
    DistributionError,
    is_chief,
    multi_worker_task,
    results_folder,
    start_tensorflow,
    work_around_keras_multi_worker_bugs,
)
from helpers.fast_recipe import FAST_LABEL_SMOOTHING, FAST_PEAK_LEARNING_RATE
from helpers.runs import (
    ResultsNotSavedError,
    RunNotKeptError,
    RunPaused,
    check_output_folder,
    check_unfinished_run,
    keeping_the_run,
    remove_unfinished_run,
    save_results,
    start_history,
    what_was_kept,
    what_was_kept_for_saving,
)

# The networks --model chooses from, with the epochs, batch size and validation set each trains with
# unless told otherwise. Five epochs of the fast recipe aim at 85 % test accuracy in under 10 minutes on
# a 2-core laptop CPU.
MODEL_DEFAULTS = {
    "three-blocks": {"epochs": 10, "batch_size": 32, "validation": "split"},
    "fast": {"epochs": 5, "batch_size": 256, "validation": "test"},
}

# time_to_accuracy in metrics.json: when validation accuracy first reached each of these.
ACCURACY_THRESHOLDS = (0.70, 0.80, 0.85)


# --- settings -------------------------------------------------------------------------

def build_parser():
    """The command line: every option, its default and its help text."""
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


# --- data, model and training ---------------------------------------------------------

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


def build_model(settings, train_images, total_steps):
    """The network that ``settings`` names, compiled, and the callbacks that ``fit`` needs for its learning rate.

    ``settings`` comes from ``run_settings``; its "schedule" is "decay" or
    "constant". three-blocks trains with Adam as in the episodes, its
    learning rate of 0.001 falling along a half cosine to 0 over
    ``total_steps`` when it decays. fast trains with its own recipe
    (``compile_model_fast``), its rate set by ``fast_schedule`` when it decays,
    with or without whitening and with the label smoothing that ``settings`` give.
    Both schedules follow the optimizer's count of steps, so a run that
    continues after a pause picks up the rate where it stopped.
    Under a distribution strategy, call it inside ``strategy.scope()``.
    """
    import keras

    from helpers.models import (
        compile_as_taught,
        compile_model_fast,
        create_model_fast,
        create_model_three_blocks,
        fast_schedule,
    )

    schedule = settings["schedule"]
    if settings["model"] == "fast":
        model = create_model_fast(train_images, whitening=settings["whitening"])
        compile_model_fast(model, label_smoothing=settings["label_smoothing"])
        return model, [fast_schedule(total_steps)] if schedule == "decay" else []
    model = create_model_three_blocks()
    learning_rate = 0.001
    if schedule == "decay":
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, total_steps)
    compile_as_taught(model, learning_rate)
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


def fit(model, training_data, validation_data, epochs, batch_size, history, schedule_callbacks,
        time_limit=None, progress=True):
    """Train ``model`` for the ``epochs`` that ``history`` lacks, adding a row to it after each.

    ``keeping_the_run`` (helpers.runs) gives the callbacks that keep the run
    after every epoch, when ``history`` has a folder, and that pause it: with
    ``time_limit`` (minutes), training stops after the epoch when another
    would end past that much training in this call, and RunPaused is raised.
    ``progress`` prints a line per epoch.
    """
    with keeping_the_run(model, history, epochs, time_limit, progress) as callbacks:
        model.fit(training_data, epochs=epochs, validation_data=validation_data,
                  validation_batch_size=batch_size, callbacks=[*callbacks, *schedule_callbacks],
                  shuffle=False, verbose=0)  # training_batches shuffles


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
        remove_unfinished_run(output)  # the results are saved: the run is over
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


def versions():
    """The versions of Python and the libraries that trained the model."""
    import keras
    import numpy as np
    import tensorflow as tf

    return {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__}


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
                                whitening=args.whitening, label_smoothing=args.label_smoothing, seed=args.seed,
                                quick=args.quick or quick_mode(), distribute=args.distribute,
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
        parser.exit(1, f"{parser.prog}: error: {error}{what_was_kept_for_saving(args.output, settings)}\n")
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
