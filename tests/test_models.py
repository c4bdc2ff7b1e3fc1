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


# --- episode 06: the intro CNN with L2 penalties, batch normalisation, augmentation ----

@pytest.fixture(scope="module")
def regularised():
    from helpers.models import create_model_augmented, create_model_batchnorm, create_model_l2

    return {"l2": create_model_l2(), "batchnorm": create_model_batchnorm(),
            "augmented": create_model_augmented()}


def layer_kinds(model):
    return [type(layer).__name__ for layer in layers_after_input(model)]


INTRO_KINDS = ["Rescaling", "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense"]


def test_regularised_models_start_by_rescaling_and_end_in_ten_probabilities(regularised):
    for name, model in regularised.items():
        first = layers_after_input(model)[0]
        assert isinstance(first, keras.layers.Rescaling), name
        assert first.scale == pytest.approx(1 / 255), name
        assert model.input_shape == (None, 32, 32, 3), name
        assert model.output_shape == (None, 10), name
        assert model.layers[-1].get_config()["activation"] == "softmax", name


def test_l2_model_is_the_intro_model_with_a_penalty_on_every_weighted_layer(regularised, intro):
    model = regularised["l2"]
    assert layer_kinds(model) == INTRO_KINDS
    assert model.count_params() == intro.count_params() == 79_530
    weighted = [layer for layer in model.layers if layer.count_params()]
    assert len(weighted) == 4
    for layer in weighted:
        assert isinstance(layer.kernel_regularizer, keras.regularizers.L2), layer.name
        assert layer.kernel_regularizer.get_config()["l2"] == pytest.approx(0.001)
    # Same layers and settings as the intro model, apart from the penalties.
    def without_penalty(some_model):
        return [(kind, {k: v for k, v in config.items() if k != "kernel_regularizer"})
                for kind, config in architecture(some_model)]

    assert without_penalty(model) == without_penalty(intro)


def test_l2_model_adds_its_penalty_to_the_loss(regularised):
    model = regularised["l2"]
    images = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    model(images, training=True)
    assert len(model.losses) == 4
    assert all(float(loss) > 0 for loss in model.losses)


def test_batchnorm_model_normalises_each_hidden_layer_before_its_activation(regularised):
    model = regularised["batchnorm"]
    normalised = ["BatchNormalization", "Activation"]
    assert layer_kinds(model) == ["Rescaling", "Conv2D", *normalised, "MaxPooling2D",
                                  "Conv2D", *normalised, "MaxPooling2D", "Flatten", "Dense", *normalised, "Dense"]
    assert [layer.use_bias for layer in model.layers if type(layer).__name__ in ("Conv2D", "Dense")] == [
        False, False, False, True]
    trainable = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
    assert (model.count_params(), trainable) == (79_866, 79_642)
    non_trainable = sum(int(np.prod(weight.shape)) for weight in model.non_trainable_weights)
    assert non_trainable == 224  # a running mean and variance for each of 16 + 32 + 64 channels


def test_augmented_model_augments_only_in_training(regularised, intro):
    model = regularised["augmented"]
    assert layer_kinds(model) == ["Rescaling", "RandomFlip", "RandomTranslation", *INTRO_KINDS[1:]]
    assert model.count_params() == intro.count_params() == 79_530
    flip, shift = layers_after_input(model)[1:3]
    assert flip.get_config()["mode"] == "horizontal"
    assert (shift.get_config()["height_factor"], shift.get_config()["width_factor"]) == (0.1, 0.1)
    images = np.random.default_rng(1).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    first = keras.ops.convert_to_numpy(model(images, training=False))
    again = keras.ops.convert_to_numpy(model(images, training=False))
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(first.sum(axis=1), 1, atol=1e-5)


def test_episode_05_models_are_distinct(regularised, intro, dropout):
    models = [intro, dropout, *regularised.values()]
    shapes = [architecture(model) for model in models]
    assert all(shapes[i] != shapes[j] for i in range(len(shapes)) for j in range(i + 1, len(shapes)))


def test_three_block_model_matches_the_training_command_description():
    from helpers.models import create_model_three_blocks

    model = create_model_three_blocks()
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    block = ["Conv2D", "BatchNormalization", "MaxPooling2D", "Dropout"]
    assert kinds == ["Rescaling", *block * 3, "Flatten", "Dense", "BatchNormalization",
                     "Dropout", "Dense"]
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [(c.filters, c.padding) for c in convs] == [(32, "same"), (64, "same"), (128, "same")]
    dropouts = [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout"]
    assert dropouts == [0.25, 0.25, 0.25, 0.5]
    # Running averages that follow the weights within a few dozen steps, so a quick run predicts sensibly.
    assert [layer.momentum for layer in model.layers if type(layer).__name__ == "BatchNormalization"] == [0.9] * 4
    assert model.layers[-1].units == 10 and model.layers[-1].get_config()["activation"] == "softmax"
    assert model.count_params() == 358_218


# --- episode 07: the tuning models ------------------------------------------------


def test_dropout_rate_model_defaults_to_the_intro_model_with_dropout():
    from helpers.models import create_model_dropout_rate, create_model_intro_dropout

    assert architecture(create_model_dropout_rate()) == architecture(create_model_intro_dropout())
    for rate in (0.0, 0.25, 0.5, 0.75, 0.9):
        model = create_model_dropout_rate(rate)
        rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
        assert rates == [rate]
        assert model.count_params() == 79_530


def test_the_intro_model_with_dropout_is_the_intro_model_plus_one_dropout_layer(intro):
    from helpers.models import create_model_intro_dropout

    model = create_model_intro_dropout()
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.index("Dropout") == kinds.index("Flatten") + 1
    without = [layer for layer in architecture(model) if layer[0] != "Dropout"]
    assert without == architecture(intro)
    assert model.count_params() == intro.count_params() == 79_530


def test_activation_model_defaults_to_the_intro_model(intro):
    from helpers.models import create_model_activation

    assert architecture(create_model_activation()) == architecture(intro)
    images = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    for name in ("relu", "sigmoid", "tanh", "selu", "leaky_relu"):
        model = create_model_activation(name)
        hidden = [layer.get_config()["activation"] for layer in model.layers
                  if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
        assert hidden == [name, name, name, "softmax"], name
        assert model.count_params() == 79_530
        probabilities = keras.ops.convert_to_numpy(model(images))
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_deeper_model_has_fewer_parameters_than_the_intro_model(intro):
    from helpers.models import create_model_deeper

    model = create_model_deeper()
    assert [type(layer).__name__ for layer in layers_after_input(model)] == [
        "Rescaling", "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D",
        "Flatten", "Dense", "Dense"]
    flatten = next(layer for layer in model.layers if isinstance(layer, keras.layers.Flatten))
    assert flatten.output.shape[1:] == (4 * 4 * 32,)
    weighted = [layer.count_params() for layer in model.layers if layer.count_params()]
    assert weighted == [448, 4_640, 9_248, 32_832, 650]
    assert model.count_params() == 47_818 < intro.count_params()


# Reading the optimizer's step count converts a TensorFlow variable in a way NumPy 2 flags, inside keras;
# a notebook never shows it.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
def test_load_or_train_fast_trains_and_saves_when_the_file_is_missing_then_loads_it(tmp_path, capsys):
    from helpers.models import load_or_train_fast

    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8)
    labels = np.eye(5, dtype="float32")[np.arange(40) % 5]
    path = tmp_path / "base" / "fast.keras"

    trained = load_or_train_fast(path, images, labels, epochs=1)
    assert capsys.readouterr().out == (
        f"{path} does not exist yet: training create_model_fast() with the fast recipe for 1 epochs ...\n"
        f"Trained it and saved it as {path}.\n")
    assert path.is_file() and trained.output.shape == (None, 5)
    assert trained.get_layer("features").output.shape == (None, 128)

    loaded = load_or_train_fast(path, images, labels, epochs=1)
    assert capsys.readouterr().out == f"Loaded {path}.\n"
    np.testing.assert_allclose(loaded.predict(images[:4], verbose=0), trained.predict(images[:4], verbose=0),
                               rtol=1e-5, atol=1e-6)
