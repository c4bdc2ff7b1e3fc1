"""Every dataset the lesson uses, loaded through one download-verify-cache path.

Taught in episode 01 (``load_cifar10``, ``prepare_dataset``) and used from
episode 04 on (``load_pima``).

Where data comes from, first match wins:

1. ``$LESSON_DATA_DIR`` - a folder an instructor hands out for a workshop with
   no Wi-Fi (see ``data/README.md``).
2. The download cache (``$LESSON_CACHE_DIR``, else this checkout's ``data/``
   folder, else ``~/.keras/datasets``).
3. A download from the dataset's canonical source, checked against the
   SHA-256 hash in ``DATASETS`` before it is used.

With ``LESSON_QUICK=1`` the loaders return small, class-balanced,
deterministic subsets, so that the tests run the notebooks in minutes.
"""

import hashlib
import io
import os
import pickle
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

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


# --- settings read from the environment --------------------------------------

def quick_mode():
    """True when LESSON_QUICK asks for the small subsets used by the tests."""
    return os.environ.get("LESSON_QUICK", "").strip().lower() in {"1", "true", "yes"}


def local_data_dir():
    """The folder named by LESSON_DATA_DIR, or None when it is not set."""
    value = os.environ.get("LESSON_DATA_DIR", "").strip()
    return Path(value).expanduser().resolve() if value else None


def cache_dir():
    """Where downloads and decoded arrays are kept between sessions."""
    value = os.environ.get("LESSON_CACHE_DIR", "").strip()
    if value:
        folder = Path(value).expanduser()
    else:
        checkout_data = Path(__file__).resolve().parent.parent / "data"
        if (checkout_data / "README.md").is_file():
            folder = checkout_data
        else:
            folder = Path.home() / ".keras" / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
    folder = local_data_dir()
    if folder is None or not (folder / dataset.filename).is_file():
        return None
    return verify(folder / dataset.filename, dataset)


def fetch(dataset, also_looked_for=()):
    """Path to a verified copy of a registry file: local copy, cache or download.

    ``dataset`` is a ``DatasetFile`` or its name in ``DATASETS``, such as
    ``"pima"``. ``also_looked_for`` names other files the caller searched for,
    so that the error for a learner with no copy lists every option.
    """
    if isinstance(dataset, str):
        if dataset not in DATASETS:
            raise ValueError(f"there is no dataset called {dataset!r}; the lesson's datasets are "
                             f"{', '.join(repr(name) for name in DATASETS)}")
        dataset = DATASETS[dataset]
    local = find_local_copy(dataset)
    if local is not None:
        return local
    cached = cache_dir() / dataset.filename
    if cached.is_file():
        return verify(cached, dataset)
    if dataset.url is None:
        raise _not_available(dataset, f"{dataset.filename} cannot be downloaded", also_looked_for)
    return _download(dataset, cached, also_looked_for)


def _download(dataset, target, also_looked_for):
    import keras  # imported here so that reading a local copy needs no TensorFlow

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
    except Exception as error:  # urllib, ssl and socket errors: no connection
        target.unlink(missing_ok=True)
        raise _not_available(
            dataset, f"downloading {dataset.url} failed: {error}", also_looked_for
        ) from None
    return Path(path)


def _not_available(dataset, reason, also_looked_for=()):
    folder = local_data_dir()
    where = (
        f"LESSON_DATA_DIR is {folder}, which holds none of them"
        if folder is not None
        else "LESSON_DATA_DIR is not set"
    )
    names = ", ".join([dataset.filename, *also_looked_for])
    source = f"download it from {dataset.url}" if dataset.url else "ask your instructor for it"
    return DatasetNotAvailableError(
        f"No copy of the {dataset.name} dataset was found, and {reason}.\n"
        f"Looked for: {names} ({where}).\n"
        f"To fix: connect to the internet and run this again, or {source} and "
        f"set LESSON_DATA_DIR to the folder that holds it (see data/README.md)."
    )


# --- CIFAR-10 ------------------------------------------------------------------

def load_cifar10():
    """Load CIFAR-10 as ``(train_images, train_labels), (test_images, test_labels)``.

    Same shapes and dtypes as ``keras.datasets.cifar10.load_data()``: images
    ``(50000, 32, 32, 3)`` and ``(10000, 32, 32, 3)`` uint8, labels ``(50000, 1)``
    and ``(10000, 1)`` uint8. With LESSON_QUICK=1, a class-balanced subset of
    2,000 training and 500 test images. Taught in episode 01.
    """
    kind, path = _cifar10_source()
    arrays = _load_decoded_cache(kind, path)
    train_images, train_labels, test_images, test_labels = arrays
    if quick_mode():
        train = stratified_subset(train_labels, QUICK_CIFAR10_TRAIN)
        test = stratified_subset(test_labels, QUICK_CIFAR10_TEST)
        train_images, train_labels = train_images[train], train_labels[train]
        test_images, test_labels = test_images[test], test_labels[test]
    return (train_images, train_labels), (test_images, test_labels)


def find_local_cifar10():
    """The offline copy of CIFAR-10 in LESSON_DATA_DIR as ``(kind, path)``, or None.

    ``kind`` is 'pickle-tarball', 'jpeg-tarball' or 'folder', in that order of
    preference. The archives are verified against their hashes (a wrong file
    raises CorruptDatasetError); a folder is only checked for ``train/`` and
    ``test/``. Used by ``load_cifar10`` and by ``python -m helpers.check``.
    """
    official = find_local_copy(DATASETS["cifar10"])
    if official is not None:
        return "pickle-tarball", official
    jpeg = find_local_copy(DATASETS["cifar10-jpeg"])
    if jpeg is not None:
        return "jpeg-tarball", jpeg
    folder = local_data_dir()
    if folder is not None and (folder / "train").is_dir() and (folder / "test").is_dir():
        return "folder", folder
    return None


def _cifar10_source():
    """Which copy of CIFAR-10 to read: ('pickle-tarball' | 'jpeg-tarball' | 'folder', path)."""
    local = find_local_cifar10()
    if local is not None:
        return local
    offline_names = [DATASETS["cifar10-jpeg"].filename, "train/<class>/*.jpg with test/<class>/*.jpg"]
    return "pickle-tarball", fetch(DATASETS["cifar10"], also_looked_for=offline_names)


def _load_decoded_cache(kind, path):
    """Decode a CIFAR-10 copy once, then reuse the arrays saved in the cache."""
    key = _source_key(kind, path)
    cached = cache_dir() / f"cifar10-decoded-{key[:16]}.npz"
    names = ("train_images", "train_labels", "test_images", "test_labels")
    if cached.is_file():
        try:
            with open(cached, "rb") as file, np.load(file) as stored:
                return tuple(stored[name] for name in names)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            cached.unlink()  # a damaged cache, e.g. from an interrupted run: decode again
    print(f"Decoding CIFAR-10 from {path} (once; the arrays are cached in {cached.parent}).")
    readers = {"pickle-tarball": _read_pickle_tarball, "jpeg-tarball": _read_jpeg_tarball,
               "folder": _read_image_folders}
    arrays = readers[kind](path)
    partial = cached.with_suffix(".partial.npz")
    np.savez(partial, **dict(zip(names, arrays)))
    partial.replace(cached)
    return arrays


def _source_key(kind, path):
    """A fingerprint of the source, so that a changed copy is decoded again."""
    if kind != "folder":
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
    import keras
    from sklearn.model_selection import train_test_split

    labels = np.asarray(train_labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"train_labels should hold one class number per image, shape (n,) or (n, 1); "
            f"got shape {np.shape(train_labels)}. If they are already one-hot encoded, "
            f"turn them back with labels.argmax(axis=1)."
        )
    if len(labels) != len(train_images):
        raise ValueError(
            f"There are {len(train_images)} images but {len(labels)} labels; "
            f"pass the images and labels that belong together."
        )
    if labels.min() < 0 or labels.max() >= len(CLASS_NAMES):
        raise ValueError(
            f"Labels should be class numbers from 0 to {len(CLASS_NAMES) - 1}; "
            f"got values from {labels.min()} to {labels.max()}."
        )
    one_hot = keras.utils.to_categorical(labels, num_classes=len(CLASS_NAMES))
    return train_test_split(train_images, one_hot, test_size=0.2, random_state=42)


# --- Pima Indians Diabetes -------------------------------------------------------

def load_pima():
    """Load the Pima diabetes data as ``(features, outcome)``.

    ``features`` is a DataFrame of 768 rows and 8 columns (``PIMA_COLUMNS``),
    ``outcome`` a Series of 0/1 values. With LESSON_QUICK=1, a stratified
    subset of 256 rows. Used in episode 04.
    """
    import pandas as pd

    path = fetch(DATASETS["pima"])
    table = pd.read_csv(path, header=None, names=[*PIMA_COLUMNS, "outcome"])
    if table.shape != (768, 9) or not table["outcome"].isin([0, 1]).all():
        raise CorruptDatasetError(
            f"{path} should have 768 rows of 8 features and a 0/1 outcome; got {table.shape}."
        )
    if quick_mode():
        table = table.iloc[stratified_subset(table["outcome"].to_numpy(), QUICK_PIMA_ROWS)]
        table = table.reset_index(drop=True)
    return table[PIMA_COLUMNS], table["outcome"]


# --- a real photograph ------------------------------------------------------------

def cat_photo_path():
    """Path to the photo of Chelsea the cat (451x300 pixels) that scikit-image ships.

    The lesson bundles no downloaded photos; cats are a CIFAR-10 class, so this
    one serves for looking at pixels (episode 02), filtering with kernels
    (episode 03) and predicting on a real photo (episode 07).
    """
    import skimage.data

    path = Path(skimage.data.data_dir) / "chelsea.png"
    if not path.is_file():
        raise DatasetNotAvailableError(
            f"scikit-image's example photo {path} is missing; reinstall scikit-image "
            f"(pip install --force-reinstall scikit-image)."
        )
    return path
