"""The lesson's settings: every ``LESSON_*`` environment variable, read in one place.

None of them is needed: without them the lesson downloads its data and runs
on the full datasets with interactive widgets. Set them in the shell before
starting Jupyter (``export LESSON_QUICK=1``; in PowerShell
``$env:LESSON_QUICK = "1"``), or in a notebook's first cell with
``os.environ["LESSON_QUICK"] = "1"``. Each is read again every time it is used.

``LESSON_QUICK``
    On: the data loaders return small, class-balanced subsets that are the
    same every time (CIFAR-10: 2,000 training and 500 test images; Pima: 256
    rows), so that the notebooks run in minutes. The tests switch it on.
``LESSON_STATIC_WIDGETS``
    On: the interactive explorers draw still figures instead of sliders. The
    tests and ``scripts/run_notebooks.py`` switch it on, as nothing can show
    widgets there.
``LESSON_DATA_DIR``
    A folder with an offline copy of the datasets, for a workshop without
    Wi-Fi (see ``data/README.md``). ``~`` and relative paths are allowed.
``LESSON_CACHE_DIR``
    Where downloads and decoded CIFAR-10 arrays are kept. By default this
    checkout's ``data/`` folder, or ``~/.keras/datasets`` when ``helpers``
    was installed another way (on Colab, for example).

The two switches, ``LESSON_QUICK`` and ``LESSON_STATIC_WIDGETS``, are on for
``1``, ``true``, ``yes`` or ``on``, and off for ``0``, ``false``, ``no``,
``off``, an empty value, or when they are not set. Case and spaces do not
matter. Any other value is an error (``SettingError``), so that a typo does
not silently switch a setting off.
"""

import os
from pathlib import Path

ON = ("1", "true", "yes", "on")
OFF = ("", "0", "false", "no", "off")


class SettingError(ValueError):
    """A LESSON_* environment variable has a value the lesson does not understand."""


def _switch(name, on_means, off_means):
    """True or False for an on/off variable; SettingError for anything else."""
    value = os.environ.get(name, "")
    if value.strip().lower() in ON:
        return True
    if value.strip().lower() in OFF:
        return False
    raise SettingError(
        f"{name} is {value!r}, which is neither on nor off: set it to 1 ({on_means}) "
        f"or 0 ({off_means}), or unset it."
    )


def quick_mode():
    """True when LESSON_QUICK asks for the small data subsets the tests use."""
    return _switch("LESSON_QUICK", "small subsets for a quick run", "the full data")


def static_widgets():
    """True when LESSON_STATIC_WIDGETS asks for still figures instead of sliders."""
    return _switch("LESSON_STATIC_WIDGETS", "still figures instead of sliders",
                   "sliders where Jupyter can show them")


def data_dir():
    """The folder LESSON_DATA_DIR names, as an absolute path; None when it is unset or blank.

    The folder may not exist: ``helpers.data.data_dir_problem`` says so.
    """
    value = os.environ.get("LESSON_DATA_DIR", "").strip()
    return Path(value).expanduser().resolve() if value else None


def cache_dir():
    """The folder for downloads and decoded arrays. It may not exist yet: nothing is created here."""
    value = os.environ.get("LESSON_CACHE_DIR", "").strip()
    if value:
        return Path(value).expanduser().resolve()
    checkout_data = Path(__file__).resolve().parent.parent / "data"
    if (checkout_data / "README.md").is_file():
        return checkout_data
    return Path.home() / ".keras" / "datasets"
