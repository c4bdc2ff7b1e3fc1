"""The flows that ``python -m benchmarks.run_benchmarks`` times, one per process.

    python -m benchmarks.flows seed --epochs 2 --result seed.json
    python -m benchmarks.flows lesson --epochs 2 --steps-per-execution 32 --result spe32.json
    python -m benchmarks.flows peak --matrix-size 4096 --result peak.json

Run from the repository root. Each flow writes what it measured to
``--result`` as JSON. LESSON_QUICK chooses the full data or the small subset,
as everywhere in the lesson. A flow that fails ends with one line on stderr,
``benchmarks.flows FLOW: error: ...``, which ``run_benchmarks`` shows.
"""

import argparse
import json
import math
import statistics
import sys
import time
import traceback
from pathlib import Path

from helpers.data import load_cifar10, prepare_dataset
from helpers.error_lines import error_line
from helpers.lesson import create_model_intro
from helpers.models import compile_as_taught
from helpers.quiet import import_keras_quietly, import_tensorflow_quietly

tf = import_tensorflow_quietly()  # TensorFlow's start-up messages stay out of the log
keras = import_keras_quietly()

BATCH_SIZE = 32  # the lesson's and the seed lesson's batch size for the intro model


def seed_flow(args):
    """The intro model trained as the seed lesson prepared its data: float64 images, split by hand.

    The images are divided by 255.0 (which makes float64 copies, 8 bytes a
    pixel value), split with scikit-learn, and fed to a copy of the intro
    model without its Rescaling layer.
    """
    from sklearn.model_selection import train_test_split

    keras.utils.set_random_seed(args.seed)
    (train_images, train_labels), (test_images, test_labels) = load_cifar10()
    train_images = train_images / 255.0
    test_images = test_images / 255.0
    train_labels = keras.utils.to_categorical(train_labels, 10)
    test_labels = keras.utils.to_categorical(test_labels, 10)
    train_images, val_images, train_labels, val_labels = train_test_split(
        train_images, train_labels, test_size=0.2, random_state=42)
    model = create_model_intro_without_rescaling()
    return compile_and_fit(model, (train_images, train_labels), (val_images, val_labels), args)


def lesson_flow(args):
    """The intro model trained as the lesson does: uint8 images, ``prepare_dataset``, Rescaling inside the model."""
    keras.utils.set_random_seed(args.seed)
    (train_images, train_labels), (test_images, test_labels) = load_cifar10()
    train_images, val_images, train_labels, val_labels = prepare_dataset(train_images, train_labels)
    model = create_model_intro()
    result = compile_and_fit(model, (train_images, train_labels), (val_images, val_labels), args)
    result["flops_per_image"] = training_flops_per_image(model)
    return result


def peak_flow(args):
    """The best speed of one large float32 matrix product in TensorFlow, in FLOP per second.

    Multiplying two n x n matrices takes n³ multiply-adds, 2·n³ FLOP. The
    first product is not timed (TensorFlow sets itself up); the best of the
    others is the machine's practical peak.
    """
    keras.utils.set_random_seed(args.seed)
    size = args.matrix_size
    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    seconds = []
    for _ in range(args.repetitions + 1):
        started = time.perf_counter()
        product = tf.linalg.matmul(a, b)
        float(product[0, 0])  # wait until the product is complete
        seconds.append(time.perf_counter() - started)
    best = min(seconds[1:])
    return {"matrix_size": size, "repetitions": args.repetitions, "best_seconds": best,
            "flops_per_second": 2 * size**3 / best}


FLOWS = {"seed": seed_flow, "lesson": lesson_flow, "peak": peak_flow}


def create_model_intro_without_rescaling():
    """``create_model_intro`` (saved from episode 01) without its Rescaling layer, as the seed lesson built it.

    It expects images that are already divided by 255. Its layers are the
    intro model's own, so the two cannot drift apart.
    """
    intro = create_model_intro()
    inputs = keras.Input(shape=intro.input_shape[1:])
    x = inputs
    for layer in intro.layers[2:]:  # every layer after the input and Rescaling(1/255)
        x = layer(x)
    return keras.Model(inputs=inputs, outputs=x, name="cifar_model_intro_seed")


def compile_and_fit(model, training, validation, args):
    """Compile as the lesson does (``compile_as_taught``), fit with batches of 32, and time every epoch.

    Returns the median epoch time, with and without the validation at its end,
    over the epochs after the first (the first also builds TensorFlow's
    graphs), and the last validation accuracy.
    """
    compile_as_taught(model, steps_per_execution=args.steps_per_execution)
    timer = EpochTimer()
    history = model.fit(*training, epochs=args.epochs, batch_size=BATCH_SIZE, validation_data=validation,
                        validation_batch_size=args.validation_batch_size, callbacks=[timer], verbose=0)
    typical = slice(1, None) if args.epochs > 1 else slice(None)
    return {"epochs": args.epochs, "training_images": len(training[0]), "validation_images": len(validation[0]),
            "image_dtype": str(training[0].dtype), "steps_per_execution": args.steps_per_execution,
            "validation_batch_size": args.validation_batch_size or BATCH_SIZE,
            "epoch_seconds": timer.epoch_seconds, "training_step_seconds": timer.training_seconds,
            "epoch_seconds_median": statistics.median(timer.epoch_seconds[typical]),
            "training_step_seconds_median": statistics.median(timer.training_seconds[typical]),
            "val_accuracy": float(history.history["val_categorical_accuracy"][-1])}


def training_flops_per_image(model):
    """Floating-point operations to train a model on one image: the forward and the backward pass.

    Every Conv2D and Dense layer does one multiply-add (2 FLOP) per weight of
    its kernel at each position it is applied at: each cell of its output
    grid for Conv2D, once for Dense. The backward pass costs about twice the
    forward pass (gradients for the layer's input and for its weights), so
    training costs three forward passes. Biases, activations and pooling add
    under 1 % and are left out.
    """
    multiply_adds = 0
    for layer in model.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            positions = math.prod(layer.output.shape[1:-1])  # output height x width; 1 for Dense
            multiply_adds += positions * math.prod(layer.kernel.shape)
    return 3 * 2 * multiply_adds


class EpochTimer(keras.callbacks.Callback):
    """Seconds each epoch took, in all and for its training steps alone (until validation starts)."""

    def on_train_begin(self, logs=None):
        self.epoch_seconds, self.training_seconds = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.started, self.validation_started = time.perf_counter(), None

    def on_test_begin(self, logs=None):
        self.validation_started = self.validation_started or time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        self.epoch_seconds.append(now - self.started)
        self.training_seconds.append((self.validation_started or now) - self.started)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.flows", description=__doc__.splitlines()[0])
    parser.add_argument("flow", choices=list(FLOWS))
    parser.add_argument("--result", type=Path, required=True, help="JSON file to write the measurements to")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--steps-per-execution", type=int, default=1, help="seed and lesson")
    parser.add_argument("--validation-batch-size", type=int, default=None, help="seed and lesson (default 32)")
    parser.add_argument("--matrix-size", type=int, default=4096, help="peak")
    parser.add_argument("--repetitions", type=int, default=5, help="peak")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        result = FLOWS[args.flow](args)
    except Exception as error:  # any failure: the traceback for the log, then one line
        traceback.print_exc()
        sys.exit(f"benchmarks.flows {args.flow}: error: {error_line(error)}")
    args.result.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
