"""Break the lesson on purpose, four ways, and show that the tests catch each break.

    python -m scripts.check_mutations            # all four (about five minutes on 2 cores)
    python -m scripts.check_mutations --only stored-output

Each mutation is made in a fresh copy of this working tree (tracked and
untracked files that git does not ignore), never here. Then the tests that
guard that part of the lesson run in the copy, and the mutation must make them
fail. The script prints one line per mutation and exits with status 1 if any
mutation went unnoticed.

1. ``solution-only-code``: episode 03's second Conv2D moves out of the cell
   that stands for the learner's blank into a solution cell of its own, stored
   outputs moved with it, and the notebooks are rebuilt. A learner would never
   run that layer, so the notebook run must fail.
2. ``stored-output``: one stored output of episode 02 changes by a character.
3. ``site-link``: a page of docs/ links to a page that does not exist.
4. ``taught-function-renamed``: the function that episode 01 teaches and saves
   into helpers/lesson.py is renamed in its definition only.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def episode(copy, number):
    return next((copy / "episodes").glob(f"{number}-*.ipynb"))


def rebuild(copy):
    run_in(copy, [sys.executable, "-m", "scripts.build_notebooks"], check=True)


def move_second_conv_into_a_solution(copy):
    """Episode 03's 'pooling' challenge keeps only its first pooling; the rest becomes solution-only code."""
    path = episode(copy, "03")
    notebook = nbformat.read(path, as_version=4)
    blank = next(cell for cell in notebook.cells
                 if "skip-execution" in cell.metadata.get("tags", []) and "MaxPooling2D(___)" in cell.source)
    first_pooling = "x = keras.layers.MaxPooling2D((2, 2))(x)\nprint(\"after the first"
    solution_index = next(index for index, cell in enumerate(notebook.cells)
                          if "solution" in cell.metadata.get("tags", []) and cell.cell_type == "code"
                          and cell.source.startswith(first_pooling))
    solution = notebook.cells[solution_index]
    kept, moved = 2, slice(2, None)  # the first pooling and its print stay; the second Conv2D and pooling move
    blank.source = "\n".join(blank.source.splitlines()[:kept])
    lines, printed = solution.source.splitlines(), solution.outputs[0]["text"].splitlines(keepends=True)
    solution.source = "\n".join(lines[:kept])
    solution.outputs[0]["text"] = "".join(printed[:1])
    only_here = nbformat.v4.new_code_cell("\n".join(lines[moved]), metadata={"tags": ["solution"]})
    only_here.outputs = [nbformat.v4.new_output("stream", name="stdout", text="".join(printed[1:]))]
    notebook.cells.insert(solution_index + 1, only_here)
    nbformat.write(notebook, path)
    rebuild(copy)


def change_a_stored_output(copy):
    """The first compared output of episode 02 that prints a number gets one digit changed."""
    path = episode(copy, "02")
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code" or set(cell.metadata.get("tags", [])) & {"nbval-ignore-output", "skip-execution"}:
            continue
        for output in cell.outputs:
            text = output.get("text", "")
            digit = next((character for character in text if character.isdigit()), None)
            if output.get("output_type") == "stream" and digit:
                output["text"] = text.replace(digit, str((int(digit) + 1) % 10), 1)
                nbformat.write(notebook, path)
                return
    raise SystemExit("episode 02 has no compared output with a number in it")


def break_a_site_link(copy):
    path = copy / "docs" / "instructor-notes.md"
    text = path.read_text()
    if "(timings.md)" not in text:
        raise SystemExit("docs/instructor-notes.md no longer links to timings.md: pick another link")
    path.write_text(text.replace("(timings.md)", "(timing-table.md)", 1))


def rename_a_taught_function(copy):
    path = episode(copy, "01")
    notebook = nbformat.read(path, as_version=4)
    cell = next(cell for cell in notebook.cells if cell.source.startswith("def create_model_intro("))
    cell.source = cell.source.replace("def create_model_intro(", "def create_model_first(", 1)
    nbformat.write(notebook, path)


# name: (what it breaks, the change, the tests that must fail)
MUTATIONS = {
    "solution-only-code": ("episode 03's second Conv2D only in a solution cell", move_second_conv_into_a_solution,
                           ["tests/test_episodes.py", "-k", "03"]),
    "stored-output": ("a digit of a stored output of episode 02", change_a_stored_output,
                      ["tests/test_episodes.py", "-k", "02"]),
    "site-link": ("a link of docs/instructor-notes.md", break_a_site_link, ["tests/test_site.py"]),
    "taught-function-renamed": ("create_model_intro renamed in episode 01 only", rename_a_taught_function,
                                ["tests/test_build_notebooks.py", "tests/test_models.py"]),
}


def run_in(copy, command, check=False):
    environment = {**os.environ, "PYTHONPATH": str(copy)}  # the copy's helpers, not this checkout's
    return subprocess.run(command, cwd=copy, env=environment, capture_output=True, text=True, check=check)


def copy_of_this_tree(folder):
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m scripts.check_mutations", description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=list(MUTATIONS), action="append", help="run only this mutation")
    args = parser.parse_args(argv)
    unnoticed = []
    for name in args.only or MUTATIONS:
        what, mutate, tests = MUTATIONS[name]
        with tempfile.TemporaryDirectory(prefix=f"mutation-{name}-") as folder:
            copy = copy_of_this_tree(Path(folder))
            mutate(copy)
            finished = run_in(copy, [sys.executable, "-m", "pytest", "-q", "-n", "0", *tests])
        failed = [line for line in finished.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        if finished.returncode != 1:  # 1: tests ran and some failed; 0: all passed; above 1: pytest itself failed
            unnoticed.append(name)
            print(f"{name}: NOT CAUGHT: {what}; pytest {' '.join(tests)} ended with status {finished.returncode}:"
                  f"\n{finished.stdout[-2000:]}{finished.stderr[-2000:]}", flush=True)
        else:
            print(f"{name}: caught: {what}; {len(failed)} failing: {', '.join(failed)[:300]}", flush=True)
    if unnoticed:
        print(f"{len(unnoticed)} mutation(s) went unnoticed: {', '.join(unnoticed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
