"""Tests for helpers.models and for the definitions it re-exports from helpers/lesson.py.

The definitions the notebooks teach are saved from them into helpers/lesson.py
(tests/test_build_notebooks.py checks that the file is current, and
tests/test_episodes.py that the notebooks show what they compute). The tests
here pin what the helpers, the commands and the checks rely on: the intro
and dropout models' layers and sizes, the one compile recipe, the training
command's CNN and the fast network.
"""

import ast
from pathlib import Path

import keras
import numpy as np
import pytest

from helpers import lesson, models
from helpers.lesson import compile_and_train, create_model_dropout, create_model_intro, create_model_pima
from helpers.models import compile_as_taught


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


def test_pima_model_is_12_8_1_with_a_sigmoid_output():
    model = create_model_pima()
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    assert [layer.units for layer in dense] == [12, 8, 1]
    assert [layer.get_config()["activation"] for layer in dense] == ["relu", "relu", "sigmoid"]
    assert model.input_shape == (None, 8) and model.count_params() == 221


# --- the saved definitions and the compile recipe ------------------------------------

def test_helpers_models_re_exports_every_saved_definition():
    """The episodes import the saved definitions from helpers.models: a newly saved one must be added there."""
    tree = ast.parse(Path(lesson.__file__).read_text(encoding="utf-8"))
    saved = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    assert {"create_model_intro", "compile_and_train", "create_model_dropout"} <= set(saved)
    for name in saved:
        assert getattr(models, name, None) is getattr(lesson, name), (
            f"helpers/models.py should import {name} from helpers.lesson")


def compile_settings(model):
    """What a model was compiled with, as Keras serialises it, without the optimiser's numbered name."""
    config = model.get_compile_config()
    del config["optimizer"]["config"]["name"]  # adam, adam_1, ...: one per optimiser made
    return config


def test_compile_and_train_compiles_with_the_recipe_of_compile_as_taught():
    """Episode 03 writes the recipe into compile_and_train; the code outside the notebooks uses compile_as_taught."""
    images = np.zeros((4, 32, 32, 3), dtype=np.uint8)
    labels = np.eye(10, dtype="float32")[:4]
    trained = create_model_intro()
    compile_and_train(trained, images, labels, (images, labels), epochs=1, batch_size=4, verbose=0)
    compiled = create_model_intro()
    compile_as_taught(compiled)
    assert compile_settings(trained) == compile_settings(compiled)
    assert type(compiled.optimizer) is keras.optimizers.Adam
    assert [metric["class_name"] for metric in compile_settings(compiled)["metrics"]] == ["CategoricalAccuracy"]


def test_compile_as_taught_takes_a_learning_rate_schedule_and_steps_per_execution():
    model = create_model_intro()
    compile_as_taught(model, keras.optimizers.schedules.CosineDecay(0.001, 100), steps_per_execution=8)
    assert compile_settings(model)["optimizer"]["config"]["learning_rate"]["class_name"] == "CosineDecay"
    assert model.steps_per_execution == 8


# --- the training command's CNN and the fast network -------------------------------

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
