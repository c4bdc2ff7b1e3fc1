"""Build the lesson's website with Jupyter Book 1.

    python -m scripts.build_site                  # the site in _build/html/
    python -m scripts.build_site --output DIR     # the site in DIR/_build/html/

It runs ``jupyter-book build . -W -n --keep-going`` in the repository root:
every warning fails the build, and ``-n`` checks every cross-reference. The
notebooks are not run: their pages show the outputs stored in them
(``execute_notebooks: off`` in ``_config.yml``). ``_toc.yml`` lists the pages,
and ``site/_ext/lesson_site.py`` folds the solutions, points the launch
buttons at the learner notebooks and takes the repository URL from
``pyproject.toml``. That extension imports the notebook conventions and the
repository's addresses from the package ``scripts`` (``scripts/notebook_conventions.py``,
``scripts/repository.py``), so the build runs with the repository root on
``PYTHONPATH``: build through this command rather than with ``jupyter-book``
itself. Needs the ``site`` extra: ``pip install -e ".[site]"``.

Sphinx rebuilds only the pages whose sources changed since the last build in
the same output folder, so warnings of unchanged pages do not show again; the
tests build into a fresh folder.

``build_site(output_dir)`` does the same from Python and returns the folder of
the HTML pages; ``tests/test_site.py`` and the browser tests use it.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALL_ADVICE = 'install the site extra first: pip install -e ".[site]"'


class SiteBuildError(RuntimeError):
    """The site could not be built; the message says why and what to do."""


def jupyter_book_command():
    """The ``jupyter-book`` program of this Python's environment, else the first on PATH."""
    beside_python = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    found = beside_python or shutil.which("jupyter-book")
    if found is None:
        raise SiteBuildError(f"jupyter-book is not installed: {INSTALL_ADVICE}")
    return found


def build_command(output_dir=None):
    """The command line that builds the site, with its output in ``output_dir/_build/html``."""
    command = [jupyter_book_command(), "build", ".", "-W", "-n", "--keep-going"]
    if output_dir is not None:
        command += ["--path-output", str(Path(output_dir).resolve())]
    return command


def build_site(output_dir=None, quiet=False):
    """Build the site and return the folder of its HTML pages, ``output_dir/_build/html``.

    ``output_dir`` defaults to the repository root (the pages land in
    ``_build/html/``). With ``quiet``, the build's log is kept back and shown
    only in the error when the build fails. Raises SiteBuildError when
    jupyter-book is missing or the build fails, warnings included.
    """
    output = Path(output_dir).resolve() if output_dir is not None else ROOT
    command = build_command(output_dir)
    result = subprocess.run(command, cwd=ROOT, env=build_environment(), capture_output=quiet, text=True,
                            check=False)
    if result.returncode != 0:
        log = f":\n{(result.stdout or '')[-6000:]}{(result.stderr or '')[-6000:]}" if quiet else " (see above)"
        raise SiteBuildError(f"the site build failed, exit status {result.returncode}: "
                             f"fix the warnings and errors it reports{log}")
    html = output / "_build" / "html"
    if not (html / "index.html").is_file():
        raise SiteBuildError(f"the build finished but wrote no {html / 'index.html'}")
    return html


def build_environment():
    """This process's environment, with the repository root first on PYTHONPATH for the site's extension."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", metavar="DIR", help="build into DIR/_build/html instead of _build/html")
    args = parser.parse_args(argv)
    try:
        html = build_site(args.output)
    except SiteBuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"The site is in {html}; open {html / 'index.html'} in a browser.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
