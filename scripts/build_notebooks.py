"""Write the launch cells of every episode, and generate the learner notebooks.

    python -m scripts.build_notebooks          # update episodes/ and episodes/learners/
    python -m scripts.build_notebooks --check  # change nothing; exit 1 if anything is out of date

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
   the tables of ``benchmarks/results.json`` (as ``benchmarks/section_markdown.py``
   writes them) into the markdown blocks
   ``<!-- begin: benchmark-SECTION -->`` ... ``<!-- end: benchmark-SECTION -->``
   of the episodes, SECTION being a section of that file such as ``ablation``;
6. writes ``helpers/exercises/answer_key.json``: the title, hint and solution
   of every challenge, its blank cell, and the answer to each blank (``___``),
   read off the first solution code cell, which must be the blank cell with
   every blank filled in. ``check()``, ``hint()`` and ``solution()`` read it.
7. writes the repository URL into the website's settings, ``_config.yml``,
   for its repository and launch buttons;
8. writes ``helpers/lesson.py``: the function and class definitions of every
   code cell tagged ``save``, in teaching order, with the imports they need
   (like d2l's ``#@save``). Later episodes import them through
   ``helpers.models``, and the helpers use them, so the code the lesson
   teaches is written once, in the notebook that teaches it. A saved
   definition may use imported names and other saved definitions only, not
   the notebook's variables; a notebook that defines a saved function again
   (to build it once more while teaching) must define it identically.

A solution is the markdown cell starting ``> #### Solution``, the code cells
right after it, and the block-quoted answer that follows them; each of these
cells carries the ``solution`` tag (CONTRIBUTING.md explains how to write
one). ``tests/test_build_notebooks.py`` fails when the committed notebooks,
pages, answer key or ``helpers/lesson.py`` differ from what this command
would write. The tags and the other conventions it reads are those of
``scripts/notebook_conventions.py``; the repository's addresses come from
``scripts/repository.py``.
"""

import argparse
import ast
import base64
import builtins
import copy
import functools
import json
import re
import sys
from pathlib import Path
from typing import NamedTuple

import nbformat

from benchmarks.section_markdown import section_text
from helpers.timings import load_timings
from scripts import timing_pages
from scripts.notebook_conventions import (
    BADGES_TAG,
    BLANK_TAG,
    CHECK_TAG,
    FIGURE_REFERENCE,
    FIGURES,
    HINT_TAG,
    SAVE_TAG,
    SETUP_TAG,
    SOLUTION_TAG,
    has_tag,
    without_quote,
)
from scripts.repository import BRANCH, binder_url, colab_url, repository_url

ROOT = Path(__file__).resolve().parent.parent
EPISODES = ROOT / "episodes"
LEARNERS = EPISODES / "learners"
ANSWER_KEY = ROOT / "helpers" / "exercises" / "answer_key.json"
LESSON_MODULE = ROOT / "helpers" / "lesson.py"  # the saved definitions (SAVE_TAG)
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


SITE_CONFIG = ROOT / "_config.yml"  # the website's settings (python -m scripts.build_site builds the site)
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


def figure_alt_text(name, lesson_source):
    """The alt text of a diagram in ``episodes/figures/``, from ``helpers.diagrams``, which draws it.

    The intro model's block diagram is described from ``create_model_intro`` as
    ``lesson_source`` (the ``helpers/lesson.py`` this build writes) defines it,
    so that a changed model gets its new alt text in the same run.
    """
    from helpers import diagrams

    if name == "intro_model_blocks":
        create_model_intro = lesson_definitions(lesson_source).get("create_model_intro")
        if create_model_intro is None:
            raise ValueError(f"the diagram intro_model_blocks shows create_model_intro, which no code cell "
                             f"tagged {SAVE_TAG!r} defines")
        return diagrams.model_blocks_alt_text(create_model_intro())
    if name not in diagrams.ALT_TEXT:
        raise ValueError(f"attachment:{name}.png names no diagram of helpers.diagrams "
                         f"(known: {', '.join(sorted(diagrams.ALT_TEXT))}, intro_model_blocks)")
    return diagrams.ALT_TEXT[name]


def with_figures(notebook, lesson_source):
    """Embed every diagram a markdown cell shows, ``![...](attachment:NAME.png)``, with its alt text.

    The picture is ``episodes/figures/NAME.png`` (``python -m scripts.draw_diagrams``
    draws them); it travels inside the notebook, so Colab, GitHub and Jupyter
    all show it. The alt text is written in from ``helpers.diagrams`` (see
    ``figure_alt_text``, which reads the models from ``lesson_source``).
    """
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        names = FIGURE_REFERENCE.findall(cell.source)
        if not names:
            continue
        cell.source = FIGURE_REFERENCE.sub(
            lambda match: f"![{figure_alt_text(match[1], lesson_source)}](attachment:{match[1]}.png)", cell.source)
        cell.attachments = {
            f"{name}.png": {"image/png": base64.b64encode((FIGURES / f"{name}.png").read_bytes()).decode("ascii")}
            for name in names
        }
    return notebook


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


# --- helpers/lesson.py: the definitions of the code cells tagged "save" ---------------------

class SavedCodeError(ValueError):
    """A cell tagged ``save``, or a copy of its code, that helpers/lesson.py cannot be written from."""


DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
LESSON_IMPORTERS = ("helpers.models", "helpers.lesson")  # helpers/lesson.py and the module that re-exports it


class SavedDefinition(NamedTuple):
    """A function or class that a cell tagged ``save`` defines."""
    name: str
    source: str  # the definition as the cell writes it
    place: str  # "episodes/01-introduction.ipynb, cell 24"
    reads: frozenset  # the global names it uses
    imports: dict  # what its notebook imports, as notebook_imports returns it


def cell_place(path, index):
    """Where a cell is, for messages and for the header of helpers/lesson.py: notebook path and cell number."""
    return f"{path.relative_to(ROOT).as_posix()}, cell {index}"


def parsed(cell):
    """A code cell's lines, IPython's ``%`` and ``!`` lines made empty, and their syntax tree (None if no Python)."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines()]
    try:
        return lines, ast.parse("\n".join(lines))
    except SyntaxError:
        return lines, None


def top_level_definitions(cell):
    """[(syntax tree, source text)] of the functions and classes a code cell defines at its top level.

    A cell that is no Python (a challenge's blanks can be) defines nothing.
    """
    lines, tree = parsed(cell)
    found = []
    for node in tree.body if tree else []:
        if isinstance(node, DEFINITIONS):
            first = min([node.lineno] + [decorator.lineno for decorator in node.decorator_list])
            found.append((node, "\n".join(lines[first - 1:node.end_lineno])))
    return found


def notebook_imports(notebook):
    """{name: (module, imported name or None, alias or None)} for each name a top-level import binds.

    ``import numpy as np`` binds np to ("numpy", None, "np"), ``import scipy.signal``
    binds scipy to ("scipy.signal", None, None), ``from helpers.data import
    CLASS_NAMES`` binds CLASS_NAMES to ("helpers.data", "CLASS_NAMES", None).
    Challenge blanks are left out.
    """
    imports = {}
    for cell in notebook.cells:
        if cell.cell_type != "code" or has_tag(cell, BLANK_TAG):
            continue
        _, tree = parsed(cell)
        for node in tree.body if tree else []:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    imports[alias.asname or alias.name.split(".")[0]] = (alias.name, None, alias.asname)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                for alias in node.names:
                    imports[alias.asname or alias.name] = (node.module, alias.name, alias.asname)
    return imports


def names_read(definition):
    """The names a function or class definition reads and does not bind itself, builtins left out."""
    read, bound = set(), set()
    for node in ast.walk(definition):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, DEFINITIONS) and node is not definition:
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return frozenset(read - bound - set(dir(builtins)))


def saved_definitions(notebooks):
    """Every definition in a code cell tagged ``save``, in teaching order, from {path: instructor notebook}.

    Only a cell's top-level functions and classes are saved: the rest of the
    cell (building a model and printing its summary, say) stays in the notebook.
    """
    saved, seen = [], {}
    for path, notebook in sorted(notebooks.items()):
        imports = notebook_imports(notebook)
        for index, cell in enumerate(notebook.cells):
            if not has_tag(cell, SAVE_TAG):
                continue
            place = cell_place(path, index)
            if cell.cell_type != "code" or has_tag(cell, BLANK_TAG):
                raise SavedCodeError(f"{place} is tagged {SAVE_TAG!r}, but only a code cell that runs can be saved: "
                                     "remove the tag")
            definitions = top_level_definitions(cell)
            if not definitions:
                raise SavedCodeError(f"{place} is tagged {SAVE_TAG!r} but defines no function or class "
                                     "(or is not Python): remove the tag, or put the definition in the cell")
            for node, source in definitions:
                if node.name in seen:
                    raise SavedCodeError(f"{place} saves {node.name}, which {seen[node.name]} saves already: "
                                         f"tag only one of them {SAVE_TAG!r}")
                seen[node.name] = place
                saved.append(SavedDefinition(node.name, source, place, names_read(node), imports))
    return saved


def check_definitions_again(notebooks, saved):
    """Refuse a saved function written again differently, and an import of one defined but not saved.

    A notebook may define a saved function again, as episode 03 builds episode
    01's model once more, but with the very same source: the episodes that
    import it get the saved one. A name that a notebook imports from
    ``helpers.models`` and another notebook defines without the ``save`` tag
    (one renamed in the notebook that saves it, say) is refused too.
    """
    by_name = {definition.name: definition for definition in saved}
    unsaved = {}  # name: where a cell without the tag defines it
    for path, notebook in sorted(notebooks.items()):
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code" or has_tag(cell, SAVE_TAG) or has_tag(cell, BLANK_TAG):
                continue
            for node, source in top_level_definitions(cell):
                original = by_name.get(node.name)
                if original is None:
                    unsaved.setdefault(node.name, cell_place(path, index))
                elif source != original.source:
                    raise SavedCodeError(f"{cell_place(path, index)} defines {node.name} again, but not as "
                                         f"{original.place} does, where it is saved for helpers/lesson.py: "
                                         "make the two definitions the same")
    for path, notebook in sorted(notebooks.items()):
        for module, name, _ in notebook_imports(notebook).values():
            if module in LESSON_IMPORTERS and name in unsaved and name not in by_name:
                raise SavedCodeError(f"{path.relative_to(ROOT).as_posix()} imports {name} from {module}, "
                                     f"but {unsaved[name]} defines it in a cell not tagged {SAVE_TAG!r}: "
                                     "tag the cell that should provide it, or import the name it has now")


def needed_imports(saved):
    """{name: binding} of the imports the saved definitions need, from their notebooks' imports."""
    names = {definition.name for definition in saved}
    needed = {}
    for definition in saved:
        for name in sorted(definition.reads - names):
            binding = definition.imports.get(name)
            if binding is None:
                raise SavedCodeError(
                    f"{definition.place}: {definition.name} uses {name}, which the notebook neither imports nor "
                    f"saves: write its value into {definition.name} or make it a parameter, so that "
                    "helpers/lesson.py can define it without the notebook's variables")
            if binding[0] in LESSON_IMPORTERS:
                raise SavedCodeError(
                    f"{definition.place}: {definition.name} uses {name} from {binding[0]}, which imports "
                    f"helpers/lesson.py itself: save the definition of {name} too, or import it from its own module")
            if needed.setdefault(name, binding) != binding:
                raise SavedCodeError(f"{definition.place}: {name} is imported differently in the notebooks "
                                     "that saved definitions come from: import it the same way in each")
    return needed


KERAS_BINDING = ("keras", None, None)  # import keras


def import_lines(bindings):
    """The import statements for {name: binding}, grouped as PEP 8 has it.

    First the standard library, then other packages, then the lesson's own
    ``helpers``. Keras comes last, from ``keras = import_keras_quietly()``,
    which starts TensorFlow without its messages first, as every episode does,
    so that importing helpers/lesson.py prints nothing. Raises SavedCodeError
    for Keras or TensorFlow imported any other way than ``import keras``.
    """
    groups = {"standard": [], "packages": [], "helpers": []}
    from_imports = {}  # (group, module): ["name", "name as alias", ...]
    uses_keras = False
    for bound, binding in sorted(bindings.items(), key=lambda item: (item[1][0], item[1][1] or "")):
        module, name, alias = binding
        top = module.split(".")[0]
        if binding == KERAS_BINDING:
            uses_keras = True
            from_imports.setdefault(("helpers", "helpers.quiet"), []).append("import_keras_quietly")
            continue
        if top in ("keras", "tensorflow"):
            raise SavedCodeError(f"a saved definition uses {bound} from {module}, but helpers/lesson.py imports "
                                 "Keras only as `import keras`, once TensorFlow has started quietly: import it "
                                 "that way in the notebook and write keras.NAME")
        group = "standard" if top in sys.stdlib_module_names else "helpers" if top == "helpers" else "packages"
        if name is None:
            groups[group].append(f"import {module}" + (f" as {alias}" if alias else ""))
        else:
            from_imports.setdefault((group, module), []).append(name + (f" as {alias}" if alias else ""))
    for (group, module), names in sorted(from_imports.items()):
        groups[group].append(f"from {module} import {', '.join(sorted(names))}")
    blocks = [groups["standard"], groups["packages"], groups["helpers"]]
    if uses_keras:
        blocks.append(["keras = import_keras_quietly()  # TensorFlow first, without its start-up messages: "
                       "importing this module prints nothing"])
    return "\n\n".join("\n".join(block) for block in blocks if block)


LESSON_HEADER = '''"""The code the episodes teach that later episodes and the helpers reuse, saved from the notebooks.

Generated by ``python -m scripts.build_notebooks`` from the code cells tagged
``save`` in the instructor notebooks: do not edit this file. Change the cell
in its notebook and run the command again; ``tests/test_build_notebooks.py``
fails while this file differs from what the command writes. The episodes
import these definitions from ``helpers.models``, which re-exports them.
In teaching order, with the cell each comes from (counted from 0, the launch
badges being cell 0):

{sources}
"""
'''


def lesson_module(notebooks):
    """The text of ``helpers/lesson.py``, from {path: instructor notebook as this command writes it}."""
    saved = saved_definitions(notebooks)
    check_definitions_again(notebooks, saved)
    sources = "\n".join(f"- ``{definition.name}``: {definition.place}" for definition in saved)
    text = LESSON_HEADER.format(sources=sources or f"(no cell is tagged {SAVE_TAG!r} yet)")
    imports = import_lines(needed_imports(saved))
    if imports:
        text += f"\n{imports}\n"
    return text + "".join(f"\n\n# {definition.place}\n{definition.source}\n" for definition in saved)


@functools.cache
def lesson_definitions(source):
    """{name: value} of what a ``helpers/lesson.py`` source defines, run on its own (this imports TensorFlow)."""
    namespace = {}
    exec(compile(source, str(LESSON_MODULE), "exec"), namespace)
    return namespace


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
                             "run python -m benchmarks.run_benchmarks")
        blocks = {f"benchmark-{name}": "\n".join(section_text(sections[name])) for name in names}
        cell.source = timing_pages.render_blocks(cell.source, blocks)
    return notebook


def instructor_notebooks():
    return sorted(EPISODES.glob("[0-9][0-9]-*.ipynb"))


def expected_files(repository):
    """{path: text as this command would write it}: every instructor and learner notebook,
    the pages rendered from the measured results, the answer key and helpers/lesson.py."""
    expected, instructors, by_path = {}, {}, {}
    results = load_timings()
    for path in instructor_notebooks():
        instructor = with_check_cells(with_launch_cells(nbformat.read(path, as_version=4), repository,
                                                        path.relative_to(ROOT).as_posix()))
        timing_pages.render_notebook_text(instructor, results)
        with_benchmark_tables(instructor)
        instructor.metadata["language_info"] = copy.deepcopy(LANGUAGE_INFO)
        by_path[path] = instructor
    expected[LESSON_MODULE] = lesson_module(by_path)
    for path, instructor in by_path.items():
        with_figures(instructor, expected[LESSON_MODULE])
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
            print("Run `python -m scripts.build_notebooks` and commit the result.")
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
