"""The argument-parsing helpers shared by ``python -m helpers.train`` and ``python -m helpers.check``."""

import argparse
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.cli import LARGEST_SEED, OneLineErrorParser, folder_name, seed_number, whole_number_at_least

CLI_SOURCE = Path(__file__).resolve().parent.parent / "helpers" / "cli.py"


def test_cli_parses_as_python_3_8():
    # helpers.check imports it before it checks the Python version.
    ast.parse(CLI_SOURCE.read_text(), feature_version=(3, 8))


def test_cli_imports_nothing_outside_the_standard_library():
    code = "import sys, helpers.cli; print(sorted(name for name in sys.modules if name.split('.')[0] in " \
           "{'numpy', 'pandas', 'matplotlib', 'tensorflow', 'keras'}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.parametrize("text, expected", [("1", 1), ("32", 32), (" 7 ", 7)])
def test_whole_number_at_least_accepts(text, expected):
    assert whole_number_at_least(1)(text) == expected


@pytest.mark.parametrize("parse, text, message", [
    (whole_number_at_least(1), "0", "must be 1 or more, got 0"),
    (whole_number_at_least(1), "2.5", "expected a whole number, got '2.5'"),
    (whole_number_at_least(32, "one batch"), "8", r"must be 32 \(one batch\) or more, got 8"),
    (seed_number, "-1", "must be 0 or more, got -1"),
    (seed_number, str(LARGEST_SEED + 1), f"must be at most {LARGEST_SEED}, got {LARGEST_SEED + 1}"),
    (folder_name, "  ", "give a folder name"),
])
def test_argument_types_explain_a_bad_value(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse(text)


def test_seed_and_folder_values():
    assert seed_number(str(LARGEST_SEED)) == LARGEST_SEED
    assert folder_name("results/run-1") == Path("results/run-1")


def test_a_bad_command_line_is_one_line_with_status_2(capsys):
    parser = OneLineErrorParser(prog="lesson-command")
    parser.add_argument("--epochs", type=whole_number_at_least(1))
    with pytest.raises(SystemExit) as stopped:
        parser.parse_args(["--epochs", "0"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "lesson-command: error: argument --epochs: must be 1 or more, got 0\n"


def test_help_width_does_not_follow_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # argparse reads the terminal's width from here
    parser = OneLineErrorParser(prog="lesson-command", description="word " * 40)
    assert 70 <= max(len(line) for line in parser.format_help().splitlines()) <= 78
