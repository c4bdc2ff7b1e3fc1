"""What the episodes and the commands use but no notebook teaches, and the definitions the notebooks teach.

The models and functions that a notebook teaches and later code reuses
(``create_model_intro``, ``compile_and_train``, ...) are written once, in the
notebook cell that teaches them; ``scripts/build_notebooks.py`` saves them
into ``helpers/lesson.py``, and this module re-exports them, so that the
episodes import everything from here. Each CIFAR-10 model starts with
``Rescaling(1/255)``, so it takes the uint8 images from ``helpers.data``
directly (see ``prepare_dataset``).

What is written here: ``compile_as_taught`` (the episodes' optimiser, loss
and metric, for code outside the notebooks), the training command's CNN,
the loaders that train a missing model, and the fast recipe (``create_model_fast``
and what trains it, ``python -m helpers.train --model fast``).
"""

import math
import time
from pathlib import Path

import numpy as np

from helpers.durations import minutes_and_seconds
from helpers.fast_recipe import (
    FAST_LABEL_SMOOTHING,
    FAST_MOMENTUM,
    FAST_PEAK_LEARNING_RATE,
    FAST_WARMUP_FRACTION,
    FAST_WEIGHT_DECAY,
    WHITENING_IMAGES,
    patch_whitening_filters,
    triangular_rate,
)

# The notebooks' definitions, re-exported (``import NAME as NAME`` says so): helpers/lesson.py says
# where each is taught.
from helpers.lesson import compile_and_train as compile_and_train
from helpers.lesson import create_model_dropout as create_model_dropout
from helpers.lesson import create_model_intro as create_model_intro
from helpers.lesson import create_model_pima as create_model_pima
from helpers.quiet import import_keras_quietly

keras = import_keras_quietly()  # TensorFlow first, without its start-up messages: importing this module prints nothing

INPUT_SHAPE = (32, 32, 3)
NUM_CLASSES = 10


def compile_as_taught(model, learning_rate=0.001, steps_per_execution=1):
    """Compile a model with the optimiser, loss and metric the episodes teach.

    Adam, categorical cross-entropy and categorical accuracy: the choices of
    episode 01, with which episode 03's ``compile_and_train`` compiles every
    model of episodes 03 to 09 (``tests/test_models.py`` checks that the two
    agree). For the code outside the notebooks: ``python -m helpers.check``,
    the training command and the benchmarks. ``learning_rate`` is Adam's
    default, or a Keras schedule; ``steps_per_execution`` is Keras's setting,
    which the benchmarks vary.
    """
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=[keras.metrics.CategoricalAccuracy()],
        steps_per_execution=steps_per_execution,
    )


def create_model_three_blocks():
    """The training command's deeper CNN: three convolution blocks with batch normalisation.

    Each block is Conv2D (32, then 64, then 128 filters, 'same' padding) →
    BatchNormalization → MaxPooling2D → Dropout(0.25); then Flatten →
    Dense(128) → BatchNormalization → Dropout(0.5) → Dense(10, softmax).
    Trained by ``python -m helpers.train``, taught in episode 09.

    The batch normalisation layers keep running averages with momentum 0.9
    instead of Keras's 0.99, so that the averages they predict with catch up
    with the changing weights within a few dozen steps. With 0.99, a short run
    (``--quick``: 50 steps an epoch) predicts one class for every test image.
    """
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = keras.layers.Rescaling(1 / 255)(inputs)
    for filters in (32, 64, 128):
        x = keras.layers.Conv2D(filters, (3, 3), padding="same", activation="relu")(x)
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        x = keras.layers.MaxPooling2D((2, 2))(x)
        x = keras.layers.Dropout(0.25)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(128, activation="relu")(x)
    x = keras.layers.BatchNormalization(momentum=0.9)(x)
    x = keras.layers.Dropout(0.5)(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="cifar_model_three_blocks")


def load_or_train(path, create_model, images, labels, validation_data, epochs=10, batch_size=32):
    """Load the model saved at ``path``; if there is none, train a new one as its episode did and save it.

    Episodes 06 and 07 load the models that earlier episodes saved. A learner who
    opens one of them first (on a fresh Colab runtime, say) has no such file yet:
    then this builds ``create_model()``, trains it with ``compile_and_train`` and
    saves it at ``path``, and says so. Returns the model.
    """
    def train():
        model = create_model()
        compile_and_train(model, images, labels, validation_data, epochs=epochs, batch_size=batch_size, verbose=0)
        return model

    return load_or_make(path, train, f"training {create_model.__name__}() for {epochs} epochs, as its episode does")


def load_or_make(path, make, how):
    """The model saved at ``path``, or, when there is none, the one ``make()`` returns, saved there.

    ``how`` says in words what ``make`` does; both cases print one line.
    """
    path = Path(path)
    if path.is_file():
        print(f"Loaded {path}.")
        return keras.models.load_model(path)
    print(f"{path} does not exist yet: {how} ...")
    model = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    print(f"Trained it and saved it as {path}.")
    return model


# --- the fast recipe: 85 % on CIFAR-10 in minutes on a laptop's CPU -------------------
# Built from the ideas behind the airbench speed records for CIFAR-10; trained by
# ``python -m helpers.train --model fast``.

def create_model_fast(train_images, whitening=True, num_classes=NUM_CLASSES):
    """The fast recipe's network: frozen patch whitening, then three blocks of 64, 128 and 128 filters.

    The first 2,000 of ``train_images`` (uint8, as loaded) set the whitening
    filters (``patch_whitening_filters``); that layer is not trained. Each
    block is Conv2D → MaxPooling2D → BatchNormalization → relu, then
    Conv2D → BatchNormalization → relu. Global max pooling keeps each
    feature's strongest response (the layer named "features": 128 numbers per
    image); Dense(``num_classes``) scores the classes, and the scores are
    divided by 8 before softmax, so that the large learning rate that suits
    the convolutions changes the output gently. Train it with
    ``compile_model_fast``.

    ``whitening=False`` makes the first layer an ordinary convolution of the
    same shape, with random weights that are trained, to measure what
    whitening adds (``python -m helpers.train --model fast --no-whitening``).
    """
    sample = np.asarray(train_images[:WHITENING_IMAGES], dtype="float32") / 255
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = keras.layers.Rescaling(1 / 255, offset=-float(sample.mean()))(inputs)  # from 0 to 1, centred on 0
    first_layer = keras.layers.Conv2D(2 * 12, (2, 2), use_bias=False, trainable=not whitening,
                                      name="patch_whitening" if whitening else "patch_convolution")
    x = first_layer(x)  # 12 directions of a 2x2 colour patch, each with both signs
    if whitening:
        first_layer.set_weights([patch_whitening_filters(sample)])
    x = keras.layers.Activation("relu")(x)
    for width in (64, 128, 128):
        x = keras.layers.Conv2D(width, (3, 3), padding="same", use_bias=False)(x)
        x = keras.layers.MaxPooling2D((2, 2))(x)
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        x = keras.layers.Activation("relu")(x)
        x = keras.layers.Conv2D(width, (3, 3), padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        x = keras.layers.Activation("relu")(x)
    x = keras.layers.GlobalMaxPooling2D(name="features")(x)
    x = keras.layers.Dense(num_classes)(x)
    x = keras.layers.Rescaling(1 / 8)(x)
    outputs = keras.layers.Activation("softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="cifar_model_fast")


class TriangularSchedule(keras.callbacks.Callback):
    """Before each training step, set the learning rate: up from 0 to ``peak`` in a straight line, then down to 0.

    ``helpers.fast_recipe.triangular_rate`` computes it. A callback for
    ``fit`` rather than a Keras LearningRateSchedule, so that the saved model
    loads anywhere, also where this module is not imported.
    """

    def __init__(self, peak, total_steps, warmup_fraction=FAST_WARMUP_FRACTION):
        super().__init__()
        self.peak = peak
        self.total_steps = total_steps
        self.warmup_fraction = warmup_fraction

    def rate(self, step):
        """The learning rate for training step ``step`` (counted from 0 over the whole run)."""
        return triangular_rate(step, self.total_steps, self.peak, self.warmup_fraction)

    def on_train_batch_begin(self, batch, logs=None):
        # convert_to_numpy also reads the step count of a distributed optimizer (a mirrored variable).
        step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        self.model.optimizer.learning_rate = self.rate(step)


def fast_schedule(total_steps):
    """The fast recipe's learning rate, a callback for ``fit``.

    It rises to FAST_PEAK_LEARNING_RATE over the first fifth of ``total_steps``, then falls to 0.
    """
    return TriangularSchedule(FAST_PEAK_LEARNING_RATE, total_steps)


def compile_model_fast(model, learning_rate=FAST_PEAK_LEARNING_RATE, label_smoothing=FAST_LABEL_SMOOTHING):
    """Compile a model with the fast recipe's optimiser and loss.

    SGD with Nesterov momentum 0.9 and a little weight decay, at
    ``learning_rate``; ``fast_schedule`` changes it during training.
    The loss uses label smoothing of 0.2: each image's target is 0.82 for its
    class and 0.02 for every other, which keeps the network from becoming
    overconfident in a short run; ``label_smoothing=0`` switches it off.
    """
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate, momentum=FAST_MOMENTUM, nesterov=True,
                                       weight_decay=FAST_WEIGHT_DECAY),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        metrics=[keras.metrics.CategoricalAccuracy()],
    )


def load_or_train_fast(path, images, labels, epochs=3):
    """Load the fast network saved at ``path``; if there is none, train one with the fast recipe and save it.

    Episode 08 pretrains its base this way. The network gets one output per
    column of the one-hot ``labels`` and trains on ``images`` in batches of
    256, its learning rate rising and falling as ``fast_schedule`` sets it:
    the recipe that episode 10 takes apart. Returns the model.
    """
    def train():
        model = create_model_fast(images, num_classes=labels.shape[1])
        compile_model_fast(model)
        batch_size = 256
        steps = epochs * math.ceil(len(images) / batch_size)
        model.fit(images, labels, epochs=epochs, batch_size=batch_size, callbacks=[fast_schedule(steps)], verbose=0)
        return model

    return load_or_make(path, train, f"training create_model_fast() with the fast recipe for {epochs} epochs")


def predict_with_flips(model, images, batch_size=512):
    """The model's class probabilities for each image, averaged with those for its mirror image.

    A cat seen in a mirror is still a cat: two views of each test image give
    a steadier answer than one ("flip averaging", a cheap test-time augmentation).
    """
    images = np.asarray(images)
    plain = model.predict(images, batch_size=batch_size, verbose=0)
    mirrored = model.predict(images[:, :, ::-1], batch_size=batch_size, verbose=0)
    return (plain + mirrored) / 2



class EpochProgress(keras.callbacks.Callback):
    """Print one line per epoch: how long it took, about how long the rest will take, and its metrics.

    The estimate assumes that each remaining epoch takes as long as the last
    one. ``elapsed`` keeps the seconds from the start of training to the end
    of each epoch. Use it with ``verbose=0`` in ``fit``, instead of Keras's line.
    A run that continues one trained earlier passes that run's seconds of
    training as ``seconds_before``, so that the times count from its start.
    """

    def __init__(self, seconds_before=0.0):
        super().__init__()
        self.seconds_before = seconds_before

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter() - self.seconds_before
        self.elapsed = []

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter() - self.started
        took = now - (self.elapsed[-1] if self.elapsed else self.seconds_before)
        self.elapsed.append(now)
        epochs_left = self.params["epochs"] - (epoch + 1)
        left = (f"about {minutes_and_seconds(took * epochs_left)} left" if epochs_left
                else f"{minutes_and_seconds(now)} in all")
        values = " - ".join(f"{name} {value:.4f}" for name, value in (logs or {}).items())
        print(f"Epoch {epoch + 1}/{self.params['epochs']}: {minutes_and_seconds(took)}, {left} - {values}",
              flush=True)
