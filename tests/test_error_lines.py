"""helpers.error_lines: a fault in one line, for every command and check of the lesson."""

import ast
from pathlib import Path

from helpers.error_lines import error_first_line, error_line, error_text, failed_process_line, one_line, os_reason


def test_one_line_joins_lines_and_squeezes_spaces():
    assert one_line("No copy was found.\n  Looked for:  a.csv\n") == "No copy was found. Looked for: a.csv"
    assert one_line(ValueError("a\nb")) == "a b"


def test_an_error_without_a_message_is_named_by_its_type():
    assert error_text(ValueError("the labels\nare text")) == "the labels are text"
    assert error_text(KeyError()) == "KeyError"
    assert error_line(ValueError("the labels\nare text")) == "ValueError: the labels are text"
    assert error_line(RuntimeError()) == "RuntimeError"


def test_the_first_line_is_enough_for_a_long_message():
    error = ImportError("\nFailed to load the native TensorFlow runtime.\nTraceback (most recent call last):\n  ...")
    assert error_first_line(error) == "ImportError: Failed to load the native TensorFlow runtime."
    assert error_first_line(ImportError()) == "ImportError"


def test_os_reason_is_the_systems_words():
    assert os_reason(PermissionError(13, "Permission denied", "/x")) == "Permission denied"
    assert os_reason(OSError("no words of the system")) == "no words of the system"


def test_a_failed_process_joins_its_last_error_and_names_a_killing_signal():
    log = ("Epoch 1/5: 90 s\nWARNING: something harmless\n"
           "python -m helpers.train: error: No copy of the cifar10 dataset was found.\n"
           "Looked for: cifar-10-python.tar.gz\nTo fix: connect to the internet.\n")
    assert failed_process_line(log, 1) == ("python -m helpers.train: error: No copy of the cifar10 dataset "
                                           "was found. Looked for: cifar-10-python.tar.gz To fix: connect "
                                           "to the internet.")
    assert failed_process_line("only this\n", 3) == "only this"
    assert failed_process_line("", 3) == "exit status 3, and it printed nothing"
    assert failed_process_line("", -9) == "killed by SIGKILL (out of memory?)"


def test_it_parses_as_python_3_8():
    # helpers.check imports it before it checks the Python version.
    source = Path(__file__).resolve().parent.parent / "helpers" / "error_lines.py"
    ast.parse(source.read_text(encoding="utf-8"), feature_version=(3, 8))
