"""Train the lesson's deeper CNN on CIFAR-10 from the command line.

    python -m helpers.train --epochs 10 --output output/
    lesson-train --quick              # the same, as an installed command

The script version of the notebooks, taught in episode 08: the same data
loading, model building, training and evaluation, with no notebook needed,
so a run can go on a server or a GPU machine and be repeated exactly. It
writes into the output folder:

- ``sample_images.png``: 25 training images with their labels;
- ``training_history.png``: accuracy and loss per epoch;
- ``model.keras``: the trained model;
- ``history.csv``: the numbers behind the plot;
- ``metrics.json``: test loss and accuracy, epochs, seconds and library versions.

The files appear only when the run is complete: they are written into a
temporary folder inside the output folder and moved into place at the end,
so a full disk or Ctrl-C never leaves half a result. A folder that holds
the results of an earlier run is refused, unless ``--overwrite`` asks to
replace them. Other files in the output folder are never touched.
"""

import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from helpers.cli import OneLineErrorParser, folder_name, seed_number, whole_number_at_least

# The files one run writes, in the order the module docstring lists them.
RESULT_FILES = ["sample_images.png", "training_history.png", "model.keras", "history.csv", "metrics.json"]


class ResultsNotSavedError(Exception):
    """The result files could not be written; none of them were."""


def build_parser():
    parser = OneLineErrorParser(
        prog="python -m helpers.train",
        description="Train the lesson's three-block CNN with batch normalisation on CIFAR-10 "
        "and save the model, its training history, plots and test metrics.",
    )
    parser.add_argument("--epochs", type=whole_number_at_least(1), default=10,
                        help="passes over the training data (default 10)")
    parser.add_argument("--batch-size", type=whole_number_at_least(1), default=32,
                        help="images per training step (default 32)")
    parser.add_argument("--output", type=folder_name, default=Path("output"),
                        help="folder to write the results into; created if missing (default output/)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the results of an earlier run in --output")
    parser.add_argument("--seed", type=seed_number, default=42,
                        help="random seed for weights and shuffling (default 42)")
    parser.add_argument("--quick", action="store_true",
                        help="use a small class-balanced subset, as LESSON_QUICK=1 does: 2,000 "
                        "training images (1,600 to train on, 400 to validate) and 500 test "
                        "images; a fast check that everything works")
    return parser


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


def train(epochs, batch_size, output, seed, quick=False):
    """Train and evaluate the model, save the results into ``output``, return the metrics dict.

    ``quick=True`` uses the small subsets; otherwise LESSON_QUICK decides.
    """
    import matplotlib

    matplotlib.use("Agg")  # draw into files only: no window, so no display is needed

    from helpers.quiet import import_tensorflow_quietly

    tf = import_tensorflow_quietly()
    import keras
    import numpy as np
    import pandas as pd

    from helpers.data import CLASS_NAMES, load_cifar10, prepare_dataset
    from helpers.models import create_model_three_blocks
    from helpers.plotting import plot_history, plot_images
    from helpers.settings import quick_mode

    quick = quick or quick_mode()
    keras.utils.set_random_seed(seed)
    (train_images, train_labels), (test_images, test_labels) = load_cifar10(quick=quick)
    train_images, val_images, train_labels, val_labels = prepare_dataset(train_images, train_labels)
    test_labels = keras.utils.to_categorical(test_labels, len(CLASS_NAMES))
    print(f"Training on {len(train_images)} images, validating on {len(val_images)}, "
          f"testing on {len(test_images)}" + (" (quick mode)" if quick else "") + ".")
    if batch_size > len(train_images):
        print(f"python -m helpers.train: warning: --batch-size {batch_size} is more than the "
              f"{len(train_images):,} training images, so every epoch is a single step on all of them.",
              file=sys.stderr)
    sample_images = plot_images(train_images, train_labels, CLASS_NAMES)

    model = create_model_three_blocks()
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=[keras.metrics.CategoricalAccuracy()],
    )
    started = time.perf_counter()
    history = model.fit(train_images, train_labels, epochs=epochs, batch_size=batch_size,
                        validation_data=(val_images, val_labels), verbose=2)
    seconds = time.perf_counter() - started
    test_loss, test_accuracy = model.evaluate(test_images, test_labels, verbose=0)

    training_history = plot_history(history, ["categorical_accuracy", "loss"])
    table = pd.DataFrame(history.history)
    table.index = pd.RangeIndex(1, len(table) + 1, name="epoch")
    metrics = {
        "test_loss": round(float(test_loss), 4),
        "test_accuracy": round(float(test_accuracy), 4),
        "epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
        "training_images": len(train_images),
        "quick_mode": quick,
        "training_seconds": round(seconds, 1),
        "versions": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
    }
    save_results(output, {
        "sample_images.png": lambda path: sample_images.savefig(path, dpi=100),
        "training_history.png": lambda path: training_history.savefig(path, dpi=100),
        "model.keras": model.save,
        "history.csv": table.to_csv,
        "metrics.json": lambda path: path.write_text(json.dumps(metrics, indent=2) + "\n"),
    })
    return metrics


def main(argv=None):
    """Run the command; report every fault it expects in one line on stderr."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_output_folder(args.output, args.overwrite)
    except ValueError as error:
        parser.error(str(error))
    from helpers.data import CorruptDatasetError, DatasetNotAvailableError
    from helpers.settings import SettingError

    try:
        metrics = train(args.epochs, args.batch_size, args.output, args.seed, quick=args.quick)
    except (DatasetNotAvailableError, CorruptDatasetError, ResultsNotSavedError) as error:
        parser.exit(1, f"{parser.prog}: error: {error}\n")
    except SettingError as error:
        parser.error(str(error))
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog}: interrupted; nothing was saved in {args.output}/.\n")
    print(f"Test accuracy {metrics['test_accuracy']:.3f}, test loss {metrics['test_loss']:.3f}, "
          f"after {metrics['epochs']} epochs in {metrics['training_seconds']:.0f} s. "
          f"Results are in {args.output}/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
