"""Pages and sentences rendered from the measured results of the last full run.

``python -m scripts.run_notebooks`` runs every episode and writes what it
measured to ``helpers/timings.json``: the machine, one intro-model epoch, and
for each episode its wall time, training time, slowest cell, peak memory, key
results and the seconds every code cell took. That file is the only place
these numbers are kept (``helpers.timings`` reads it).
``python -m scripts.build_notebooks`` (which the full run calls at its end)
renders from it:

- ``docs/timings.md``, the timing table;
- the episode table in README.md and on the website's home page
  (``site/index.md``), and the schedule table in the instructor notes, between
  their ``<!-- begin: NAME -->`` and ``<!-- end: NAME -->`` lines;
- every duration the text quotes, written as
  ``<span data-timing="KEY">80 seconds</span>`` in a notebook's markdown or in a
  markdown page. KEY is ``lesson-training``, ``lesson-wall``, ``intro-epoch``,
  ``peak-memory`` (the largest of any episode, and which), or cells of the
  episodes joined by ``+``, each ``NN/cell-id``, optionally ``N × NN/cell-id``:
  ``06/train-dropout`` is the cell whose id is ``train-dropout`` in episode
  06. ``helpers.check`` reads the same file for its reference figures.

The durations are written by ``helpers.durations`` (``in_words`` in the
episodes' text, ``in_short`` in the tables, ``minutes_and_seconds`` in the
timing table), and an episode measured apart counts as the reference machine
would take it (``helpers.timings.on_reference_machine``).
"""

import re
from pathlib import Path

from helpers.durations import in_short, in_words, minutes_and_seconds, rounded_duration
from helpers.timings import lesson_seconds, on_reference_machine

ROOT = Path(__file__).resolve().parent.parent
SPAN = re.compile(r'<span data-timing="([^"]+)">([^<]*)</span>')
BLOCK = re.compile(r"(<!-- begin: ([\w-]+) -->\n)(.*?)(<!-- end: \2 -->)", re.S)
EPISODE_TITLE = re.compile(r"^# (?:\d+\. )?(.+)$", re.M)
ESTIMATES = re.compile(r"\*\*Teaching:\*\* (\d+) min · \*\*Exercises:\*\* (\d+) min")


class TimingKeyError(ValueError):
    """A ``data-timing`` key that names no measured figure."""


def episode_record(results, number):
    """The record of episode ``number`` ('05') in the results."""
    for record in results["episodes"]:
        if record["name"].startswith(f"{number}-"):
            return record
    raise TimingKeyError(f"the results hold no episode {number}")


def seconds_for(key, results):
    """The measured seconds a ``data-timing`` key stands for."""
    totals = {
        "lesson-training": lesson_seconds(results, "training_seconds"),
        "lesson-wall": lesson_seconds(results, "seconds"),
        "intro-epoch": results["intro_epoch_seconds"],
    }
    if key in totals:
        return totals[key]
    total = 0.0
    for term in key.split("+"):
        match = re.fullmatch(r"\s*(?:(\d+) × )?(\d\d)/([\w-]+)\s*", term)
        if not match:
            raise TimingKeyError(f"{key!r} is not a timing key (see scripts/timing_pages.py)")
        times, number, cell_id = int(match[1] or 1), match[2], match[3]
        cells = episode_record(results, number)["cell_seconds"]
        if cell_id not in cells:
            raise TimingKeyError(f"episode {number} has no timed code cell with the id {cell_id!r}")
        total += times * cells[cell_id]
    return total


def render_spans(text, results, style):
    """Write the measured duration into every ``data-timing`` span of a text."""

    def replace(match):
        key = match[1]
        if key == "intro-epoch":
            value = f"{results['intro_epoch_seconds']:.1f} s"
        elif key == "peak-memory":
            record = max(results["episodes"], key=lambda record: record["peak_mib"])
            value = f"{gib(record['peak_mib'])} (episode {record['name'][:2]})"
        else:
            value = style(seconds_for(key, results))
        return f'<span data-timing="{key}">{value}</span>'

    return SPAN.sub(replace, text)


def render_blocks(text, blocks):
    """Replace the body of each ``<!-- begin: NAME -->`` block with ``blocks[NAME]``."""

    def replace(match):
        name = match[2]
        if name not in blocks:
            return match[0]
        return f"{match[1]}{blocks[name].rstrip()}\n{match[4]}"

    return BLOCK.sub(replace, text)


def gib(mib):
    return f"{mib / 1024:.1f} GiB"


def episode_rows(results, notebooks):
    """For each episode: (path, title, teaching minutes, exercise minutes, measured record).

    The title and the two estimates come from the episode's title cell
    ("**Teaching:** N min · **Exercises:** N min"), the rest from the results.
    """
    rows = []
    for path, notebook in notebooks.items():
        title_cell = next(cell.source for cell in notebook.cells
                          if cell.cell_type == "markdown" and cell.source.startswith("# "))
        estimates = ESTIMATES.search(title_cell)
        if estimates is None:
            raise ValueError(f"{path.name}: its title cell lacks '**Teaching:** N min · **Exercises:** N min'")
        rows.append((path, EPISODE_TITLE.search(title_cell)[1].strip(), int(estimates[1]), int(estimates[2]),
                     episode_record(results, path.name[:2])))
    return rows


APART = "†"  # marks the figures of an episode measured on its own, on another machine


def apart_mark(record):
    return APART if "measured_apart" in record else ""


def apart_notes(results):
    """One sentence per episode measured apart from the others: when, where, and that machine's speed."""
    notes = []
    for record in results["episodes"]:
        apart = record.get("measured_apart")
        if apart:
            notes.append(
                f"{APART} Episode {record['name'][:2]} was measured on its own on {apart['date']}, on "
                f"{apart['machine']['short']}, where one intro-model epoch took "
                f"{apart['intro_epoch_seconds']:.1f} s (against {results['intro_epoch_seconds']:.1f} s for the "
                f"other episodes); the totals count its figures scaled by the ratio of these two times.")
    return notes


def readme_episode_table(results, notebooks, root=""):
    """The episode table and its notes, with links relative to the repository root.

    ``root`` is the way from the page that shows the table to the repository
    root: "" for README.md, "../" for the website's home page, ``site/index.md``.
    """
    lines = ["| # | episode | teaching | exercises | run time | peak memory |",
             "| --- | --- | --- | --- | --- | --- |"]
    for path, title, teaching, exercises, record in episode_rows(results, notebooks):
        lines.append(f"| {path.name[:2]} | [{title}]({root}episodes/{path.name}) | {teaching} min | {exercises} min | "
                     f"{in_short(record['seconds'])}{apart_mark(record)} | {gib(record['peak_mib'])} |")
    slowest = max(on_reference_machine(record["slowest_seconds"], record, results) for record in results["episodes"])
    lines += [
        "",
        "*Run time* is how long the whole notebook takes to run, almost all of it",
        "training, and *peak memory* what its kernel and any process it starts need",
        f"together at most, both measured on {results['machine']['short']}: "
        f"{in_short(seconds_for('lesson-wall', results))} for all {len(notebooks)}, "
        f"{in_short(seconds_for('lesson-training', results))} of them training, and no cell over "
        f"{in_short(slowest)}. The [timing table]({root}docs/timings.md)",
        "has the details and the results each episode reaches; `python -m helpers.check`",
        "estimates the times for your computer.",
    ]
    lines += [line for note in apart_notes(results) for line in ("", note)]
    return "\n".join(lines)


def schedule_table(results, notebooks):
    lines = ["| episode | teaching | exercises | the notebook's run time here | of which training | peak memory |",
             "| --- | --- | --- | --- | --- | --- |"]
    rows = episode_rows(results, notebooks)
    for path, title, teaching, exercises, record in rows:
        training = in_short(record["training_seconds"]) if record["training_seconds"] >= 1 else "none"
        lines.append(f"| {path.name[:2]} {title} | {teaching} min | {exercises} min | "
                     f"{in_short(record['seconds'])}{apart_mark(record)} | {training} | {gib(record['peak_mib'])} |")
    lines.append(f"| **all {len(rows)}** | **{rounded_duration(60 * sum(row[2] for row in rows))}** | "
                 f"**{rounded_duration(60 * sum(row[3] for row in rows))}** | "
                 f"**{in_short(seconds_for('lesson-wall', results))}** | "
                 f"**{in_short(seconds_for('lesson-training', results))}** | |")
    lines += [line for note in apart_notes(results) for line in ("", note)]
    return "\n".join(lines)


def timings_page(results):
    """docs/timings.md: one row per notebook and a row of totals."""
    machine = results["machine"]
    lines = [
        "# How long the lesson takes",
        "",
        "Every episode notebook, run in full mode (all 50,000 CIFAR-10 training images, the real "
        "numbers of epochs) one after another, each in a fresh kernel, by",
        "",
        f"    {results['command']}",
        "",
        f"on {results['date']}. The stored outputs of the notebooks come from this run, and "
        "`helpers/timings.json` holds the figures below; `python -m scripts.build_notebooks` "
        "renders this page, the tables in the README and the instructor notes, and the durations "
        "the episodes quote from that file.",
        "",
        f"- **Machine:** {machine['description']}",
        f"- **Software:** {results['software']}.",
        f"- **Data:** full CIFAR-10 and the Pima diabetes table, from {results['data']}.",
        f"- **Speed:** one epoch of the intro model (40,000 images, batch 32), timed as "
        f"`python -m helpers.check` times it: {results['intro_epoch_seconds']:.1f} s.",
        "",
        "| episode | wall time | training | slowest cell | peak memory | key results |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    records = results["episodes"]
    for record in records:
        slowest = (f"{minutes_and_seconds(record['slowest_seconds'])}: cell {record['slowest_index']}, "
                   f"`{record['slowest_line'][:60]}`")
        lines.append(f"| {record['name']}{apart_mark(record)} | {minutes_and_seconds(record['seconds'])} | "
                     f"{minutes_and_seconds(record['training_seconds'])} | {slowest} | "
                     f"{record['peak_mib']:,.0f} MiB | {record['key_results'] or 'no training'} |")
    worst = max(records, key=lambda record: on_reference_machine(record["slowest_seconds"], record, results))
    lines += [
        f"| **all {len(records)}** | **{minutes_and_seconds(seconds_for('lesson-wall', results))}** | "
        f"**{minutes_and_seconds(seconds_for('lesson-training', results))}** | "
        f"{minutes_and_seconds(worst['slowest_seconds'])} in {worst['name']} | "
        f"{max(record['peak_mib'] for record in records):,.0f} MiB at most | |",
        "",
        "- **wall time**: from starting the kernel to the end of the last cell.",
        "- **training**: the time spent in cells that train a model: they call `fit` (a model's or "
        "a grid search's), a function of the notebook that does, or the training command.",
        "- **slowest cell**: the one cell that takes longest; it is usually a training run.",
        "- **peak memory**: the most memory the kernel and the processes it starts (the training "
        "command in episodes 09 and 10) held at once, sampled every 0.2 s: the private memory of each, plus "
        "the pages they share (TensorFlow's libraries) once. mybinder.org stops a session whose "
        "processes together pass 2 GiB, the Jupyter server included.",
        "- **key results**: what the cells tagged `key-result` print. Accuracies vary by a point "
        "or two from run to run and between machines.",
        "",
    ]
    lines += [line for note in apart_notes(results) for line in (note, "")]
    return "\n".join(lines)


HOME_PAGE = ROOT / "site" / "index.md"  # the website's home page (python -m scripts.build_site builds the site)


def rendered_pages(results, notebooks):
    """{path: text}: the markdown pages rendered from the results (the notebooks are done apart)."""
    blocks = {
        ROOT / "README.md": {"episode-table": readme_episode_table(results, notebooks)},
        HOME_PAGE: {"episode-table": readme_episode_table(results, notebooks, root="../")},
        ROOT / "docs" / "instructor-notes.md": {"schedule-table": schedule_table(results, notebooks)},
    }
    pages = {ROOT / "docs" / "timings.md": timings_page(results)}
    for path, page_blocks in blocks.items():
        pages[path] = render_spans(render_blocks(path.read_text(encoding="utf-8"), page_blocks), results, in_short)
    return pages


def render_notebook_text(notebook, results):
    """Write the measured durations into the spans of a notebook's markdown cells (in place)."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and "data-timing" in cell.source:
            cell.source = render_spans(cell.source, results, in_words)
    return notebook
