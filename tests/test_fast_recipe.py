"""The fast recipe's parts: its NumPy arithmetic (helpers.fast_recipe), and its network, schedule and flip
averaging (helpers.models)."""

import subprocess
import sys

import keras
import numpy as np
import pytest

from helpers.fast_recipe import FAST_PEAK_LEARNING_RATE, image_patches, smoothed_targets, triangular_rate
from helpers.models import (
    EpochProgress,
    TriangularSchedule,
    compile_model_fast,
    create_model_fast,
    fast_schedule,
    patch_whitening_filters,
    predict_with_flips,
)

# Saving a model converts TensorFlow variables with np.array(x, copy=False), which NumPy 2
# flags; the command never shows this warning (it is raised inside keras, not in __main__).
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def correlated_images(count=300, size=10, seed=0):
    """Random images whose neighbouring pixels and channels vary together, as in photos.

    The third channel copies the first, so four of the twelve directions of a
    2x2 patch have no variance at all.
    """
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(count, size + 1, size + 1, 2))
    smooth = noise[:, 1:, 1:] + noise[:, :-1, 1:] + noise[:, 1:, :-1]  # neighbours share noise
    mixed = smooth @ np.array([[1.0, 0.5], [0.2, 2.0]])
    return np.concatenate([mixed, mixed[..., :1]], axis=-1).astype("float32") + 3.0


def conv_outputs(images, filters):
    """What a Conv2D layer with these filters (no bias, no padding) computes, one row per patch."""
    outputs = keras.ops.convert_to_numpy(keras.ops.conv(images, filters, padding="valid"))
    return outputs.reshape(-1, filters.shape[-1])


# --- patch whitening ---------------------------------------------------------------

def test_patch_whitening_filters_have_both_signs_of_each_of_the_twelve_directions():
    filters = patch_whitening_filters(correlated_images())
    assert filters.shape == (2, 2, 3, 24)
    assert filters.dtype == np.float32
    np.testing.assert_array_equal(filters[..., 12:], -filters[..., :12])


def test_whitened_patches_are_uncorrelated_with_unit_variance_where_the_data_varies():
    images = correlated_images()
    whitened = conv_outputs(images, patch_whitening_filters(images))[:, :12]
    covariance = np.cov(whitened, rowvar=False)
    variances = np.sort(np.diag(covariance))
    # Four directions carry no variance (the copied channel); the other eight are whitened.
    np.testing.assert_allclose(variances[:4], 0, atol=1e-3)
    np.testing.assert_allclose(variances[4:], 1, atol=0.01)
    np.testing.assert_allclose(covariance - np.diag(np.diag(covariance)), 0, atol=0.01)
    # Unwhitened, the same patches are far from that: the test can tell the difference.
    raw = np.cov(conv_outputs(images, np.eye(12, dtype="float32").reshape(2, 2, 3, 12)), rowvar=False)
    assert np.abs(raw - np.eye(12)).max() > 1


def test_the_whitening_filters_go_from_the_most_common_direction_to_the_rarest():
    images = correlated_images()
    filters = patch_whitening_filters(images).reshape(12, -1)[:, :12]
    # Each filter is its direction divided by the patches' spread along it, so the rarer the
    # direction, the longer the filter; the four directions without variance come last.
    lengths = np.linalg.norm(filters, axis=0)
    assert (np.diff(lengths) > -1e-4 * lengths.max()).all() and lengths[-1] > 10 * lengths[0]
    patches = image_patches(images)
    whitened = (patches - patches.mean(axis=0)) @ filters
    np.testing.assert_allclose(whitened.std(axis=0)[:8], 1, atol=0.01)


def test_image_patches_are_what_the_convolution_multiplies():
    images = correlated_images(count=5)
    filters = patch_whitening_filters(images)
    np.testing.assert_allclose(image_patches(images) @ filters.reshape(12, -1), conv_outputs(images, filters),
                               rtol=1e-4, atol=1e-4)


def test_smoothed_targets_are_what_keras_label_smoothing_trains_towards():
    rng = np.random.default_rng(3)
    probabilities = rng.dirichlet(np.ones(10), size=4).astype("float32")
    classes = [0, 3, 3, 9]
    by_hand = -np.sum(smoothed_targets(classes, 10, smoothing=0.2) * np.log(probabilities), axis=1)
    loss = keras.losses.CategoricalCrossentropy(label_smoothing=0.2, reduction=None)
    keras_losses = keras.ops.convert_to_numpy(loss(keras.utils.to_categorical(classes, 10), probabilities))
    np.testing.assert_allclose(by_hand, keras_losses, rtol=1e-5)
    np.testing.assert_allclose(smoothed_targets([2], 10, smoothing=0)[0], np.eye(10)[2])


def test_triangular_rate_is_what_the_schedule_callback_sets():
    schedule = TriangularSchedule(peak=0.3, total_steps=50)
    assert [schedule.rate(step) for step in range(50)] == [triangular_rate(step, 50, 0.3) for step in range(50)]
    assert max(triangular_rate(step, 50) for step in range(50)) == pytest.approx(FAST_PEAK_LEARNING_RATE)


def test_patch_whitening_takes_other_patch_sizes_and_integer_images():
    images = (correlated_images(count=50) * 20).clip(0, 255).astype(np.uint8)
    filters = patch_whitening_filters(images, patch_size=3)
    assert filters.shape == (3, 3, 3, 54) and filters.dtype == np.float32


# --- the network ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(1).integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def fast_model(images):
    return create_model_fast(images)


def kinds(model):
    return [type(layer).__name__ for layer in model.layers[1:]]


def test_fast_model_layers(fast_model):
    block = ["Conv2D", "MaxPooling2D", "BatchNormalization", "Activation",
             "Conv2D", "BatchNormalization", "Activation"]
    assert kinds(fast_model) == ["Rescaling", "Conv2D", "Activation", *block * 3,
                                 "GlobalMaxPooling2D", "Dense", "Rescaling", "Activation"]
    convs = [layer for layer in fast_model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [layer.filters for layer in convs] == [24, 64, 64, 128, 128, 128, 128]
    assert all(not layer.use_bias for layer in convs)
    activations = [layer.get_config()["activation"] for layer in fast_model.layers
                   if isinstance(layer, keras.layers.Activation)]
    assert activations == ["relu"] * 7 + ["softmax"]
    assert fast_model.input_shape == (None, 32, 32, 3) and fast_model.output_shape == (None, 10)


def test_the_whitening_layer_holds_the_whitening_filters_and_is_frozen(fast_model, images):
    whitening = fast_model.get_layer("patch_whitening")
    assert whitening.trainable is False
    assert whitening.trainable_weights == []
    expected = patch_whitening_filters(images.astype("float32") / 255)
    np.testing.assert_allclose(whitening.get_weights()[0], expected, rtol=1e-5)


def test_the_fast_model_trains_and_leaves_the_whitening_alone(images):
    model = create_model_fast(images)
    compile_model_fast(model)
    schedule = fast_schedule(total_steps=10)
    whitening_before = model.get_layer("patch_whitening").get_weights()[0]
    dense_before = model.layers[-3].get_weights()[0]
    labels = keras.utils.to_categorical(np.arange(len(images)) % 10, 10)
    history = model.fit(images, labels, batch_size=32, epochs=2, callbacks=[schedule], verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    np.testing.assert_array_equal(model.get_layer("patch_whitening").get_weights()[0], whitening_before)
    assert not np.allclose(model.layers[-3].get_weights()[0], dense_before)
    optimizer = model.optimizer
    assert isinstance(optimizer, keras.optimizers.SGD) and optimizer.nesterov
    assert optimizer.momentum == pytest.approx(0.9)
    assert model.loss.get_config()["label_smoothing"] == pytest.approx(0.2)
    # The schedule set the rate of each step: the last of the 4 steps ran at the rate of step 3.
    assert int(optimizer.iterations) == 4
    assert float(optimizer.learning_rate) == pytest.approx(schedule.rate(3))


# --- the learning-rate schedule ----------------------------------------------------

def test_the_triangular_schedule_rises_then_falls():
    schedule = TriangularSchedule(peak=0.4, total_steps=100, warmup_fraction=0.2)
    rates = [schedule.rate(step) for step in (0, 10, 20, 60, 99, 100, 150)]
    np.testing.assert_allclose(rates, [0.0, 0.2, 0.4, 0.2, 0.4 / 80, 0.0, 0.0], atol=1e-12)


def test_fast_schedule_peaks_at_the_recipe_rate_after_a_fifth_of_the_steps():
    schedule = fast_schedule(total_steps=395)
    rates = np.array([schedule.rate(step) for step in range(395)])
    assert rates.argmax() == 79 and rates.max() == pytest.approx(FAST_PEAK_LEARNING_RATE)
    assert (np.diff(rates[:80]) > 0).all() and (np.diff(rates[79:]) < 0).all()
    assert 0 < rates[-1] < 0.01


@pytest.mark.slow
def test_a_trained_fast_model_loads_where_the_helpers_are_not_imported(tmp_path, images):
    model = create_model_fast(images)
    compile_model_fast(model)
    labels = keras.utils.to_categorical(np.arange(len(images)) % 10, 10)
    model.fit(images, labels, batch_size=32, epochs=1, callbacks=[fast_schedule(2)], verbose=0)
    model.save(tmp_path / "fast.keras")
    code = ("import sys, keras\nmodel = keras.models.load_model(sys.argv[1])\n"
            "print(model.get_layer('patch_whitening').trainable, 'helpers.models' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "fast.keras")],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.stdout.split() == ["False", "False"], result.stderr[-2000:]


# --- flip averaging ------------------------------------------------------------------

def test_flip_averaging_is_the_mean_of_the_image_and_its_mirror_image(fast_model, images):
    averaged = predict_with_flips(fast_model, images, batch_size=16)
    plain = fast_model.predict(images, verbose=0)
    mirrored = fast_model.predict(np.flip(images, axis=2), verbose=0)
    np.testing.assert_allclose(averaged, (plain + mirrored) / 2, atol=1e-6)
    assert not np.allclose(averaged, plain, atol=1e-6)  # the mirror image does count
    np.testing.assert_allclose(averaged.sum(axis=1), 1, atol=1e-5)


# --- progress ------------------------------------------------------------------------

def test_each_epoch_prints_its_time_and_an_estimate_of_the_time_left(monkeypatch, capsys):
    clock = iter([100.0, 130.0, 150.0, 171.0])  # training starts at 100 s; epochs end at 130, 150, 171
    monkeypatch.setattr("helpers.models.time.perf_counter", lambda: next(clock))
    progress = EpochProgress()
    progress.set_params({"epochs": 3})
    progress.on_train_begin()
    for epoch in range(3):
        progress.on_epoch_end(epoch, {"loss": 1.5, "val_categorical_accuracy": 0.25})
    assert capsys.readouterr().out.splitlines() == [
        "Epoch 1/3: 30 s, about 1 min 00 s left - loss 1.5000 - val_categorical_accuracy 0.2500",
        "Epoch 2/3: 20 s, about 20 s left - loss 1.5000 - val_categorical_accuracy 0.2500",
        "Epoch 3/3: 21 s, 1 min 11 s in all - loss 1.5000 - val_categorical_accuracy 0.2500",
    ]
    assert progress.elapsed == [30.0, 50.0, 71.0]
