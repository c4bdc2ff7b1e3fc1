"""How the training command keeps a run: whole results, and a run that continues where it stopped.

``python -m helpers.train`` (helpers/train.py) trains; this module makes
sure that a run loses nothing it has done and leaves no half-written file:

- The result files appear only when the run is complete: ``save_results``
  writes them into a temporary folder inside the output folder and moves
  them into place at the end, so a full disk or Ctrl-C never leaves half a
  result. ``check_output_folder`` refuses a folder that holds the results of
  an earlier run, unless ``--overwrite`` asks to replace them. Other files
  in the output folder are never touched.
- Until then, the run keeps its state after every epoch in a hidden folder,
  ``.unfinished-run/`` inside the output folder: the weights and optimizer
  state (saved by Keras's ``BackupAndRestore``), the settings, and the
  history so far (``RunHistory``). The same command continues an unfinished
  run from its last finished epoch, after Ctrl-C, a lost session, or a pause
  asked for with ``--time-limit``; the folder is deleted once the results
  are saved.
- Ctrl-C while an epoch is being kept waits until it is kept (``CtrlCHeldBack``).
"""

import contextlib
import csv
import json
import os
import shutil
import signal
import threading

from helpers.durations import minutes_and_seconds
from helpers.error_lines import os_reason
from helpers.files import unwritable_reason, write_together, write_whole

# The files one run writes, in the order the docstring of helpers/train.py lists them.
RESULT_FILES = ["sample_images.png", "training_history.png", "model.keras", "history.csv", "metrics.json"]

# The hidden folder inside --output that keeps a run until its results are saved.
UNFINISHED_RUN = ".unfinished-run"


class ResultsNotSavedError(Exception):
    """The result files could not be written; none of them were."""


class RunNotKeptError(Exception):
    """The state of the run could not be kept after an epoch."""


class RunPaused(Exception):
    """The run stopped at its time limit; its state is kept, and the same command continues it."""


def check_output_folder(folder, overwrite=False):
    """Explain in one sentence why the results cannot go into ``folder``, if they cannot.

    Creates nothing (``helpers.files.unwritable_reason``): ``save_results`` makes the folder when the
    results are ready.
    """
    # os.path's checks answer False, where Path's raise, when a parent folder cannot be read.
    earlier = [name for name in RESULT_FILES if os.path.exists(folder / name)]
    if earlier and not overwrite:
        raise ValueError(f"{folder}/ already holds the results of an earlier run ({', '.join(earlier)}); "
                         "choose another --output folder, or add --overwrite to replace them.")
    reason = unwritable_reason(folder)
    if reason is not None:
        raise ValueError(f"the output folder {folder} {reason}; choose another --output folder")


# --- an unfinished run ----------------------------------------------------------------
# <output>/.unfinished-run/ holds settings.json (run_settings), history.csv (one row per
# finished epoch) and keras-backup/, the folder of Keras's BackupAndRestore.

def unfinished_run(folder):
    """The settings and per-epoch rows of the unfinished run in ``folder``: ``(None, [])`` if there is none.

    Only the epochs whose weights Keras saved count as finished. Raises
    ValueError when the unfinished run cannot be read.
    """
    kept = folder / UNFINISHED_RUN
    if not os.path.isdir(kept):
        return None, []
    try:
        settings = json.loads((kept / "settings.json").read_text())
        if not isinstance(settings, dict):
            raise ValueError("settings.json holds no settings")
        with open(kept / "history.csv", newline="") as file:
            rows = [{name: float(value) for name, value in row.items()} for row in csv.DictReader(file)]
        saved = kept / "keras-backup" / "training_metadata.json"
        finished = json.loads(saved.read_text())["epoch"] if saved.exists() else 0
        if finished > len(rows):
            raise ValueError(f"its history has {len(rows)} epochs, its weights {finished}")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{folder}/ holds an unfinished run that cannot be read ({error}); "
                         "add --overwrite to start again") from None
    return settings, [{**row, "epoch": int(row["epoch"])} for row in rows[:finished]]


def check_unfinished_run(folder, settings, overwrite=False):
    """Explain in one sentence why the unfinished run in ``folder`` cannot continue with ``settings``, if it cannot.

    ``overwrite`` allows starting again: then ``start_history`` discards that run.
    """
    try:
        earlier, rows = unfinished_run(folder)
    except ValueError:
        if overwrite:
            return
        raise
    if rows and earlier != settings and not overwrite:
        differences = "; ".join(f"--{name.replace('_', '-')} {shown(earlier.get(name))}, not {shown(value)}"
                                for name, value in settings.items() if earlier.get(name) != value)
        raise ValueError(f"{folder}/ holds an unfinished run with other settings ({differences}); run with "
                         "the same settings to continue it, or add --overwrite to start again.")


def shown(value):
    """A setting as the messages show it: on or off for True or False, none for None."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return "none" if value is None else str(value)


def finished_epochs(folder, settings):
    """How many epochs of a run with ``settings`` the same command would not need to train again in ``folder``."""
    try:
        earlier, rows = unfinished_run(folder)
    except ValueError:
        return 0
    return len(rows) if earlier == settings else 0


def what_was_kept(folder, settings):
    """Say, after Ctrl-C, whether the same command can continue the run in ``folder``."""
    finished = finished_epochs(folder, settings)
    if finished:
        return (f"epoch {finished} of {settings['epochs']}, the last finished, is kept in {folder}/, "
                "and the same command continues from it.")
    return f"nothing was saved in {folder}/."


def what_was_kept_for_saving(folder, settings):
    """After a failed save, the sentence that ends its message: how the same command saves without training again.

    Empty unless every epoch is kept; otherwise it starts with a space.
    """
    if finished_epochs(folder, settings) != settings["epochs"]:
        return ""
    return (f" The training is kept in {folder / UNFINISHED_RUN}/: the same command saves the results "
            "without training again.")


def remove_unfinished_run(folder):
    """Delete the unfinished run in ``folder``, if there is one: its results are saved, or it starts again."""
    shutil.rmtree(folder / UNFINISHED_RUN, ignore_errors=True)


class RunHistory:
    """The metrics of each epoch of one run, over every call of the command that trained it.

    ``rows`` holds one dict per finished epoch: ``epoch`` (from 1), the
    metrics, and ``training_seconds``, the seconds of training from the start
    of the run to the end of that epoch. With a ``folder``, the rows and the
    run's ``settings`` are written there after every epoch, for a later call.
    """

    def __init__(self, rows=(), folder=None, settings=None):
        self.rows = list(rows)
        self.folder = folder
        self.settings = settings

    @property
    def seconds(self):
        """The seconds of training so far, over all calls."""
        return self.rows[-1]["training_seconds"] if self.rows else 0.0

    def start_call(self):
        """Note when training starts in this call."""
        import time

        self.call_started = time.perf_counter()
        self.seconds_before = self.seconds

    def end_epoch(self, epoch, logs):
        """Add the row of the epoch that just ended, and write the rows down if there is a folder."""
        import time

        seconds = self.seconds_before + time.perf_counter() - self.call_started
        self.rows.append({"epoch": epoch + 1, **{name: float(value) for name, value in logs.items()},
                          "training_seconds": round(seconds, 3)})
        if self.folder is not None:
            self.write()

    def write(self):
        """Write the settings and rows into the folder, each file replaced whole (``helpers.files.write_whole``)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        settings = json.dumps(self.settings, indent=2) + "\n"
        write_whole(self.folder / "settings.json", lambda path: path.write_text(settings))
        write_whole(self.folder / "history.csv", self.write_rows)

    def write_rows(self, path):
        """Write the rows as a CSV table at ``path``."""
        with open(path, "w", newline="") as file:
            table = csv.DictWriter(file, fieldnames=list(self.rows[0]))
            table.writeheader()
            table.writerows(self.rows)

    def another_epoch_would_end_past(self, limit_seconds):
        """Whether one more epoch, as long as the last, would end past ``limit_seconds`` of training in this call."""
        this_call = self.seconds - self.seconds_before
        last_epoch = self.seconds - (self.rows[-2]["training_seconds"] if len(self.rows) > 1 else 0.0)
        return this_call + last_epoch > limit_seconds


def start_history(output, settings, chief):
    """The RunHistory to train with: that of the unfinished run in ``output`` if it continues, else a new one.

    Only the chief keeps the run in ``output``, and only when it can
    continue (not with --distribute multi-worker). It discards an unfinished
    run that cannot continue, and says when one does.
    """
    if not chief:
        return RunHistory()
    try:
        earlier, rows = unfinished_run(output)
    except ValueError:
        earlier, rows = None, []
    if earlier != settings or not rows:
        remove_unfinished_run(output)
        rows = []
    epochs = settings["epochs"]
    if rows:
        print(f"Continuing the unfinished run in {output}/ from epoch {len(rows) + 1} of {epochs}."
              if len(rows) < epochs else
              f"The unfinished run in {output}/ finished all {epochs} epochs; evaluating and saving it.")
    if settings["distribute"] == "multi-worker":
        return RunHistory()
    return RunHistory(rows, folder=output / UNFINISHED_RUN, settings=settings)


@contextlib.contextmanager
def keeping_the_run(model, history, epochs, time_limit=None, progress=True):
    """Give the callbacks that keep the run after each epoch, for a ``model.fit`` inside this ``with``.

    They add a row to ``history`` after each epoch, print a progress line if
    ``progress``, and, when ``history`` has a folder, keep the weights and
    optimizer state there with Keras's BackupAndRestore, which also restores
    them first, so that ``fit`` trains only the epochs ``history`` lacks.
    Ctrl-C waits until an epoch is kept. With ``time_limit`` (minutes),
    training stops after the epoch when another would end past that much
    training in this call, and RunPaused is raised when the ``with`` ends.
    An OSError while training becomes RunNotKeptError.
    """
    import keras

    from helpers.models import EpochProgress

    ctrl_c = CtrlCHeldBack()

    def end_epoch(epoch, logs):
        if history.folder is not None:
            ctrl_c.hold()  # until the backup of this epoch is complete
        history.end_epoch(epoch, logs)
        if (time_limit is not None and epoch + 1 < epochs
                and history.another_epoch_would_end_past(time_limit * 60)):
            model.stop_training = True

    # Keras calls them in this order. The history and the progress line time the same span; the
    # backup comes after the history, so that no epoch has weights without its row.
    callbacks = [keras.callbacks.LambdaCallback(on_train_begin=lambda logs: history.start_call(),
                                                on_epoch_end=end_epoch)]
    if progress:
        callbacks.append(EpochProgress(seconds_before=history.seconds))
    if history.folder is not None:
        callbacks += [keras.callbacks.BackupAndRestore(history.folder / "keras-backup",
                                                       delete_checkpoint=False),  # deleted after saving
                      keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: ctrl_c.release())]
    try:
        yield callbacks
    except OSError as error:
        raise RunNotKeptError(f"could not keep the run in {history.folder}/ ({os_reason(error)}); "
                              "free some space, or choose another --output folder.") from error
    finally:
        ctrl_c.restore()
    if len(history.rows) < epochs:
        raise RunPaused(f"Paused after epoch {len(history.rows)} of {epochs} ({minutes_and_seconds(history.seconds)} "
                        "of training so far). Run the same command again to continue.")


class CtrlCHeldBack:
    """Make Ctrl-C wait while the run is being saved, so that it never leaves a half-written file.

    Between ``hold`` and ``release``, Ctrl-C is only noted; ``release``
    then stops the program as Ctrl-C would have. ``restore`` ends the hold
    without that, for when the program stops anyway. Only the main thread
    receives Ctrl-C, so elsewhere this does nothing.
    """

    def __init__(self):
        self.handler = None  # Ctrl-C's usual handler, while it is held back
        self.pressed = False

    def hold(self):
        if threading.current_thread() is threading.main_thread() and self.handler is None:
            self.pressed = False
            self.handler = signal.signal(signal.SIGINT, self.note)

    def note(self, signal_number, frame):
        self.pressed = True

    def restore(self):
        if self.handler is not None:
            signal.signal(signal.SIGINT, self.handler)
            self.handler = None

    def release(self):
        self.restore()
        if self.pressed:
            raise KeyboardInterrupt


def save_results(folder, writers):
    """Write every result file into ``folder``, or none of them (``helpers.files.write_together``).

    ``writers`` maps each file name to a function that writes that file to a
    path. The files go into a temporary folder inside ``folder`` first, and are
    moved into place (replacing an earlier run's) only when all are complete;
    a folder created for them is removed again when they cannot be.
    """
    try:
        write_together(folder, writers)
    except OSError as error:
        raise ResultsNotSavedError(f"could not save the results in {folder}/ ({os_reason(error)}); "
                                   "nothing was written there.") from error
