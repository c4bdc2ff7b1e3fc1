"""Train the lesson's deeper CNN on CIFAR-10 from the command line.

    python -m helpers.train --epochs 10 --output output/
    lesson-train --quick              # the same, as an installed command

The script version of the notebooks, taught in episode 07: the same data
loading, model building, training and evaluation, with no notebook needed,
so a run can go on a server or a GPU machine and be repeated exactly. It
writes into the output folder:

- ``sample_images.png``: 25 training images with their labels;
- ``training_history.png``: accuracy and loss per epoch;
- ``model.keras``: the trained model;
- ``history.csv``: the numbers behind the plot;
- ``metrics.json``: test loss and accuracy, epochs, seconds and library versions.
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path


class OneLineErrorParser(argparse.ArgumentParser):
    """Report a bad command line in one line, not with the usage text.

    Its help has a fixed width, so ``--help`` reads the same in every terminal
    and notebook. Shared by the lesson's two commands, this one and
    ``python -m helpers.check``.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("formatter_class", lambda prog: argparse.HelpFormatter(prog, width=78))
        super().__init__(**kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def whole_number_at_least(minimum, why=""):
    """An argparse ``type``: a whole number no smaller than ``minimum`` (``why`` explains the limit)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            reason = f" ({why})" if why else ""
            raise argparse.ArgumentTypeError(f"must be {minimum}{reason} or more, got {value}")
        return value

    return parse


# NumPy, TensorFlow and Python's random module all take seeds in this range.
LARGEST_SEED = 2**32 - 1


def seed_number(text):
    """An argparse ``type``: a whole number from 0 to LARGEST_SEED."""
    value = whole_number_at_least(0)(text)
    if value > LARGEST_SEED:
        raise argparse.ArgumentTypeError(f"must be at most {LARGEST_SEED}, got {value}")
    return value


def folder_name(text):
    """An argparse ``type``: a folder, refusing an empty name, which would mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a folder name; an empty one would put the results "
                                         "among the files of the current folder")
    return Path(text)


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
    parser.add_argument("--seed", type=seed_number, default=42,
                        help="random seed for weights and shuffling (default 42)")
    parser.add_argument("--quick", action="store_true",
                        help="use a small class-balanced subset, as LESSON_QUICK=1 does: 2,000 "
                        "training images (1,600 to train on, 400 to validate) and 500 test "
                        "images; a fast check that everything works")
    return parser


def check_output_folder(folder):
    """Create the output folder, or explain in one sentence why it cannot be used."""
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"--output {folder} is a file; give a folder name instead")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"cannot create the output folder {folder}: {error.strerror}") from None
    if not os.access(folder, os.W_OK):
        raise ValueError(f"the output folder {folder} is not writable")


def train(epochs, batch_size, output, seed):
    """Train, evaluate and save everything into ``output``; return the metrics dict."""
    import matplotlib

    matplotlib.use("Agg")  # write figures to files; no window
    import matplotlib.pyplot as plt

    from helpers.quiet import import_tensorflow_quietly

    tf = import_tensorflow_quietly()
    import keras
    import numpy as np
    import pandas as pd

    from helpers.data import CLASS_NAMES, load_cifar10, prepare_dataset, quick_mode
    from helpers.models import create_model_three_blocks
    from helpers.plotting import plot_history, plot_images

    keras.utils.set_random_seed(seed)
    (train_images, train_labels), (test_images, test_labels) = load_cifar10()
    train_images, val_images, train_labels, val_labels = prepare_dataset(train_images, train_labels)
    test_labels = keras.utils.to_categorical(test_labels, len(CLASS_NAMES))
    print(f"Training on {len(train_images)} images, validating on {len(val_images)}, "
          f"testing on {len(test_images)}" + (" (quick mode)" if quick_mode() else "") + ".")
    if batch_size > len(train_images):
        print(f"python -m helpers.train: warning: --batch-size {batch_size} is more than the "
              f"{len(train_images):,} training images, so every epoch is a single step on all of them.",
              file=sys.stderr)

    with warnings.catch_warnings():  # Agg cannot show figures, and may say so
        warnings.filterwarnings("ignore", message=".*non-interactive.*")
        plot_images(train_images, train_labels, CLASS_NAMES)
        plt.savefig(output / "sample_images.png", dpi=100)
        plt.close("all")

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

    model.save(output / "model.keras")
    table = pd.DataFrame(history.history)
    table.index = pd.RangeIndex(1, len(table) + 1, name="epoch")
    table.to_csv(output / "history.csv")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*non-interactive.*")
        plot_history(history, ["categorical_accuracy", "loss"])
        plt.savefig(output / "training_history.png", dpi=100)
        plt.close("all")

    metrics = {
        "test_loss": round(float(test_loss), 4),
        "test_accuracy": round(float(test_accuracy), 4),
        "epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
        "training_images": len(train_images),
        "quick_mode": quick_mode(),
        "training_seconds": round(seconds, 1),
        "versions": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
    }
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_output_folder(args.output)
    except ValueError as error:
        parser.error(str(error))
    if args.quick:
        os.environ["LESSON_QUICK"] = "1"
    from helpers.data import CorruptDatasetError, DatasetNotAvailableError

    try:
        metrics = train(args.epochs, args.batch_size, args.output, args.seed)
    except (DatasetNotAvailableError, CorruptDatasetError) as error:
        parser.exit(1, f"{parser.prog}: error: {error}\n")
    print(f"Test accuracy {metrics['test_accuracy']:.3f}, test loss {metrics['test_loss']:.3f}, "
          f"after {metrics['epochs']} epochs in {metrics['training_seconds']:.0f} s. "
          f"Results are in {args.output}/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
