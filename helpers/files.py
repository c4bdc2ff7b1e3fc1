"""Files that are never half-written, and whether a folder can take new files.

- ``write_whole``: one file (or folder), written under a temporary name beside
  its place and then renamed into it, so that no reader ever finds half of it.
- ``write_together``: several files of one folder, all complete before the
  first of them replaces its old version, or none of them.
- ``unwritable_reason``: why nothing can be written into a folder, which need
  not exist yet, in words that follow its name.

The decoded CIFAR-10 cache (``helpers.data``), the training command's results
and the state it keeps after each epoch (``helpers.runs``), and the result
files of the benchmarks and of the maintainers' scripts are written this way.
"""

import contextlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from helpers.error_lines import os_reason


def write_whole(path, write):
    """Write a file, or a folder, whole or not at all.

    ``write(temporary)`` writes it at a temporary path beside ``path``, which
    then takes the place of ``path`` in one step (``os.replace``): a reader
    finds the old version or the new one, never part of one, and two
    processes that write the same path at once never write into the same
    file. When ``write`` or the renaming fails, its error goes on, and the
    temporary file or folder is removed. A folder cannot take the place of a
    folder that holds files: that raises OSError. The temporary name ends as
    ``path`` does (".keras", ".png"), for writers that go by it.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:12]}.partial{path.suffix}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        _remove(temporary)


def write_together(folder, writers):
    """Write several files into ``folder``: all of them, or none.

    ``writers`` maps each file name to a function that writes that file at a
    given path. The files are written into a temporary folder inside
    ``folder`` (which is created when it is missing) and moved into place, in
    the order of ``writers`` and replacing files of the same names, only when
    every one of them is complete. Other files in ``folder`` are left alone.
    When something fails, its error goes on, the temporary folder is removed,
    and so is ``folder`` if it was created here.
    """
    folder = Path(folder)
    created = not os.path.isdir(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        unfinished = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))
        try:
            for name, write in writers.items():
                write(unfinished / name)
            for name in writers:
                os.replace(unfinished / name, folder / name)
        finally:
            _remove(unfinished)
    except BaseException:
        if created:  # leave no empty folder behind either
            shutil.rmtree(folder, ignore_errors=True)
        raise


def _remove(path):
    """Delete a file or a folder, if it is there; a failure here would only hide the error that matters."""
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.remove(path)


def unwritable_reason(folder):
    """Why no file can be written into ``folder``, in words that follow its name; None when one can.

    The answers: "is a file, not a folder", "cannot be created (PATH is a
    file)", "cannot be created (REASON)" and "cannot be written to (REASON)",
    where REASON is the operating system's, such as "Permission denied". The
    folder need not exist: then the nearest folder above it that exists must
    take a new folder. Nothing is created: a small hidden file is written into
    that folder and removed at once, which finds out about permissions and
    read-only disks alike.
    """
    folder = Path(folder).absolute()
    # os.path's checks answer False, where Path's raise, when a parent folder cannot be read.
    if os.path.exists(folder) and not os.path.isdir(folder):
        return "is a file, not a folder"
    nearest = folder  # the folder, or the closest of its parents that exists
    while not os.path.exists(nearest):
        nearest = nearest.parent
    if not os.path.isdir(nearest):
        return f"cannot be created ({nearest} is a file)"
    try:
        with tempfile.NamedTemporaryFile(dir=nearest, prefix=".write-test-") as file:
            file.write(b"lesson")
            file.flush()
    except OSError as error:
        return f"cannot be {'written to' if nearest == folder else 'created'} ({os_reason(error)})"
    return None
