"""helpers.pretrained: the ImageNet path of episode 08, tested without the internet.

No test downloads anything: where Keras would fetch the weights, its download
function is replaced by one that fails as a download with no network does, or
that hands over a weights file saved here from the same network.
"""

import numpy as np
import pytest

from helpers import pretrained
from helpers.pretrained import MOBILENET_WEIGHTS_FILE, WeightsNotAvailableError, mobilenet_base

# Saving and loading weights makes TensorFlow's variables pass through NumPy's
# old __array__ protocol, which NumPy 2 reports with a DeprecationWarning.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def fail_like_no_internet(filename, origin, *args, **kwargs):
    raise Exception(f"URL fetch failure on {origin}: None -- [Errno -3] Temporary failure in name resolution")


@pytest.fixture
def no_internet(monkeypatch):
    import keras.src.utils.file_utils as file_utils

    monkeypatch.setattr(file_utils, "get_file", fail_like_no_internet)


@pytest.fixture(scope="module")
def saved_weights(tmp_path_factory):
    """The weights of a randomly initialised MobileNetV3Small base, saved as a local file."""
    network = mobilenet_base(image_size=64, weights=None)
    path = tmp_path_factory.mktemp("weights") / "mobilenet.weights.h5"
    network.save_weights(path)
    return network, path


def test_the_base_gives_576_features_per_image(saved_weights):
    network, _ = saved_weights
    assert network.output.shape == (None, pretrained.MOBILENET_FEATURES)
    assert network.input.shape == (None, 64, 64, 3)


def test_a_weights_file_loads_through_the_same_call_the_episode_uses(saved_weights):
    network, path = saved_weights
    loaded = mobilenet_base(image_size=64, weights=str(path))
    for expected, got in zip(network.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(expected, got)
    images = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 3)).astype("uint8")
    np.testing.assert_allclose(network.predict(images, verbose=0), loaded.predict(images, verbose=0), rtol=1e-5)


def test_a_failed_download_is_one_sentence_that_says_what_to_do(no_internet, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    with pytest.raises(WeightsNotAvailableError) as caught:
        mobilenet_base()
    message = str(caught.value)
    assert message.startswith("The ImageNet weights could not be downloaded")
    assert MOBILENET_WEIGHTS_FILE in message and pretrained.MOBILENET_WEIGHTS_URL in message
    assert str(tmp_path / "keras-home" / "models") in message
    assert "USB stick" in message and "weights=" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no chained traceback
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence


def test_the_cache_folder_is_shown_from_the_home_folder(monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    assert "~/.keras/models, where Keras looks for it" in pretrained.weights_advice()


def test_a_missing_weights_file_is_named(tmp_path):
    with pytest.raises(WeightsNotAvailableError, match=f"There is no weights file at {tmp_path / 'absent.h5'}"):
        mobilenet_base(weights=str(tmp_path / "absent.h5"))


def test_other_errors_are_not_hidden(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("something else went wrong")

    import keras.src.utils.file_utils as file_utils

    monkeypatch.setattr(file_utils, "get_file", broken)
    with pytest.raises(ValueError, match="something else went wrong"):
        mobilenet_base()
