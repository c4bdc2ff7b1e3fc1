"""What went wrong, in one readable line: an exception, or the output of a process that failed.

The lesson's commands and checks report every fault they expect in one line;
these functions give the words of that line, so that all of them say it the
same way. ``helpers.check`` imports this module before it checks the Python
version, so it must stay importable by old Pythons (3.8 and up).
"""

import signal


def one_line(text):
    """Text with every run of spaces and line breaks made one space: 'a\\n  b ' -> 'a b'."""
    return " ".join(str(text).split())


def error_text(error):
    """An exception's whole message on one line; the name of its type when it has no message."""
    return one_line(error) or type(error).__name__


def error_line(error):
    """An exception's type and whole message on one line: 'ValueError: the labels are text'."""
    message = one_line(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def error_first_line(error):
    """An exception's type and the first line of its message, for messages that go on for many lines.

    A broken TensorFlow install, for one, raises an ImportError whose message
    quotes a whole traceback after its first line.
    """
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def os_reason(error):
    """The operating system's words for an OSError, such as 'Permission denied'; its message when it has none."""
    return error.strerror or str(error)


def failed_process_line(output, returncode):
    """What a process that failed said, in one line.

    From the last line of its ``output`` that mentions an error to the end,
    joined into one line; when it printed nothing, its exit status; when a
    signal stopped it (a negative ``returncode``), the signal's name.
    """
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return f"killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        return f"exit status {returncode}, and it printed nothing"
    errors = [number for number, line in enumerate(lines) if "error" in line.lower()]
    return " ".join(lines[errors[-1] if errors else -1:])
