"""Run episode notebooks in full mode, store their outputs, and report the cost.

    python scripts/run_notebooks.py episodes/01-introduction.ipynb [more.ipynb ...]

Each notebook runs top to bottom in a fresh kernel, in its own folder, with
LESSON_QUICK removed from the environment, so the stored outputs are the real
results that learners see. The ``fit_outputs/`` folder beside the notebooks is
emptied first: the tests leave quick-mode models there, and a full run must
never load one. Run episodes in teaching order so that later ones load what
earlier ones saved; an episode run alone recreates what it needs. Cells tagged ``skip-execution`` (unfilled challenge
blanks) are left alone. Progress bars are reduced to their final state before
saving. For each notebook it prints the wall time, the slowest cell and the
kernel's peak resident memory (Linux only).
"""

import argparse
import os
import shutil
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


def run_notebook(path, timeout):
    """Execute one notebook in place; return (seconds, slowest cell, its seconds, peak MiB)."""
    notebook = nbformat.read(path, as_version=4)
    env = {key: value for key, value in os.environ.items() if key != "LESSON_QUICK"}
    env["LESSON_STATIC_WIDGETS"] = "1"  # no widget front end here: explorers draw static figures
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    timings = []
    started = time.perf_counter()
    with client.setup_kernel(env=env, cwd=str(path.parent)):
        pid = client.km.provisioner.process.pid
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code" or "skip-execution" in cell.metadata.get("tags", []):
                continue
            cell_start = time.perf_counter()
            client.execute_cell(cell, index)
            timings.append((time.perf_counter() - cell_start, index))
            tidy_outputs(cell)
            print(f"  cell {index:3d}: {timings[-1][0]:7.1f} s", flush=True)
        peak = peak_memory_mib(pid)
    total = time.perf_counter() - started
    nbformat.write(notebook, path)
    slowest_seconds, slowest_index = max(timings) if timings else (0.0, None)
    return total, slowest_index, slowest_seconds, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebooks to run, in order")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell (default 900)")
    args = parser.parse_args()
    for folder in {path.resolve().parent for path in args.notebooks}:
        shutil.rmtree(folder / "fit_outputs", ignore_errors=True)
    rows = []
    for path in args.notebooks:
        print(f"Running {path} in full mode ...", flush=True)
        total, slowest_index, slowest, peak = run_notebook(path.resolve(), args.timeout)
        peak_text = f"{peak:.0f} MiB" if peak is not None else "n/a"
        rows.append((path.name, total, slowest_index, slowest, peak_text))
        print(f"{path.name}: {total:.0f} s, slowest cell {slowest_index} ({slowest:.0f} s), "
              f"peak memory {peak_text}", flush=True)
    print("\n| notebook | wall time | slowest cell | peak memory |\n| --- | --- | --- | --- |")
    for name, total, index, slowest, peak_text in rows:
        print(f"| {name} | {total:.0f} s | cell {index}: {slowest:.0f} s | {peak_text} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
