"""A network trained on ImageNet, for episode 08's online path.

``keras.applications.MobileNetV3Small(weights="imagenet")`` downloads its
weights (a 4 MB file) from Google's storage the first time, and keeps them in
Keras's cache folder afterwards. With no internet and no cached copy the
download fails; ``mobilenet_base`` then raises ``WeightsNotAvailableError``,
whose message says which file is missing, where Keras looks for it and how an
instructor can hand it out. ``weights`` may also be the path of that file.
"""

import contextlib
import io
import os
import warnings
from pathlib import Path

from helpers.quiet import import_keras_quietly

keras = import_keras_quietly()  # TensorFlow first, without its start-up messages: importing this module prints nothing

MOBILENET_WEIGHTS_FILE = "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
MOBILENET_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
                         + MOBILENET_WEIGHTS_FILE)
MOBILENET_FEATURES = 576  # numbers per image after the global average pooling


class WeightsNotAvailableError(RuntimeError):
    """The pretrained weights could neither be downloaded nor found on this computer."""


def keras_cache_folder():
    """The folder where Keras keeps downloaded weights: $KERAS_HOME/models, else ~/.keras/models."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def _shown(folder):
    """The folder as a learner would type it: ~/... when it lies in the home folder."""
    try:
        return "~/" + folder.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(folder)


def weights_advice():
    """One sentence: which file to get, from where, and where to put it."""
    return (f"get the file {MOBILENET_WEIGHTS_FILE} on a computer with internet, from {MOBILENET_WEIGHTS_URL} "
            f"(an instructor can copy it onto a USB stick for the room), and either put it into "
            f"{_shown(keras_cache_folder())}, where Keras looks for it, or pass its path as "
            "mobilenet_base(weights=...)")


def mobilenet_base(image_size=96, weights="imagenet"):
    """MobileNetV3Small without its ImageNet classifier: images of ``image_size`` pixels in, 576 features out.

    The network takes pixel values from 0 to 255 (it rescales them itself) and
    ends with global average pooling. ``weights`` is "imagenet" (downloaded
    once, then read from Keras's cache), the path of a weights file, or None
    for random weights. Raises ``WeightsNotAvailableError`` when the ImageNet
    weights cannot be downloaded or the file does not exist.
    """
    if weights not in ("imagenet", None) and not Path(weights).is_file():
        raise WeightsNotAvailableError(f"There is no weights file at {weights}: {weights_advice()}.")
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            # The ImageNet weights were made at 224 pixels; they work at other sizes, and Keras's
            # warning that says so would only puzzle a learner. "Downloading data from" goes too.
            warnings.filterwarnings("ignore", message=r".*input_shape.*")
            return keras.applications.MobileNetV3Small(
                input_shape=(image_size, image_size, 3), include_top=False, weights=weights, pooling="avg",
                include_preprocessing=True)
    except Exception as error:  # Keras raises a bare Exception when a download fails
        if weights != "imagenet" or "URL fetch failure" not in str(error):
            raise
        raise WeightsNotAvailableError(
            f"The ImageNet weights could not be downloaded (no internet?): {weights_advice()}."
        ) from None
