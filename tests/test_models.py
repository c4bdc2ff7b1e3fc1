"""Tests for helpers.models: the lesson's two CNNs and the architecture() comparison."""

import keras
import numpy as np
import pytest

from helpers.models import architecture, create_model_dropout, create_model_intro


@pytest.fixture(scope="module")
def intro():
    return create_model_intro()


@pytest.fixture(scope="module")
def dropout():
    return create_model_dropout()


def layers_after_input(model):
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def test_intro_model_parameter_counts(intro):
    assert intro.count_params() == 79_530
    weighted = [(type(layer).__name__, layer.count_params())
                for layer in intro.layers if layer.count_params()]
    assert weighted == [("Conv2D", 448), ("Conv2D", 4_640), ("Dense", 73_792), ("Dense", 650)]


def test_intro_model_starts_by_rescaling(intro):
    first = layers_after_input(intro)[0]
    assert isinstance(first, keras.layers.Rescaling)
    assert first.scale == pytest.approx(1 / 255)
    assert first.offset == 0


def test_intro_model_outputs_ten_softmax_probabilities(intro):
    assert intro.input_shape == (None, 32, 32, 3)
    assert intro.output_shape == (None, 10)
    assert intro.layers[-1].get_config()["activation"] == "softmax"


def test_intro_model_takes_uint8_images(intro):
    images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    probabilities = keras.ops.convert_to_numpy(intro(images, training=False))
    assert probabilities.shape == (4, 10)
    assert np.all(probabilities >= 0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_dropout_model_layers(dropout):
    layers = layers_after_input(dropout)
    summary = []
    for layer in layers:
        config = layer.get_config()
        setting = {
            "Conv2D": lambda: config["filters"],
            "Dropout": lambda: config["rate"],
            "Dense": lambda: (config["units"], config["activation"]),
        }.get(type(layer).__name__, lambda: None)()
        summary.append((type(layer).__name__, setting))
    assert summary == [
        ("Rescaling", None),
        ("Conv2D", 16),
        ("MaxPooling2D", None),
        ("Conv2D", 32),
        ("MaxPooling2D", None),
        ("Conv2D", 64),
        ("Dropout", 0.5),
        ("Flatten", None),
        ("Dense", (10, "softmax")),
    ]
    assert layers[0].scale == pytest.approx(1 / 255)
    assert dropout.output_shape == (None, 10)


def test_architecture_is_equal_for_two_builds(intro, dropout):
    assert architecture(create_model_intro()) == architecture(intro)
    assert architecture(create_model_dropout()) == architecture(dropout)


def test_architecture_tells_the_models_apart(intro, dropout):
    assert architecture(intro) != architecture(dropout)


def test_architecture_ignores_layer_names(intro):
    """Layer names differ between builds (conv2d, conv2d_1, ...) and between authors."""
    renamed = create_model_intro()
    for index, layer in enumerate(renamed.layers):
        layer.name = f"my_layer_{index}"
    assert [layer.name for layer in renamed.layers] != [layer.name for layer in intro.layers]
    assert architecture(renamed) == architecture(intro)
    assert all("name" not in config for _, config in architecture(intro))


def test_architecture_sees_a_changed_setting(intro):
    """Not everything is ignored: one more filter in a convolution makes a difference."""
    inputs = keras.Input(shape=(32, 32, 3))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(17, (3, 3), activation="relu")(x)
    x = keras.layers.MaxPooling2D((2, 2))(x)
    x = keras.layers.Conv2D(32, (3, 3), activation="relu")(x)
    x = keras.layers.MaxPooling2D((2, 2))(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    changed = keras.Model(inputs, outputs)
    assert architecture(changed) != architecture(intro)
    assert [kind for kind, _ in architecture(changed)] == [kind for kind, _ in architecture(intro)]
