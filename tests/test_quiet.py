"""Importing any module of the package, first thing in a fresh Python, prints nothing.

TensorFlow's C++ runtime writes start-up notices to stderr when it loads. Every
module that imports keras starts TensorFlow through
``helpers.quiet.import_tensorflow_quietly`` first, so a learner who imports a
helper before anything else sees a clean notebook.
"""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # each test starts a fresh Python

MODULES = ["helpers.models", "helpers.lesson", "helpers.plotting", "helpers.widgets", "helpers.data",
           "helpers.exercises.episode05", "helpers.exercises.episode09", "helpers.train", "helpers.check"]


@pytest.mark.parametrize("module", MODULES)
def test_importing_a_module_first_prints_nothing(module):
    # Importing keras afterwards makes the check fail for modules that load TensorFlow only later.
    code = f"import {module}, keras"
    if module in {"helpers.plotting", "helpers.widgets", "helpers.data", "helpers.train", "helpers.check"}:
        code = f"import {module}"  # these load TensorFlow only when a function needs it
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "" and run.stdout == ""
