"""Check that a computer is ready for the lesson, before the workshop starts.

    python -m helpers.check                 # everything; under a minute on a laptop
    python -m helpers.check --skip-timing   # versions, data and device only
    lesson-check                            # the same, as an installed command

Learners run it once after installing the lesson and before episode 01: the
README's "Getting started" section and the instructor notes ask them to, so
that missing packages, blocked downloads and slow laptops show up at home,
not in the first hour of the workshop. It reports, one line per item:

1. the versions of Python, TensorFlow, Keras and ipywidgets, against the
   lesson's minimums;
2. for each dataset the lesson loads (CIFAR-10 and the Pima diabetes CSV),
   whether an offline copy (``LESSON_DATA_DIR``) or an earlier download is
   there and loads, and if not, whether the download works and has a folder
   to go to;
3. the CPU, its cores, the memory and any GPU TensorFlow can use;
4. how long one training epoch of episode 01's model takes here, and from
   that how long the whole lesson's training will take.

It ends with one line per problem, saying what is missing and how to fix it.
Exit status: 0 when everything the lesson needs is there, 1 when something is
missing, 2 for a bad command line. Nothing here downloads a dataset, but a
copy that is found is loaded, so the first load of CIFAR-10 decodes and
caches it here (some seconds, once) instead of in the workshop.

This file must stay importable by old Pythons (3.8 and up), so that it can say
"Python is too old" instead of failing with a syntax error. So must the four
modules it imports first (``helpers.cli``, ``helpers.durations``,
``helpers.error_lines`` and ``helpers.timings``); the rest of the ``helpers``
package is imported only after the Python version has passed.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import platform
import re
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from helpers.cli import OneLineErrorParser, whole_number_at_least
from helpers.durations import rounded_duration
from helpers.error_lines import error_first_line, error_text
from helpers.timings import lesson_seconds, load_timings


def reference_timings():
    """The lesson's reference figures, read from ``helpers/timings.json`` (``helpers.timings``).

    ``python -m scripts.run_notebooks`` writes that file: it times one
    intro-model epoch the way this module does (training steps only), then runs
    every notebook and records the time spent training and in all.
    """
    timings = load_timings()
    return {
        "machine": timings["machine"]["short"],
        "intro_epoch_seconds": timings["intro_epoch_seconds"],  # 40,000 images in batches of 32
        "lesson_training_seconds": lesson_seconds(timings, "training_seconds"),
        "lesson_wall_seconds": lesson_seconds(timings, "seconds"),
    }


REFERENCE = reference_timings()

MINIMUM_PYTHON = (3, 11)
MINIMUM_TENSORFLOW = (2, 16)
MINIMUM_KERAS = (3, 0)
MINIMUM_IPYWIDGETS = (7, 7)  # Colab ships ipywidgets 7

# One epoch in the lesson: the 40,000 training images left after the 20 %
# validation split of CIFAR-10's 50,000, in batches of 32 (episode 01).
LESSON_EPOCH_IMAGES = 40_000
BATCH_SIZE = 32
DEFAULT_TIMING_IMAGES = 8_000
WARM_UP_STEPS = 4

# An epoch this many times slower than on the reference machine gets advice.
SLOW_FACTOR = 4
LOW_MEMORY_BYTES = 4 * 1024**3
PROBE_TIMEOUT_SECONDS = 10

# The datasets the lesson loads, with the names the report uses.
LESSON_DATASETS = {"cifar10": "CIFAR-10", "pima": "Pima diabetes CSV"}

INSTALL_FIX = 'run `pip install -e .` in the lesson folder, or `pip install "tensorflow>=2.16"`'
# What the lesson needs: (key, name, minimum version, how to fix it, needed).
SOFTWARE = [
    ("python", "Python", MINIMUM_PYTHON,
     "install Python 3.11 or 3.12 with the lesson in it: `conda env create -f environment.yml` "
     "in the lesson folder does both (with 3.11); with a Python 3.11 or 3.12 you already have, "
     "run `pip install -e .` in the lesson folder", True),
    ("tensorflow", "TensorFlow", MINIMUM_TENSORFLOW, INSTALL_FIX, True),
    ("keras", "Keras", MINIMUM_KERAS,
     "run `pip install -e .` in the lesson folder, or "
     '`pip install "tensorflow>=2.16" "keras>=3.0"`', True),
    ("ipywidgets", "ipywidgets", MINIMUM_IPYWIDGETS,
     'run `pip install "ipywidgets>=7.7"` (without it the interactive explorers show still '
     "figures instead of sliders)", False),  # nice to have: a warning, not a problem
]

OK, PROBLEM, WARNING, INFO = "ok", "problem", "warning", "info"
MARKERS = {OK: "✓", PROBLEM: "✗", WARNING: "!", INFO: "•"}
ASCII_MARKERS = {OK: "OK  ", PROBLEM: "MISSING", WARNING: "WARN", INFO: "  - "}


@dataclass
class Item:
    """One line of the report.

    ``status`` is OK, PROBLEM (the lesson cannot run: exit status 1), WARNING
    (worth fixing, but the lesson runs) or INFO. ``fix`` is the closing line
    for a problem or warning: what is wrong and how to fix it.
    """

    status: str
    text: str
    fix: str = ""


# --- 1. versions -------------------------------------------------------------------

def parse_version(text):
    """The leading numbers of a version as a tuple: '2.16.0rc1' -> (2, 16, 0); None if none."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(text))
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def meets_minimum(version, minimum):
    """True when a version text is at least ``minimum`` (a tuple such as (2, 16))."""
    parsed = parse_version(version)
    if parsed is None:
        return False
    width = max(len(parsed), len(minimum))
    return parsed + (0,) * (width - len(parsed)) >= tuple(minimum) + (0,) * (width - len(minimum))


def installed_versions():
    """{'python', 'tensorflow', 'keras', 'ipywidgets'}: each a version text, None when
    the package is not installed, or the exception its import raised.

    Imports TensorFlow (quietly), so it takes a few seconds.
    """
    versions = {"python": platform.python_version()}
    try:
        from helpers.quiet import import_tensorflow_quietly

        versions["tensorflow"] = import_tensorflow_quietly().__version__
    except ModuleNotFoundError as error:
        versions["tensorflow"] = None if error.name == "tensorflow" else error
    except Exception as error:  # a broken install: a DLL, numpy or protobuf mismatch
        versions["tensorflow"] = error
    try:
        import keras

        versions["keras"] = keras.__version__
    except ModuleNotFoundError as error:
        versions["keras"] = None if error.name == "keras" else error
    except Exception as error:
        versions["keras"] = error
    # Read from the package's metadata: importing ipywidgets is slow and not needed here.
    from importlib import metadata

    try:
        versions["ipywidgets"] = metadata.version("ipywidgets")
    except metadata.PackageNotFoundError:
        versions["ipywidgets"] = None
    return versions


def check_version(label, version, minimum, fix, needed=True):
    """The report line for one package: ``version`` as ``installed_versions`` gives it.

    A package that is not ``needed`` gives a WARNING, not a PROBLEM, when it is
    missing or too old.
    """
    newer = ".".join(map(str, minimum)) + " or newer"
    wanted = f"needs {newer}" if needed else f"nice to have, {newer}"
    bad = PROBLEM if needed else WARNING
    if isinstance(version, BaseException):
        reason = error_first_line(version)
        return Item(bad, f"{label}: installed, but importing it fails ({reason})",
                    f"{label} is installed but cannot be imported ({reason}): {fix}")
    if version is None:
        return Item(bad, f"{label}: not installed ({wanted})", f"{label} is not installed: {fix}")
    if not meets_minimum(version, minimum):
        return Item(bad, f"{label} {version}: too old ({wanted})",
                    f"{label} {version} is too old, the lesson {'needs' if needed else 'wants'} "
                    f"{newer}: {fix}")
    return Item(OK, f"{label} {version} ({wanted})")


def check_software(versions):
    """The report lines for the packages in ``versions`` (as ``installed_versions`` gives them)."""
    return [check_version(label, versions[key], minimum, fix, needed)
            for key, label, minimum, fix, needed in SOFTWARE if key in versions]


# --- 2. datasets ---------------------------------------------------------------------

def probe_download(url, timeout=PROBE_TIMEOUT_SECONDS):
    """Ask the server for a file's headers, not the file; return its size in bytes or None.

    Sends an HTTP HEAD request, or, for a server that refuses those, a GET of
    the first byte. Certificates are verified as for the real download.
    Raises what urllib raises when the server cannot be reached.
    """
    context = ssl.create_default_context()
    agent = {"User-Agent": "lesson-check (python urllib)"}
    try:
        request = urllib.request.Request(url, method="HEAD", headers=agent)
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            length = response.headers.get("Content-Length")
            return int(length) if length and length.isdigit() else None
    except urllib.error.HTTPError as error:
        error.close()
        if error.code not in (403, 405, 501):
            raise
    request = urllib.request.Request(url, headers={**agent, "Range": "bytes=0-0"})
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
        response.read(1)
        total = response.headers.get("Content-Range", "").rpartition("/")[2]
        return int(total) if total.isdigit() else None


def load_dataset(name):
    """Load a dataset as the notebooks do; say what came back: 'loads: 768 rows'.

    The loader's own messages (CIFAR-10's "Decoding ...") are kept out of the report.
    """
    from helpers import data, settings

    mode = " in quick mode" if settings.quick_mode() else ""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        if name == "cifar10":
            (train_images, _), (test_images, _) = data.load_cifar10()
            return (f"loads{mode}: {len(train_images):,} training and {len(test_images):,} test "
                    f"images")
        features, _ = data.load_pima()
        return f"loads{mode}: {len(features)} rows"


def dataset_status(name):
    """The report line for one dataset of ``LESSON_DATASETS``.

    Loads the copy the notebooks would read, so that a damaged image or a
    missing class shows up now. Only when there is no copy does it try the
    download address with ``probe_download``.
    """
    from helpers import data, settings

    label = LESSON_DATASETS[name]
    try:
        found = data.find_copy(name)
    except Exception as error:  # a damaged or wrong file, or one that may not be read
        return Item(PROBLEM, f"{label}: a damaged or wrong file is in the way",
                    f"{label}: {error_text(error)}")
    if found is None:
        return download_status(name)
    where, path = found
    try:
        loaded = load_dataset(name)
    except Exception as error:  # whatever stops the load here would stop the notebook
        return Item(PROBLEM, f"{label}: {where}: {path}, but it does not load",
                    f"{label}: {error_text(error)}")
    cache = data.cache_problem() if name == "cifar10" else None
    if cache is not None:
        return Item(WARNING, f"{label}: {where}: {path} ({loaded}, but it cannot be cached)",
                    f"{label} loads, but its decoded images cannot be kept, so every load decodes "
                    f"them again (some seconds). {cache}")
    if name == "cifar10":
        loaded += f"; cached in {settings.cache_dir()}, so the notebooks load it fast"
    return Item(OK, f"{label}: {where}: {path} ({loaded})")


def download_status(name):
    """The report line for a dataset that is not here: can the download work?"""
    from helpers import data

    label = LESSON_DATASETS[name]
    problem = data.cache_problem()
    if problem is not None:
        return Item(PROBLEM, f"{label}: no copy here, and a download would have nowhere to go",
                    f"{label} is not here and must be downloaded, but there is nowhere to put "
                    f"it. {problem}")
    try:
        size = probe_download(data.DATASETS[name].url)
    except Exception as error:  # urllib, ssl and socket errors
        what, fix = data.explain_download_failure(error, PROBE_TIMEOUT_SECONDS)  # the loader's own advice
        return Item(PROBLEM, f"{label}: no copy here, and the download fails ({what})",
                    f"{label} is not here and cannot be downloaded ({what}): {fix}, or "
                    f"{data.offline_advice(name)}")
    size_text = f"{format_size(size)}, " if size else ""
    return Item(OK, f"{label}: not downloaded yet; the download works ({size_text}"
                    f"fetched the first time a notebook loads it)")


def check_datasets():
    """The report lines for the lesson's datasets: one each, or one for a setting that is wrong."""
    try:
        importlib.import_module("helpers.data")  # needs numpy
    except ImportError as error:
        reason = error_first_line(error)
        return [Item(PROBLEM, f"Datasets: cannot be checked ({reason})",
                     f"The lesson's packages are not installed ({reason}): {INSTALL_FIX}")]
    from helpers import data, settings

    try:
        problem = data.data_dir_problem()
        settings.quick_mode()
    except settings.SettingError as error:
        problem = str(error)
    if problem is not None:
        return [Item(PROBLEM, f"Datasets: not checked: {problem.split(': ')[0]}", problem)]
    return [dataset_status(name) for name in LESSON_DATASETS]


def format_size(size):
    """Bytes as a short text: 170498071 -> '163 MB'."""
    if size >= 1024**2:
        return f"{size / 1024**2:.0f} MB"
    return f"{max(1, round(size / 1024))} KB"


# --- 3. the device -------------------------------------------------------------------

def cpu_model():
    """The processor's name, as well as the operating system tells it."""
    system = platform.system()
    if system == "Linux":
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
                fields = dict(line.split(":", 1) for line in file if ":" in line)
            for key in ("model name", "Hardware", "Model", "cpu model", "cpu"):
                for field, value in fields.items():
                    if field.strip() == key and value.strip():
                        return value.strip()
        except OSError:
            pass
    elif system == "Darwin":
        name = _sysctl("machdep.cpu.brand_string")
        if name:
            return name
    return platform.processor() or platform.machine() or "unknown processor"


def cpu_cores():
    """How many CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def total_memory_bytes():
    """The computer's memory in bytes, or None where it cannot be read cheaply."""
    system = platform.system()
    try:
        if system == "Linux":
            with open("/proc/meminfo", encoding="ascii", errors="replace") as file:
                for line in file:
                    if line.startswith("MemTotal:"):
                        return int(line.split()[1]) * 1024
        elif system == "Darwin":
            value = _sysctl("hw.memsize")
            return int(value) if value and value.isdigit() else None
        elif system == "Windows":
            return _windows_memory_bytes()
    except (OSError, ValueError):
        pass
    return None


def _sysctl(name):
    try:
        result = subprocess.run(["sysctl", "-n", name], capture_output=True, text=True,
                                timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip()


def _windows_memory_bytes():
    import ctypes

    class MemoryStatus(ctypes.Structure):
        # MEMORYSTATUSEX: two DWORDs, then seven 64-bit sizes.
        _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong)] + [
            (name, ctypes.c_ulonglong) for name in (
                "total_physical", "available_physical", "total_page_file", "available_page_file",
                "total_virtual", "available_virtual", "available_extended")]

    status = MemoryStatus()
    status.length = ctypes.sizeof(MemoryStatus)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
        return None
    return int(status.total_physical)


def list_gpus():
    """Names of the GPUs TensorFlow can use (an empty list for none)."""
    from helpers.quiet import import_tensorflow_quietly

    tf = import_tensorflow_quietly()
    names = []
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            details = tf.config.experimental.get_device_details(gpu)
        except Exception:  # details are a nicety; some plugins do not give them
            details = {}
        names.append(details.get("device_name") or gpu.name)
    return names


def device_info(with_gpus=True):
    """{'cpu', 'cores', 'memory_bytes', 'gpus'}: the computer the lesson will run on.

    ``gpus`` is None when TensorFlow was not asked (``with_gpus=False``).
    """
    return {
        "cpu": cpu_model(),
        "cores": cpu_cores(),
        "memory_bytes": total_memory_bytes(),
        "gpus": list_gpus() if with_gpus else None,
    }


def device_items(info):
    """The report lines for ``device_info``'s answer."""
    cores = info["cores"]
    items = [Item(INFO, f"CPU: {info['cpu']}, {cores} core{'s' if cores != 1 else ''}")]
    memory = info["memory_bytes"]
    if memory is None:
        items.append(Item(INFO, "Memory: unknown"))
    elif memory < LOW_MEMORY_BYTES:
        items.append(Item(WARNING, f"Memory: {memory / 1024**3:.1f} GB, under 4 GB",
                          f"This computer has {memory / 1024**3:.1f} GB of memory; the lesson may "
                          f"run out of it: close other programs while it runs, or use Google Colab"))
    else:
        items.append(Item(INFO, f"Memory: {memory / 1024**3:.1f} GB"))
    gpus = info["gpus"]
    if gpus is None:
        items.append(Item(INFO, "GPU: not checked (fix TensorFlow and Keras first)"))
    elif gpus:
        items.append(Item(INFO, f"GPU: {', '.join(gpus)} (TensorFlow will train on it)"))
    else:
        items.append(Item(INFO, "GPU: none that TensorFlow can use; training runs on the CPU, "
                                "which the lesson is designed for"))
    return items


# --- 4. the time of one epoch ------------------------------------------------------

def compile_intro_model():
    """Episode 01's model, compiled with the optimiser, loss and metric episode 01 teaches."""
    from helpers.lesson import create_model_intro
    from helpers.models import compile_as_taught

    model = create_model_intro()
    compile_as_taught(model)
    return model


def time_intro_epoch(images=DEFAULT_TIMING_IMAGES, batch_size=BATCH_SIZE):
    """Seconds one of the lesson's epochs of the intro model takes on this computer.

    Trains on ``images`` random images (rounded down to whole batches; the
    time does not depend on the pixels, and no dataset is needed), after a
    short warm-up that traces the training step, then scales the time per
    step to an epoch of 40,000 images in batches of 32.
    """
    from helpers.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    import keras
    import numpy as np

    steps = max(1, images // batch_size)
    count = steps * batch_size  # whole batches: a smaller last batch would be traced again
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(count, 32, 32, 3), dtype=np.uint8)
    y = keras.utils.to_categorical(rng.integers(0, 10, size=count), 10)
    keras.utils.set_random_seed(0)
    model = compile_intro_model()
    warm_up = min(count, WARM_UP_STEPS * batch_size)
    model.fit(x[:warm_up], y[:warm_up], epochs=1, batch_size=batch_size, verbose=0)
    started = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)
    seconds_per_step = (time.perf_counter() - started) / steps
    return seconds_per_step * (LESSON_EPOCH_IMAGES / BATCH_SIZE)


def estimate_lesson_time(epoch_seconds, reference=None):
    """Scale the reference timings to this computer's epoch time.

    Returns {'factor', 'training_seconds', 'wall_seconds', 'slow'}: how many
    times slower than the reference machine this one trains, the lesson's
    training time here, the time to run every notebook here, and whether it
    is slow enough for advice. Only training is scaled: the rest of a full
    run (loading data, plotting) is taken as on the reference machine.
    """
    reference = REFERENCE if reference is None else reference
    factor = epoch_seconds / reference["intro_epoch_seconds"]
    training = reference["lesson_training_seconds"] * factor
    other = reference["lesson_wall_seconds"] - reference["lesson_training_seconds"]
    return {"factor": factor, "training_seconds": training, "wall_seconds": training + other,
            "slow": factor >= SLOW_FACTOR}


def timing_items(epoch_seconds, reference=None):
    """The report lines for a measured epoch time, with advice when it is slow."""
    reference = REFERENCE if reference is None else reference
    estimate = estimate_lesson_time(epoch_seconds, reference)
    line = (f"One epoch of the intro model: {epoch_seconds:.1f} s (reference machine: "
            f"{reference['intro_epoch_seconds']:.1f} s) -> the lesson's training will take about "
            f"{rounded_duration(estimate['training_seconds'])} here "
            f"({rounded_duration(reference['lesson_training_seconds'])} on the reference)")
    whole = Item(INFO, f"Running every notebook of the lesson: about "
                       f"{rounded_duration(estimate['wall_seconds'])} here "
                       f"({rounded_duration(reference['lesson_wall_seconds'])} on the reference)")
    if not estimate["slow"]:
        return [Item(OK, line), whole]
    advice = (
        f"Training here is about {estimate['factor']:.0f} times slower than on the reference "
        f"machine: during the workshop skip the optional exercises that train several models "
        f"(episodes 05 to 07), train on a smaller subset (start Jupyter with LESSON_QUICK=1 "
        f"for 2,000 images: faster, lower accuracy), or run the notebooks on Google Colab "
        f"(Runtime > Change runtime type > GPU)"
    )
    return [Item(WARNING, line, advice), whole]


# --- the report ------------------------------------------------------------------------

def markers_for(stream):
    """Check marks where the terminal can show them, plain words where it cannot."""
    try:
        "".join(MARKERS.values()).encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return ASCII_MARKERS
    return MARKERS


def format_item(item, markers):
    return f"  {markers[item.status]} {item.text}"


def summary_lines(items, markers):
    """The closing lines: one per problem and warning, with its fix."""
    problems = [item for item in items if item.status == PROBLEM]
    warnings = [item for item in items if item.status == WARNING]
    lines = []
    if problems:
        lines.append(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} to fix "
                     f"before the workshop:")
        lines += [f"  {markers[PROBLEM]} {item.fix}" for item in problems]
    if warnings:
        lines.append("Worth knowing:")
        lines += [f"  {markers[WARNING]} {item.fix}" for item in warnings]
    if not problems:
        lines.append("All set: this computer has everything the lesson needs.")
    return lines


def build_parser():
    parser = OneLineErrorParser(
        prog="python -m helpers.check",
        description="Check that this computer is ready for the lesson: package versions, "
        "the datasets, the CPU, memory and GPU, and how long training will take here.",
        epilog="Exit status: 0 when everything the lesson needs is there, 1 when something "
        "is missing (the last lines say how to fix it), 2 for a bad command line.",
    )
    parser.add_argument("--timing-images", type=whole_number_at_least(BATCH_SIZE, "one batch"),
                        default=DEFAULT_TIMING_IMAGES,
                        metavar="N", help=f"how many images to time the training on "
                        f"(default {DEFAULT_TIMING_IMAGES:,}; more is more precise, but slower)")
    parser.add_argument("--skip-timing", action="store_true",
                        help="do not time the training (saves up to a minute)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:  # a path with characters the terminal cannot show must not stop the report
        sys.stdout.reconfigure(errors="replace")
    except AttributeError:
        pass
    markers = markers_for(sys.stdout)
    items = []

    def show(title, new_items):
        if title:
            print(title)
        for item in new_items:
            print(format_item(item, markers))
        sys.stdout.flush()
        items.extend(new_items)

    print("Checking this computer for the lesson (python -m helpers.check)", flush=True)
    if sys.version_info < MINIMUM_PYTHON:  # the rest of helpers needs 3.11: stop here
        show("Software", check_software({"python": platform.python_version()}))
        print()
        print("\n".join(summary_lines(items, markers)))
        return 1
    versions = installed_versions()
    software = check_software(versions)
    show("Software", software)
    print("Data")
    print("  ... looking for the datasets, and loading those found as the notebooks will (the "
          "first load of CIFAR-10 decodes and caches it: some seconds, once)", flush=True)
    show(None, check_datasets())
    tensorflow_works = all(item.status == OK for item in software[1:3])
    show("Device", device_items(device_info(with_gpus=tensorflow_works)))
    if args.skip_timing:
        show("Speed", [Item(INFO, "Training time: not measured (--skip-timing)")])
    elif not tensorflow_works:
        show("Speed", [Item(INFO, "Training time: not measured (fix TensorFlow and Keras first)")])
    else:
        print("Speed")
        print(f"  ... training the intro model on {args.timing_images:,} random images",
              flush=True)
        try:
            epoch_seconds = time_intro_epoch(args.timing_images)
        except Exception as error:  # e.g. out of memory: report it, the rest still counts
            reason = error_first_line(error)
            show(None, [Item(PROBLEM, f"Training failed: {reason}",
                           f"Training the intro model failed ({reason}): reinstall with "
                           f"`pip install -e .` in the lesson folder, or ask your instructor")])
        else:
            show(None, timing_items(epoch_seconds))
    print()
    print("\n".join(summary_lines(items, markers)))
    return 1 if any(item.status == PROBLEM for item in items) else 0


if __name__ == "__main__":
    sys.exit(main())
