"""Shared set-up for the unit tests.

This runs at import time, before anything imports matplotlib or TensorFlow.
"""

import os
from pathlib import Path

import pytest

from helpers.quiet import import_tensorflow_quietly  # imports only the standard library: nothing starts yet

# Plain ``pytest`` also runs the episode notebooks (tests/test_episodes.py), and it
# must run them in quick mode (small, class-balanced data subsets). The kernels it
# starts inherit this process's environment, so setting LESSON_QUICK here covers them
# too; ``setdefault`` leaves a value chosen by the person running the tests alone.
os.environ.setdefault("LESSON_QUICK", "1")

# No widget front end exists in the tests: helpers.widgets draws static figures
# instead of widgets when LESSON_STATIC_WIDGETS is set (the kernels inherit it).
os.environ.setdefault("LESSON_STATIC_WIDGETS", "1")

# pytest runs one worker per core, and each worker's notebook kernels and training
# commands start TensorFlow again. With its default thread pools every such process
# would use every core, and processes competing for the same two cores slow each
# other down far more than one thread each does (quick mode's small batches gain
# little from a second thread anyway). The kernels and commands inherit these.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

# Draw this process's figures off-screen. Deliberately not through MPLBACKEND:
# the notebook kernels would inherit it, and with Agg a notebook's plt.show()
# displays nothing, so the figures that the committed outputs show would be missing.
if not os.environ.get("MPLBACKEND"):
    import matplotlib

    matplotlib.use("Agg")

# Import TensorFlow once, now, with its C++ start-up messages swallowed, so that
# they do not show up in the test log of whichever test imports keras first.
import_tensorflow_quietly()

# Read once at start-up: tests change LESSON_DATA_DIR with monkeypatch, and the
# real offline copy must not depend on which test happens to ask for it first.
_DATA_DIR_FROM_ENVIRONMENT = os.environ.get("LESSON_DATA_DIR", "").strip()
_OFFLINE_ARCHIVE = "cifar10-jpeg.tar.gz"


@pytest.fixture
def isolated_data(tmp_path, monkeypatch):
    """Point LESSON_DATA_DIR and LESSON_CACHE_DIR at two fresh, empty folders.

    Returns ``(data_dir, cache_dir)``. Nothing outside tmp_path is read or written.
    """
    data_dir = tmp_path / "offline-copy"
    cache = tmp_path / "cache"
    data_dir.mkdir()
    cache.mkdir()
    monkeypatch.setenv("LESSON_DATA_DIR", str(data_dir))
    monkeypatch.setenv("LESSON_CACHE_DIR", str(cache))
    return data_dir, cache


@pytest.fixture(scope="session")
def shared_data_dir():
    """The real offline copy of the datasets (the folder an instructor hands out).

    LESSON_DATA_DIR when it is set (CI sets it), else ``shared/data`` next to
    this checkout. Skips the test when that folder lacks the CIFAR-10 archive.
    """
    if _DATA_DIR_FROM_ENVIRONMENT:
        folder = Path(_DATA_DIR_FROM_ENVIRONMENT).expanduser().resolve()
    else:
        folder = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (folder / _OFFLINE_ARCHIVE).is_file():
        pytest.skip(
            f"no offline copy of the lesson data: {folder / _OFFLINE_ARCHIVE} does not "
            f"exist; set LESSON_DATA_DIR to the folder that holds {_OFFLINE_ARCHIVE}"
        )
    return folder
