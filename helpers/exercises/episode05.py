"""Self-checks for episode 05, "Compile and train (fit) a convolutional neural network".

The checks read what Keras keeps about a model: how it was compiled
(``get_compile_config``) and how ``fit`` ran (``History.params``). None of them
builds or trains anything.
"""

import inspect
import math

import numpy as np

from helpers.exercises import Exercise, Mistake
from helpers.quiet import import_keras_quietly

keras = import_keras_quietly()  # TensorFlow first, without its start-up messages: importing this module prints nothing


def kind(setting):
    """What a setting of get_compile_config() is: an object's class name, or the string it was given as."""
    return setting["class_name"] if isinstance(setting, dict) else setting


def check_compile_intro(exercise, model_intro):
    if model_intro is None:
        raise Mistake("model_intro is None: compile changes the model itself and returns None, so call "
                      "model_intro.compile(...) without assigning its result.")
    if not isinstance(model_intro, keras.Model):
        raise Mistake(f"model_intro is a {type(model_intro).__name__}; build it with create_model_intro().")
    if not model_intro.compiled:
        raise Mistake("model_intro is built but not compiled: compile stopped with an error (see under the "
                      "cell). If it says metrics should be a list, put the metric in square brackets: "
                      "[keras.metrics.CategoricalAccuracy()].")
    config = model_intro.get_compile_config()

    optimizer = config["optimizer"]
    if kind(optimizer) != "Adam":
        raise Mistake(f"model_intro uses the {kind(optimizer)} optimizer; the challenge asks for Adam with its "
                      "default settings: keras.optimizers.Adam().")
    default_rate = inspect.signature(keras.optimizers.Adam).parameters["learning_rate"].default
    if not np.isclose(optimizer["config"]["learning_rate"], default_rate):
        raise Mistake(f"Adam's learning rate is {optimizer['config']['learning_rate']:.3g}; the challenge asks "
                      f"for its default settings ({default_rate:g}): keras.optimizers.Adam(), without arguments.")

    loss = config["loss"]
    if kind(loss) in ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"):
        raise Mistake("SparseCategoricalCrossentropy expects class numbers, but our labels are one-hot rows: "
                      "use keras.losses.CategoricalCrossentropy().")
    if kind(loss) not in ("CategoricalCrossentropy", "categorical_crossentropy"):
        raise Mistake(f"the loss is {kind(loss)}; for one-hot labels of several classes, use "
                      "keras.losses.CategoricalCrossentropy().")
    if isinstance(loss, dict) and loss["config"].get("from_logits"):
        raise Mistake("the loss has from_logits=True, but the intro model ends in softmax and outputs "
                      "probabilities, not logits: leave from_logits at its default, "
                      "keras.losses.CategoricalCrossentropy().")

    metrics = [kind(metric) for metric in config["metrics"] or []]
    if metrics == ["accuracy"]:
        raise Mistake('with metrics=["accuracy"] the history calls the metric "accuracy", but the later cells '
                      'read "categorical_accuracy": use [keras.metrics.CategoricalAccuracy()].')
    if metrics not in (["CategoricalAccuracy"], ["categorical_accuracy"]):
        raise Mistake(f"the metrics are {metrics}; the challenge asks for categorical accuracy as the only "
                      "metric: [keras.metrics.CategoricalAccuracy()].")
    return "model_intro is compiled with Adam, categorical cross-entropy and categorical accuracy."


def check_train_intro(exercise, history_intro, train_images):
    batch_size, epochs = exercise.answer(0), exercise.answer(1)
    params = getattr(history_intro, "params", None)
    if not isinstance(params, dict) or "epochs" not in params:
        raise Mistake(f"history_intro is a {type(history_intro).__name__}; keep what fit returns: "
                      "history_intro = model_intro.fit(...).")
    steps = params["steps"]
    expected_steps = math.ceil(len(train_images) / batch_size)
    if params["epochs"] == batch_size and steps == math.ceil(len(train_images) / epochs):
        raise Mistake(f"batch_size and epochs are swapped: fit ran {batch_size} epochs in batches of {epochs} "
                      f"images. Give it batch_size={batch_size} and epochs={epochs}.")
    if params["epochs"] != epochs:
        raise Mistake(f"fit ran {params['epochs']} epoch{'s' if params['epochs'] != 1 else ''}; the challenge "
                      f"asks for {epochs}: epochs={epochs}.")
    if steps != expected_steps:
        held = "more" if steps < expected_steps else "fewer"
        raise Mistake(f"fit took {steps} step{'s' if steps != 1 else ''} per epoch, where batches of {batch_size} "
                      f"images make {expected_steps}: its batches held {held} than {batch_size} images. Give it "
                      f"batch_size={batch_size}.")
    if "val_loss" not in history_intro.history:
        raise Mistake("history_intro has no val_loss: fit ran without validation data. Give it "
                      "validation_data=(val_images, val_labels).")
    return (f"history_intro ran {epochs} epochs in batches of {batch_size} images, and measured the validation "
            "data after every epoch.")


compile_intro = Exercise("05", "compile_intro", reads=("model_intro",), check_answer=check_compile_intro)
train_intro = Exercise("05", "train_intro", reads=("history_intro", "train_images"), check_answer=check_train_intro)
read_curves = Exercise("05", "read_curves")
