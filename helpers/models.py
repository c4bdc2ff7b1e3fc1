"""Every model the episodes build, defined once.

A notebook that writes one of these models itself must build the same
architecture; ``tests/test_notebooks.py`` checks that it does.
Each model starts with ``Rescaling(1/255)``, so it takes the uint8 images
from ``helpers.data`` directly (see ``prepare_dataset``).
"""

import keras

INPUT_SHAPE = (32, 32, 3)
NUM_CLASSES = 10


def create_model_intro():
    """The introductory CNN: two convolution blocks, then a small dense head.

    Taught in episode 01, built layer by layer in episode 03. 79,530 parameters.
    """
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(16, (3, 3), activation="relu")(x)
    x = keras.layers.MaxPooling2D((2, 2))(x)
    x = keras.layers.Conv2D(32, (3, 3), activation="relu")(x)
    x = keras.layers.MaxPooling2D((2, 2))(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="cifar_model_intro")


def create_model_dropout():
    """The intro CNN's convolutions plus a third one, with dropout before the output.

    Taught in episode 05.
    """
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(16, (3, 3), activation="relu")(x)
    x = keras.layers.MaxPooling2D((2, 2))(x)
    x = keras.layers.Conv2D(32, (3, 3), activation="relu")(x)
    x = keras.layers.MaxPooling2D((2, 2))(x)
    x = keras.layers.Conv2D(64, (3, 3), activation="relu")(x)
    x = keras.layers.Dropout(0.5)(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="cifar_model_dropout")


def create_model_dense_only():
    """A network of dense layers only, to compare with a CNN of similar size.

    Taught in episode 03. 156,710 parameters.
    """
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(50, activation="relu")(x)
    x = keras.layers.Dense(50, activation="relu")(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="cifar_model_dense_only")


def create_model_cnn50():
    """Two convolution blocks of 50 filters each and a dense layer of 50 units.

    Taught in episode 03, where it is compared with the dense-only network.
    114,510 parameters.
    """
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(50, (3, 3), activation="relu")(x)
    x = keras.layers.MaxPooling2D((2, 2))(x)
    x = keras.layers.Conv2D(50, (3, 3), activation="relu")(x)
    x = keras.layers.MaxPooling2D((2, 2))(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(50, activation="relu")(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="cifar_model_cnn50")


def architecture(model):
    """A model's layers as (class name, settings) pairs, without names or weights.

    Two models with equal architectures compute the same function shape-wise;
    the tests use this to compare a notebook's model with the helper's.
    """
    ignored = {"name", "trainable", "dtype", "seed"}
    layers = []
    for layer in model.layers:
        config = {key: value for key, value in layer.get_config().items() if key not in ignored}
        layers.append((type(layer).__name__, config))
    return layers


def create_model_pima():
    """A small dense network for the 8 Pima diabetes features: 12 → 8 → 1 (sigmoid).

    Taught in episode 04, where it shows what batch size, input scaling and
    the learning rate do. 221 parameters.
    """
    inputs = keras.Input(shape=(8,))
    x = keras.layers.Dense(12, activation="relu")(inputs)
    x = keras.layers.Dense(8, activation="relu")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="pima_model")
