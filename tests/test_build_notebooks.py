"""Launch cells and learner notebooks (python -m scripts.build_notebooks).

Every episode, instructor and learner version alike, opens with Colab and
Binder badges for its own file and a setup cell that installs the helpers on
Colab only. The learner notebooks and helpers/lesson.py (the definitions of
the cells tagged ``save``) are generated, committed, and must match what the
command would write now.
"""

import sys
import types
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from scripts import build_notebooks
from scripts.repository import repository_url

ROOT = Path(__file__).resolve().parent.parent

INSTRUCTOR = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.ipynb"))
LEARNER = sorted((ROOT / "episodes" / "learners").glob("*.ipynb"))
ALL_NOTEBOOKS = INSTRUCTOR + LEARNER


def read(path):
    return nbformat.read(path, as_version=4)


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def test_committed_notebooks_are_what_the_command_writes():
    """Also helpers/lesson.py: a saved definition changed in its notebook fails here until the command has run."""
    expected = build_notebooks.expected_files(repository_url())
    assert build_notebooks.LESSON_MODULE in expected
    stale = build_notebooks.out_of_date(expected)
    assert not stale, (f"out of date: {[str(p.relative_to(ROOT)) for p in stale]}; "
                       "run `python -m scripts.build_notebooks` and commit the result")


def test_there_is_one_learner_notebook_per_episode():
    assert [path.name for path in LEARNER] == [path.name for path in INSTRUCTOR]


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_first_cells_are_badges_for_this_file_and_the_colab_setup(path):
    cells = read(path).cells
    badges, setup = cells[0], cells[1]
    assert badges.cell_type == "markdown" and "launch-badges" in tags(badges)
    assert setup.cell_type == "code" and "colab-setup" in tags(setup)

    repository = repository_url()
    owner_and_name = repository.removeprefix("https://github.com/")
    own_path = path.relative_to(ROOT).as_posix()
    assert (f"https://colab.research.google.com/github/{owner_and_name}/blob/main/{own_path})"
            in badges.source)
    assert (f"https://mybinder.org/v2/gh/{owner_and_name}/main?labpath={quote(own_path, safe='')})"
            in badges.source)
    assert "Open in Colab" in badges.source and "Launch Binder" in badges.source
    assert f"git+{repository}.git@main" in setup.source


def run_setup_cell(source, on_colab, monkeypatch):
    """Run the setup cell as IPython would; return the magics it asked for."""
    magics = []
    shell = types.SimpleNamespace(run_line_magic=lambda name, line: magics.append((name, line)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    python = TransformerManager().transform_cell(source)
    exec(python, {"get_ipython": lambda: shell})
    return magics


def test_setup_cell_does_nothing_outside_colab(monkeypatch):
    source = build_notebooks.setup_source("https://github.com/owner/lesson")
    assert run_setup_cell(source, on_colab=False, monkeypatch=monkeypatch) == []


def test_setup_cell_installs_the_helpers_from_the_repository_on_colab(monkeypatch):
    source = build_notebooks.setup_source("https://github.com/owner/lesson")
    magics = run_setup_cell(source, on_colab=True, monkeypatch=monkeypatch)
    assert magics == [("pip", 'install --quiet "git+https://github.com/owner/lesson.git@main"')]
    # No package list of its own: pip reads the dependencies from pyproject.toml.


def test_repository_url_must_be_a_github_repository(monkeypatch, tmp_path):
    for url in ["", "https://gitlab.com/owner/lesson", "https://github.com/owner"]:
        (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n[project.urls]\nRepository = "{url}"\n')
        monkeypatch.setattr("scripts.repository.ROOT", tmp_path)
        with pytest.raises(ValueError, match="https://github.com/OWNER/NAME"):
            repository_url()


def test_learner_version_drops_solutions_keeps_blanks_and_clears_outputs():
    challenge = nbformat.v4.new_markdown_cell("> ### Challenge: add one\n> Add 1 to 2.")
    blank = nbformat.v4.new_code_cell("___ + 2", metadata={"tags": ["skip-execution", "nbval-skip"]})
    header = nbformat.v4.new_markdown_cell("> #### Solution", metadata={"tags": ["solution"]})
    answer = nbformat.v4.new_code_cell("1 + 2", metadata={"tags": ["solution"]}, execution_count=3,
                                       outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "3"})])
    after = nbformat.v4.new_code_cell("print('next')", execution_count=4,
                                      outputs=[nbformat.v4.new_output("stream", name="stdout", text="next\n")])
    notebook = nbformat.v4.new_notebook(cells=[challenge, blank, header, answer, after])

    learner = build_notebooks.learner_version(notebook)

    assert [cell.source for cell in learner.cells] == [challenge.source, blank.source, after.source]
    assert learner.cells[-1].outputs == [] and learner.cells[-1].execution_count is None
    assert tags(learner.cells[1]) == ["skip-execution", "nbval-skip"]
    assert len(notebook.cells) == 5 and notebook.cells[4].outputs, "the instructor notebook is not changed"


@pytest.mark.parametrize("path", INSTRUCTOR, ids=lambda p: p.name)
def test_learner_notebook_is_the_instructor_notebook_without_solutions_or_outputs(path):
    instructor = [cell for cell in read(path).cells if not {"solution", "hint"} & set(tags(cell))]
    learner = read(ROOT / "episodes" / "learners" / path.name).cells
    assert [cell.source for cell in learner[2:]] == [cell.source for cell in instructor[2:]]
    assert not any("#### Solution" in cell.source or "#### Hint" in cell.source for cell in learner)
    assert all(cell.outputs == [] and cell.execution_count is None
               for cell in learner if cell.cell_type == "code")
    blanks = [cell.source for cell in instructor if "skip-execution" in tags(cell)]
    assert blanks == [cell.source for cell in learner if "skip-execution" in tags(cell)]


@pytest.mark.parametrize("path", INSTRUCTOR, ids=lambda p: p.name)
def test_solutions_are_tagged_whole_cells(path):
    """Removing the tagged cells removes every solution and nothing else."""
    cells = read(path).cells
    previous_is_solution = False
    for index, cell in enumerate(cells):
        where = f"{path.name}, cell {index}"
        is_header = cell.cell_type == "markdown" and cell.source.startswith("> #### Solution")
        is_solution = "solution" in tags(cell)
        if is_header:
            assert is_solution, f"{where}: a solution header must be tagged 'solution'"
        elif is_solution:
            assert previous_is_solution, f"{where}: a 'solution' cell must follow the solution header"
        if is_solution and cell.cell_type == "markdown":
            narrative = [line for line in cell.source.splitlines() if line.strip() and not line.startswith(">")]
            assert not narrative, f"{where}: split the narrative after the answer into its own cell"
        previous_is_solution = is_solution


@pytest.mark.parametrize("path", INSTRUCTOR, ids=lambda p: p.name)
def test_hints_are_tagged_block_quotes(path):
    for index, cell in enumerate(read(path).cells):
        is_hint = cell.cell_type == "markdown" and cell.source.startswith("> #### Hint")
        assert is_hint == ("hint" in tags(cell)), f"{path.name}, cell {index}: tag every hint cell 'hint'"
        if is_hint:
            assert all(line.startswith(">") for line in cell.source.splitlines()), f"{path.name}, cell {index}"


@pytest.mark.parametrize("path", LEARNER, ids=lambda p: p.name)
def test_every_challenge_in_a_learner_notebook_ends_with_its_check_or_reveal_cell(path):
    cells = read(path).cells
    challenges = [(index, cell.metadata["exercise"]) for index, cell in enumerate(cells)
                  if cell.cell_type == "markdown" and "### Challenge:" in cell.source]
    assert challenges, "every episode has challenges"
    for index, name in challenges:
        following = cells[index + 1]
        has_blanks = "skip-execution" in tags(following)
        check = cells[index + 2] if has_blanks else following
        assert "exercise-check" in tags(check), f"{path.name}: challenge {name!r} has no check cell"
        assert f"# exercises.{name}.hint()" in check.source and f"# exercises.{name}.solution()" in check.source
        assert (f"\nexercises.{name}.check()" in "\n" + check.source) == has_blanks


def challenge_notebook(solution_code):
    question = nbformat.v4.new_markdown_cell("> ### Challenge: add one\n> Add 1 to 2.",
                                             metadata={"exercise": "add_one"})
    blank = nbformat.v4.new_code_cell("total = ___ + ___", metadata={"tags": ["skip-execution", "nbval-skip"]})
    hint = nbformat.v4.new_markdown_cell("> #### Hint\n> Two numbers.", metadata={"tags": ["hint"]})
    header = nbformat.v4.new_markdown_cell("> #### Solution", metadata={"tags": ["solution"]})
    answer = nbformat.v4.new_code_cell(solution_code, metadata={"tags": ["solution"]})
    words = nbformat.v4.new_markdown_cell("> One and two make three.", metadata={"tags": ["solution"]})
    return nbformat.v4.new_notebook(cells=[question, blank, hint, header, answer, words])


def test_the_answers_are_read_off_the_solution_and_a_check_cell_is_added():
    notebook = build_notebooks.with_check_cells(challenge_notebook("total = 1 + 2"))
    entry = build_notebooks.answer_key_entry(notebook, "99", "add_one", 0, [1, 2, 3, 4, 5])
    assert entry == {"title": "add one", "hint": "Two numbers.", "blank": "total = ___ + ___",
                     "answers": ["1", "2"],
                     "solution": [{"code": "total = 1 + 2"}, {"markdown": "One and two make three."}]}
    assert notebook.cells[-1].source.startswith("exercises.add_one.check()")
    assert build_notebooks.with_check_cells(notebook).cells == notebook.cells, "a second build changes nothing"


def test_a_solution_that_does_not_fill_the_blanks_is_refused():
    notebook = challenge_notebook("total = sum([1, 2])")
    with pytest.raises(build_notebooks.ChallengeError, match="must be the cell with blanks"):
        build_notebooks.answer_key_entry(notebook, "99", "add_one", 0, [1, 2, 3, 4, 5])


def test_a_challenge_without_a_name_is_refused():
    notebook = challenge_notebook("total = 1 + 2")
    del notebook.cells[0].metadata["exercise"]
    with pytest.raises(build_notebooks.ChallengeError, match="has no name"):
        build_notebooks.challenges(notebook)


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebooks_store_what_the_kernel_reports_about_python(path):
    """JupyterLab marks a notebook as changed on opening when its language_info is less than this."""
    info = read(path).metadata.language_info
    assert info["name"] == "python" and info["pygments_lexer"] == "ipython3" and info["codemirror_mode"]


# --- helpers/lesson.py: the definitions of the cells tagged "save" ---------------------

def code_cell(source, *tags):
    return nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)})


def episode(name, *cells):
    """{path: notebook}: an instructor notebook of that name in episodes/, in memory only."""
    return {build_notebooks.EPISODES / name: nbformat.v4.new_notebook(cells=list(cells))}


IMPORTS = code_cell("import time\nimport numpy as np\n\nfrom helpers.data import CLASS_NAMES, load_cifar10")


def test_a_saved_cell_gives_its_definitions_with_the_imports_they_need_and_nothing_else():
    notebooks = episode("01-first.ipynb", IMPORTS,
                        code_cell("def count_classes():\n    return len(CLASS_NAMES)\n\n\nprint(count_classes())",
                                  "save"),
                        code_cell("def not_saved():\n    return np.zeros(1)"))
    text = build_notebooks.lesson_module(notebooks)
    assert "do not edit this file" in text
    assert "- ``count_classes``: episodes/01-first.ipynb, cell 1\n" in text
    assert "\nfrom helpers.data import CLASS_NAMES\n" in text
    assert "\n# episodes/01-first.ipynb, cell 1\ndef count_classes():\n    return len(CLASS_NAMES)\n" in text
    for left_out in ("numpy", "load_cifar10", "import time", "print(count_classes())", "not_saved",
                     "import_tensorflow_quietly", "import_keras_quietly"):
        assert left_out not in text
    namespace = {}
    exec(text, namespace)
    assert namespace["count_classes"]() == 10


def test_keras_is_imported_after_tensorflow_has_started_quietly():
    notebooks = episode("01-first.ipynb", code_cell("import keras\nimport time"),
                        code_cell("def timed_input():\n    start = time.perf_counter()\n"
                                  "    return keras.Input(shape=(2,)), time.perf_counter() - start", "save"))
    text = build_notebooks.lesson_module(notebooks)
    assert (text.index("\nimport time\n") < text.index("\nfrom helpers.quiet import import_keras_quietly\n")
            < text.index("\nkeras = import_keras_quietly()  # "))
    assert "import keras\n" not in text


def test_keras_imported_any_other_way_is_refused():
    notebooks = episode("01-first.ipynb", code_cell("from keras import layers"),
                        code_cell("def dense():\n    return layers.Dense(2)", "save"))
    with pytest.raises(build_notebooks.SavedCodeError, match="uses layers from keras, but helpers/lesson.py imports "
                                                             "Keras only as `import keras`"):
        build_notebooks.lesson_module(notebooks)


def test_a_saved_definition_may_not_use_the_notebooks_variables():
    notebooks = episode("01-first.ipynb", IMPORTS, code_cell("train_images = np.zeros((4, 32, 32, 3))"),
                        code_cell("def image_shape():\n    return train_images.shape[1:]", "save"))
    with pytest.raises(build_notebooks.SavedCodeError,
                       match="cell 2: image_shape uses train_images, which the notebook neither imports nor saves"):
        build_notebooks.lesson_module(notebooks)


def test_a_saved_function_written_again_must_be_written_the_same():
    saved = "def double(x):\n    return 2 * x"
    notebooks = {**episode("01-first.ipynb", code_cell(saved, "save")),
                 **episode("03-again.ipynb", code_cell(saved + "\n\n\nprint(double(2))"))}
    assert "def double" in build_notebooks.lesson_module(notebooks), "a copy for teaching may be there"
    notebooks[build_notebooks.EPISODES / "03-again.ipynb"].cells[0].source = saved.replace("2 * x", "x + x")
    with pytest.raises(build_notebooks.SavedCodeError, match=r"episodes/03-again.ipynb, cell 0 defines double "
                       r"again, but not as episodes/01-first.ipynb, cell 0 does"):
        build_notebooks.lesson_module(notebooks)


def test_a_saved_function_renamed_in_one_notebook_only_is_refused():
    """Episode 01 renames its model, episode 03 still builds it under the old name, which episode 05 imports."""
    notebooks = {**episode("01-first.ipynb", code_cell("def create_model_first():\n    return 1", "save")),
                 **episode("03-again.ipynb", code_cell("def create_model_intro():\n    return 1")),
                 **episode("05-later.ipynb", code_cell("from helpers.models import create_model_intro"))}
    with pytest.raises(build_notebooks.SavedCodeError,
                       match="05-later.ipynb imports create_model_intro from helpers.models, but "
                             "episodes/03-again.ipynb, cell 0 defines it in a cell not tagged 'save'"):
        build_notebooks.lesson_module(notebooks)


@pytest.mark.parametrize("cells, problem", [
    ([code_cell("def f():\n    return 1", "save"), code_cell("def f():\n    return 2", "save")],
     "cell 1 saves f, which episodes/01-first.ipynb, cell 0 saves already"),
    ([code_cell("print(1)", "save")], "defines no function or class"),
    ([code_cell("def f():\n    return ___", "save", "skip-execution", "nbval-skip")], "only a code cell that runs"),
    ([nbformat.v4.new_markdown_cell("def f(): pass", metadata={"tags": ["save"]})], "only a code cell that runs"),
], ids=["saved twice", "no definition", "blanks", "markdown"])
def test_a_misplaced_save_tag_is_refused(cells, problem):
    with pytest.raises(build_notebooks.SavedCodeError, match=problem):
        build_notebooks.lesson_module(episode("01-first.ipynb", *cells))
