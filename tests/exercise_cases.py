"""The data of tests/test_exercises_challenges.py: the notebook before each challenge, and what its check must say.

``namespace_before`` holds what the notebook holds just before a challenge,
with every earlier challenge answered as recorded. Instead of CIFAR-10 it has
a few small arrays, and instead of long training runs, stand-ins or models
trained for a moment; a function the notebook defines comes from the
notebook's own cell. The tables below list, for each challenge, what a
learner might write and the feedback the check must give.
"""

import json
import math
from functools import cache
from types import SimpleNamespace

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split

from exercise_runs import define_as_in_notebook, exercise_of, fill, run_filled
from helpers.data import CLASS_NAMES, NEW_CLASSES, cat_photo_path, prepare_dataset
from helpers.exercises import answer_key
from helpers.gradient_descent import descend
from helpers.models import create_model_dropout, create_model_intro
from helpers.plotting import plot_descent


def namespace_before(episode, name, folder):
    """A fresh namespace holding what the notebook of ``episode`` holds just before challenge ``name``.

    ``folder`` is an empty folder for the files a namespace needs; the cells run in it.
    """
    if episode not in BEFORE:
        raise LookupError(f"episode {episode} has checked challenges but no namespace: add one to BEFORE "
                          "in tests/exercise_cases.py")
    namespace = {"keras": keras, "np": np, "pd": pd, "plt": plt, "sns": sns, "CLASS_NAMES": CLASS_NAMES}
    BEFORE[episode](namespace, name, folder)
    return namespace


def one_hot(count):
    """``count`` one-hot labels, the classes in turn."""
    return keras.utils.to_categorical(np.arange(count) % len(CLASS_NAMES), num_classes=len(CLASS_NAMES))


def episode02(namespace, name, folder):
    """60 small images, with labels shaped (n, 1) as load_cifar10 returns them.

    The classes are unevenly spread, so that the two columns of class_counts differ.
    """
    labels = np.array([number % 7 for number in range(60)], dtype="uint8").reshape(-1, 1)
    images = np.random.default_rng(2).integers(0, 256, (60, 8, 8, 3), dtype="uint8")
    namespace.update(train_test_split=train_test_split, train_images=images, train_labels=labels)
    if name == "class_balance":  # the notebook has run prepare_dataset
        split = prepare_dataset(images, labels)
        namespace.update(zip(["train_images", "val_images", "train_labels", "val_labels"], split))


MODEL_STEPS = ["first_conv", "pooling", "flatten", "hidden_dense", "output_layer"]  # episode 03 builds x in turn


def episode03(namespace, name, folder):
    """Six blank images; the model's input and the steps before ``name``, as recorded."""
    namespace["train_images"] = np.zeros((6, 32, 32, 3), dtype="uint8")
    if name not in MODEL_STEPS:
        return
    exec("inputs = keras.Input(shape=train_images.shape[1:])\nx = keras.layers.Rescaling(1 / 255)(inputs)",
         namespace)
    for earlier in MODEL_STEPS[:MODEL_STEPS.index(name)]:
        exercise = exercise_of("03", earlier)
        verdict = run_filled(exercise, exercise.answers, namespace)
        assert verdict.startswith("Correct!"), f"step {earlier} before {name}: {verdict}"


PIMA_TRAINING_ROWS = 491  # as in episode 04


def train_with_batch_size(batch_size, epochs=20):
    """Stands in for episode 04's function: the same kind of row, at once, without training."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise TypeError(f"batch_size should be a whole number; got {batch_size!r}")  # as fit would
    return {"batch size": batch_size, "updates per epoch": math.ceil(PIMA_TRAINING_ROWS / batch_size),
            "training accuracy": 0.8, "test accuracy": 0.75, "training time (s)": round(20 / batch_size, 1)}


class PimaModelStandIn:
    """Stands in for episode 04's ``new_pima_model(optimizer)``, a compiled Pima network.

    ``fit`` trains nothing, but returns a real ``keras.callbacks.History`` that
    knows its model, and through it the optimizer, as a real one does.
    """

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def fit(self, x, y, epochs=1, batch_size=32, validation_split=0.0, verbose="auto"):
        history = keras.callbacks.History()
        history.set_model(self)
        history.params = {"verbose": verbose, "epochs": epochs, "steps": math.ceil(len(x) * 0.8 / batch_size)}
        history.history = {name: list(np.linspace(0.7, 0.5, epochs))
                           for name in ["binary_accuracy", "loss", "val_binary_accuracy", "val_loss"]}
        return history


def episode04(namespace, name, folder):
    """The notebook's gradient-descent example, and stand-ins for the Pima network and the batch-size runs."""
    if name == "step_size":  # after the worked example: 25 steps at 0.05
        define_as_in_notebook("04", ["loss", "gradient"], namespace)
        namespace.update(plot_descent=plot_descent, descend=descend, learning_rate=0.05, iterations=25,
                         positions=list(descend(1.0, 0.05, 25)))
    if name == "batch_sizes":
        namespace["train_with_batch_size"] = train_with_batch_size
    if name == "learning_rates":
        define_as_in_notebook("04", ["combine_histories", "plot_validation_curves"], namespace)
        namespace.update(new_pima_model=PimaModelStandIn, x_train_scaled=np.zeros((20, 8), dtype="float32"),
                         y_train=np.zeros(20, dtype="float32"),
                         learning_rate=0.05)  # left over from the backpropagation example


@cache
def compiled_intro_model():
    """The intro model compiled as in episode 05, built once: every train_intro case trains it further."""
    model = create_model_intro()
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.CategoricalCrossentropy(),
                  metrics=[keras.metrics.CategoricalAccuracy()])
    return model


def episode05(namespace, name, folder):
    """40 blank training images and 16 validation images, so that training is quick."""
    namespace.update(create_model_intro=create_model_intro, train_images=np.zeros((40, 32, 32, 3), dtype="uint8"),
                     train_labels=one_hot(40), val_images=np.zeros((16, 32, 32, 3), dtype="uint8"),
                     val_labels=one_hot(16))
    if name == "train_intro":
        namespace.update(model_intro=compiled_intro_model(),
                         tensorboard_intro=keras.callbacks.Callback())  # a callback that logs nothing


def episode06(namespace, name, folder):
    namespace["train_images"] = np.zeros((40, 32, 32, 3), dtype="uint8")


class DropoutModelStandIn:
    """Stands in for a Keras model: its loss depends on its dropout rate and on the images it is measured on."""

    def __init__(self, rate=0.5):
        self.rate = rate

    def evaluate(self, images, labels, verbose=0):
        return [1.5 + self.rate / 10 + len(images) / 1000, 0.5 - self.rate / 20 + len(images) / 10_000]


def compile_and_train_stand_in(model, images, labels, validation_data, epochs=10, verbose=2):
    """Stands in for compile_and_train: no training, no history."""
    return None, 0.0


def episode07(namespace, name, folder):
    """For per_class, 50 test images, 5 of each class, every third predicted as a cat, so rows and columns add up
    differently; for dropout_rates, stand-ins for the models and their training."""
    namespace["train_images"] = np.zeros((4, 32, 32, 3), dtype="uint8")
    if name == "per_class":
        true_classes = np.repeat(np.arange(len(CLASS_NAMES)), 5)
        predicted_classes = true_classes.copy()
        predicted_classes[::3] = CLASS_NAMES.index("cat")
        matrix = confusion_matrix(true_classes, predicted_classes)
        namespace.update(true_classes=true_classes, predicted_classes=predicted_classes, matrix=matrix,
                         test_labels=np.eye(len(CLASS_NAMES))[true_classes],
                         probabilities=np.eye(len(CLASS_NAMES))[predicted_classes] * 0.9 + 0.01,
                         confusion=pd.DataFrame(matrix, index=CLASS_NAMES, columns=CLASS_NAMES))
    if name == "dropout_rates":
        namespace.update(create_model_dropout_rate=DropoutModelStandIn, compile_and_train=compile_and_train_stand_in,
                         SEED=1, train_labels=np.zeros((4, 10)), val_images=np.zeros((16, 32, 32, 3), dtype="uint8"),
                         val_labels=np.zeros((16, 10)))


def small_base():
    """Stands in for episode 08's pretrained base: one convolution, batch normalisation, 8 features."""
    inputs = keras.Input(shape=(8, 8, 3))
    x = keras.layers.Conv2D(8, (3, 3), activation="relu")(inputs)
    x = keras.layers.BatchNormalization()(x)
    features = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs=inputs, outputs=features, name="base")


def quick_train_on_few(results):
    """Like episode 08's train_on_few, but one epoch on 10 random images of 8×8 pixels, whatever ``epochs`` says.

    It compiles with Adam at ``learning_rate`` and keeps a row in ``results``, which is what the checks read.
    """

    def train_on_few(name, model, learning_rate, epochs):
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="categorical_crossentropy")
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (10, 8, 8, 3), dtype="uint8")
        model.fit(images, np.eye(len(NEW_CLASSES))[rng.integers(0, len(NEW_CLASSES), 10)], epochs=1, verbose=0)
        results[name] = {"epochs": epochs, "test accuracy": 0.5}

    return train_on_few


def episode08(namespace, name, folder):
    """The small base, the notebook's with_new_head, and a quick train_on_few."""
    keras.backend.clear_session()
    results = {"from scratch": {"epochs": 40, "test accuracy": 0.5}}
    namespace.update(NEW_CLASSES=NEW_CLASSES, SEED=1, base=small_base(), results=results,
                     train_on_few=quick_train_on_few(results))
    define_as_in_notebook("08", ["with_new_head"], namespace)
    if name == "fine_tune":  # after freeze
        namespace["base"].trainable = False
        namespace["transfer_model"] = namespace["with_new_head"](namespace["base"], len(NEW_CLASSES))
        namespace["train_on_few"]("frozen base, new head", namespace["transfer_model"], learning_rate=3e-3, epochs=40)


class UniformModel:
    """Stands in for episode 09's ``reloaded``: the same probabilities for every image, without a network."""

    def predict(self, images, verbose=0):
        return np.full((len(images), len(CLASS_NAMES)), 1 / len(CLASS_NAMES))


@cache
def dropout_model_and_test_images():
    """A dropout model, 120 random test images and its probabilities for the first 100, made once."""
    test_images = np.random.default_rng(0).integers(0, 256, (120, 32, 32, 3), dtype="uint8")
    model = create_model_dropout()
    return model, test_images, model.predict(test_images[:100], verbose=0)


@cache
def base_network(name, **settings):
    """A keras.applications network, built once: building EfficientNetB0 takes a while."""
    return getattr(keras.applications, name)(**settings)


# keras as the another_base cell sees it, with keras.applications handing out the networks built once.
KERAS_WITH_CACHED_BASES = SimpleNamespace(
    applications=SimpleNamespace(
        EfficientNetB0=lambda **settings: base_network("EfficientNetB0", **settings),
        MobileNetV3Small=lambda **settings: base_network("MobileNetV3Small", **settings),
    ),
    Input=keras.Input, layers=keras.layers, Model=keras.Model,
)


def episode09(namespace, name, folder):
    """The saved model's predictions, a stand-in for the reloaded model, and networks built once."""
    (folder / "fit_outputs").mkdir(exist_ok=True)  # the weights_only cell writes there
    namespace.update(cat_photo_path=cat_photo_path, create_model_dropout=create_model_dropout)
    if name == "weights_only":
        model, test_images, probabilities = dropout_model_and_test_images()
        namespace.update(model=model, test_images=test_images, create_model_intro=create_model_intro,
                         original_probabilities=probabilities)
    if name == "crop":
        namespace["reloaded"] = UniformModel()
    if name == "another_base":
        namespace["keras"] = KERAS_WITH_CACHED_BASES


def episode10(namespace, name, folder):
    """A finished run's folder, with its history, and its metrics."""
    history = pd.DataFrame({"val_categorical_accuracy": [0.7, 0.81], "training_seconds": [80.0, 160.0]})
    history.to_csv(folder / "history.csv", index=False)
    metrics = {"time_to_accuracy": {"0.70": 80.0, "0.80": 160.0, "0.85": None}}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    namespace.update(fast_folder=folder, fast_metrics=metrics)


BEFORE = {"02": episode02, "03": episode03, "04": episode04, "05": episode05, "06": episode06, "07": episode07,
          "08": episode08, "09": episode09, "10": episode10}

# The whole confirmation, where its numbers matter.
CONFIRMATIONS = {
    ("04", "step_size"): "After 25 steps at learning rate 0.01, x is 1.79.",
    ("08", "freeze"): "the base is frozen, and training changes only the new head's 8 × 5 + 5 = 45 weights.",
}

ADAM, LOSS, METRICS = answer_key()["05"]["compile_intro"]["answers"]
DROPOUT_MODEL = answer_key()["06"]["dropout_model"]["answers"]
DROPOUT_RATES = answer_key()["07"]["dropout_rates"]["answers"][0]

# For each challenge: blanks filled in wrong, and what the feedback must say ("Not quite: ..." and this).
WRONG_ANSWERS = {
    ("02", "write_prepare_dataset"): [
        (["to_categorical", "len(CLASS_NAMES)", "train_images", "0.2", "42"], "train_test_split got the images twice"),
        (["to_categorical", "11", "train_labels", "0.2", "42"],
         "the labels have 11 columns; one-hot labels need one per class, 10"),
        (["to_categorical", "9", "train_labels", "0.2", "42"], "prepare_dataset stopped with IndexError"),
        (["to_categorical", "len(CLASS_NAMES)", "train_labels", "20", "42"],
         "kept back 20 of 50 made-up images, 40 %; the challenge asks for 20 %. test_size is a share between 0 and 1"),
        (["to_categorical", "len(CLASS_NAMES)", "train_labels", "0.2", "0"],
         "keeps back other images than the helpers' version: give train_test_split random_state=42"),
        (["to_categorical", "len(CLASS_NAMES)", "train_labels", "0.2", "None"], "random_state=42"),
    ],
    ("02", "class_balance"): [
        (["argmax", "train_labels.argmax(axis=1)", 'pd.Index(CLASS_NAMES, name="class")'],
         "the validation column holds the same counts as the training column"),
        (["argmax", "val_labels.argmax(axis=1)", "None"],
         "the rows of class_counts are labelled 0 to 9; give it one row per class name"),
        (["argmax", "val_labels.argmax(axis=1)", "CLASS_NAMES"], "the index holds the class names but has no name"),
        (["argmin", "val_labels.argmax(axis=1)", 'pd.Index(CLASS_NAMES, name="class")'],
         "the training column does not count the classes of train_labels"),
    ],
    ("03", "padding"): [
        (['"same"', '"valid"'], "swapped"),
        (['"valid"', '"valid"'], "same has shape (None, 30, 30, 8), expected (None, 32, 32, 8)"),
    ],
    ("03", "input_layer"): [
        (["train_images.shape"], "the first number of train_images.shape counts the images"),
        (["train_images.shape[2:]"], "one image has shape (32, 32, 3)"),
    ],
    ("03", "first_conv"): [
        (["32", "(3, 3)", '"relu"'], "filters=32; the challenge asks for 16"),
        (["16", "(3, 3)", '"sigmoid"'], 'activation "sigmoid"; the challenge asks for "relu"'),
        (["16", "(5, 5)", '"relu"'], "kernel_size=(5, 5)"),
    ],
    ("03", "pooling"): [
        (["(3, 3)", "(2, 2)"], "pool_size=(3, 3)"),
        (["(2, 2)", "(1, 1)"], "pool_size=(1, 1)"),
    ],
    ("03", "flatten"): [
        (["GlobalAveragePooling2D"], "GlobalAveragePooling2D"),
        (["Dense"], "still the output of MaxPooling2D((2, 2)): Flatten() is missing"),
    ],
    ("03", "hidden_dense"): [
        (["10", '"relu"'], "units=10; the challenge asks for 64"),
        (["64", '"softmax"'], 'activation "softmax"; the challenge asks for "relu"'),
    ],
    ("03", "output_layer"): [
        (["len(CLASS_NAMES)", '"relu"'], "the output layer uses relu; a classifier over 10 classes needs softmax"),
        (["1", '"softmax"'], "the output layer has 1 units; it needs one per class"),
    ],
    ("04", "step_size"): [
        (["0.01", "25", "0.05"],
         "positions follow a learning rate of 0.05, but learning_rate is 0.01: use the variable learning_rate"),
        (["-0.1", "25", "learning_rate"], "learning_rate is -0.1: a negative rate steps uphill"),
        (["0", "25", "learning_rate"], "learning_rate is 0: every step moves x by 0 × the gradient"),
        (["0.01", "2.5", "learning_rate"], "iterations is 2.5; range() needs a whole number"),
    ],
    ("04", "batch_sizes"): [
        (["[1, 100]", "batch_size", '"test accuracy"', '"training time (s)"'],
         "results has batch sizes [1, 100]; the challenge asks for [2, 8, 32, 128, 512]"),
        (["[2, 8, 32, 128, 512]", "32", '"test accuracy"', '"training time (s)"'],
         "every row of results has batch size 32: pass the loop variable"),
        (["[2, 8, 32, 128, 512]", '"batch_size"', '"test accuracy"', '"training time (s)"'],
         "results is still a list of 0 rows: the cell stopped before results = pd.DataFrame(results)"),
    ],
    ("04", "learning_rates"): [
        (["[0.0001, 0.75]", "rate", "more_histories"],
         "more_histories has the learning rates [0.0001, 0.75]; the challenge asks for [0.001, 0.01, 0.1]"),
        (["[0.001, 0.01, 0.1]", "0.01", "more_histories"],
         "more_histories[0.001] was trained with learning rate 0.01: give the optimizer the loop variable"),
        (["[0.001, 0.01, 0.1]", "learning_rate", "more_histories"],
         "more_histories[0.001] was trained with learning rate 0.05"),
    ],
    ("05", "compile_intro"): [
        ([ADAM, "keras.losses.SparseCategoricalCrossentropy()", METRICS],
         "SparseCategoricalCrossentropy expects class numbers, but our labels are one-hot rows"),
        ([ADAM, LOSS, "keras.metrics.CategoricalAccuracy()"],
         "model_intro is built but not compiled: compile stopped with an error"),
        ([ADAM, "keras.losses.CategoricalCrossentropy(from_logits=True)", METRICS],
         "the loss has from_logits=True, but the intro model ends in softmax"),
        (["keras.optimizers.SGD()", LOSS, METRICS], "model_intro uses the SGD optimizer; the challenge asks for Adam"),
        (["keras.optimizers.Adam(learning_rate=0.01)", LOSS, METRICS],
         "Adam's learning rate is 0.01; the challenge asks for its default settings (0.001)"),
        ([ADAM, LOSS, '["accuracy"]'], 'the later cells read "categorical_accuracy"'),
        ([ADAM, "keras.losses.MeanSquaredError()", METRICS], "the loss is MeanSquaredError"),
    ],
    ("05", "train_intro"): [
        (["32", "1", "(val_images, val_labels)"], "fit ran 1 epoch; the challenge asks for 10"),
        (["64", "10", "(val_images, val_labels)"],
         "fit took 1 step per epoch, where batches of 32 images make 2: its batches held more than 32 images"),
        (["32", "10", "None"], "history_intro has no val_loss: fit ran without validation data"),
        (["10", "32", "(val_images, val_labels)"], "batch_size and epochs are swapped"),
    ],
    ("06", "dropout_model"): [
        (["32", *DROPOUT_MODEL[1:]], "the Conv2D layer has filters=32; the challenge asks for 64"),
        (["64", "Dropout", "0.2", *DROPOUT_MODEL[3:]], "the Dropout layer has rate=0.2; the challenge asks for 0.5"),
        ([*DROPOUT_MODEL[:4], '"relu"'], "the output layer uses relu; a classifier over 10 classes needs softmax"),
        (["64", "BatchNormalization", "", *DROPOUT_MODEL[3:]],
         "Layer 7 after the input is BatchNormalization(), where the challenge has Dropout(0.5)"),
    ],
    ("07", "per_class"): [
        (["matrix", "matrix", "0"], "you divided by the column totals (axis=0)"),
        (["test_labels", "matrix", "1"], "for airplane you have 0.200 instead of 0.600"),
        (["probabilities", "matrix", "1"], "np.diag(matrix) / matrix.sum(axis=1)"),
        (["matrix", "matrix", "(0, 1)"], "the total of the whole matrix"),
    ],
    ("07", "dropout_rates"): [
        ([DROPOUT_RATES, "rate", "train_images[:DROPOUT_SUBSET]", "train_labels[:DROPOUT_SUBSET]"],
         "measure each model on the validation set"),
        (["[0.1, 0.5, 0.9]", "rate", "val_images", "val_labels"],
         "has the rates [0.1, 0.5, 0.9]; the challenge asks for [0.0, 0.25, 0.5, 0.75, 0.9]"),
        ([DROPOUT_RATES, "0.5", "val_images", "val_labels"], "pass the loop's rate to create_model_dropout_rate(rate)"),
    ],
    ("07", "deeper"): [
        (['x = keras.layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)'],
         "the Conv2D layer has padding='same'; the challenge asks for 'valid'"),
        (['x = keras.layers.Conv2D(64, (3, 3), activation="relu")(x)'],
         "the Conv2D layer has filters=64; the challenge asks for 32"),
        (["pass"], "Layer 6 after the input is Flatten(), where the challenge has Conv2D(32, (3, 3)"),
        (['# x = keras.layers.Conv2D(32, (3, 3), activation="relu")(x)'], "Layer 6 after the input is Flatten()"),
    ],
    ("08", "freeze"): [
        (["True", "len(NEW_CLASSES)"], "base.trainable is still True"),
        (["False", "10"], "the new head has 10 outputs, but there are 5 new classes"),
    ],
    ("08", "fine_tune"): [
        (["False", "3e-4"], "the base is still frozen"),
        (["True", "3e-3"], "at least as large as the head's 0.003"),
        (["True", "1e-2"], "at least as large as the head's 0.003"),
        (["True", "1e-4"], "compiled with the learning rate 0.0001"),
    ],
    ("09", "weights_only"): [
        (["save_weights", "create_model_dropout", "load_weights", "test_images", "compiled"],
         "fresh_probabilities has shape (120, 10), original_probabilities (100, 10)"),
        (["save_weights", "create_model_dropout", "save_weights", "test_images[:100]", "compiled"],
         "fresh does not have model's weights"),
    ],
    ("09", "crop"): [
        (["(32, 32)", "False", "np.newaxis", "square_batch"], "square_batch is the squashed photo"),
        (["(32, 32)", "True", ":", "square_batch"], "(32, 32, 3), one image without a batch axis"),
        (["(64, 64)", "True", "np.newaxis", "square_batch"],
         "square_batch has shape (1, 64, 64, 3), expected (1, 32, 32, 3)"),
    ],
    ("09", "another_base"): [
        (["MobileNetV3Small", "False", "False", "trainable_weights"],
         "base_b0 is MobileNetV3Small; the challenge asks for keras.applications.EfficientNetB0"),
        (["EfficientNetB0", "False", "True", "trainable_weights"], "base_b0 is still trainable"),
        (["EfficientNetB0", "False", "False", "weights"], "every parameter of transfer_b0, frozen or not"),
    ],
    ("10", "time_to_reach"): [
        (["accuracy", "0", "0"], "instead of None: when no epoch reaches the accuracy"),
        (["accuracy", "None", "-1"], "take the first epoch that reached the accuracy"),
        (["accuracy + 0.001", "None", "0"], "an epoch that ends exactly at 0.80 counts"),
    ],
    ("10", "smoothed_target"): [
        (['"ship"', "0.2", "0.2"], "with a smoothing of 0.1 it should be 0.91 and 0.01"),
        (['"cat"', "0.1", "0.1"], "belongs to cat, not ship"),
        (['"ship"', "0.1", "0"], "add 0.1 / 10"),
    ],
}

# The challenge's cell filled in right, then once more with these answers, in the same namespace.
AFTER_THE_RECORDED_ANSWER = [
    ("03", "first_conv", answer_key()["03"]["first_conv"]["answers"], "Did a cell run twice?"),
    # create_model_intro's layers do not fit the weights: load_weights fails, and the earlier predictions stay.
    ("09", "weights_only", ["save_weights", "create_model_intro", "load_weights", "test_images[:100]", "compiled"],
     "build fresh with create_model_dropout()"),
]

FINE_TUNE = answer_key()["08"]["fine_tune"]["blank"]
FINE_TUNE_ANSWERS = answer_key()["08"]["fine_tune"]["answers"]

# Cells a learner wrote otherwise than the template: how the verdict must start, and what else it must say.
OTHER_CELLS = [
    ("02", "write_prepare_dataset", """
def prepare_dataset(train_images, train_labels):
    train_labels = keras.utils.to_categorical(train_labels, num_classes=len(CLASS_NAMES))
    return train_test_split(train_images / 255, train_labels, test_size=0.2, random_state=42)
""", "Not quite:", ["do not divide them by 255", "Rescaling(1 / 255)"]),
    ("02", "write_prepare_dataset", """
def prepare_dataset(train_images, train_labels):
    return train_test_split(train_images, train_labels, test_size=0.2, random_state=42)
""", "Not quite:", ["the labels are still class numbers"]),
    ("02", "write_prepare_dataset", """
def prepare_dataset(train_images, train_labels):
    train_labels = keras.utils.to_categorical(train_labels, num_classes=len(CLASS_NAMES))
    return train_test_split(train_images, test_size=0.2, random_state=42)
""", "Not quite:", ["prepare_dataset returns 2 values; it should return four"]),
    # The learner notebook before a fix: a pooling cell without the second convolution.
    ("03", "pooling", "x = keras.layers.MaxPooling2D((2, 2))(x)", "Not quite:",
     ["(None, 15, 15, 16)", 'Conv2D(32, (3, 3), activation="relu"), MaxPooling2D((2, 2)) are missing']),
    # Names instead of objects are fine; keeping what compile returns is not.
    ("05", "compile_intro", ('model_intro = create_model_intro()\nmodel_intro.compile(optimizer="adam", '
                             'loss="categorical_crossentropy", metrics=["categorical_accuracy"])'), "Correct!", []),
    ("05", "compile_intro", ("model_intro = create_model_intro()\n"
                             f"model_intro = model_intro.compile(optimizer={ADAM}, loss={LOSS}, metrics={METRICS})"),
     "Not quite:", ["compile changes the model itself and returns None"]),
    # Without the loop that keeps batch normalisation frozen; for another number of epochs.
    ("08", "fine_tune", fill(FINE_TUNE[:FINE_TUNE.index("for layer")] + FINE_TUNE[FINE_TUNE.index("train_on_few"):],
                             FINE_TUNE_ANSWERS), "Not quite:", ["batch normalisation layers"]),
    ("08", "fine_tune", fill(FINE_TUNE.replace("epochs=20", "epochs=10"), FINE_TUNE_ANSWERS),
     "Not quite:", ["ran 10 epochs; the challenge asks for 20"]),
    # A number where the challenge asks for a function.
    ("10", "time_to_reach", "seconds_to_reach = 160.0", "Not quite:", ["def seconds_to_reach(history, accuracy)"]),
]
