"""Measure how much the lesson's experiments change from one random seed to the next.

    python -m scripts.measure_spread                              # every experiment, seeds 1 and 2
    python -m scripts.measure_spread --experiments regularisation --seeds 1 2 3
    python -m scripts.measure_spread --render-only                # rewrite the page from the JSON

The narrative of an episode may only draw a conclusion from a difference that
is larger than the run-to-run spread. This script measures that spread with the
lesson's own code: for each experiment in EXPERIMENTS it copies the listed cells
of the episode notebook, changes only the line ``SEED = <number>``, adds one
cell that prints the experiment's table, and runs that reduced notebook in a
fresh kernel in ``episodes/``, once per seed. LESSON_QUICK and LESSON_DATA_DIR
are passed on as they are.

It writes the values to ``docs/experiment-spread.json`` and renders
``docs/experiment-spread.md`` from that file. Results from quick mode
(LESSON_QUICK on) go to docs/ only when ``--output`` says so.
"""

import argparse
import copy
import datetime
import json
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import NoSuchKernel
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from helpers import settings
from helpers.cli import OneLineErrorParser, folder_name, seed_number
from helpers.error_lines import one_line
from helpers.files import write_together, write_whole
from scripts.machine_and_software import machine, software

ROOT = Path(__file__).resolve().parent.parent

# One entry per experiment: the cells that make its table, setup cells first.
EXPERIMENTS = [
    {"name": "regularisation",
     "title": "Episode 06: dropout, L2, augmentation and early stopping on 2,000 images",
     "notebook": "06-prevent-overfitting.ipynb",
     "cells": ["ep06-imports", "ep06-data", "regularisation-baseline", "ep06-dropout-model", "regularisation-dropout",
               "2841044f", "regularisation-l2", "95460396", "regularisation-augmentation",
               "regularisation-early-stopping", "ep06-compare-table"],
     "table": "regularisation",
     "columns": ["training accuracy", "validation accuracy", "gap", "validation loss", "lowest validation loss"]},
    {"name": "batchnorm",
     "title": "Episode 06: batch normalisation with plain SGD at two learning rates",
     "notebook": "06-prevent-overfitting.ipynb",
     "cells": ["ep06-imports", "ep06-data", "bb0c0ad8", "batchnorm-runs"],
     "table": "batchnorm",
     "columns": ["training loss, epoch 1", "training loss, epoch 5", "validation accuracy, epoch 5"]},
    {"name": "dropout-rates",
     "title": "Episode 07: five dropout rates on 2,000 images",
     "notebook": "07-evaluate-tune.ipynb",
     "cells": ["78982781", "c58dd6ef", "f6c1682d", "e80299f5", "dropout-rates", "a8935a2e"],
     "table": "dropout_table",
     "columns": ["validation loss", "validation accuracy"]},
    {"name": "activations",
     "title": "Episode 07: five activation functions on 10,000 images",
     "notebook": "07-evaluate-tune.ipynb",
     "cells": ["78982781", "c58dd6ef", "f6c1682d", "efcb36c6", "activations"],
     "table": "activation_table",
     "columns": ["after 1 epoch", "after 4 epochs"]},
    {"name": "transfer",
     "title": "Episode 08: five new classes from 500 images, from scratch and with a pretrained base",
     "notebook": "08-transfer-learning.ipynb",
     "cells": ["ep08-imports", "ep08-data", "ep08-pretrain", "ep08-train-function", "ep08-scratch", "ep08-new-head",
               "ep08-freeze", "ep08-frozen", "ep08-finetune", "ep08-compare-table"],
     "table": "transfer_table",
     "columns": ["training accuracy", "test accuracy"]},
]

EPISODES = ROOT / "episodes"
DOCS = ROOT / "docs"
RESULTS_NAME = "experiment-spread.json"
PAGE_NAME = "experiment-spread.md"
COMMAND = "python -m scripts.measure_spread"
CELL_TIMEOUT = 1800  # seconds allowed per cell: the slowest train four models, or pretrain a base on a busy machine
SEED_LINE = re.compile(r"^SEED = \d+", re.MULTILINE)
TABLE_START = "<<< measure_spread: table starts >>>"
TABLE_END = "<<< measure_spread: table ends >>>"
DEFAULT_SEEDS = [1, 2]
KEYS = ("name", "title", "notebook", "cells", "table", "columns")


class SpreadError(Exception):
    """A problem the user can fix: each line of the message is one problem."""


def is_list_of_names(value):
    return (isinstance(value, list) and value and all(isinstance(item, str) and item for item in value)
            and len(set(value)) == len(value))


def experiment_list_problems(experiments):
    """What is wrong with the shape of an EXPERIMENTS list, one sentence per problem (empty when nothing)."""
    problems, names = [], set()
    for number, experiment in enumerate(experiments, start=1):
        if not isinstance(experiment, dict) or set(experiment) != set(KEYS):
            problems.append(f"EXPERIMENTS entry {number} must be a dict with exactly the keys {', '.join(KEYS)}")
            continue
        name = experiment["name"]
        where = f"EXPERIMENTS entry {number} ({name!r})"
        if not isinstance(name, str) or not re.fullmatch(r"[\w-]+", name):
            problems.append(f"{where}: the name must be letters, digits, '_' or '-'")
        elif name in names:
            problems.append(f"{where}: another experiment has the same name")
        names.add(name)
        for key in ("title", "notebook"):
            if not isinstance(experiment[key], str) or not experiment[key].strip():
                problems.append(f"{where}: {key!r} must be a non-empty string")
        for key in ("cells", "columns"):
            if not is_list_of_names(experiment[key]):
                problems.append(f"{where}: {key!r} must be a non-empty list of strings, each listed once")
        if not isinstance(experiment["table"], str) or not experiment["table"].isidentifier():
            problems.append(f"{where}: 'table' must be the name of a notebook variable")
    return problems


def listed_cells(experiment, episodes):
    """Copies of the experiment's cells from its notebook in ``episodes``, in the listed order.

    Raises SpreadError naming every listed cell that is missing or not code,
    and when none of them has a line ``SEED = <number>``.
    """
    name, path = experiment["name"], Path(episodes) / experiment["notebook"]
    if not path.is_file():
        raise SpreadError(f"experiment {name!r}: the notebook {path} does not exist")
    notebook = nbformat.read(path, as_version=4)
    by_id = {cell.get("id"): cell for cell in notebook.cells}
    problems, cells = [], []
    for cell_id in experiment["cells"]:
        if cell_id not in by_id:
            problems.append(f"experiment {name!r}: {path.name} has no cell with the id {cell_id!r}")
        elif by_id[cell_id].cell_type != "code":
            problems.append(f"experiment {name!r}: cell {cell_id!r} of {path.name} is a "
                            f"{by_id[cell_id].cell_type} cell, not code")
        else:
            cells.append(copy.deepcopy(by_id[cell_id]))
    if not problems and not any(SEED_LINE.search(cell.source) for cell in cells):
        problems.append(f"experiment {name!r}: none of its cells in {path.name} has a line "
                        f"'SEED = <number>' to change")
    if problems:
        raise SpreadError("\n".join(problems))
    return cells


def table_cell(table, columns):
    """A code cell that prints the listed columns of the table as JSON, between two marker lines."""
    source = (f"_columns = {columns!r}\n"
              f"_missing = [column for column in _columns if column not in {table}.columns]\n"
              f"if _missing:\n"
              f"    raise KeyError(f'the table {table} has no column {{_missing}}; it has {{list({table}.columns)}}')\n"
              f"print({TABLE_START!r})\n"
              f"print({table}[_columns].to_json(orient='index', double_precision=15))\n"
              f"print({TABLE_END!r})")
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "measure-spread-table"
    return cell


def seeded_notebook(cells, experiment, seed):
    """A new notebook: the cells with outputs cleared and SEED set to ``seed``, then the table cell."""
    notebook = nbformat.v4.new_notebook()
    for cell in cells:
        cell = copy.deepcopy(cell)
        cell.outputs, cell.execution_count = [], None
        cell.source = SEED_LINE.sub(f"SEED = {seed}", cell.source)
        notebook.cells.append(cell)
    notebook.cells.append(table_cell(experiment["table"], experiment["columns"]))
    return notebook


def printed_table(cell):
    """The table that the table cell printed, as {row: {column: value}}."""
    text = "".join(output.get("text", "") for output in cell.outputs if output.get("output_type") == "stream")
    if TABLE_START not in text or TABLE_END not in text:
        raise SpreadError("the table cell printed no table")
    return json.loads(text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0])


def run_notebook(notebook, folder, timeout=CELL_TIMEOUT):
    """Run a notebook in a fresh kernel with ``folder`` as working directory; return (table, seconds)."""
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    started = time.perf_counter()
    try:
        with client.setup_kernel(cwd=str(folder)):
            for index, cell in enumerate(notebook.cells):
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as error:
                    raise SpreadError(f"cell {cell.id!r} failed: {error.ename}: {one_line(error.evalue)}") from None
                except CellTimeoutError:
                    raise SpreadError(f"cell {cell.id!r} ran longer than {timeout} s") from None
                except DeadKernelError:
                    raise SpreadError(f"the kernel died in cell {cell.id!r} (out of memory?)") from None
    except NoSuchKernel:
        raise SpreadError("no Jupyter kernel called 'python3': install ipykernel in this environment") from None
    return printed_table(notebook.cells[-1]), time.perf_counter() - started


def measure_experiment(experiment, seeds, episodes, timeout=CELL_TIMEOUT, cells=None):
    """Run one experiment once per seed; return its record for the results file.

    ``cells`` are its cells from ``listed_cells`` (read now when not given),
    so that every seed runs the same code even if the notebook is edited meanwhile.
    """
    name = experiment["name"]
    cells = cells if cells is not None else listed_cells(experiment, episodes)
    values, seconds = {}, []
    for seed in seeds:
        print(f"{name}, seed {seed}: running ...", end="", flush=True)
        try:
            table, took = run_notebook(seeded_notebook(cells, experiment, seed), episodes, timeout)
        except SpreadError as error:
            print(" failed", flush=True)
            raise SpreadError(f"experiment {name!r}, seed {seed}: {error}") from None
        print(f" {took:.0f} s", flush=True)
        if values and list(table) != list(values):
            raise SpreadError(f"experiment {name!r}: seed {seed} gave the rows {list(table)}, "
                              f"but seed {seeds[0]} gave {list(values)}")
        for row, row_values in table.items():
            for column in experiment["columns"]:
                values.setdefault(row, {}).setdefault(column, []).append(row_values[column])
        seconds.append(round(took, 1))
    return {"title": experiment["title"], "notebook": experiment["notebook"],
            "date": f"{datetime.date.today():%Y-%m-%d}", "seeds": list(seeds), "seconds": seconds,
            "values": values}


def merge_results(existing, run, records):
    """``existing`` results with this ``run``'s description and its experiment ``records`` put in.

    Experiments measured now replace their old records in place; the others
    stay. Nothing passed in is changed.
    """
    merged = copy.deepcopy(existing) if existing else {}
    merged.update(copy.deepcopy(run))
    merged["experiments"] = {**merged.get("experiments", {}), **copy.deepcopy(records)}
    return merged


def number(value):
    return "n/a" if value is None else f"{value:.3f}"


def cell_text(text):
    return str(text).replace("|", "\\|")


def render_markdown(results):
    """The page docs/experiment-spread.md, rendered from the results dict alone."""
    lines = [
        "# Run-to-run spread of the lesson's experiments",
        "",
        f"<!-- Written by `{COMMAND}` from {RESULTS_NAME}; edit that script, not this page. -->",
        "",
        "Training a network twice with different random seeds gives different numbers. A conclusion "
        "the lesson draws from comparing two configurations holds only when their difference is larger "
        "than this run-to-run spread. Each experiment below ran once per seed, in a fresh kernel; the "
        "code that ran is the lesson's own notebook cells, copied unchanged except for the line "
        "`SEED = <number>`. The spread is the largest value minus the smallest.",
        "",
        f"Latest run: `{results['command']}` on {results['date']}, on {results['machine']['description']}",
    ]
    if results.get("software"):
        lines[-1] += f" Software: {results['software']}."
    if results["quick_mode"]:
        lines += ["", "**Quick mode was on (LESSON_QUICK)**: the experiments ran on small data subsets, so "
                  "these numbers only show that the script works; they say nothing about the lesson."]
    for record in results["experiments"].values():
        seeds = record["seeds"]
        took = ", ".join(f"{seconds:.0f} s" for seconds in record["seconds"])
        lines += ["", f"## {record['title']}", "",
                  f"From `episodes/{record['notebook']}`, run on {record['date']} with the seeds "
                  f"{', '.join(map(str, seeds))}; the runs took {took}.", "",
                  "| configuration | metric | " + " | ".join(f"seed {seed}" for seed in seeds)
                  + " | spread (max − min) |",
                  "|---|---|" + "---:|" * (len(seeds) + 1)]
        for row, columns in record["values"].items():
            for column, values in columns.items():
                spread = None if None in values else max(values) - min(values)
                lines.append(f"| {cell_text(row)} | {cell_text(column)} | "
                             + " | ".join(map(number, values)) + f" | {number(spread)} |")
    return "\n".join(lines) + "\n"


def write_results(results, output):
    """Write the results JSON and the page rendered from it into the folder ``output``, both or neither."""
    text, page = json.dumps(results, indent=1, ensure_ascii=False) + "\n", render_markdown(results)
    write_together(output, {RESULTS_NAME: lambda path: path.write_text(text, encoding="utf-8"),
                            PAGE_NAME: lambda path: path.write_text(page, encoding="utf-8")})


def read_results(path):
    """The results dict in ``path``; None when the file does not exist."""
    if not path.is_file():
        return None
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise SpreadError(f"{path} is not readable JSON ({one_line(error)}); delete it or run every "
                          "experiment again") from None
    if not isinstance(results, dict) or not isinstance(results.get("experiments"), dict):
        raise SpreadError(f"{path} has no 'experiments' record; delete it or run every experiment again")
    return results


def this_run(args, quick):
    """The description of this run that goes at the top of the results file."""
    command = COMMAND
    if args.experiments:
        command += " --experiments " + " ".join(args.experiments)
    if args.seeds:
        command += " --seeds " + " ".join(map(str, args.seeds))
    return {"command": command, "date": f"{datetime.date.today():%Y-%m-%d}",
            "machine": machine(), "software": software(),
            "quick_mode": quick, "seeds": args.seeds or DEFAULT_SEEDS}


def argument_parser(names):
    parser = OneLineErrorParser(prog="python -m scripts.measure_spread", description=__doc__.splitlines()[0])

    def experiment_name(text):
        if text not in names:
            raise argparse.ArgumentTypeError(f"unknown experiment {text!r}; the known ones are: {', '.join(names)}")
        return text

    parser.add_argument("--experiments", nargs="+", type=experiment_name, metavar="NAME",
                        help=f"experiments to run (default: all of {', '.join(names)})")
    parser.add_argument("--seeds", nargs="+", type=seed_number, metavar="SEED",
                        help="random seeds, whole numbers from 0; two or more (default: 1 2)")
    parser.add_argument("--output", type=folder_name, metavar="DIR",
                        help="folder for the results JSON and the page (default: docs/)")
    parser.add_argument("--render-only", action="store_true",
                        help="run nothing; render the page again from the results JSON")
    return parser


def parse_arguments(argv, names):
    parser = argument_parser(names)
    args = parser.parse_args(argv)
    for option, values in [("--experiments", args.experiments), ("--seeds", args.seeds)]:
        if values and len(set(values)) != len(values):
            parser.error(f"argument {option}: give each value once, got {' '.join(map(str, values))}")
        if values and args.render_only:
            parser.error(f"argument {option}: --render-only runs nothing, so it takes no {option}")
    if args.seeds and len(args.seeds) < 2:
        parser.error("argument --seeds: give two seeds or more; the spread of a single run is always 0")
    return parser, args


def main(argv=None):
    names = [experiment.get("name") for experiment in EXPERIMENTS if isinstance(experiment, dict)]
    parser, args = parse_arguments(argv, names)
    try:
        problems = experiment_list_problems(EXPERIMENTS)
        if problems:
            raise SpreadError("\n".join(problems))
        return measure_and_write(parser, args)
    except SpreadError as error:
        for line in str(error).splitlines():
            print(f"{parser.prog}: error: {line}", file=sys.stderr)
        return 1
    except settings.SettingError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\n{parser.prog}: interrupted; the results file holds only the experiments that finished",
              file=sys.stderr)
        return 130


def measure_and_write(parser, args):
    output = args.output if args.output is not None else DOCS
    results_path = output / RESULTS_NAME
    if args.render_only:
        results = read_results(results_path)
        if results is None:
            raise SpreadError(f"{results_path} does not exist: run the experiments first")
        page = render_markdown(results)
        output.mkdir(parents=True, exist_ok=True)
        write_whole(output / PAGE_NAME, lambda path: path.write_text(page, encoding="utf-8"))
        print(f"wrote {output / PAGE_NAME}")
        return 0
    quick = settings.quick_mode()
    if quick and args.output is None:
        parser.error("LESSON_QUICK is on, and quick-mode numbers do not belong in docs/: unset it, "
                     "or give --output DIR to write them elsewhere")
    chosen = [experiment for experiment in EXPERIMENTS
              if not args.experiments or experiment["name"] in args.experiments]
    # Read every chosen notebook now: a mistake shows before any training, and every seed runs the same code.
    cells, problems = {}, []
    for experiment in chosen:
        try:
            cells[experiment["name"]] = listed_cells(experiment, EPISODES)
        except SpreadError as error:
            problems.append(str(error))
    if problems:
        raise SpreadError("\n".join(problems))
    results = read_results(results_path)
    if results is not None:
        if results.get("quick_mode") != quick:
            raise SpreadError(f"{results_path} holds {'quick' if results.get('quick_mode') else 'full'}-mode "
                              f"results and this run is in {'quick' if quick else 'full'} mode: give another "
                              "--output folder, or delete that file")
        known = {experiment["name"] for experiment in EXPERIMENTS}
        results["experiments"] = {name: record for name, record in results["experiments"].items() if name in known}
    run = this_run(args, quick)
    # As in scripts/run_notebooks.py: the tests leave quick-mode models in fit_outputs/, and an
    # experiment that loads a saved model (episode 08's base) must train its own instead.
    shutil.rmtree(EPISODES / "fit_outputs", ignore_errors=True)
    for experiment in chosen:
        record = measure_experiment(experiment, run["seeds"], EPISODES, cells=cells[experiment["name"]])
        results = merge_results(results, run, {experiment["name"]: record})
        write_results(results, output)  # after each experiment, so a later failure loses nothing
    print(f"wrote {results_path} and {output / PAGE_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
