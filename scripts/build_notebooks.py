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
2. writes the learner version to ``episodes/learners/``: the same notebook with
   every cell tagged ``solution`` removed and all outputs cleared. Challenge
   blanks (cells tagged ``skip-execution``) stay, so learners fill them in.
   Its badges open the learner version.

A solution is the markdown cell starting ``> #### Solution``, the code cells
right after it, and the block-quoted answer that follows them; each of these
cells carries the ``solution`` tag (CONTRIBUTING.md explains how to write
one). ``tests/test_build_notebooks.py`` fails when the committed notebooks
differ from what this command would write.
"""

import argparse
import copy
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote

import nbformat

ROOT = Path(__file__).resolve().parent.parent
EPISODES = ROOT / "episodes"
LEARNERS = EPISODES / "learners"
BRANCH = "main"  # the branch that the badges and the Colab install point at

BADGES_TAG = "launch-badges"
SETUP_TAG = "colab-setup"
SOLUTION_TAG = "solution"

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


def badges_source(repository, notebook_path):
    """Markdown with the two launch badges for the notebook at this path in the repository."""
    owner_and_name = repository.removeprefix("https://github.com/")
    colab = f"https://colab.research.google.com/github/{owner_and_name}/blob/{BRANCH}/{notebook_path}"
    binder = f"https://mybinder.org/v2/gh/{owner_and_name}/{BRANCH}?labpath={quote(notebook_path, safe='')}"
    return (f"[![Open in Colab]({COLAB_BADGE})]({colab}) "
            f"[![Launch Binder]({BINDER_BADGE})]({binder})")


def setup_source(repository):
    """The code cell that installs the helpers on Colab and does nothing elsewhere."""
    return (
        "# On Colab, install the lesson's helper package from its repository (under a minute).\n"
        "# Anywhere else (Binder, your own computer) it is installed already, and this does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        # --no-deps: Colab already has TensorFlow, Keras and the plotting libraries,
        # and reinstalling them (or adding JupyterLab) would only cost time.
        f'    %pip install --quiet --no-deps "git+{repository}.git@{BRANCH}"\n'
        '    %pip install --quiet "scikeras>=0.13"'
    )


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


def learner_version(notebook):
    """A copy without solution cells and without outputs; everything else is kept."""
    notebook = copy.deepcopy(notebook)
    notebook.cells = [cell for cell in notebook.cells if not has_tag(cell, SOLUTION_TAG)]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return notebook


def instructor_notebooks():
    return sorted(EPISODES.glob("[0-9][0-9]-*.ipynb"))


def expected_notebooks(repository):
    """{path: notebook as this command would write it} for every instructor and learner notebook."""
    expected = {}
    for path in instructor_notebooks():
        instructor = with_launch_cells(nbformat.read(path, as_version=4), repository,
                                       path.relative_to(ROOT).as_posix())
        expected[path] = instructor
        learner_path = LEARNERS / path.name
        expected[learner_path] = with_launch_cells(learner_version(instructor), repository,
                                                   learner_path.relative_to(ROOT).as_posix())
    return expected


def serialised(notebook):
    """The notebook's file contents, exactly as nbformat.write would save them."""
    return nbformat.writes(notebook).rstrip("\n") + "\n"


def out_of_date(expected):
    """The paths whose file on disk differs from the expected notebook (or is missing)."""
    return [path for path, notebook in expected.items()
            if not path.is_file() or path.read_text(encoding="utf-8") != serialised(notebook)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and list the notebooks that are out of date")
    args = parser.parse_args(argv)
    try:
        repository = repository_url()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    expected = expected_notebooks(repository)
    stale = out_of_date(expected)
    extra = sorted(set(LEARNERS.glob("*.ipynb")) - set(expected))
    if args.check:
        for path in stale + extra:
            print(f"out of date: {path.relative_to(ROOT)}")
        if stale or extra:
            print("Run `python scripts/build_notebooks.py` and commit the result.")
            return 1
        print(f"All {len(expected)} notebooks are up to date.")
        return 0
    LEARNERS.mkdir(exist_ok=True)
    for path in stale:
        path.write_text(serialised(expected[path]), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    for path in extra:
        path.unlink()
        print(f"removed {path.relative_to(ROOT)} (no instructor version)")
    print(f"{len(expected)} notebooks, {len(stale) + len(extra)} changed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
