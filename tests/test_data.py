"""Tests for helpers.data: the dataset registry, the loaders and prepare_dataset.

Small stand-ins for the datasets are built in tmp_path; the network is never
used (downloads go to file:// URLs or to a closed loopback port). The tests
at the end read the real offline copy (``shared_data_dir``) and decode it once
per session.
"""

import dataclasses
import errno
import hashlib
import io
import os
import pickle
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import helpers.data as data
from helpers.data import (
    CLASS_NAMES,
    DATASETS,
    PIMA_COLUMNS,
    CorruptDatasetError,
    DatasetNotAvailableError,
)
from helpers.settings import SettingError

UNREACHABLE_URL = "http://127.0.0.1:9/cifar-10-python.tar.gz"  # the discard port: nothing listens

# Sizes of the fake official archive: five training batches and one test batch.
FAKE_BATCH_SIZE = 10
FAKE_TRAIN = 5 * FAKE_BATCH_SIZE
FAKE_TEST = 20

# Marker pixels of the first training image, which is otherwise black:
# (plane in the pickle row, row, column, value).
MARKERS = [(0, 0, 1, 201), (1, 2, 3, 102), (2, 31, 30, 53)]

# Sizes of the fake JPEG class-folder tree.
JPEG_TRAIN_PER_CLASS = 3
JPEG_TEST_PER_CLASS = 2


# --- building fake datasets -----------------------------------------------------

def _fake_batch(first_index, count, value_offset):
    """A pickle dict like CIFAR-10's: every image is filled with its own number."""
    rows = np.zeros((count, 3072), dtype=np.uint8)
    for i in range(count):
        rows[i] = (value_offset + first_index + i) % 256
    labels = [(first_index + i) % 10 for i in range(count)]
    return {b"batch_label": b"fake", b"data": rows, b"labels": labels}


def write_fake_cifar_archive(path):
    """Write a small tar.gz laid out like the authors' cifar-10-python.tar.gz.

    Training image k is filled with the value k and has label k % 10, except
    that image 0 is black with the MARKERS set. Test image k is filled with
    100 + k and has label k % 10. The members are stored out of order.
    """
    batches = {
        f"data_batch_{b}": _fake_batch((b - 1) * FAKE_BATCH_SIZE, FAKE_BATCH_SIZE, 0)
        for b in range(1, 6)
    }
    first = batches["data_batch_1"][b"data"]
    first[0] = 0
    for plane, row, column, value in MARKERS:
        first[0, plane * 1024 + row * 32 + column] = value
    batches["test_batch"] = _fake_batch(0, FAKE_TEST, 100)
    batches["batches.meta"] = {b"label_names": [name.encode() for name in CLASS_NAMES]}
    order = ["test_batch", "batches.meta", *[f"data_batch_{b}" for b in range(5, 0, -1)]]
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for name in order:
            content = pickle.dumps(batches[name], protocol=2)
            member = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))
    return path


def sha256_bytes(content):
    return hashlib.sha256(content).hexdigest()


def patch_registry(monkeypatch, key, **changes):
    """Replace one registry entry for this test only; returns the new entry."""
    entry = dataclasses.replace(DATASETS[key], **changes)
    monkeypatch.setitem(DATASETS, key, entry)
    return entry


def class_colour(class_index):
    return (20 * class_index + 10, 250 - 20 * class_index, 128)


def write_jpeg(path, size=(32, 32), colour=(0, 0, 0)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, format="JPEG", quality=95)


def write_jpeg_tree(root):
    """train/<class>/*.jpg and test/<class>/*.jpg, each image one flat class colour."""
    for split, per_class in (("train", JPEG_TRAIN_PER_CLASS), ("test", JPEG_TEST_PER_CLASS)):
        for index, name in enumerate(CLASS_NAMES):
            for i in range(per_class):
                write_jpeg(root / split / name / f"{name}_{i}.jpg", colour=class_colour(index))
    return root


@pytest.fixture
def fake_archive(tmp_path):
    """(path, sha256) of a fake official archive, kept outside the data and cache folders."""
    path = write_fake_cifar_archive(tmp_path / "source" / "cifar-10-python.tar.gz")
    return path, data.sha256_of(path)


@pytest.fixture
def fake_archive_in_data_dir(isolated_data, fake_archive, monkeypatch):
    """The fake archive copied into LESSON_DATA_DIR, with the registry hash patched to it."""
    data_dir, _ = isolated_data
    path, digest = fake_archive
    (data_dir / path.name).write_bytes(path.read_bytes())
    patch_registry(monkeypatch, "cifar10", sha256=digest)
    return data_dir / path.name


@pytest.fixture
def full_mode(monkeypatch):
    monkeypatch.delenv("LESSON_QUICK", raising=False)


def assert_matches_fake(train, test):
    """The arrays decoded from write_fake_cifar_archive have the right shapes and pixels."""
    (train_images, train_labels), (test_images, test_labels) = train, test
    assert train_images.shape == (FAKE_TRAIN, 32, 32, 3)
    assert test_images.shape == (FAKE_TEST, 32, 32, 3)
    assert train_images.dtype == np.uint8 and test_images.dtype == np.uint8
    assert train_labels.shape == (FAKE_TRAIN, 1) and test_labels.shape == (FAKE_TEST, 1)
    assert train_labels.dtype == np.uint8 and test_labels.dtype == np.uint8
    # Batches in order 1..5 whatever their order in the archive; labels stay with images.
    np.testing.assert_array_equal(train_images[:, 5, 5, 0], np.arange(FAKE_TRAIN))
    np.testing.assert_array_equal(train_labels[:, 0], np.arange(FAKE_TRAIN) % 10)
    np.testing.assert_array_equal(test_images[:, 5, 5, 2], 100 + np.arange(FAKE_TEST))
    np.testing.assert_array_equal(test_labels[:, 0], np.arange(FAKE_TEST) % 10)


# --- LESSON_DATA_DIR and the cache folder ------------------------------------------------

def test_settings_are_read_only_through_helpers_settings():
    """One parser: helpers.data keeps no settings functions of its own."""
    for name in ("quick_mode", "local_data_dir", "cache_dir"):
        assert not hasattr(data, name)


def test_data_dir_problem_is_none_when_unset_or_a_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("LESSON_DATA_DIR", raising=False)
    assert data.data_dir_problem() is None
    monkeypatch.setenv("LESSON_DATA_DIR", str(tmp_path))
    assert data.data_dir_problem() is None


def test_lesson_data_dir_that_does_not_exist_is_an_error_at_once(isolated_data, monkeypatch, tmp_path):
    missing = tmp_path / "usb-stick" / "lesson-data"
    monkeypatch.setenv("LESSON_DATA_DIR", str(missing))
    expected = (f"LESSON_DATA_DIR is {missing}, which does not exist: correct the path, "
                f"or unset LESSON_DATA_DIR to download the data instead.")
    assert data.data_dir_problem() == expected
    for load in (data.load_cifar10, data.load_pima, lambda: data.find_copy("pima")):
        with pytest.raises(DatasetNotAvailableError) as caught:
            load()
        assert str(caught.value) == expected
    assert list(isolated_data[1].iterdir()) == []  # nothing was downloaded or written


@pytest.mark.parametrize("filename", ["cifar10-jpeg.tar.gz", "notes.txt"])
def test_lesson_data_dir_naming_a_file_says_which_folder_to_use(isolated_data, monkeypatch, tmp_path, filename):
    """Setting LESSON_DATA_DIR to the tarball itself is a common slip."""
    folder = tmp_path / "workshop"
    folder.mkdir()
    (folder / filename).write_bytes(b"x")
    monkeypatch.setenv("LESSON_DATA_DIR", str(folder / filename))
    expected = (f"LESSON_DATA_DIR names the file {folder / filename}, not a folder: set it to "
                f"the folder that holds that file, {folder}.")
    assert data.data_dir_problem() == expected
    with pytest.raises(DatasetNotAvailableError) as caught:
        data.load_cifar10()
    assert str(caught.value) == expected


def test_cache_problem_is_none_for_a_folder_that_can_be_created_and_creates_nothing(monkeypatch, tmp_path):
    cache = tmp_path / "new" / "cache"
    monkeypatch.setenv("LESSON_CACHE_DIR", str(cache))
    assert data.cache_problem() is None
    assert list(tmp_path.iterdir()) == []


def test_cache_problem_when_the_folder_cannot_be_created(monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    cache = tmp_path / "a-file" / "cache"
    monkeypatch.setenv("LESSON_CACHE_DIR", str(cache))
    assert data.cache_problem() == (f"The cache folder {cache} cannot be created ({tmp_path / 'a-file'} is a "
                                    f"file): set LESSON_CACHE_DIR to a folder you can write to.")


def test_cache_problem_when_the_cache_folder_is_a_file(monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("LESSON_CACHE_DIR", str(tmp_path / "a-file"))
    assert data.cache_problem() == (f"The cache folder {tmp_path / 'a-file'} is a file, not a folder: "
                                    f"set LESSON_CACHE_DIR to a folder you can write to.")


@pytest.fixture
def read_only_cache(isolated_data):
    """The isolated cache folder, made read-only (skipped as root, who may write anyway)."""
    if os.geteuid() == 0:
        pytest.skip("root can write into a read-only folder")
    _, cache = isolated_data
    cache.chmod(0o555)
    yield cache
    cache.chmod(0o755)


def test_cache_problem_when_the_folder_is_read_only(read_only_cache):
    assert data.cache_problem() == (f"The cache folder {read_only_cache} cannot be written to "
                                    f"(Permission denied): set LESSON_CACHE_DIR to a folder you can write to.")


# --- find_copy: where the loader would read a dataset -------------------------------------

def test_find_copy_offline_copy(fake_archive_in_data_dir):
    assert data.find_copy("cifar10") == ("offline copy in LESSON_DATA_DIR", fake_archive_in_data_dir)


def test_find_copy_earlier_download(isolated_data, fake_archive, monkeypatch):
    _, cache = isolated_data
    path, digest = fake_archive
    patch_registry(monkeypatch, "cifar10", sha256=digest)
    (cache / path.name).write_bytes(path.read_bytes())
    assert data.find_copy("cifar10") == ("downloaded earlier", cache / path.name)


def test_find_copy_none_when_a_download_is_needed(isolated_data):
    assert data.find_copy("cifar10") is None
    assert data.find_copy("pima") is None


def test_find_copy_prefers_the_authors_archive_then_jpeg_then_folders(
        fake_archive_in_data_dir, isolated_data, tmp_path, monkeypatch):
    data_dir, _ = isolated_data
    write_jpeg_tree(data_dir)
    jpeg = write_jpeg_archive(write_jpeg_tree(tmp_path / "tree"), data_dir / "cifar10-jpeg.tar.gz")
    patch_registry(monkeypatch, "cifar10-jpeg", sha256=data.sha256_of(jpeg))
    assert data.find_copy("cifar10")[1] == fake_archive_in_data_dir
    fake_archive_in_data_dir.unlink()
    assert data.find_copy("cifar10")[1] == jpeg
    jpeg.unlink()
    assert data.find_copy("cifar10")[1] == data_dir


def test_find_copy_raises_for_a_wrong_file(isolated_data):
    data_dir, _ = isolated_data
    (data_dir / "pima-indians-diabetes.data.csv").write_text("1,2,3\n")
    with pytest.raises(CorruptDatasetError, match=DATASETS["pima"].sha256):
        data.find_copy("pima")


def test_find_copy_of_an_unknown_dataset():
    with pytest.raises(ValueError, match="there is no dataset called 'mnist'"):
        data.find_copy("mnist")


def test_loaders_read_what_find_copy_names(isolated_data, tmp_path, monkeypatch, full_mode):
    """One code path: the loaders read exactly the copy find_copy reports."""
    tree = write_jpeg_tree(tmp_path / "elsewhere")
    asked = []
    monkeypatch.setattr(data, "find_copy", lambda name: asked.append(name) or (data.OFFLINE_COPY, tree))
    check_jpeg_tree_arrays(*data.load_cifar10())
    assert asked == ["cifar10"]


# --- hashes and verification ------------------------------------------------------------

def test_sha256_of_matches_hashlib_across_blocks(tmp_path):
    """A file bigger than the 1 MiB read block hashes like hashlib over its whole content."""
    content = np.random.default_rng(0).integers(0, 256, 2_500_000, dtype=np.uint8).tobytes()
    path = tmp_path / "blob.bin"
    path.write_bytes(content)
    assert data.sha256_of(path) == sha256_bytes(content)
    assert data.sha256_of(str(path)) == sha256_bytes(content)


def test_sha256_of_empty_file(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert data.sha256_of(path) == hashlib.sha256(b"").hexdigest()


def test_verify_returns_path_when_hash_matches(tmp_path):
    path = tmp_path / "file.csv"
    path.write_bytes(b"1,2,3\n")
    entry = dataclasses.replace(DATASETS["pima"], sha256=sha256_bytes(b"1,2,3\n"))
    result = data.verify(str(path), entry)
    assert isinstance(result, Path)
    assert result == path


def test_verify_raises_with_both_hashes_on_mismatch(tmp_path):
    path = tmp_path / "file.csv"
    path.write_bytes(b"something else\n")
    entry = DATASETS["pima"]
    with pytest.raises(CorruptDatasetError) as caught:
        data.verify(path, entry)
    message = str(caught.value)
    assert entry.sha256 in message
    assert sha256_bytes(b"something else\n") in message
    assert str(path) in message


def test_error_classes_fit_standard_handlers():
    """Code that catches FileNotFoundError or ValueError also catches the lesson's errors."""
    assert issubclass(DatasetNotAvailableError, FileNotFoundError)
    assert issubclass(CorruptDatasetError, ValueError)


# --- find_local_copy and fetch --------------------------------------------------------------

def test_find_local_copy_none_without_lesson_data_dir(monkeypatch):
    monkeypatch.delenv("LESSON_DATA_DIR", raising=False)
    assert data.find_local_copy(DATASETS["cifar10"]) is None


def test_find_local_copy_none_when_file_absent(isolated_data):
    assert data.find_local_copy(DATASETS["cifar10"]) is None


def test_find_local_copy_returns_verified_file(fake_archive_in_data_dir):
    assert data.find_local_copy(DATASETS["cifar10"]) == fake_archive_in_data_dir


def test_find_local_copy_rejects_wrong_file(isolated_data):
    data_dir, _ = isolated_data
    (data_dir / "cifar-10-python.tar.gz").write_bytes(b"not the archive")
    with pytest.raises(CorruptDatasetError, match=DATASETS["cifar10"].sha256):
        data.find_local_copy(DATASETS["cifar10"])


def test_fetch_prefers_lesson_data_dir_over_cache(fake_archive_in_data_dir, isolated_data):
    _, cache = isolated_data
    (cache / "cifar-10-python.tar.gz").write_bytes(fake_archive_in_data_dir.read_bytes())
    assert data.fetch(DATASETS["cifar10"]) == fake_archive_in_data_dir


def test_fetch_takes_a_datasets_name(shared_data_dir, monkeypatch):
    monkeypatch.setenv("LESSON_DATA_DIR", str(shared_data_dir))
    assert data.fetch("pima") == data.fetch(DATASETS["pima"]) == shared_data_dir / DATASETS["pima"].filename
    with pytest.raises(ValueError, match="there is no dataset called 'mnist'; the lesson's datasets are 'cifar10'"):
        data.fetch("mnist")


def test_fetch_uses_verified_cache(isolated_data, fake_archive, monkeypatch):
    _, cache = isolated_data
    path, digest = fake_archive
    patch_registry(monkeypatch, "cifar10", sha256=digest, url=UNREACHABLE_URL)
    (cache / path.name).write_bytes(path.read_bytes())
    assert data.fetch(DATASETS["cifar10"]) == cache / path.name


def test_fetch_rejects_damaged_cache(isolated_data, monkeypatch):
    _, cache = isolated_data
    patch_registry(monkeypatch, "cifar10", url=UNREACHABLE_URL)
    (cache / "cifar-10-python.tar.gz").write_bytes(b"half a download")
    with pytest.raises(CorruptDatasetError, match=DATASETS["cifar10"].sha256):
        data.fetch(DATASETS["cifar10"])


def test_fetch_without_url_says_ask_the_instructor(isolated_data):
    with pytest.raises(DatasetNotAvailableError) as caught:
        data.fetch(DATASETS["cifar10-jpeg"])
    message = str(caught.value)
    assert "cifar10-jpeg.tar.gz" in message
    assert "cannot be downloaded" in message
    assert "copy cifar10-jpeg.tar.gz from the offline copy into" in message
    assert "connect to the internet" not in message  # it has no download address
    assert "LESSON_DATA_DIR" in message


def test_fetch_downloads_file_url_into_cache(isolated_data, fake_archive, monkeypatch):
    """A download (here from a file:// URL) lands, verified, in the cache folder."""
    _, cache = isolated_data
    path, digest = fake_archive
    patch_registry(monkeypatch, "cifar10", sha256=digest, url=path.as_uri())
    result = data.fetch(DATASETS["cifar10"])
    assert result == cache / "cifar-10-python.tar.gz"
    assert result.read_bytes() == path.read_bytes()


def test_load_cifar10_reads_downloaded_archive(isolated_data, fake_archive, monkeypatch, full_mode):
    _, cache = isolated_data
    path, digest = fake_archive
    patch_registry(monkeypatch, "cifar10", sha256=digest, url=path.as_uri())
    train, test = data.load_cifar10()
    assert_matches_fake(train, test)
    assert (cache / "cifar-10-python.tar.gz").is_file()


def test_download_with_wrong_hash_is_discarded(isolated_data, fake_archive, monkeypatch):
    _, cache = isolated_data
    path, _ = fake_archive
    wrong = "0" * 64
    patch_registry(monkeypatch, "cifar10", sha256=wrong, url=path.as_uri())
    with pytest.raises(CorruptDatasetError, match=wrong) as caught:
        data.fetch(DATASETS["cifar10"])
    assert caught.value.__suppress_context__ is True  # no keras traceback for learners
    assert not (cache / "cifar-10-python.tar.gz").exists()
    assert list(cache.iterdir()) == []


def test_load_cifar10_offline_without_copy_explains_what_to_do(isolated_data, monkeypatch):
    patch_registry(monkeypatch, "cifar10", url=UNREACHABLE_URL)
    with pytest.raises(DatasetNotAvailableError) as caught:
        data.load_cifar10()
    error = caught.value
    message = str(error)
    for expected in ("LESSON_DATA_DIR", "cifar-10-python.tar.gz", "cifar10-jpeg.tar.gz"):
        assert expected in message
    assert f"from the offline copy into {isolated_data[0]}" in message
    assert "set LESSON_DATA_DIR" not in message  # it is set already
    # keras wraps urllib's error in a plain Exception; the message names what really failed
    assert "failed: no connection (Connection refused)" in message
    assert "Traceback" not in message
    assert error.__suppress_context__ is True
    assert list(isolated_data[1].iterdir()) == []  # no half-download left behind


def test_offline_error_when_lesson_data_dir_not_set(monkeypatch, tmp_path):
    monkeypatch.delenv("LESSON_DATA_DIR", raising=False)
    monkeypatch.setenv("LESSON_CACHE_DIR", str(tmp_path))
    patch_registry(monkeypatch, "cifar10", url=UNREACHABLE_URL)
    with pytest.raises(DatasetNotAvailableError, match="LESSON_DATA_DIR is not set"):
        data.load_cifar10()


# --- load_cifar10 from the official (pickle) archive ----------------------------------------

def test_load_cifar10_decodes_pickle_archive(fake_archive_in_data_dir, full_mode):
    train, test = data.load_cifar10()
    assert_matches_fake(train, test)


def test_load_cifar10_channel_layout(fake_archive_in_data_dir, full_mode):
    """Each pickle row is 1024 red, 1024 green, 1024 blue values, row by row."""
    (train_images, _), _ = data.load_cifar10()
    first = train_images[0]
    for plane, row, column, value in MARKERS:
        assert first[row, column, plane] == value
    # Everything else in the first image is black: no marker landed anywhere else.
    assert np.count_nonzero(first) == len(MARKERS)


def test_load_cifar10_rejects_wrong_official_archive(isolated_data):
    """A wrong file under the official name is reported with the hash it should have."""
    data_dir, _ = isolated_data
    (data_dir / "cifar-10-python.tar.gz").write_bytes(b"this is not CIFAR-10")
    with pytest.raises(CorruptDatasetError) as caught:
        data.load_cifar10()
    assert DATASETS["cifar10"].sha256 in str(caught.value)


@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.9])
def test_truncated_archive_is_corrupt(isolated_data, fake_archive, monkeypatch, fraction):
    data_dir, _ = isolated_data
    content = fake_archive[0].read_bytes()
    truncated = content[: int(len(content) * fraction)]
    (data_dir / "cifar-10-python.tar.gz").write_bytes(truncated)
    patch_registry(monkeypatch, "cifar10", sha256=sha256_bytes(truncated))
    with pytest.raises(CorruptDatasetError, match="could not be read"):
        data.load_cifar10()


def test_archive_missing_a_batch_is_corrupt(isolated_data, monkeypatch):
    data_dir, _ = isolated_data
    path = data_dir / "cifar-10-python.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        content = pickle.dumps(_fake_batch(0, 2, 0), protocol=2)
        member = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        member.size = len(content)
        archive.addfile(member, io.BytesIO(content))
    patch_registry(monkeypatch, "cifar10", sha256=data.sha256_of(path))
    with pytest.raises(CorruptDatasetError, match="test_batch"):
        data.load_cifar10()


def saved_cache_folder(cache):
    """The one folder of decoded arrays in the cache folder (no partial one beside it)."""
    (folder,) = (path for path in cache.iterdir() if path.is_dir())
    assert folder.name.startswith("cifar10-decoded-") and "." not in folder.name
    assert sorted(file.name for file in folder.iterdir()) == sorted(f"{name}.npy" for name in data.DECODED_NAMES)
    return folder


def assert_plain_array(array):
    """An ordinary writable array in memory, as keras.datasets gives, not a view of a cache file."""
    assert type(array) is np.ndarray and array.flags.c_contiguous and array.flags.writeable
    base = array.base
    while base is not None:
        assert type(base) is np.ndarray
        base = base.base


def test_decoded_arrays_are_cached_and_reused(fake_archive_in_data_dir, isolated_data, monkeypatch, full_mode):
    """The first call decodes and saves a folder of .npy files; the second reads it without decoding."""
    _, cache = isolated_data
    first = data.load_cifar10()
    saved = saved_cache_folder(cache)
    assert list(cache.iterdir()) == [saved]  # no partial folder left
    np.testing.assert_array_equal(np.load(saved / "train_images.npy"), first[0][0])

    def must_not_decode(path):
        raise AssertionError(f"decoded {path} again instead of reading the cache")

    for reader in ("_read_pickle_tarball", "_read_jpeg_tarball", "_read_image_folders"):
        monkeypatch.setattr(data, reader, must_not_decode)
    second = data.load_cifar10()
    assert_matches_fake(*second)
    for a, b in zip([*first[0], *first[1]], [*second[0], *second[1]]):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
        assert_plain_array(b)


def test_quick_mode_reads_only_its_rows_from_the_cache(fake_archive_in_data_dir, isolated_data, monkeypatch):
    """Quick mode memory-maps the cache and copies out only the subset; the arrays are the same
    as those it gets from a fresh decode, and the same rows as in the full arrays."""
    monkeypatch.setattr(data, "QUICK_CIFAR10_TRAIN", 20)
    monkeypatch.setattr(data, "QUICK_CIFAR10_TEST", 10)
    from_decoding = data.load_cifar10(quick=True)  # decodes, saves, then takes the subset
    full = data.load_cifar10(quick=False)
    real_load = np.load
    modes = []

    def recording_load(file, *args, **kwargs):
        modes.append(kwargs.get("mmap_mode"))
        return real_load(file, *args, **kwargs)

    monkeypatch.setattr(np, "load", recording_load)
    from_cache = data.load_cifar10(quick=True)
    assert modes == ["r"] * len(data.DECODED_NAMES)
    train = data.stratified_subset(full[0][1], 20)
    test = data.stratified_subset(full[1][1], 10)
    expected = [full[0][0][train], full[0][1][train], full[1][0][test], full[1][1][test]]
    for decoded, cached, rows in zip([*from_decoding[0], *from_decoding[1]],
                                     [*from_cache[0], *from_cache[1]], expected):
        np.testing.assert_array_equal(cached, rows)
        np.testing.assert_array_equal(decoded, rows)
        for array in (decoded, cached):
            assert array.dtype == np.uint8
            assert_plain_array(array)


def test_old_npz_cache_is_ignored_and_kept(fake_archive_in_data_dir, isolated_data, full_mode, capsys):
    """The single .npz file an older version of the lesson saved is neither read nor deleted."""
    _, cache = isolated_data
    old = cache / f"cifar10-decoded-{data._source_key(fake_archive_in_data_dir)[:16]}.npz"
    old.write_bytes(b"an old cache file")
    assert_matches_fake(*data.load_cifar10())
    assert "Decoding CIFAR-10" in capsys.readouterr().out
    assert old.read_bytes() == b"an old cache file"
    saved_cache_folder(cache)


def damage_by_garbage(folder):
    (folder / "train_images.npy").write_bytes(b"garbage that is not an npy file")


def damage_by_truncating(folder):
    """As a full disk leaves a file: its header is fine, its data stops early."""
    file = folder / "train_images.npy"
    file.write_bytes(file.read_bytes()[:1000])


def damage_by_emptying(folder):
    (folder / "test_labels.npy").write_bytes(b"")


def damage_by_removing_a_file(folder):
    (folder / "test_images.npy").unlink()


def damage_by_wrong_shape(folder):
    np.save(folder / "train_labels.npy", np.zeros((FAKE_TRAIN - 1, 1), dtype=np.uint8))


def damage_by_wrong_dtype(folder):
    np.save(folder / "test_images.npy", np.zeros((FAKE_TEST, 32, 32, 3), dtype=np.float32))


@pytest.mark.parametrize("damage", [damage_by_garbage, damage_by_truncating, damage_by_emptying,
                                    damage_by_removing_a_file, damage_by_wrong_shape, damage_by_wrong_dtype])
@pytest.mark.parametrize("quick", [False, True])
def test_damaged_cache_is_decoded_again(fake_archive_in_data_dir, isolated_data, monkeypatch, capsys,
                                        damage, quick):
    """A damaged cache folder is thrown away, the archive decoded again and the cache saved anew."""
    monkeypatch.setattr(data, "QUICK_CIFAR10_TRAIN", 20)
    monkeypatch.setattr(data, "QUICK_CIFAR10_TEST", 10)
    _, cache = isolated_data
    data.load_cifar10(quick=False)
    damage(saved_cache_folder(cache))
    capsys.readouterr()
    (train_images, _), (test_images, _) = data.load_cifar10(quick=quick)
    assert "Decoding CIFAR-10" in capsys.readouterr().out
    assert (len(train_images), len(test_images)) == ((20, 10) if quick else (FAKE_TRAIN, FAKE_TEST))
    saved = saved_cache_folder(cache)
    assert np.load(saved / "train_labels.npy").shape == (FAKE_TRAIN, 1)
    assert_matches_fake(*data.load_cifar10(quick=False))
    assert "Decoding" not in capsys.readouterr().out


def test_damaged_cache_removed_by_another_process_meanwhile(fake_archive_in_data_dir, isolated_data,
                                                           monkeypatch, full_mode):
    """Two processes find the same damaged cache; the other one removes it first."""
    _, cache = isolated_data
    data.load_cifar10()
    saved = saved_cache_folder(cache)
    damage_by_garbage(saved)
    real_load = np.load

    def load_as_the_other_process_removes_it(file, *args, **kwargs):
        shutil.rmtree(saved, ignore_errors=True)
        return real_load(file, *args, **kwargs)

    monkeypatch.setattr(np, "load", load_as_the_other_process_removes_it)
    assert_matches_fake(*data.load_cifar10())


# --- saving the decoded arrays: two processes at once, or a cache that cannot be written ---

@pytest.fixture
def note_not_given_yet(monkeypatch):
    """Forget that this process already said the cache cannot be written, so this test hears it."""
    monkeypatch.setattr(data, "_told_cache_unwritable", False)


def cache_note(folder, reason):
    return (f"Note: the decoded CIFAR-10 arrays could not be saved in {folder} ({reason}), so the "
            f"next load decodes them again; set LESSON_CACHE_DIR to a writable folder to keep them.\n")


def full_disk_save(file, array, **kwargs):
    """Stands in for np.save on a full disk: part of the file is written, then ENOSPC."""
    with open(file, "wb") as out:
        out.write(b"\x93NUMPY" + bytes(1000))
    raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_still_returns_the_arrays_and_says_so_once(
        fake_archive_in_data_dir, isolated_data, monkeypatch, capsys, note_not_given_yet, full_mode):
    _, cache = isolated_data
    monkeypatch.setattr(np, "save", full_disk_save)
    assert_matches_fake(*data.load_cifar10())
    assert_matches_fake(*data.load_cifar10())  # decodes again, without a second note
    out, err = capsys.readouterr()
    assert err == cache_note(cache, "No space left on device")
    assert out.count("Decoding CIFAR-10") == 2
    assert list(cache.iterdir()) == []  # no partial folder left behind


def test_read_only_cache_still_returns_the_arrays(fake_archive_in_data_dir, read_only_cache, capsys,
                                                   note_not_given_yet, full_mode):
    assert_matches_fake(*data.load_cifar10())
    assert capsys.readouterr().err == cache_note(read_only_cache, "Permission denied")
    assert list(read_only_cache.iterdir()) == []


def test_cache_folder_that_cannot_be_created_still_returns_the_arrays(
        fake_archive_in_data_dir, monkeypatch, tmp_path, capsys, note_not_given_yet, full_mode):
    (tmp_path / "a-file").write_text("not a folder")
    cache = tmp_path / "a-file" / "cache"
    monkeypatch.setenv("LESSON_CACHE_DIR", str(cache))
    assert_matches_fake(*data.load_cifar10())
    assert capsys.readouterr().err == cache_note(cache, "Not a directory")


def test_rename_that_fails_for_another_reason_is_a_note(
        fake_archive_in_data_dir, isolated_data, monkeypatch, capsys, note_not_given_yet, full_mode):
    """Only a cache folder saved meanwhile by another process makes a failed rename harmless."""
    _, cache = isolated_data

    def replace_on_a_broken_disk(source, target):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", replace_on_a_broken_disk)
    assert_matches_fake(*data.load_cifar10())
    assert capsys.readouterr().err == cache_note(cache, "Input/output error")
    assert list(cache.iterdir()) == []


def test_download_needed_but_the_cache_folder_cannot_be_created(isolated_data, monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    cache = tmp_path / "a-file" / "cache"
    monkeypatch.setenv("LESSON_CACHE_DIR", str(cache))
    patch_registry(monkeypatch, "cifar10", url=UNREACHABLE_URL)
    with pytest.raises(DatasetNotAvailableError) as caught:
        data.load_cifar10()
    assert str(caught.value) == (
        f"No copy of the cifar10 dataset was found, and there is nowhere to download it to. "
        f"The cache folder {cache} cannot be created ({tmp_path / 'a-file'} is a file): set LESSON_CACHE_DIR "
        f"to a folder you can write to."
    )
    assert caught.value.__context__ is None


def test_a_second_save_before_the_first_is_renamed_breaks_neither(
        fake_archive_in_data_dir, isolated_data, monkeypatch, capsys, note_not_given_yet, full_mode):
    """The interleaving that broke two processes on an empty cache, made to happen every time:
    a second load decodes and saves while the first has written its files but not renamed them."""
    _, cache = isolated_data
    real_save = np.save

    def save_then_another_load(file, array, **kwargs):
        real_save(file, array, **kwargs)
        if Path(file).name == f"{data.DECODED_NAMES[-1]}.npy":  # the last file of the first save
            monkeypatch.setattr(np, "save", real_save)
            assert_matches_fake(*data.load_cifar10())

    monkeypatch.setattr(np, "save", save_then_another_load)
    assert_matches_fake(*data.load_cifar10())
    assert capsys.readouterr().err == ""  # the first save's failed rename is no problem
    saved = saved_cache_folder(cache)
    assert list(cache.iterdir()) == [saved]  # the first save's folder is removed
    assert np.load(saved / "train_images.npy").shape == (FAKE_TRAIN, 32, 32, 3)


RACE = """
import sys, time
from pathlib import Path
from helpers.data import load_cifar10

Path(sys.argv[1]).touch()  # ready
while not Path(sys.argv[2]).exists():  # wait for the other process: both start decoding together
    time.sleep(0.001)
(train_images, _), (test_images, _) = load_cifar10()
print(len(train_images), len(test_images))
"""


@pytest.mark.parametrize("attempt", range(3))
def test_two_processes_decoding_on_an_empty_cache_both_succeed(tmp_path, attempt):
    """Two notebooks (or test workers) loading CIFAR-10 at once on an empty cache."""
    tree = write_jpeg_tree(tmp_path / "tree")
    cache = tmp_path / "cache"
    env = {**os.environ, "LESSON_DATA_DIR": str(tree), "LESSON_CACHE_DIR": str(cache), "LESSON_QUICK": "0"}
    ready = [tmp_path / f"ready-{i}" for i in range(2)]
    go = tmp_path / "go"
    processes = [subprocess.Popen([sys.executable, "-c", RACE, str(flag), str(go)], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for flag in ready]
    while not all(flag.exists() for flag in ready) and all(p.poll() is None for p in processes):
        time.sleep(0.001)
    go.touch()
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert err == ""
        assert out.splitlines()[-1] == f"{10 * JPEG_TRAIN_PER_CLASS} {10 * JPEG_TEST_PER_CLASS}"
    saved = saved_cache_folder(cache)
    assert list(cache.iterdir()) == [saved]  # one valid cache folder, no partial ones
    assert np.load(saved / "train_images.npy").shape == (10 * JPEG_TRAIN_PER_CLASS, 32, 32, 3)


# --- quick mode --------------------------------------------------------------------------------

def test_load_cifar10_quick_mode_takes_balanced_subset(fake_archive_in_data_dir, monkeypatch):
    monkeypatch.setattr(data, "QUICK_CIFAR10_TRAIN", 20)
    monkeypatch.setattr(data, "QUICK_CIFAR10_TEST", 10)
    monkeypatch.setenv("LESSON_QUICK", "1")
    (train_images, train_labels), (test_images, test_labels) = data.load_cifar10()
    assert train_images.shape == (20, 32, 32, 3) and train_labels.shape == (20, 1)
    assert test_images.shape == (10, 32, 32, 3) and test_labels.shape == (10, 1)
    np.testing.assert_array_equal(np.bincount(train_labels[:, 0], minlength=10), [2] * 10)
    np.testing.assert_array_equal(np.bincount(test_labels[:, 0], minlength=10), [1] * 10)
    # Images stay with their labels, in their original order.
    np.testing.assert_array_equal(train_images[:, 5, 5, 0] % 10, train_labels[:, 0])
    assert np.all(np.diff(train_images[:, 5, 5, 0].astype(int)) > 0)

    monkeypatch.delenv("LESSON_QUICK")
    (train_images, _), (test_images, _) = data.load_cifar10()
    assert len(train_images) == FAKE_TRAIN and len(test_images) == FAKE_TEST


def test_quick_keyword_wins_over_lesson_quick(fake_archive_in_data_dir, monkeypatch):
    monkeypatch.setattr(data, "QUICK_CIFAR10_TRAIN", 20)
    monkeypatch.setattr(data, "QUICK_CIFAR10_TEST", 10)
    monkeypatch.setenv("LESSON_QUICK", "0")
    (train_images, _), (test_images, _) = data.load_cifar10(quick=True)
    assert len(train_images) == 20 and len(test_images) == 10
    monkeypatch.setenv("LESSON_QUICK", "1")
    (train_images, _), (test_images, _) = data.load_cifar10(quick=False)
    assert len(train_images) == FAKE_TRAIN and len(test_images) == FAKE_TEST


def test_unclear_lesson_quick_stops_the_load_before_decoding(fake_archive_in_data_dir, isolated_data, monkeypatch):
    monkeypatch.setenv("LESSON_QUICK", "2")
    with pytest.raises(SettingError, match="LESSON_QUICK is '2', which is neither on nor off"):
        data.load_cifar10()
    with pytest.raises(SettingError, match="LESSON_QUICK is '2'"):
        data.load_pima()
    assert list(isolated_data[1].iterdir()) == []


def test_stratified_subset_is_deterministic_and_balanced():
    labels = np.tile(np.arange(10), 50)  # 500 labels, 50 per class
    first = data.stratified_subset(labels, 100)
    second = data.stratified_subset(labels.reshape(-1, 1), 100)
    np.testing.assert_array_equal(first, second)
    assert len(first) == 100
    np.testing.assert_array_equal(np.bincount(labels[first], minlength=10), [10] * 10)


def test_stratified_subset_is_proportional_and_keeps_order():
    rng = np.random.default_rng(1)
    labels = rng.permutation(np.repeat([0, 1, 2], [60, 30, 10]))
    chosen = data.stratified_subset(labels, 20)
    np.testing.assert_array_equal(np.bincount(labels[chosen]), [12, 6, 2])
    assert np.all(np.diff(chosen) > 0)
    for cls in range(3):  # the first images of each class, not a random pick
        expected = np.flatnonzero(labels == cls)[: np.sum(labels[chosen] == cls)]
        np.testing.assert_array_equal(chosen[labels[chosen] == cls], expected)


def test_stratified_subset_gives_rounding_leftovers_to_largest_classes():
    labels = np.array([2, 0, 1, 0, 2, 0, 1, 0, 1, 0])  # 5 of class 0, 3 of class 1, 2 of class 2
    chosen = data.stratified_subset(labels, 5)  # shares 2.5, 1.5 and 1 round down to 2, 1, 1
    np.testing.assert_array_equal(np.bincount(labels[chosen]), [3, 1, 1])


@pytest.mark.parametrize("size", range(1, 10))
def test_stratified_subset_has_exactly_the_size_asked(size):
    labels = np.array([0, 0, 0, 0, 0, 1, 1, 1, 2, 2])
    chosen = data.stratified_subset(labels, size)
    assert len(chosen) == size
    assert len(set(chosen.tolist())) == size


@pytest.mark.parametrize("size", [10, 11, 1000])
def test_stratified_subset_returns_everything_when_size_is_large(size):
    labels = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3])
    np.testing.assert_array_equal(data.stratified_subset(labels, size), np.arange(10))


# --- load_cifar10 from image folders and from the JPEG archive ----------------------------

def check_jpeg_tree_arrays(train, test):
    (train_images, train_labels), (test_images, test_labels) = train, test
    assert train_images.shape == (10 * JPEG_TRAIN_PER_CLASS, 32, 32, 3)
    assert test_images.shape == (10 * JPEG_TEST_PER_CLASS, 32, 32, 3)
    assert train_images.dtype == np.uint8 and train_labels.dtype == np.uint8
    assert train_labels.shape == (10 * JPEG_TRAIN_PER_CLASS, 1)
    assert test_labels.shape == (10 * JPEG_TEST_PER_CLASS, 1)
    np.testing.assert_array_equal(np.bincount(train_labels[:, 0], minlength=10), [JPEG_TRAIN_PER_CLASS] * 10)
    np.testing.assert_array_equal(np.bincount(test_labels[:, 0], minlength=10), [JPEG_TEST_PER_CLASS] * 10)
    # Each image still has its class's colour (JPEG moves flat colours by a few levels at most).
    for images, labels in ((train_images, train_labels), (test_images, test_labels)):
        for image, label in zip(images, labels[:, 0]):
            expected = np.array(class_colour(int(label)))
            assert np.abs(image.reshape(-1, 3).mean(axis=0) - expected).max() < 4


def test_load_cifar10_reads_image_folders(isolated_data, full_mode):
    data_dir, _ = isolated_data
    write_jpeg_tree(data_dir)
    train, test = data.load_cifar10()
    check_jpeg_tree_arrays(train, test)


def test_image_folder_shuffle_is_fixed_and_mixes_classes(isolated_data, monkeypatch, tmp_path, full_mode):
    """Decoding twice gives the same order, and its first images come from many classes."""
    data_dir, _ = isolated_data
    write_jpeg_tree(data_dir)
    (_, first_labels), _ = data.load_cifar10()
    monkeypatch.setenv("LESSON_CACHE_DIR", str(tmp_path / "second-cache"))  # decode again
    (_, second_labels), _ = data.load_cifar10()
    assert list(tmp_path.joinpath("second-cache").glob("cifar10-decoded-*/train_images.npy"))
    np.testing.assert_array_equal(first_labels, second_labels)
    assert len(np.unique(first_labels[:10])) >= 5
    assert not np.all(np.diff(first_labels[:, 0].astype(int)) >= 0)  # not sorted by class


def test_image_folders_ignore_hidden_files(isolated_data, full_mode):
    """Files such as .DS_Store or macOS's ._0000.jpg in a class folder are skipped."""
    data_dir, _ = isolated_data
    write_jpeg_tree(data_dir)
    (data_dir / "train" / "cat" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (data_dir / "test" / "dog" / "._0000.jpg").write_bytes(b"AppleDouble")
    check_jpeg_tree_arrays(*data.load_cifar10())


def test_image_folder_with_unknown_class_is_rejected(isolated_data):
    data_dir, _ = isolated_data
    write_jpeg_tree(data_dir)
    write_jpeg(data_dir / "train" / "unicorn" / "u.jpg")
    with pytest.raises(CorruptDatasetError, match="unicorn"):
        data.load_cifar10()


def test_image_folder_with_wrong_image_size_is_rejected(isolated_data):
    data_dir, _ = isolated_data
    write_jpeg_tree(data_dir)
    write_jpeg(data_dir / "test" / "cat" / "big.jpg", size=(40, 30))
    with pytest.raises(CorruptDatasetError, match="40x30.*32x32"):
        data.load_cifar10()


def test_image_folder_with_unreadable_image_is_rejected(isolated_data):
    data_dir, _ = isolated_data
    write_jpeg_tree(data_dir)
    (data_dir / "train" / "dog" / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(CorruptDatasetError, match="broken.jpg"):
        data.load_cifar10()


def test_image_folder_without_images_is_rejected(isolated_data):
    data_dir, _ = isolated_data
    write_jpeg_tree(data_dir)
    for file in (data_dir / "test").glob("*/*"):
        file.unlink()
    with pytest.raises(CorruptDatasetError, match="no images"):
        data.load_cifar10()


def test_image_folder_missing_a_class_is_rejected(isolated_data):
    data_dir, _ = isolated_data
    write_jpeg_tree(data_dir)
    shutil.rmtree(data_dir / "test" / "frog")
    with pytest.raises(CorruptDatasetError) as caught:
        data.load_cifar10()
    assert str(caught.value) == (
        f"{data_dir / 'test'} has no images of the class frog; CIFAR-10 needs a folder of "
        f"images for each of its ten classes. Copy the offline copy again."
    )


def test_jpeg_archive_missing_classes_is_rejected(isolated_data, tmp_path, monkeypatch):
    data_dir, _ = isolated_data
    tree = write_jpeg_tree(tmp_path / "tree")
    shutil.rmtree(tree / "train" / "horse")
    shutil.rmtree(tree / "train" / "ship")
    archive = write_jpeg_archive(tree, data_dir / "cifar10-jpeg.tar.gz")
    patch_registry(monkeypatch, "cifar10-jpeg", sha256=data.sha256_of(archive))
    with pytest.raises(CorruptDatasetError,
                       match=r"cifar10-jpeg.tar.gz:train has no images of the classes horse, ship;"):
        data.load_cifar10()


def write_jpeg_archive(tree, path):
    with tarfile.open(path, "w:gz") as archive:
        archive.add(tree / "train", arcname="cifar10-jpeg/train")
        archive.add(tree / "test", arcname="cifar10-jpeg/test")
    return path


def test_load_cifar10_reads_jpeg_archive(isolated_data, tmp_path, monkeypatch, full_mode):
    data_dir, _ = isolated_data
    tree = write_jpeg_tree(tmp_path / "tree")
    archive = write_jpeg_archive(tree, data_dir / "cifar10-jpeg.tar.gz")
    patch_registry(monkeypatch, "cifar10-jpeg", sha256=data.sha256_of(archive))
    train, test = data.load_cifar10()
    check_jpeg_tree_arrays(train, test)


def test_jpeg_archive_and_folder_decode_to_the_same_arrays(isolated_data, tmp_path, monkeypatch, full_mode):
    """The fixed shuffle does not depend on the order the files are listed or stored in."""
    data_dir, _ = isolated_data
    tree = write_jpeg_tree(tmp_path / "tree")
    archive_path = data_dir / "cifar10-jpeg.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        for file in sorted(tree.rglob("*.jpg"), reverse=True):  # stored in reverse order
            archive.add(file, arcname=f"cifar10-jpeg/{file.relative_to(tree).as_posix()}")
    patch_registry(monkeypatch, "cifar10-jpeg", sha256=data.sha256_of(archive_path))
    from_archive = data.load_cifar10()

    monkeypatch.setenv("LESSON_DATA_DIR", str(tree))
    monkeypatch.setenv("LESSON_CACHE_DIR", str(tmp_path / "folder-cache"))
    from_folder = data.load_cifar10()
    for a, b in zip([*from_archive[0], *from_archive[1]], [*from_folder[0], *from_folder[1]]):
        np.testing.assert_array_equal(a, b)


def test_jpeg_archive_with_wrong_hash_is_rejected(isolated_data, tmp_path):
    data_dir, _ = isolated_data
    tree = write_jpeg_tree(tmp_path / "tree")
    write_jpeg_archive(tree, data_dir / "cifar10-jpeg.tar.gz")
    with pytest.raises(CorruptDatasetError, match=DATASETS["cifar10-jpeg"].sha256):
        data.load_cifar10()


def test_truncated_jpeg_archive_is_corrupt(isolated_data, tmp_path, monkeypatch):
    data_dir, _ = isolated_data
    tree = write_jpeg_tree(tmp_path / "tree")
    full = write_jpeg_archive(tree, tmp_path / "full.tar.gz").read_bytes()
    truncated = full[: len(full) // 2]
    (data_dir / "cifar10-jpeg.tar.gz").write_bytes(truncated)
    patch_registry(monkeypatch, "cifar10-jpeg", sha256=sha256_bytes(truncated))
    with pytest.raises(CorruptDatasetError):
        data.load_cifar10()


# --- prepare_dataset -----------------------------------------------------------------------

def numbered_images(count):
    """uint8 images whose pixels all hold the image's own index."""
    return np.arange(count, dtype=np.uint8)[:, None, None, None] * np.ones((1, 32, 32, 3), np.uint8)


@pytest.mark.parametrize("label_shape", [(50,), (50, 1)])
def test_prepare_dataset_splits_and_one_hot_encodes(label_shape):
    images = numbered_images(50)
    labels = (np.arange(50) % 10).astype(np.uint8).reshape(label_shape)
    train_images, val_images, train_labels, val_labels = data.prepare_dataset(images, labels)
    assert train_images.shape == (40, 32, 32, 3) and val_images.shape == (10, 32, 32, 3)
    assert train_images.dtype == np.uint8 and val_images.dtype == np.uint8
    assert train_labels.shape == (40, 10) and val_labels.shape == (10, 10)
    assert np.issubdtype(train_labels.dtype, np.floating)
    for split_images, split_labels in ((train_images, train_labels), (val_images, val_labels)):
        np.testing.assert_array_equal(np.sort(split_labels, axis=1)[:, -1], 1)
        np.testing.assert_array_equal(split_labels.sum(axis=1), 1)
        # Each one-hot label still belongs to its image.
        np.testing.assert_array_equal(split_labels.argmax(axis=1), split_images[:, 0, 0, 0] % 10)
    # Together the two parts hold every image exactly once.
    assert sorted([*train_images[:, 0, 0, 0], *val_images[:, 0, 0, 0]]) == list(range(50))


def test_prepare_dataset_split_is_repeatable():
    images = numbered_images(50)
    labels = np.arange(50) % 10
    first = data.prepare_dataset(images, labels)
    second = data.prepare_dataset(images, labels)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    # random_state=42 shuffles: the validation part is not simply the last 20 %.
    assert sorted(first[1][:, 0, 0, 0]) != list(range(40, 50))


def test_prepare_dataset_rejects_one_hot_labels():
    images = numbered_images(20)
    one_hot = np.eye(10)[np.arange(20) % 10]
    with pytest.raises(ValueError, match=r"argmax"):
        data.prepare_dataset(images, one_hot)


@pytest.mark.parametrize("shape", [(20, 2), (20, 1, 1), (2, 10, 1), ()])
def test_prepare_dataset_rejects_other_label_shapes(shape):
    labels = np.zeros(shape, dtype=int)
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, 1\)"):
        data.prepare_dataset(numbered_images(20), labels)


def test_prepare_dataset_rejects_length_mismatch():
    with pytest.raises(ValueError, match="20 images but 19 labels"):
        data.prepare_dataset(numbered_images(20), np.arange(19) % 10)


@pytest.mark.parametrize("bad_value", [10, -1, 255])
def test_prepare_dataset_rejects_out_of_range_labels(bad_value):
    labels = np.arange(20) % 10
    labels[7] = bad_value
    with pytest.raises(ValueError, match="from 0 to 9"):
        data.prepare_dataset(numbered_images(20), labels)


def test_prepare_dataset_rejects_text_labels():
    labels = np.array(["cat", "dog"] * 10)
    with pytest.raises(TypeError) as caught:
        data.prepare_dataset(numbered_images(20), labels)
    assert str(caught.value) == ("train_labels should hold class numbers from 0 to 9; got text such as "
                                 "'cat'. Class names become numbers with CLASS_NAMES.index(name).")


def test_prepare_dataset_rejects_nan_labels():
    labels = (np.arange(20) % 10).astype(float)
    labels[[3, 8]] = np.nan
    with pytest.raises(ValueError, match="train_labels has 2 NaN"):
        data.prepare_dataset(numbered_images(20), labels)


@pytest.mark.parametrize("bad_value", [2.5, 0.1])
def test_prepare_dataset_rejects_labels_that_are_not_whole_numbers(bad_value):
    labels = (np.arange(20) % 10).astype(float)
    labels[5] = bad_value
    with pytest.raises(ValueError, match=f"whole class numbers from 0 to 9; got {bad_value}"):
        data.prepare_dataset(numbered_images(20), labels)


def test_prepare_dataset_takes_whole_float_labels_like_integers():
    labels = np.arange(20) % 10
    from_floats = data.prepare_dataset(numbered_images(20), labels.astype(float))
    from_integers = data.prepare_dataset(numbered_images(20), labels)
    for a, b in zip(from_floats, from_integers):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("count", [0, 1])
def test_prepare_dataset_needs_two_images(count):
    with pytest.raises(ValueError) as caught:
        data.prepare_dataset(numbered_images(count), np.zeros(count, dtype=np.uint8))
    assert str(caught.value) == (f"prepare_dataset needs at least 2 images, to keep some for "
                                 f"validation; got {count}.")


def test_prepare_dataset_rejects_a_single_image():
    with pytest.raises(ValueError) as caught:
        data.prepare_dataset(numbered_images(1)[0], np.array([3]))
    assert str(caught.value) == ("train_images should be a stack of images, shape (n, height, width, "
                                 "channels) such as (50000, 32, 32, 3); got shape (32, 32, 3) (that "
                                 "is one image; pass all of them).")


def test_prepare_dataset_rejects_images_that_are_not_numbers():
    images = np.full((20, 32, 32, 3), "x")
    with pytest.raises(TypeError, match="train_images should hold pixel values"):
        data.prepare_dataset(images, np.arange(20) % 10)


def test_prepare_dataset_warns_about_images_already_scaled_to_0_1():
    images = numbered_images(20).astype("float32") / 255
    with pytest.warns(UserWarning) as caught:
        data.prepare_dataset(images, np.arange(20) % 10)
    [warning] = caught
    assert str(warning.message) == (
        "train_images are floats from 0 to 1, but the lesson's models divide by 255 themselves "
        "(their Rescaling(1/255) layer): pass the uint8 images as loaded."
    )
    assert warning.filename == __file__  # points at the caller's line


def test_prepare_dataset_takes_float_images_from_0_to_255_without_warning():
    images = numbered_images(20).astype("float32") * 10  # up to 190: not scaled to 0-1
    train_images, val_images, _, _ = data.prepare_dataset(images, np.arange(20) % 10)
    assert len(train_images) == 16 and train_images.dtype == np.float32


QUIET = """
from helpers.data import load_cifar10, load_pima, prepare_dataset

(train_images, train_labels), _ = load_cifar10()
prepare_dataset(train_images, train_labels)
load_pima()
print("done")
"""


@pytest.mark.slow
def test_loading_and_preparing_first_thing_prints_nothing_on_stderr(shared_data_dir, real_cifar10_cache):
    """A learner's first cell: no TensorFlow start-up notices (oneDNN, CPU instructions, CUDA)."""
    env = {**os.environ, "LESSON_DATA_DIR": str(shared_data_dir),
           "LESSON_CACHE_DIR": str(real_cifar10_cache), "LESSON_QUICK": "1"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as on a learner's computer
    result = subprocess.run([sys.executable, "-c", QUIET], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == "done\n"


# --- Pima diabetes ---------------------------------------------------------------------------

@pytest.fixture
def pima_from_shared(shared_data_dir, monkeypatch, tmp_path):
    if not (shared_data_dir / DATASETS["pima"].filename).is_file():
        pytest.skip(f"{shared_data_dir} holds no {DATASETS['pima'].filename}")
    monkeypatch.setenv("LESSON_DATA_DIR", str(shared_data_dir))
    monkeypatch.setenv("LESSON_CACHE_DIR", str(tmp_path / "cache"))


def test_load_pima_full(pima_from_shared, full_mode):
    features, outcome = data.load_pima()
    assert features.shape == (768, 8)
    assert list(features.columns) == PIMA_COLUMNS
    assert len(outcome) == 768
    assert set(outcome.unique()) == {0, 1}
    assert outcome.name == "outcome"
    assert features.index.equals(outcome.index)


def test_load_pima_quick_keeps_class_proportions(pima_from_shared, monkeypatch):
    monkeypatch.delenv("LESSON_QUICK", raising=False)
    _, full_outcome = data.load_pima()
    monkeypatch.setenv("LESSON_QUICK", "1")
    features, outcome = data.load_pima()
    assert features.shape == (data.QUICK_PIMA_ROWS, 8) == (256, 8)
    assert len(outcome) == 256
    assert list(features.index) == list(range(256))
    assert abs(outcome.mean() - full_outcome.mean()) < 0.01


def test_load_pima_rejects_csv_with_wrong_hash(isolated_data):
    data_dir, _ = isolated_data
    (data_dir / DATASETS["pima"].filename).write_text("1,2,3,4,5,6,7,8,1\n")
    with pytest.raises(CorruptDatasetError, match=DATASETS["pima"].sha256):
        data.load_pima()


def test_load_pima_rejects_csv_of_wrong_shape(isolated_data, monkeypatch):
    """Even a file whose hash matches must have 768 rows of 8 features and a 0/1 outcome."""
    data_dir, _ = isolated_data
    content = "1,2,3,4,5,6,7,8,1\n" * 10
    (data_dir / DATASETS["pima"].filename).write_text(content)
    patch_registry(monkeypatch, "pima", sha256=sha256_bytes(content.encode()))
    with pytest.raises(CorruptDatasetError, match="768 rows"):
        data.load_pima()


# --- the real offline copy ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def real_cifar10_cache(shared_data_dir, tmp_path_factory):
    """A cache folder holding the real offline copy, decoded once for the whole session."""
    cache = tmp_path_factory.mktemp("real-cifar10-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LESSON_DATA_DIR", str(shared_data_dir))
        patch.setenv("LESSON_CACHE_DIR", str(cache))
        patch.delenv("LESSON_QUICK", raising=False)
        data.load_cifar10()
    return cache


@pytest.fixture
def real_cifar10(shared_data_dir, real_cifar10_cache, monkeypatch):
    monkeypatch.setenv("LESSON_DATA_DIR", str(shared_data_dir))
    monkeypatch.setenv("LESSON_CACHE_DIR", str(real_cifar10_cache))


def test_real_cifar10_full(real_cifar10, full_mode):
    (train_images, train_labels), (test_images, test_labels) = data.load_cifar10()
    assert train_images.shape == (50000, 32, 32, 3) and train_images.dtype == np.uint8
    assert test_images.shape == (10000, 32, 32, 3) and test_images.dtype == np.uint8
    assert train_labels.shape == (50000, 1) and train_labels.dtype == np.uint8
    assert test_labels.shape == (10000, 1) and test_labels.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(train_labels[:, 0], minlength=10), [5000] * 10)
    np.testing.assert_array_equal(np.bincount(test_labels[:, 0], minlength=10), [1000] * 10)
    assert set(np.unique(train_labels[:5000])) == set(range(10))


def test_real_cifar10_quick(real_cifar10, monkeypatch):
    monkeypatch.setenv("LESSON_QUICK", "1")
    (train_images, train_labels), (test_images, test_labels) = data.load_cifar10()
    assert train_images.shape == (2000, 32, 32, 3) and train_labels.shape == (2000, 1)
    assert test_images.shape == (500, 32, 32, 3) and test_labels.shape == (500, 1)
    np.testing.assert_array_equal(np.bincount(train_labels[:, 0], minlength=10), [200] * 10)
    np.testing.assert_array_equal(np.bincount(test_labels[:, 0], minlength=10), [50] * 10)


# --- the cat photo ------------------------------------------------------------------------------

def test_cat_photo_path_is_the_rgb_photo_scikit_image_ships():
    from PIL import Image

    path = data.cat_photo_path()
    assert path.name == "chelsea.png"
    with Image.open(path) as photo:
        assert photo.size == (451, 300) and photo.mode == "RGB"


def test_cat_photo_path_explains_a_missing_photo(monkeypatch, tmp_path):
    import skimage.data

    monkeypatch.setattr(skimage.data, "data_dir", str(tmp_path))
    with pytest.raises(data.DatasetNotAvailableError, match="reinstall scikit-image"):
        data.cat_photo_path()


# --- select_classes (episode 08) -------------------------------------------------

def test_base_and_new_classes_split_cifar10_in_two():
    assert sorted(data.BASE_CLASSES + data.NEW_CLASSES) == sorted(CLASS_NAMES)
    assert not set(data.BASE_CLASSES) & set(data.NEW_CLASSES)


def test_select_classes_renumbers_in_the_order_given_and_keeps_the_first_per_class():
    labels = np.array([[5], [9], [0], [9], [5], [3], [5], [9]], dtype="uint8")
    images = np.arange(len(labels) * 2 * 2 * 3, dtype="uint8").reshape(len(labels), 2, 2, 3)
    chosen, new_labels = data.select_classes(images, labels, ["truck", "dog"], per_class=2)
    # Rows 0, 4 (dog) and 1, 3 (truck), in their original order; truck is class 0, dog class 1.
    np.testing.assert_array_equal(chosen, images[[0, 1, 3, 4]])
    np.testing.assert_array_equal(new_labels, [1, 0, 0, 1])
    assert chosen.dtype == np.uint8 and new_labels.ndim == 1
    every, every_label = data.select_classes(images, labels, ["dog"])
    np.testing.assert_array_equal(every, images[[0, 4, 6]])
    np.testing.assert_array_equal(every_label, [0, 0, 0])


@pytest.mark.parametrize("class_names, per_class, message", [
    (["dog", "wolf"], None, "'wolf' is not a CIFAR-10 class; choose from airplane"),
    (["dog", "dog"], None, "lists a class twice"),
    (["dog"], 4, "per_class=4, but there are only 3 dog images"),
])
def test_select_classes_says_what_is_wrong(class_names, per_class, message):
    labels = np.array([5, 5, 5, 9])
    with pytest.raises(ValueError, match=message):
        data.select_classes(np.zeros((4, 2, 2, 3), dtype="uint8"), labels, class_names, per_class)


def test_select_classes_needs_a_label_per_image():
    with pytest.raises(ValueError, match="There are 3 images but 4 labels"):
        data.select_classes(np.zeros((3, 2, 2, 3), dtype="uint8"), np.array([5, 5, 5, 9]), ["dog"])
