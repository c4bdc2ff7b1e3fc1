"""Tests for helpers.models: every model the episodes build, and the architecture() comparison."""

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


# --- episode 03: the dense-only network and the CNN with 50 filters ------------

@pytest.fixture(scope="module")
def dense_only():
    from helpers.models import create_model_dense_only

    return create_model_dense_only()


@pytest.fixture(scope="module")
def cnn50():
    from helpers.models import create_model_cnn50

    return create_model_cnn50()


def layer_settings(model):
    """(class name, filters or units and activation) of each layer after the input."""
    settings = []
    for layer in layers_after_input(model):
        config = layer.get_config()
        setting = {
            "Conv2D": lambda: (config["filters"], tuple(config["kernel_size"]), config["activation"]),
            "MaxPooling2D": lambda: tuple(config["pool_size"]),
            "Dense": lambda: (config["units"], config["activation"]),
        }.get(type(layer).__name__, lambda: None)()
        settings.append((type(layer).__name__, setting))
    return settings


def test_dense_only_model_layers(dense_only):
    assert layer_settings(dense_only) == [
        ("Rescaling", None),
        ("Flatten", None),
        ("Dense", (50, "relu")),
        ("Dense", (50, "relu")),
        ("Dense", (10, "softmax")),
    ]
    assert layers_after_input(dense_only)[0].scale == pytest.approx(1 / 255)
    assert dense_only.input_shape == (None, 32, 32, 3)
    assert dense_only.output_shape == (None, 10)


def test_dense_only_model_parameter_counts(dense_only):
    assert dense_only.count_params() == 156_710
    weighted = [layer.count_params() for layer in dense_only.layers if layer.count_params()]
    assert weighted == [32 * 32 * 3 * 50 + 50, 50 * 50 + 50, 50 * 10 + 10]


def test_cnn50_model_layers(cnn50):
    assert layer_settings(cnn50) == [
        ("Rescaling", None),
        ("Conv2D", (50, (3, 3), "relu")),
        ("MaxPooling2D", (2, 2)),
        ("Conv2D", (50, (3, 3), "relu")),
        ("MaxPooling2D", (2, 2)),
        ("Flatten", None),
        ("Dense", (50, "relu")),
        ("Dense", (10, "softmax")),
    ]
    assert layers_after_input(cnn50)[0].scale == pytest.approx(1 / 255)
    assert cnn50.input_shape == (None, 32, 32, 3)
    assert cnn50.output_shape == (None, 10)


def test_cnn50_model_parameter_counts(cnn50):
    assert cnn50.count_params() == 114_510
    weighted = [(type(layer).__name__, layer.count_params())
                for layer in cnn50.layers if layer.count_params()]
    assert weighted == [("Conv2D", 1_400), ("Conv2D", 22_550), ("Dense", 90_050), ("Dense", 510)]


def test_the_cnn_has_fewer_parameters_than_the_dense_only_model(dense_only, cnn50):
    assert cnn50.count_params() < dense_only.count_params()
    assert architecture(cnn50) != architecture(dense_only)


def test_episode_03_models_take_uint8_images(dense_only, cnn50):
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    for model in (dense_only, cnn50):
        probabilities = keras.ops.convert_to_numpy(model(images, training=False))
        assert probabilities.shape == (3, 10)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_pima_model_is_12_8_1_with_a_sigmoid_output():
    from helpers.models import create_model_pima

    model = create_model_pima()
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    assert [layer.units for layer in dense] == [12, 8, 1]
    assert [layer.get_config()["activation"] for layer in dense] == ["relu", "relu", "sigmoid"]
    assert model.input_shape == (None, 8) and model.count_params() == 221
