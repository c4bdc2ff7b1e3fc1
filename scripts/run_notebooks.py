"""Run the episode notebooks in full mode, store their outputs, and measure what they cost.

    python -m scripts.run_notebooks                                   # the whole lesson
    python -m scripts.run_notebooks episodes/05-compile-train.ipynb   # some episodes

Each notebook runs top to bottom in a fresh kernel, in its own folder, with
LESSON_QUICK removed from the environment, so the stored outputs are the real
results that learners see. The ``fit_outputs/`` folder beside the notebooks is
emptied first: the tests leave quick-mode models there, and a full run must
never load one. Episodes run in teaching order, so that later ones load what
earlier ones saved; an episode run alone recreates what it needs. Cells tagged
``skip-execution`` (unfilled challenge blanks) are left alone. Progress bars
are reduced to their final state before saving.

For each notebook it prints the wall time, the training time (cells that call
``fit``, the training command, or a function that does), the slowest cell, the
peak memory of the kernel and the processes it starts (Linux only), and the key
results (the outputs of cells tagged ``key-result``).

Run with no arguments, it runs every episode, first times one intro-model
epoch as ``python -m helpers.check`` does, writes all it measured to
``helpers/timings.json``, and then runs ``python -m scripts.build_notebooks``, which
renders the timing table, the README's and the instructor notes' tables and
the durations the episodes quote from that file (see scripts/timing_pages.py).
Re-measuring the lesson is this one command.

``--merge`` with some episodes puts just their records into that file instead,
each marked with the machine it ran on and its own intro-epoch time, and
renders the pages again: for a new or rewritten episode when the whole lesson
cannot be run again on the machine that measured the rest. The pages then say
which episodes were measured apart, and where; the next run of every episode
replaces all of it.
"""

import argparse
import copy
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from helpers.files import write_whole
from helpers.timings import TIMINGS, load_timings
from scripts.machine_and_software import machine, software

ROOT = Path(__file__).resolve().parent.parent
EPISODES = ROOT / "episodes"


def final_text(stream_text):
    """What a terminal would show after carriage returns and backspaces are applied."""
    lines, current = [], []
    for char in stream_text:
        if char == "\n":
            lines.append("".join(current))
            current = []
        elif char == "\r":
            current = []
        elif char == "\b":
            if current:
                current.pop()
        else:
            current.append(char)
    text = "\n".join(lines)
    if current:
        text += ("\n" if lines else "") + "".join(current)
    elif stream_text.endswith("\n"):
        text += "\n"
    return text


def tidy_outputs(cell):
    """Merge stream fragments and replace animated progress bars with their last state."""
    merged = []
    for output in cell.get("outputs", []):
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous["name"] == output["name"]):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    for output in merged:
        if output.get("output_type") == "stream":
            output["text"] = final_text(output["text"])
    cell["outputs"] = merged


def process_tree(root):
    """The process ``root`` and all its descendants, as PIDs (Linux; just ``[root]`` elsewhere)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        tree.append(pid)
        waiting.extend(children.get(pid, []))
    return tree


def peak_memory_mib(pid):
    """Peak resident memory (VmHWM) of one process in MiB, or None when it cannot be read."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def private_and_shared_mib(pid):
    """(private, shared) resident memory of one process in MiB, from /proc/PID/smaps_rollup; None if gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:] if line.endswith("kB")}
    shared = fields.get("Shared_Clean", 0) + fields.get("Shared_Dirty", 0)
    return (fields.get("Rss", 0) - shared) / 1024, shared / 1024


class TreeMemory:
    """Follow the peak memory of a kernel together with every process it starts.

    mybinder.org counts the whole container, so a training command that the
    kernel runs adds to the kernel's own memory. Every ``interval`` seconds a
    thread reads the resident memory of the kernel and of its descendants, and
    keeps the largest total: each process's private memory, plus the shared
    pages (mostly TensorFlow's libraries, which a kernel and the command it
    starts map alike) counted once, as the largest share of any of them. The
    kernel's own peak (VmHWM) is a floor. Off Linux, ``peak_mib`` stays None.
    """

    def __init__(self, pid, interval=0.2):
        import threading

        self.pid, self.interval, self.peak_mib = pid, interval, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self.sample()
        kernel_alone = peak_memory_mib(self.pid)
        if kernel_alone is not None:
            self.peak_mib = max(self.peak_mib or 0.0, kernel_alone)

    def sample(self):
        readings = [reading for reading in map(private_and_shared_mib, process_tree(self.pid)) if reading]
        if readings:
            total = sum(private for private, _ in readings) + max(shared for _, shared in readings)
            self.peak_mib = max(self.peak_mib or 0.0, total)

    def _follow(self):
        while not self._stop.wait(self.interval):
            self.sample()


def cell_text(cell):
    """The text a cell printed or returned, as one string."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "text/plain" in output.get("data", {}):
            parts.append(str(output["data"]["text/plain"]))
    return "".join(parts)


def squeezed_table(text):
    """A pandas table printed as text, as 'row: column value, ...' on one line; None if it is not one.

    Only the accuracy columns are kept when there are any.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].startswith(" "):
        return None
    columns = re.split(r"\s{2,}", lines[0].strip())
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[1:]]
    if len(rows[0]) == 1 and len(rows) > 1:
        rows = rows[1:]  # the name of the index, on a line of its own
    if any(len(row) != len(columns) + 1 for row in rows):
        return None
    keep = [i for i, name in enumerate(columns) if "accuracy" in name] or list(range(len(columns)))
    return "; ".join(f"{row[0]}: " + ", ".join(f"{columns[i]} {row[i + 1]}" for i in keep) for row in rows)


def key_results(notebook):
    """The outputs of the cells tagged ``key-result``, squeezed onto one line."""
    parts = []
    for cell in notebook.cells:
        if "key-result" not in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text, table = output.get("text", ""), None
            else:
                text = str(output.get("data", {}).get("text/plain", ""))
                table = squeezed_table(text)
            parts += [table] if table else [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return "; ".join(parts)


# The helpers that train a model (helpers.models). The load_or_train ones train only when their file is
# missing, as in a full run, which starts with an empty fit_outputs/; otherwise it loads in a moment.
HELPER_TRAINERS = ("compile_and_train", "load_or_train", "load_or_train_fast")


TRAINING_COMMAND = re.compile(r'"-m",\s*"helpers\.train"|-m helpers\.train')  # run, not imported


def calls_fit(source, trainers=(), commands=()):
    """True when code calls ``fit``, runs the training command, or calls a helper or one of ``trainers`` that trains.

    ``commands`` are the names of variables that hold the training command
    (``command = [sys.executable, "-m", "helpers.train", ...]``): code that
    uses one runs it.
    """
    return (".fit(" in source or TRAINING_COMMAND.search(source)
            or any(re.search(rf"\b{name}\(", source) for name in (*HELPER_TRAINERS, *trainers))
            or any(re.search(rf"\b{name}\b", source) for name in commands))


def training_cells(notebook):
    """Indices of the code cells that train a model, directly or through a function of the notebook."""
    sources = {index: cell.source for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"}
    functions, commands = {}, set()
    for source in sources.values():
        for match in re.finditer(r"^def (\w+)\(.*?(?=^\S|\Z)", source, re.M | re.S):
            functions[match.group(1)] = match.group(0)
        for match in re.finditer(r"^(\w+) = (.*?)(?=^\S|\Z)", source, re.M | re.S):
            if TRAINING_COMMAND.search(match.group(2)):
                commands.add(match.group(1))
    trainers, grown = set(), True
    while grown:  # a function that calls a function that trains, trains too
        new = {name for name, body in functions.items()
               if name not in trainers and calls_fit(body, trainers, commands)}
        trainers |= new
        grown = bool(new)
    return {index for index, source in sources.items() if calls_fit(source, trainers)}


def run_notebook(path, timeout, position=""):
    """Execute one notebook in place and return what it cost and what it found."""
    notebook = nbformat.read(path, as_version=4)
    env = {key: value for key, value in os.environ.items() if key != "LESSON_QUICK"}
    env["LESSON_STATIC_WIDGETS"] = "1"  # no widget front end here: explorers draw static figures
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    runnable = [index for index, cell in enumerate(notebook.cells)
                if cell.cell_type == "code" and "skip-execution" not in cell.metadata.get("tags", [])]
    timings = []
    started = time.perf_counter()
    with client.setup_kernel(env=env, cwd=str(path.parent)):
        with TreeMemory(client.km.provisioner.process.pid) as memory:
            for done, index in enumerate(runnable, start=1):
                cell = notebook.cells[index]
                cell_start = time.perf_counter()
                client.execute_cell(cell, index)
                timings.append((time.perf_counter() - cell_start, index))
                tidy_outputs(cell)
                print(f"  {position}cell {index:3d} ({done}/{len(runnable)}): {timings[-1][0]:7.1f} s "
                      f"after {time.perf_counter() - started:5.0f} s", flush=True)
    total = time.perf_counter() - started
    nbformat.write(notebook, path)
    slowest_seconds, slowest_index = max(timings) if timings else (0.0, None)
    slowest_line = notebook.cells[slowest_index].source.strip().splitlines()[0] if timings else ""
    training = training_cells(notebook)
    return {
        "name": path.name,
        "seconds": round(total, 1),
        "training_seconds": round(sum(seconds for seconds, index in timings if index in training), 1),
        "slowest_index": slowest_index,
        "slowest_seconds": round(slowest_seconds, 1),
        "slowest_line": slowest_line,
        "peak_mib": round(memory.peak_mib) if memory.peak_mib is not None else None,
        "key_results": key_results(notebook),
        "cell_seconds": {notebook.cells[index].id: round(seconds, 1) for seconds, index in timings},
    }


def intro_epoch_seconds(tries=3):
    """One intro-model epoch on this machine, timed the way ``python -m helpers.check`` times it.

    The fastest of ``tries`` timings, each in a fresh process: a short timing
    is easily slowed by something else the machine does, never sped up.
    """
    command = [sys.executable, "-c", "from helpers.check import time_intro_epoch; print(time_intro_epoch())"]
    timings = [float(subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()[-1])
               for _ in range(tries)]
    return round(min(timings), 1)


def timed_intro_epoch():
    """``intro_epoch_seconds()``, saying what it does and what it found."""
    print("Timing one epoch of the intro model, as python -m helpers.check does ...", flush=True)
    seconds = intro_epoch_seconds()
    print(f"  {seconds:.1f} s", flush=True)
    return seconds


def write_results(results):
    """Write ``results`` into helpers/timings.json, whole: helpers.check reads it as soon as it is imported."""
    text = json.dumps(results, indent=1, ensure_ascii=False) + "\n"
    write_whole(TIMINGS, lambda path: path.write_text(text, encoding="utf-8"))


def render_pages():
    """Run ``python -m scripts.build_notebooks``, which renders every page and sentence from the results; its status."""
    return subprocess.run([sys.executable, "-m", "scripts.build_notebooks"], cwd=ROOT, check=False).returncode


def merge_record(results, record, measured_apart):
    """The results with ``record`` in place of the old record of its episode (or added, in episode order).

    ``measured_apart`` (date, machine, software, intro-epoch seconds of this
    run) goes into the record, so that every page rendered from the file says
    that this episode was measured on its own, and where. Nothing passed in is changed.
    """
    merged = copy.deepcopy(results)
    record = {**copy.deepcopy(record), "measured_apart": copy.deepcopy(measured_apart)}
    episodes = [old for old in merged["episodes"] if old["name"][:2] != record["name"][:2]]
    episodes.append(record)
    merged["episodes"] = sorted(episodes, key=lambda episode: episode["name"])
    return merged


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run, in order (default: every episode, and then the "
                        "results file and every page rendered from it are written)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell (default 900)")
    parser.add_argument("--merge", action="store_true",
                        help="with some episodes: put their records into helpers/timings.json in place of the "
                        "old ones, each marked with this machine and its intro-epoch time, and render the "
                        "pages again (for a new or changed episode when the whole lesson cannot be re-run)")
    args = parser.parse_args()
    every_episode = sorted(EPISODES.glob("[0-9][0-9]-*.ipynb"))
    notebooks = [path.resolve() for path in args.notebooks] or every_episode
    whole_lesson = notebooks == every_episode
    if args.merge and whole_lesson:
        parser.error("--merge is for some episodes; a run of every episode renews the whole results file")
    for folder in {path.parent for path in notebooks}:
        shutil.rmtree(folder / "fit_outputs", ignore_errors=True)
    results, measured_apart = None, None
    if args.merge:
        measured_apart = {"date": f"{datetime.date.today():%Y-%m-%d}", "machine": machine(),
                          "software": software(), "intro_epoch_seconds": timed_intro_epoch()}
    if whole_lesson:
        results = {
            "command": "python -m scripts.run_notebooks",
            "date": f"{datetime.date.today():%Y-%m-%d}",
            "machine": machine(),
            "software": software(),
            "data": ("the offline copy in `LESSON_DATA_DIR`" if os.environ.get("LESSON_DATA_DIR")
                     else "downloaded through `helpers.data`"),
            "intro_epoch_seconds": timed_intro_epoch(),
            "episodes": [],
        }
    for number, path in enumerate(notebooks, start=1):
        print(f"[{number}/{len(notebooks)}] running {path.name} in full mode ...", flush=True)
        record = run_notebook(path, args.timeout, position=f"[{number}/{len(notebooks)}] ")
        peak_text = f"{record['peak_mib']:.0f} MiB" if record["peak_mib"] is not None else "n/a"
        print(f"{path.name}: {record['seconds']:.0f} s ({record['training_seconds']:.0f} s training), "
              f"slowest cell {record['slowest_index']} ({record['slowest_seconds']:.0f} s), "
              f"peak memory {peak_text} (kernel and child processes)", flush=True)
        if record["key_results"]:
            print(f"  key results: {record['key_results']}", flush=True)
        if results is not None:
            results["episodes"].append(record)
        if measured_apart is not None:
            write_results(merge_record(load_timings(), record, measured_apart))
            print(f"put the record of {record['name']} into {TIMINGS.relative_to(ROOT)}", flush=True)
    if measured_apart is not None:
        return render_pages()
    if results is None:
        print("Only some episodes ran, so helpers/timings.json and the pages rendered from it are "
              "unchanged; run every episode (no arguments) to renew them. Run "
              "`python -m scripts.build_notebooks` to update the learner notebooks.")
        return 0
    write_results(results)
    print(f"wrote {TIMINGS.relative_to(ROOT)}")
    return render_pages()


if __name__ == "__main__":
    sys.exit(main())
