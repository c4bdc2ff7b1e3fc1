"""Launch cells and learner notebooks (scripts/build_notebooks.py).

Every episode, instructor and learner version alike, opens with Colab and
Binder badges for its own file and a setup cell that installs the helpers on
Colab only. The learner notebooks are generated, committed, and must match
what the command would write now.
"""

import importlib.util
import sys
import types
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_notebooks.py"
spec = importlib.util.spec_from_file_location("build_notebooks", SCRIPT)
build_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_notebooks)

INSTRUCTOR = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.ipynb"))
LEARNER = sorted((ROOT / "episodes" / "learners").glob("*.ipynb"))
ALL_NOTEBOOKS = INSTRUCTOR + LEARNER


def read(path):
    return nbformat.read(path, as_version=4)


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def test_committed_notebooks_are_what_the_command_writes():
    expected = build_notebooks.expected_files(build_notebooks.repository_url())
    stale = build_notebooks.out_of_date(expected)
    assert not stale, (f"out of date: {[str(p.relative_to(ROOT)) for p in stale]}; "
                       "run `python scripts/build_notebooks.py` and commit the result")


def test_there_is_one_learner_notebook_per_episode():
    assert [path.name for path in LEARNER] == [path.name for path in INSTRUCTOR]


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_first_cells_are_badges_for_this_file_and_the_colab_setup(path):
    cells = read(path).cells
    badges, setup = cells[0], cells[1]
    assert badges.cell_type == "markdown" and "launch-badges" in tags(badges)
    assert setup.cell_type == "code" and "colab-setup" in tags(setup)

    repository = build_notebooks.repository_url()
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
        monkeypatch.setattr(build_notebooks, "ROOT", tmp_path)
        with pytest.raises(ValueError, match="https://github.com/OWNER/NAME"):
            build_notebooks.repository_url()


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
