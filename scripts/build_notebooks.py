"""Write the launch cells of every episode, and generate the learner notebooks.

    python scripts/build_notebooks.py          # update episodes/ and episodes/learners/
    python scripts/build_notebooks.py --check  # change nothing; exit 1 if anything is out of date

The notebooks in ``episodes/`` are the instructor versions. For each of them
this command:

1. makes the first two cells the launch cells: a markdown cell with "Open in
   Colab" and "Launch Binder" badges that open this very notebook, and a code
   cell that installs the lesson's helpers on Colab and does nothing anywhere
   else. Both are built from the repository URL in ``pyproject.toml``
   (``[project.urls] Repository``), the one place it is written down. Change it
   there and run this command to move every badge;
2. ends every challenge with a check cell: ``exercises.NAME.check()`` for a
   challenge with blanks, and commented-out ``hint()`` and ``solution()``
   calls for all of them. NAME is the ``exercise`` entry of the challenge
   cell's metadata;
3. writes the learner version to ``episodes/learners/``: the same notebook with
   every cell tagged ``solution`` or ``hint`` removed and all outputs cleared.
   Challenge blanks (cells tagged ``skip-execution``) stay, so learners fill
   them in, and so do the check cells. Its badges open the learner version;
4. embeds the diagrams that markdown cells show as ``![](attachment:NAME.png)``
   (``episodes/figures/NAME.png``), with their alt text from ``helpers.diagrams``;
5. writes the measured durations into the episodes' text, and renders
   ``docs/timings.md`` and the tables of README.md and the instructor notes,
   all from ``helpers/timings.json`` (see scripts/timing_pages.py); and writes
   the tables of ``benchmarks/results.json`` into the markdown blocks
   ``<!-- begin: benchmark-SECTION -->`` ... ``<!-- end: benchmark-SECTION -->``
   of the episodes, SECTION being a section of that file such as ``ablation``;
6. writes ``helpers/exercises/answer_key.json``: the title, hint and solution
   of every challenge, its blank cell, and the answer to each blank (``___``),
   read off the first solution code cell, which must be the blank cell with
   every blank filled in. ``check()``, ``hint()`` and ``solution()`` read it.
7. writes the repository URL into the website's settings, ``_config.yml``,
   for its repository and launch buttons.

A solution is the markdown cell starting ``> #### Solution``, the code cells
right after it, and the block-quoted answer that follows them; each of these
cells carries the ``solution`` tag (CONTRIBUTING.md explains how to write
one). ``tests/test_build_notebooks.py`` fails when the committed notebooks,
pages or answer key differ from what this command would write.
"""

import argparse
import base64
import copy
import json
import re
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import timing_pages  # noqa: E402  (a script beside this one)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from run_benchmarks import section_text  # noqa: E402  (the script that measures the benchmarks)

ROOT = Path(__file__).resolve().parent.parent
EPISODES = ROOT / "episodes"
LEARNERS = EPISODES / "learners"
ANSWER_KEY = ROOT / "helpers" / "exercises" / "answer_key.json"
FIGURES = EPISODES / "figures"  # the diagrams scripts/draw_diagrams.py draws
FIGURE_REFERENCE = re.compile(r"!\[[^\]\n]*\]\(attachment:([\w-]+)\.png\)")
BRANCH = "main"  # the branch that the badges and the Colab install point at

BADGES_TAG = "launch-badges"
SETUP_TAG = "colab-setup"
SOLUTION_TAG = "solution"
HINT_TAG = "hint"
BLANK_TAG = "skip-execution"  # a challenge's cell with blanks: no runner executes it
CHECK_TAG = "exercise-check"
BLANK = "___"
CHALLENGE_HEADING = re.compile(r"^> ### Challenge: (.+)$", re.M)

# What JupyterLab's Python kernel reports about its language. A notebook that
# stores less is marked as changed as soon as it opens, and a learner who
# closes it is asked to save.
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": "3.11.7",
}

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"


def repository_url():
    """The GitHub repository of the lesson, from pyproject.toml's [project.urls]."""
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("urls", {})
    url = urls.get("Repository", "").rstrip("/")
    parts = url.removeprefix("https://github.com/").split("/")
    if not url.startswith("https://github.com/") or len(parts) != 2 or not all(parts):
        raise ValueError(
            f"pyproject.toml's [project.urls] Repository is {url!r}; Colab and Binder need "
            "a GitHub repository written as https://github.com/OWNER/NAME")
    return url


def colab_url(repository, notebook_path):
    """The address that opens the notebook at this path of the repository on Google Colab."""
    owner_and_name = repository.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{owner_and_name}/blob/{BRANCH}/{notebook_path}"


def binder_url(repository, notebook_path):
    """The address that opens the notebook at this path of the repository in JupyterLab on mybinder.org."""
    owner_and_name = repository.removeprefix("https://github.com/")
    return f"https://mybinder.org/v2/gh/{owner_and_name}/{BRANCH}?labpath={quote(notebook_path, safe='')}"


def badges_source(repository, notebook_path):
    """Markdown with the two launch badges for the notebook at this path in the repository."""
    return (f"[![Open in Colab]({COLAB_BADGE})]({colab_url(repository, notebook_path)}) "
            f"[![Launch Binder]({BINDER_BADGE})]({binder_url(repository, notebook_path)})")


def setup_source(repository):
    """The code cell that installs the helpers on Colab and does nothing elsewhere."""
    return (
        "# On Colab, install the lesson's helper package from its repository (under a minute).\n"
        "# Anywhere else (Binder, your own computer) it is installed already, and this does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        # pip reads the lesson's dependencies from its pyproject.toml and installs only
        # those Colab lacks; Colab's own TensorFlow and plotting libraries stay as they are.
        f'    %pip install --quiet "git+{repository}.git@{BRANCH}"'
    )


SITE_CONFIG = ROOT / "_config.yml"  # the website's settings (scripts/build_site.py builds the site)
CONFIG_BLOCK = re.compile(r"(# begin: repository\n).*?(# end: repository\n)", re.S)


def site_config(text, repository):
    """The website's ``_config.yml`` with its repository block written from the repository URL.

    Jupyter Book reads the repository from ``_config.yml`` for its repository
    and launch buttons, so the lines between ``# begin: repository`` and
    ``# end: repository`` are written here, from ``pyproject.toml``.
    """
    if not CONFIG_BLOCK.search(text):
        raise ValueError(f"{SITE_CONFIG.name} lacks the lines '# begin: repository' and '# end: repository' "
                         "between which this command writes the repository")
    block = f"repository:\n  url: {repository}\n  branch: {BRANCH}\n"
    return CONFIG_BLOCK.sub(lambda match: f"{match[1]}{block}{match[2]}", text)


def has_tag(cell, tag):
    return tag in cell.get("metadata", {}).get("tags", [])


def with_launch_cells(notebook, repository, notebook_path):
    """A copy of the notebook whose first two cells are freshly built launch cells."""
    notebook = copy.deepcopy(notebook)
    cells = [cell for cell in notebook.cells
             if not (has_tag(cell, BADGES_TAG) or has_tag(cell, SETUP_TAG))]
    old = {tag: next((cell for cell in notebook.cells if has_tag(cell, tag)), None)
           for tag in (BADGES_TAG, SETUP_TAG)}

    badges = old[BADGES_TAG] or nbformat.v4.new_markdown_cell(metadata={"tags": [BADGES_TAG]})
    badges.source = badges_source(repository, notebook_path)
    setup = old[SETUP_TAG] or nbformat.v4.new_code_cell(metadata={"tags": [SETUP_TAG]})
    setup.source = setup_source(repository)
    notebook.cells = [badges, setup] + cells
    return notebook


class ChallengeError(ValueError):
    """A challenge in an instructor notebook that does not follow CONTRIBUTING.md."""


def challenges(notebook):
    """[(name, question cell index, [indices of its blank, hint and solution cells])] in order."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown" or not CHALLENGE_HEADING.search(cell.source):
            continue
        name = cell.metadata.get("exercise")
        if not name:
            raise ChallengeError(f"the challenge {CHALLENGE_HEADING.search(cell.source)[1]!r} (cell {index}) has "
                                 "no name: give its cell the metadata \"exercise\": \"some_name\"")
        parts = []
        for following in range(index + 1, len(notebook.cells)):
            if not any(has_tag(notebook.cells[following], tag) for tag in (BLANK_TAG, HINT_TAG, SOLUTION_TAG)):
                break
            parts.append(following)
        found.append((name, index, parts))
    return found


def check_source(name, has_blanks):
    """The cell that follows a challenge: a check for one with blanks, hints and solutions for all."""
    reveal = (f"# exercises.{name}.hint()  # stuck? remove the \"# \" in front of a line and run the cell\n"
              f"# exercises.{name}.solution()")
    if has_blanks:
        return f"exercises.{name}.check()  # is your answer right?\n" + reveal
    return "# Answer in words first (or discuss it with your neighbour), then compare:\n" + reveal


def with_check_cells(notebook):
    """A copy in which every challenge ends with a freshly written check cell.

    A check cell whose source is unchanged keeps its outputs from the last full run.
    """
    notebook = copy.deepcopy(notebook)
    for name, question, parts in reversed(challenges(notebook)):
        end = (parts[-1] if parts else question) + 1
        has_blanks = any(has_tag(notebook.cells[index], BLANK_TAG) for index in parts)
        source = check_source(name, has_blanks)
        existing = notebook.cells[end] if end < len(notebook.cells) else None
        if existing is not None and has_tag(existing, CHECK_TAG):
            if existing.source != source:
                existing.source = source
                existing.outputs = []
                existing.execution_count = None
        else:
            notebook.cells.insert(end, nbformat.v4.new_code_cell(source, metadata={"tags": [CHECK_TAG]}))
    return notebook


def figure_alt_text(name):
    """The alt text of a diagram in ``episodes/figures/``, from ``helpers.diagrams``, which draws it."""
    from helpers import diagrams

    if name == "intro_model_blocks":
        from helpers.models import create_model_intro

        return diagrams.model_blocks_alt_text(create_model_intro())
    if name not in diagrams.ALT_TEXT:
        raise ValueError(f"attachment:{name}.png names no diagram of helpers.diagrams "
                         f"(known: {', '.join(sorted(diagrams.ALT_TEXT))}, intro_model_blocks)")
    return diagrams.ALT_TEXT[name]


def with_figures(notebook):
    """Embed every diagram a markdown cell shows, ``![...](attachment:NAME.png)``, with its alt text.

    The picture is ``episodes/figures/NAME.png`` (``scripts/draw_diagrams.py``
    draws them); it travels inside the notebook, so Colab, GitHub and Jupyter
    all show it. The alt text is written in from ``helpers.diagrams``.
    """
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        names = FIGURE_REFERENCE.findall(cell.source)
        if not names:
            continue
        cell.source = FIGURE_REFERENCE.sub(
            lambda match: f"![{figure_alt_text(match[1])}](attachment:{match[1]}.png)", cell.source)
        cell.attachments = {
            f"{name}.png": {"image/png": base64.b64encode((FIGURES / f"{name}.png").read_bytes()).decode("ascii")}
            for name in names
        }
    return notebook


def without_quote(markdown, heading):
    """A block-quoted markdown cell as plain markdown, without its ``#### heading`` line."""
    lines = [line[2:] if line.startswith("> ") else line.removeprefix(">") for line in markdown.splitlines()]
    if lines and lines[0].strip() == f"#### {heading}":
        lines = lines[1:]
    return "\n".join(lines).strip()


def answers_to_blanks(template, solution):
    """What the solution wrote where the template has blanks, or None if it does not fit."""
    pattern = "(.+?)".join(re.escape(piece) for piece in template.split(BLANK))
    match = re.fullmatch(pattern, solution, re.S)
    return list(match.groups()) if match else None


def answer_key_entry(notebook, episode, name, question, parts):
    cells = notebook.cells
    title = CHALLENGE_HEADING.search(cells[question].source)[1].strip()
    blanks = [cells[index].source for index in parts if has_tag(cells[index], BLANK_TAG)]
    hints = [without_quote(cells[index].source, "Hint") for index in parts if has_tag(cells[index], HINT_TAG)]
    solution = []
    for index in parts:
        cell = cells[index]
        if not has_tag(cell, SOLUTION_TAG):
            continue
        if cell.cell_type == "code":
            solution.append({"code": cell.source})
        elif text := without_quote(cell.source, "Solution"):
            solution.append({"markdown": text})
    where = f"episode {episode}, challenge {name!r}"
    if len(hints) != 1:
        raise ChallengeError(f"{where}: expected one hint cell (tag \"hint\"), found {len(hints)}")
    if not solution:
        raise ChallengeError(f"{where}: no solution cells (tag \"solution\")")
    entry = {"title": title, "hint": hints[0], "blank": None, "answers": [], "solution": solution}
    if blanks:
        if len(blanks) > 1:
            raise ChallengeError(f"{where}: more than one cell with blanks")
        first_code = next((part["code"] for part in solution if "code" in part), "")
        answers = answers_to_blanks(blanks[0], first_code)
        if answers is None:
            raise ChallengeError(f"{where}: the first solution code cell must be the cell with blanks, "
                                 f"with each {BLANK} filled in; it is not")
        entry.update(blank=blanks[0], answers=answers)
    return entry


def answer_key(notebooks):
    """The answer key of every challenge, from {episode number: instructor notebook}."""
    key = {}
    for episode, notebook in notebooks.items():
        key[episode] = {name: answer_key_entry(notebook, episode, name, question, parts)
                        for name, question, parts in challenges(notebook)}
    return key


def learner_version(notebook):
    """A copy without solution and hint cells and without outputs; everything else is kept."""
    notebook = copy.deepcopy(notebook)
    notebook.cells = [cell for cell in notebook.cells
                      if not (has_tag(cell, SOLUTION_TAG) or has_tag(cell, HINT_TAG))]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return notebook


BENCHMARK_RESULTS = ROOT / "benchmarks" / "results.json"
BENCHMARK_BLOCK = re.compile(r"<!-- begin: benchmark-([\w-]+) -->")


def with_benchmark_tables(notebook):
    """Write each benchmark section's tables and notes into its ``benchmark-SECTION`` block (in place)."""
    cells = [cell for cell in notebook.cells if cell.cell_type == "markdown" and BENCHMARK_BLOCK.search(cell.source)]
    if not cells:
        return notebook
    sections = json.loads(BENCHMARK_RESULTS.read_text(encoding="utf-8"))["sections"]
    for cell in cells:
        names = BENCHMARK_BLOCK.findall(cell.source)
        missing = [name for name in names if name not in sections]
        if missing:
            raise ValueError(f"{BENCHMARK_RESULTS.relative_to(ROOT)} has no section {', '.join(missing)}: "
                             "run python benchmarks/run_benchmarks.py")
        blocks = {f"benchmark-{name}": "\n".join(section_text(sections[name])) for name in names}
        cell.source = timing_pages.render_blocks(cell.source, blocks)
    return notebook


def instructor_notebooks():
    return sorted(EPISODES.glob("[0-9][0-9]-*.ipynb"))


def expected_files(repository):
    """{path: text as this command would write it}: every instructor and learner notebook,
    the pages rendered from the measured results, and the answer key."""
    expected, instructors, by_path = {}, {}, {}
    results = timing_pages.load_results()
    for path in instructor_notebooks():
        instructor = with_check_cells(with_launch_cells(nbformat.read(path, as_version=4), repository,
                                                        path.relative_to(ROOT).as_posix()))
        timing_pages.render_notebook_text(instructor, results)
        with_benchmark_tables(instructor)
        with_figures(instructor)
        by_path[path] = instructor
        instructor.metadata["language_info"] = copy.deepcopy(LANGUAGE_INFO)
        instructors[path.name[:2]] = instructor
        expected[path] = serialised(instructor)
        learner_path = LEARNERS / path.name
        expected[learner_path] = serialised(with_launch_cells(learner_version(instructor), repository,
                                                              learner_path.relative_to(ROOT).as_posix()))
    expected.update(timing_pages.rendered_pages(results, by_path))
    expected[SITE_CONFIG] = site_config(SITE_CONFIG.read_text(encoding="utf-8"), repository)
    expected[ANSWER_KEY] = json.dumps(answer_key(instructors), indent=1, ensure_ascii=False) + "\n"
    return expected


def serialised(notebook):
    """The notebook's file contents, exactly as nbformat.write would save them."""
    return nbformat.writes(notebook).rstrip("\n") + "\n"


def out_of_date(expected):
    """The paths whose file on disk differs from the expected text (or is missing)."""
    return [path for path, text in expected.items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and list the notebooks that are out of date")
    args = parser.parse_args(argv)
    try:
        repository = repository_url()
        expected = expected_files(repository)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stale = out_of_date(expected)
    extra = sorted(set(LEARNERS.glob("*.ipynb")) - set(expected))
    if args.check:
        for path in stale + extra:
            print(f"out of date: {path.relative_to(ROOT)}")
        if stale or extra:
            print("Run `python scripts/build_notebooks.py` and commit the result.")
            return 1
        print(f"All {len(expected)} files are up to date.")
        return 0
    LEARNERS.mkdir(exist_ok=True)
    for path in stale:
        path.write_text(expected[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    for path in extra:
        path.unlink()
        print(f"removed {path.relative_to(ROOT)} (no instructor version)")
    print(f"{len(expected)} files, {len(stale) + len(extra)} changed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
