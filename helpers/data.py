"""Every dataset the lesson uses, loaded through one find-verify-cache path.

Taught in episode 01 (``load_cifar10``, ``prepare_dataset``) and used from
episode 04 on (``load_pima``).

Where data comes from, first match wins (``find_copy`` says which):

1. ``$LESSON_DATA_DIR`` - a folder an instructor hands out for a workshop with
   no Wi-Fi (see ``data/README.md``). When it is set, it must name a folder.
2. The download cache (``$LESSON_CACHE_DIR``, else this checkout's ``data/``
   folder, else ``~/.keras/datasets``).
3. A download from the dataset's canonical source, checked against the
   SHA-256 hash in ``DATASETS`` before it is used.

With ``LESSON_QUICK=1`` (or ``quick=True``) the loaders return small,
class-balanced, deterministic subsets, so that the tests run the notebooks in
minutes. ``helpers.settings`` describes every ``LESSON_*`` variable.
"""

import hashlib
import io
import pickle
import shutil
import sys
import tarfile
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from helpers import settings
from helpers.error_lines import error_line, os_reason
from helpers.files import unwritable_reason, write_whole
from helpers.quiet import import_tensorflow_quietly

CLASS_NAMES = [
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
]

# Sizes of the quick-mode subsets (LESSON_QUICK=1).
QUICK_CIFAR10_TRAIN = 2000
QUICK_CIFAR10_TEST = 500
QUICK_PIMA_ROWS = 256

# Seed of the fixed shuffle that mixes the classes of an image-folder copy.
FOLDER_SHUFFLE_SEED = 2009


@dataclass(frozen=True)
class DatasetFile:
    """One file of the registry: what it is called, where it comes from, its hash."""

    name: str
    filename: str
    sha256: str
    url: str | None  # None: the file exists only as an offline copy
    description: str


DATASETS = {
    "cifar10": DatasetFile(
        name="cifar10",
        filename="cifar-10-python.tar.gz",
        sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        description="CIFAR-10 as its authors publish it (the file keras.datasets.cifar10 downloads)",
    ),
    "cifar10-jpeg": DatasetFile(
        name="cifar10-jpeg",
        filename="cifar10-jpeg.tar.gz",
        sha256="d877bdec11f54282b92da36e9f045bd305d663b1223e3822baff39ca9ff6690a",
        url=None,
        description="CIFAR-10 re-encoded as JPEG class folders, for offline workshops",
    ),
    "pima": DatasetFile(
        name="pima",
        filename="pima-indians-diabetes.data.csv",
        sha256="06f5b7c2cd7bca686fda4f92eab5f61e7ff6426a9acefa2e3dda04fc54293cf5",
        url="https://raw.githubusercontent.com/jbrownlee/Datasets/master/pima-indians-diabetes.data.csv",
        description="Pima Indians Diabetes: 768 rows, 8 features and a 0/1 outcome",
    ),
}

PIMA_COLUMNS = [
    "pregnancies", "glucose", "blood_pressure", "skin_thickness",
    "insulin", "bmi", "diabetes_pedigree", "age",
]


class DatasetNotAvailableError(FileNotFoundError):
    """No local copy was found and the download did not work."""


class CorruptDatasetError(ValueError):
    """A dataset file exists but is damaged or is not the expected file."""


# Where find_copy found a dataset.
OFFLINE_COPY = "offline copy in LESSON_DATA_DIR"
EARLIER_DOWNLOAD = "downloaded earlier"

# The arrays of a decoded CIFAR-10 cache folder, one .npy file each.
DECODED_NAMES = ("train_images", "train_labels", "test_images", "test_labels")


# --- the folders: LESSON_DATA_DIR and the cache -------------------------------------

def data_dir_problem():
    """What is wrong with LESSON_DATA_DIR, in one sentence; None when it is unset or a folder."""
    folder = settings.data_dir()
    if folder is None or folder.is_dir():
        return None
    if folder.exists():
        return (f"LESSON_DATA_DIR names the file {folder}, not a folder: set it to the folder "
                f"that holds that file, {folder.parent}.")
    return (f"LESSON_DATA_DIR is {folder}, which does not exist: correct the path, or unset "
            f"LESSON_DATA_DIR to download the data instead.")


def cache_problem():
    """Why downloads and decoded arrays cannot be saved, in one sentence; None when they can.

    Creates nothing: a missing cache folder is fine when it can be created
    (``helpers.files.unwritable_reason`` finds out), and a load creates it.
    """
    folder = settings.cache_dir()
    reason = unwritable_reason(folder)
    if reason is None:
        return None
    return f"The cache folder {folder} {reason}: set LESSON_CACHE_DIR to a folder you can write to."


def _offline_folder():
    """LESSON_DATA_DIR's folder, or None when it is unset; an error when it names no folder."""
    problem = data_dir_problem()
    if problem is not None:
        raise DatasetNotAvailableError(problem)
    return settings.data_dir()


# --- one path to get a verified file -------------------------------------------

def sha256_of(path):
    """The SHA-256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, dataset):
    """Return path if its hash matches the registry, else raise CorruptDatasetError."""
    actual = sha256_of(path)
    if actual != dataset.sha256:
        raise CorruptDatasetError(
            f"{path} is damaged or is not the expected file: its SHA-256 is "
            f"{actual}, but {dataset.filename} should have {dataset.sha256}. "
            f"Delete it and copy or download it again."
        )
    return Path(path)


def find_local_copy(dataset):
    """The verified copy of a registry file in LESSON_DATA_DIR, or None."""
    folder = _offline_folder()
    if folder is None or not (folder / dataset.filename).is_file():
        return None
    return verify(folder / dataset.filename, dataset)


def _earlier_download(dataset):
    """The verified copy of a registry file in the cache folder, or None."""
    cached = settings.cache_dir() / dataset.filename
    return verify(cached, dataset) if cached.is_file() else None


def _local_cifar10():
    """CIFAR-10 in LESSON_DATA_DIR, or None: the authors' archive, else the JPEG archive,
    else a folder with ``train/`` and ``test/`` (only checked when it is decoded)."""
    folder = _offline_folder()
    if folder is None:
        return None
    found = find_local_copy(DATASETS["cifar10"]) or find_local_copy(DATASETS["cifar10-jpeg"])
    if found is None and (folder / "train").is_dir() and (folder / "test").is_dir():
        found = folder
    return found


def offline_names(name):
    """The files an offline copy of a dataset may be, in the order the loader looks for them."""
    if name == "cifar10":
        return [DATASETS["cifar10"].filename, DATASETS["cifar10-jpeg"].filename,
                "train/<class>/*.jpg with test/<class>/*.jpg"]
    return [_registry_entry(name).filename]


def find_copy(name):
    """Where the loader would read a dataset without downloading it.

    ``name`` is "cifar10" or "pima". Returns ``("offline copy in LESSON_DATA_DIR", path)``,
    ``("downloaded earlier", path)``, or None when the loader must download it.
    Raises what the loader would: CorruptDatasetError for a damaged or wrong
    file, DatasetNotAvailableError when LESSON_DATA_DIR names no folder.
    """
    dataset = _registry_entry(name)
    local = _local_cifar10() if dataset.name == "cifar10" else find_local_copy(dataset)
    if local is not None:
        return OFFLINE_COPY, local
    cached = _earlier_download(dataset)
    if cached is not None:
        return EARLIER_DOWNLOAD, cached
    return None


def fetch(dataset, also_looked_for=()):
    """Path to a verified copy of a registry file: local copy, cache or download.

    ``dataset`` is a ``DatasetFile`` or its name in ``DATASETS``, such as
    ``"pima"``. ``also_looked_for`` names other files the caller searched for,
    so that the error for a learner with no copy lists every option.
    """
    dataset = _registry_entry(dataset)
    found = find_local_copy(dataset) or _earlier_download(dataset)
    if found is not None:
        return found
    return _download(dataset, also_looked_for)


def _locate(name):
    """The path a loader reads: where ``find_copy`` says, else a fresh download."""
    found = find_copy(name)
    if found is not None:
        return found[1]
    return _download(DATASETS[name], also_looked_for=offline_names(name)[1:])


def _registry_entry(dataset):
    """A ``DatasetFile`` as it is, or the one called so in ``DATASETS``."""
    if isinstance(dataset, DatasetFile):
        return dataset
    if dataset not in DATASETS:
        raise ValueError(f"there is no dataset called {dataset!r}; the lesson's datasets are "
                         f"{', '.join(repr(name) for name in DATASETS)}")
    return DATASETS[dataset]


def _download(dataset, also_looked_for=()):
    """Download a registry file into the cache folder, checked against its hash."""
    if dataset.url is None:
        raise _not_available(dataset, f"{dataset.filename} cannot be downloaded", also_looked_for, first_fix=None)
    problem = cache_problem()
    if problem is not None:
        raise DatasetNotAvailableError(
            f"No copy of the {dataset.name} dataset was found, and there is nowhere to "
            f"download it to. {problem}"
        )
    import_tensorflow_quietly()  # keras starts TensorFlow, which prints start-up notices
    import keras

    target = settings.cache_dir() / dataset.filename
    try:
        path = keras.utils.get_file(
            fname=dataset.filename,
            origin=dataset.url,
            file_hash=dataset.sha256,
            hash_algorithm="sha256",
            cache_dir=str(target.parent),
            cache_subdir="",
        )
    except ValueError as error:  # keras reports a hash mismatch as ValueError
        target.unlink(missing_ok=True)
        raise CorruptDatasetError(
            f"The download of {dataset.filename} from {dataset.url} did not match its "
            f"SHA-256 hash {dataset.sha256}, so it was discarded ({error}). "
            f"Try again later, or use an offline copy (see data/README.md)."
        ) from None
    except Exception as error:  # urllib, ssl and socket errors, which keras wraps: no connection
        target.unlink(missing_ok=True)
        what, fix = explain_download_failure(error)
        raise _not_available(dataset, f"downloading {dataset.url} failed: {what}", also_looked_for,
                             first_fix=fix) from None
    return Path(path)


CERTIFICATE_FIX = (
    "Python cannot check the server's certificate. With Python from python.org on macOS, "
    'run "Install Certificates.command" in its folder under Applications; elsewhere run '
    "`pip install --upgrade certifi` and set SSL_CERT_FILE to the file `python -m certifi` "
    "prints (on a network that inspects HTTPS, ask its IT staff for their certificate)"
)


def explain_download_failure(error, timeout=None):
    """``(what failed, what to do)`` for an exception raised while downloading.

    Used for the loader's own error and by ``python -m helpers.check``, so both
    give the same advice. Never advises switching certificate checks off.
    """
    import socket
    import ssl
    import urllib.error

    # keras.utils.get_file raises a plain Exception from inside its handler for
    # urllib's error: the error it replaced is the one that says what happened.
    while not isinstance(error, OSError) and error.__context__ is not None:
        error = error.__context__
    if isinstance(error, urllib.error.HTTPError):
        return (f"the server answered HTTP {error.code} {error.reason}",
                "the file may have moved or the server may be down; try again later")
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, ssl.SSLError):  # certificate errors are SSLErrors too
        certificate = "CERTIFICATE" in str(reason).upper()
        return ("SSL certificate verification failed" if certificate else f"SSL error ({reason})",
                CERTIFICATE_FIX)
    if isinstance(reason, socket.gaierror):
        return ("no network: the server's name could not be looked up",
                "connect to the internet and try again")
    if isinstance(reason, (TimeoutError, socket.timeout)):
        waited = f" within {timeout} s" if timeout else ""
        return (f"no answer{waited}", "the network may be slow or block the server; try another network")
    if isinstance(reason, OSError):
        return (f"no connection ({os_reason(reason)})",
                "connect to the internet (or check the proxy settings) and try again")
    return error_line(error), "connect to the internet and try again"


def offline_advice(name):
    """How to get a dataset without this computer's own download, given what LESSON_DATA_DIR is now."""
    dataset = _registry_entry(name)
    names = " or ".join(offline_names(name))
    folder = settings.data_dir()
    if folder is not None:
        return (f"copy {names} from the offline copy into {folder}: LESSON_DATA_DIR names that "
                f"folder, but it holds none of them (see data/README.md)")
    source = f"download {dataset.filename} from {dataset.url} with a browser, or " if dataset.url else ""
    return (f"{source}ask your instructor for the offline copy of the data ({names}), and set "
            f"LESSON_DATA_DIR to the folder that holds it (see data/README.md)")


def _not_available(dataset, reason, also_looked_for=(), first_fix="connect to the internet and run this again"):
    """The loader's error when no copy is here and none can be downloaded: where it looked, what to do."""
    folder = settings.data_dir()
    names = ", ".join([dataset.filename, *also_looked_for])
    where = ("LESSON_DATA_DIR is not set" if folder is None
             else f"LESSON_DATA_DIR is {folder}, which holds none of them")
    fixes = ", or ".join([*([first_fix] if first_fix else []), offline_advice(dataset.name)])
    return DatasetNotAvailableError(
        f"No copy of the {dataset.name} dataset was found, and {reason}.\n"
        f"Looked for: {names} ({where}).\n"
        f"To fix: {fixes}."
    )


# --- CIFAR-10 ------------------------------------------------------------------

def load_cifar10(quick=None):
    """Load CIFAR-10 as ``(train_images, train_labels), (test_images, test_labels)``.

    Same shapes and dtypes as ``keras.datasets.cifar10.load_data()``: images
    ``(50000, 32, 32, 3)`` and ``(10000, 32, 32, 3)`` uint8, labels ``(50000, 1)``
    and ``(10000, 1)`` uint8. With ``quick=True``, a class-balanced subset of
    2,000 training and 500 test images; ``quick=None`` follows LESSON_QUICK.
    Taught in episode 01.
    """
    if quick is None:
        quick = settings.quick_mode()
    path = _locate("cifar10")
    train_images, train_labels, test_images, test_labels = _load_decoded_cache(path, quick)
    return (train_images, train_labels), (test_images, test_labels)


def _quick_subset(train_images, train_labels, test_images, test_labels):
    """The class-balanced quick-mode rows of the four arrays, copied into memory.

    Indexing a memory-mapped array reads only the rows asked for; ``np.array``
    copies them into an ordinary array.
    """
    train = stratified_subset(train_labels, QUICK_CIFAR10_TRAIN)
    test = stratified_subset(test_labels, QUICK_CIFAR10_TEST)
    return (np.array(train_images[train]), np.array(train_labels[train]),
            np.array(test_images[test]), np.array(test_labels[test]))


def _load_decoded_cache(path, quick):
    """Decode a CIFAR-10 copy once, then reuse the arrays saved in the cache folder.

    In quick mode only the rows of the quick subset are read from the cache.
    """
    # One folder of .npy files per source. A cifar10-decoded-*.npz file, the cache
    # of an older version of the lesson, is never read and is left alone.
    cached = settings.cache_dir() / f"cifar10-decoded-{_source_key(path)[:16]}"
    arrays = _read_decoded(cached, quick)
    if arrays is None:
        print(f"Decoding CIFAR-10 from {path} (once; the arrays are cached in {cached.parent}).")
        arrays = _decode_cifar10(path)
        _save_decoded(arrays, cached)
        if quick:
            arrays = _quick_subset(*arrays)
    return arrays


def _read_decoded(cached, quick):
    """The arrays saved in the folder ``cached`` (in quick mode, only the subset's rows).

    None when the folder is missing, or damaged: then it is removed.
    """
    if not cached.is_dir():
        return None
    try:
        arrays = _read_decoded_files(cached, quick)
    except (OSError, ValueError, EOFError):
        arrays = None
    if arrays is None:
        # Damaged, e.g. by a full disk. Another process may remove it at the same
        # time, or the folder may be read-only: decoding again works either way.
        shutil.rmtree(cached, ignore_errors=True)
    return arrays


def _read_decoded_files(cached, quick):
    """Read the .npy files in ``cached``; None when they do not hold decoded CIFAR-10."""
    # With mmap_mode, np.load reads only a file's header; the quick subset then
    # reads only its own rows, never the whole arrays.
    mode = "r" if quick else None
    arrays = [np.load(cached / f"{name}.npy", mmap_mode=mode) for name in DECODED_NAMES]
    train_images, train_labels, test_images, test_labels = arrays
    for images, labels in ((train_images, train_labels), (test_images, test_labels)):
        if not (images.dtype == labels.dtype == np.uint8 and images.ndim == 4
                and images.shape[1:] == (32, 32, 3) and labels.shape == (len(images), 1)):
            return None
    return _quick_subset(*arrays) if quick else tuple(arrays)


_told_cache_unwritable = False  # the note in _save_decoded is given once per process


def _save_decoded(arrays, cached):
    """Save decoded arrays for the next load; when that fails, say so once and go on.

    The .npy files are written into a folder of their own, which then takes
    the name ``cached`` (``helpers.files.write_whole``): two notebooks decoding
    at once never write the same file, nobody reads half a folder, and nothing
    half-written is left behind.
    """
    global _told_cache_unwritable

    def write_arrays(folder):
        folder.mkdir()
        for name, array in zip(DECODED_NAMES, arrays):
            np.save(folder / f"{name}.npy", array)

    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        write_whole(cached, write_arrays)
    except OSError as error:
        # A folder cannot replace a full one (ENOTEMPTY or EEXIST; access denied on
        # Windows). When the cache folder is there, another process saved the same
        # arrays first, which is as good as saving them.
        if not cached.is_dir() and not _told_cache_unwritable:
            _told_cache_unwritable = True
            print(f"Note: the decoded CIFAR-10 arrays could not be saved in {cached.parent} "
                  f"({os_reason(error)}), so the next load decodes them again; set "
                  f"LESSON_CACHE_DIR to a writable folder to keep them.", file=sys.stderr)


def _decode_cifar10(path):
    """Decode an archive or an image folder into the four arrays of ``DECODED_NAMES``."""
    if path.is_dir():
        return _read_image_folders(path)
    if path.name == DATASETS["cifar10-jpeg"].filename:
        return _read_jpeg_tarball(path)
    return _read_pickle_tarball(path)


def _source_key(path):
    """A fingerprint of the source, so that a changed copy is decoded again."""
    if not path.is_dir():
        return sha256_of(path)
    digest = hashlib.sha256()
    for split in ("train", "test"):
        for file in sorted((path / split).glob("*/*")):
            stat = file.stat()
            digest.update(f"{file.relative_to(path)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _read_pickle_tarball(path):
    """Read the authors' archive: five training batches and one test batch."""
    batches = {}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                name = PurePosixPath(member.name).name
                if name.startswith(("data_batch_", "test_batch")):
                    batches[name] = pickle.load(archive.extractfile(member), encoding="bytes")
    except (tarfile.TarError, EOFError, OSError, pickle.UnpicklingError) as error:
        raise CorruptDatasetError(f"{path} could not be read as a CIFAR-10 archive: {error}") from None
    expected = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    missing = [name for name in expected if name not in batches]
    if missing:
        raise CorruptDatasetError(f"{path} is not a complete CIFAR-10 archive: {missing} are missing.")

    def to_arrays(batch_names):
        data = np.concatenate([batches[n][b"data"] for n in batch_names])
        labels = np.concatenate([batches[n][b"labels"] for n in batch_names])
        # Each row holds 1024 red, then 1024 green, then 1024 blue values.
        images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return np.ascontiguousarray(images, dtype=np.uint8), labels.astype(np.uint8).reshape(-1, 1)

    return (*to_arrays(expected[:5]), *to_arrays(expected[5:]))


def _read_jpeg_tarball(path):
    """Read ``train/<class>/*.jpg`` and ``test/<class>/*.jpg`` from a tar.gz."""
    files = {"train": [], "test": []}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if not member.isfile():
                    continue
                parts = PurePosixPath(member.name).parts
                if len(parts) >= 3 and parts[-3] in files and not _is_hidden(parts[-1]):
                    files[parts[-3]].append((parts[-2], parts[-1], archive.extractfile(member).read()))
    except (tarfile.TarError, EOFError, OSError) as error:
        raise CorruptDatasetError(f"{path} could not be read as a tar.gz archive: {error}") from None
    return (*_decode_split(files["train"], f"{path}:train"), *_decode_split(files["test"], f"{path}:test"))


def _read_image_folders(folder):
    """Read ``train/<class>/*`` and ``test/<class>/*`` image files from a folder."""
    arrays = []
    for split in ("train", "test"):
        files = [(f.parent.name, f.name, f) for f in (folder / split).glob("*/*")
                 if f.is_file() and not _is_hidden(f.name)]
        arrays.extend(_decode_split(files, str(folder / split)))
    return tuple(arrays)


def _is_hidden(filename):
    """Files such as .DS_Store or macOS's ._photo.jpg are not images of the dataset."""
    return filename.startswith(".")


def _decode_split(files, where):
    """Decode (class name, file name, bytes or path) items into shuffled arrays."""
    from PIL import Image

    unknown = sorted({cls for cls, _, _ in files} - set(CLASS_NAMES))
    if unknown:
        raise CorruptDatasetError(
            f"{where} has class folders {unknown} that are not CIFAR-10 classes; "
            f"expected folders named {CLASS_NAMES}."
        )
    if not files:
        raise CorruptDatasetError(f"{where} holds no images in <class>/ folders.")
    missing = [cls for cls in CLASS_NAMES if cls not in {cls for cls, _, _ in files}]
    if missing:
        raise CorruptDatasetError(
            f"{where} has no images of the class{'es' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; CIFAR-10 needs a folder of images for each of its ten "
            f"classes. Copy the offline copy again."
        )
    files.sort(key=lambda item: (CLASS_NAMES.index(item[0]), item[1]))
    images = np.empty((len(files), 32, 32, 3), dtype=np.uint8)
    labels = np.empty((len(files), 1), dtype=np.uint8)
    for i, (cls, name, content) in enumerate(files):
        source = io.BytesIO(content) if isinstance(content, bytes) else content
        try:
            with Image.open(source) as image:
                pixels = np.asarray(image.convert("RGB"))
        except (OSError, SyntaxError) as error:
            raise CorruptDatasetError(f"{where}/{cls}/{name} is not a readable image: {error}") from None
        if pixels.shape != (32, 32, 3):
            raise CorruptDatasetError(
                f"{where}/{cls}/{name} is {pixels.shape[1]}x{pixels.shape[0]} pixels; "
                f"CIFAR-10 images are 32x32."
            )
        images[i] = pixels
        labels[i] = CLASS_NAMES.index(cls)
    # Folders are sorted by class; a fixed shuffle makes every prefix mix all classes.
    order = np.random.default_rng(FOLDER_SHUFFLE_SEED).permutation(len(files))
    return images[order], labels[order]


def stratified_subset(labels, size):
    """Indices of a deterministic subset with each class in its original share.

    For CIFAR-10, whose classes are equally common, this is class-balanced.
    The indices keep the original order, so the subset stays shuffled.
    """
    labels = np.asarray(labels).reshape(-1)
    if size >= len(labels):
        return np.arange(len(labels))
    classes, counts = np.unique(labels, return_counts=True)
    shares = np.floor(counts * size / len(labels)).astype(int)
    # Hand out what rounding down left over, largest classes first.
    for i in np.argsort(-counts, kind="stable")[: size - shares.sum()]:
        shares[i] += 1
    chosen = [np.flatnonzero(labels == cls)[:share] for cls, share in zip(classes, shares)]
    return np.sort(np.concatenate(chosen))


# --- preparing images for training ---------------------------------------------

def prepare_dataset(train_images, train_labels):
    """One-hot encode the labels and split off 20 % for validation.

    Returns ``train_images, val_images, train_labels, val_labels``. The images
    stay uint8 (a quarter of the memory of float32): the lesson's models
    start with a ``Rescaling(1/255)`` layer that turns them into float32 in
    [0, 1]. Taught in episode 01; learners write it in episode 02.
    """
    images = np.asarray(train_images)
    labels = _class_numbers(train_labels)
    if images.dtype.kind not in "uif":
        raise TypeError(f"train_images should hold pixel values (numbers); got {images.dtype} values.")
    if images.ndim != 4:
        single = " (that is one image; pass all of them)" if images.ndim == 3 else ""
        raise ValueError(
            f"train_images should be a stack of images, shape (n, height, width, channels) "
            f"such as (50000, 32, 32, 3); got shape {images.shape}{single}."
        )
    if len(labels) != len(images):
        raise ValueError(
            f"There are {len(images)} images but {len(labels)} labels; "
            f"pass the images and labels that belong together."
        )
    if len(images) < 2:
        raise ValueError(
            f"prepare_dataset needs at least 2 images, to keep some for validation; "
            f"got {len(images)}."
        )
    if images.dtype.kind == "f" and images.max() <= 1:
        warnings.warn(
            "train_images are floats from 0 to 1, but the lesson's models divide by 255 "
            "themselves (their Rescaling(1/255) layer): pass the uint8 images as loaded.",
            UserWarning, stacklevel=2,
        )
    import_tensorflow_quietly()  # keras starts TensorFlow, which prints start-up notices
    import keras
    from sklearn.model_selection import train_test_split

    one_hot = keras.utils.to_categorical(labels, num_classes=len(CLASS_NAMES))
    return train_test_split(images, one_hot, test_size=0.2, random_state=42)


def _class_numbers(train_labels):
    """The labels as a 1-D array of whole class numbers from 0 to 9, or an error saying what is wrong."""
    labels = np.asarray(train_labels)
    last = len(CLASS_NAMES) - 1
    if labels.dtype.kind not in "uif":
        text = labels.dtype.kind in "US"
        example = f" such as {labels.ravel()[:1].tolist()[0]!r}" if labels.size else ""
        raise TypeError(
            f"train_labels should hold class numbers from 0 to {last}; got "
            f"{'text' if text else f'{labels.dtype} values'}{example}."
            + (" Class names become numbers with CLASS_NAMES.index(name)." if text else "")
        )
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"train_labels should hold one class number per image, shape (n,) or (n, 1); "
            f"got shape {np.shape(train_labels)}. If they are already one-hot encoded, "
            f"turn them back with labels.argmax(axis=1)."
        )
    if labels.size == 0:
        return labels
    if np.isnan(labels).any():  # only floats can be NaN; for integers this is all False
        raise ValueError(
            f"train_labels has {np.isnan(labels).sum()} NaN (missing) values; every image "
            f"needs a class number from 0 to {last}."
        )
    if labels.min() < 0 or labels.max() > last:
        raise ValueError(
            f"Labels should be class numbers from 0 to {last}; "
            f"got values from {labels.min()} to {labels.max()}."
        )
    fractions = labels[labels != np.round(labels)]
    if fractions.size:
        raise ValueError(
            f"Labels should be whole class numbers from 0 to {last}; got {fractions[0]}."
        )
    return labels.astype(np.int64)


# --- classes for transfer learning (episode 08) ----------------------------------

# Episode 08 pretrains a network on the first five classes and transfers it to the other five.
BASE_CLASSES = ["airplane", "automobile", "bird", "cat", "deer"]
NEW_CLASSES = ["dog", "frog", "horse", "ship", "truck"]


def select_classes(images, labels, class_names, per_class=None):
    """The images of the named classes, with their labels renumbered in the order of ``class_names``.

    Returns ``images, labels``: the labels are class numbers from 0 to
    ``len(class_names) - 1``, one per image, so that a network with one output
    per chosen class can learn them. ``per_class`` keeps only the first that
    many images of each class (all of them when None), in their original
    order. Taught in episode 08.
    """
    unknown = [name for name in class_names if name not in CLASS_NAMES]
    if unknown:
        raise ValueError(f"{', '.join(map(repr, unknown))} is not a CIFAR-10 class; "
                         f"choose from {', '.join(CLASS_NAMES)}.")
    if len(set(class_names)) != len(class_names):
        raise ValueError(f"class_names lists a class twice: {list(class_names)}; name each class once.")
    numbers = _class_numbers(labels)
    if len(numbers) != len(images):
        raise ValueError(f"There are {len(images)} images but {len(numbers)} labels; "
                         f"pass the images and labels that belong together.")
    chosen = []
    for name in class_names:
        rows = np.flatnonzero(numbers == CLASS_NAMES.index(name))
        if per_class is not None:
            if len(rows) < per_class:
                raise ValueError(f"per_class={per_class}, but there are only {len(rows)} {name} images; "
                                 f"ask for {len(rows)} or fewer.")
            rows = rows[:per_class]
        chosen.append(rows)
    rows = np.sort(np.concatenate(chosen))  # keep the original, shuffled order
    new_numbers = {CLASS_NAMES.index(name): number for number, name in enumerate(class_names)}
    new_labels = np.array([new_numbers[label] for label in numbers[rows]], dtype=np.int64)
    return np.asarray(images)[rows], new_labels


# --- Pima Indians Diabetes -------------------------------------------------------

def load_pima(quick=None):
    """Load the Pima diabetes data as ``(features, outcome)``.

    ``features`` is a DataFrame of 768 rows and 8 columns (``PIMA_COLUMNS``),
    ``outcome`` a Series of 0/1 values. With ``quick=True``, a stratified
    subset of 256 rows; ``quick=None`` follows LESSON_QUICK. Used in episode 04.
    """
    if quick is None:
        quick = settings.quick_mode()
    import pandas as pd

    path = _locate("pima")
    table = pd.read_csv(path, header=None, names=[*PIMA_COLUMNS, "outcome"])
    if table.shape != (768, 9) or not table["outcome"].isin([0, 1]).all():
        raise CorruptDatasetError(
            f"{path} should have 768 rows of 8 features and a 0/1 outcome; got {table.shape}."
        )
    if quick:
        table = table.iloc[stratified_subset(table["outcome"].to_numpy(), QUICK_PIMA_ROWS)]
        table = table.reset_index(drop=True)
    return table[PIMA_COLUMNS], table["outcome"]


# --- a real photograph ------------------------------------------------------------

def cat_photo_path():
    """Path to the photo of Chelsea the cat (451x300 pixels) that scikit-image ships.

    The lesson bundles no downloaded photos; cats are a CIFAR-10 class, so this
    one serves for looking at pixels (episode 02), filtering with kernels
    (episode 03) and predicting on a real photo (episode 09).
    """
    import skimage.data

    path = Path(skimage.data.data_dir) / "chelsea.png"
    if not path.is_file():
        raise DatasetNotAvailableError(
            f"scikit-image's example photo {path} is missing; reinstall scikit-image "
            f"(pip install --force-reinstall scikit-image)."
        )
    return path
