"""Run episode notebooks in full mode, store their outputs, and report the cost.

    python scripts/run_notebooks.py episodes/01-introduction.ipynb [more.ipynb ...]
    python scripts/run_notebooks.py --table docs/timings.md episodes/0*.ipynb

The second form is the lesson's timing table: it runs every episode in order
and writes wall time, training time, slowest cell, peak memory and key results
of each, with a description of the machine, to a markdown file.

Each notebook runs top to bottom in a fresh kernel, in its own folder, with
LESSON_QUICK removed from the environment, so the stored outputs are the real
results that learners see. The ``fit_outputs/`` folder beside the notebooks is
emptied first: the tests leave quick-mode models there, and a full run must
never load one. Run episodes in teaching order so that later ones load what
earlier ones saved; an episode run alone recreates what it needs. Cells tagged ``skip-execution`` (unfilled challenge
blanks) are left alone. Progress bars are reduced to their final state before
saving. For each notebook it prints the wall time, the slowest cell and the
kernel's peak resident memory (Linux only). The key results are the text
outputs of the cells tagged ``key-result``; training time is the time spent in
cells that train, by calling ``fit`` or a function of the notebook that does.
"""

import argparse
import datetime
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


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


def peak_memory_mib(pid):
    """Peak resident memory (VmHWM) of a process in MiB, or None off Linux."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


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


def calls_fit(source, trainers=()):
    """True when code calls ``fit``, runs the training command, or calls one of ``trainers``."""
    return (".fit(" in source or "helpers.train" in source
            or any(re.search(rf"\b{name}\(", source) for name in trainers))


def training_cells(notebook):
    """Indices of the code cells that train a model, directly or through a function of the notebook."""
    sources = {index: cell.source for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"}
    functions = {}
    for source in sources.values():
        for match in re.finditer(r"^def (\w+)\(.*?(?=^\S|\Z)", source, re.M | re.S):
            functions[match.group(1)] = match.group(0)
    trainers, grown = set(), True
    while grown:  # a function that calls a function that trains, trains too
        new = {name for name, body in functions.items() if name not in trainers and calls_fit(body, trainers)}
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
        pid = client.km.provisioner.process.pid
        for done, index in enumerate(runnable, start=1):
            cell = notebook.cells[index]
            cell_start = time.perf_counter()
            client.execute_cell(cell, index)
            timings.append((time.perf_counter() - cell_start, index))
            tidy_outputs(cell)
            print(f"  {position}cell {index:3d} ({done}/{len(runnable)}): {timings[-1][0]:7.1f} s "
                  f"after {time.perf_counter() - started:5.0f} s", flush=True)
        peak = peak_memory_mib(pid)
    total = time.perf_counter() - started
    nbformat.write(notebook, path)
    slowest_seconds, slowest_index = max(timings) if timings else (0.0, None)
    slowest_line = notebook.cells[slowest_index].source.strip().splitlines()[0] if timings else ""
    training = training_cells(notebook)
    return {
        "name": path.name,
        "seconds": total,
        "training_seconds": sum(seconds for seconds, index in timings if index in training),
        "slowest_index": slowest_index,
        "slowest_seconds": slowest_seconds,
        "slowest_line": slowest_line,
        "peak_mib": peak,
        "key_results": key_results(notebook),
    }


def minutes(seconds):
    """'2 min 05 s' or '48 s'."""
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def machine_description():
    """Cores, CPU model, memory and library versions of this machine, as markdown lines."""
    from helpers.check import cpu_cores, cpu_model, total_memory_bytes  # the setup check's own readings

    memory_bytes = total_memory_bytes()
    memory = f", {memory_bytes / 1024 ** 3:.0f} GiB memory" if memory_bytes else ""
    versions = []
    for package in ["tensorflow", "keras", "numpy", "scikit-learn", "scikeras"]:
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return [
        f"- **Machine:** {cpu_cores()} CPU cores ({cpu_model()}, {platform.machine()}){memory}, {platform.system()}, no GPU used.",
        f"- **Software:** Python {platform.python_version()}, {', '.join(versions)}.",
    ]


def intro_epoch_seconds():
    """One intro-model epoch on this machine, timed the way ``python -m helpers.check`` times it."""
    result = subprocess.run(
        [sys.executable, "-c", "from helpers.check import time_intro_epoch; print(time_intro_epoch())"],
        capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


def timing_table(records, command, epoch_seconds=None):
    """The markdown page with one row per notebook and a row of totals."""
    data = ("the offline copy in `LESSON_DATA_DIR`" if os.environ.get("LESSON_DATA_DIR")
            else "downloaded through `helpers.data`")
    lines = [
        "# How long the lesson takes",
        "",
        "Every episode notebook, run in full mode (all 50,000 CIFAR-10 training images, the real "
        "numbers of epochs) one after another, each in a fresh kernel, by",
        "",
        f"    {command}",
        "",
        f"on {datetime.date.today():%Y-%m-%d}. The stored outputs of the notebooks come from this run.",
        "",
        *machine_description(),
        f"- **Data:** full CIFAR-10 and the Pima diabetes table, from {data}.",
        *([f"- **Speed:** one epoch of the intro model (40,000 images, batch 32), timed as "
           f"`python -m helpers.check` times it: {epoch_seconds:.1f} s."] if epoch_seconds else []),
        "",
        "| episode | wall time | training | slowest cell | peak memory | key results |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for record in records:
        peak = f"{record['peak_mib']:,.0f} MiB" if record["peak_mib"] is not None else "n/a"
        slowest = (f"{minutes(record['slowest_seconds'])}: cell {record['slowest_index']}, "
                   f"`{record['slowest_line'][:60]}`")
        lines.append(f"| {record['name']} | {minutes(record['seconds'])} | "
                     f"{minutes(record['training_seconds'])} | {slowest} | {peak} | "
                     f"{record['key_results'] or 'no training'} |")
    worst = max(records, key=lambda record: record["slowest_seconds"])
    peaks = [record["peak_mib"] for record in records if record["peak_mib"] is not None]
    lines += [
        f"| **all {len(records)}** | **{minutes(sum(r['seconds'] for r in records))}** | "
        f"**{minutes(sum(r['training_seconds'] for r in records))}** | "
        f"{minutes(worst['slowest_seconds'])} in {worst['name']} | "
        f"{f'{max(peaks):,.0f} MiB at most' if peaks else 'n/a'} | |",
        "",
        "- **wall time**: from starting the kernel to the end of the last cell.",
        "- **training**: the time spent in cells that train a model: they call `fit` (a model's or "
        "a grid search's), a function of the notebook that does, or the training command.",
        "- **slowest cell**: the one cell that takes longest; it is usually a training run.",
        "- **peak memory**: the kernel's peak resident memory (VmHWM). mybinder.org restarts a "
        "kernel above 2 GiB.",
        "- **key results**: what the cells tagged `key-result` print. Accuracies vary by a point "
        "or two from run to run and between machines.",
        "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebooks to run, in order")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell (default 900)")
    parser.add_argument("--table", type=Path, help="write the timing table (markdown) to this file")
    args = parser.parse_args()
    for folder in {path.resolve().parent for path in args.notebooks}:
        shutil.rmtree(folder / "fit_outputs", ignore_errors=True)
    epoch_seconds = None
    if args.table:
        print("Timing one epoch of the intro model, as python -m helpers.check does ...", flush=True)
        epoch_seconds = intro_epoch_seconds()
        print(f"  {epoch_seconds:.1f} s", flush=True)
    records = []
    for number, path in enumerate(args.notebooks, start=1):
        print(f"[{number}/{len(args.notebooks)}] running {path} in full mode ...", flush=True)
        record = run_notebook(path.resolve(), args.timeout, position=f"[{number}/{len(args.notebooks)}] ")
        records.append(record)
        peak_text = f"{record['peak_mib']:.0f} MiB" if record["peak_mib"] is not None else "n/a"
        print(f"{path.name}: {record['seconds']:.0f} s ({record['training_seconds']:.0f} s training), "
              f"slowest cell {record['slowest_index']} ({record['slowest_seconds']:.0f} s), "
              f"peak memory {peak_text}", flush=True)
        if record["key_results"]:
            print(f"  key results: {record['key_results']}", flush=True)
    names = " ".join(str(path) for path in args.notebooks)
    every_episode = sorted(Path("episodes").glob("0*.ipynb"))
    if [path.resolve() for path in args.notebooks] == [path.resolve() for path in every_episode]:
        names = "episodes/0*.ipynb"
    command = f"python scripts/run_notebooks.py --table {args.table} {names}" if args.table else ""
    table = timing_table(records, command or f"python scripts/run_notebooks.py {names}", epoch_seconds)
    print()
    print(table)
    if args.table:
        args.table.parent.mkdir(parents=True, exist_ok=True)
        args.table.write_text(table)
        print(f"wrote {args.table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
