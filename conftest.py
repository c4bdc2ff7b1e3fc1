"""Loaded by pytest before it collects anything, for the notebooks and the unit tests alike."""

import pytest


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which runs the tests on both cores
def pytest_xdist_make_scheduler(config, log):
    """Hand out whole test files to the workers, and every episode notebook as one series.

    nbval runs the episodes in teaching order in one folder, where later
    episodes load the models that earlier ones save, so they must all run in
    order on one worker. Everything else goes out file by file: the learner
    path, for instance, runs its notebooks in order in a folder of its own.
    """
    from xdist.scheduler import LoadScopeScheduling

    class NotebookSeriesScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            if nodeid.startswith("episodes/"):
                return "episodes"
            return nodeid.split("::", 1)[0]

    return NotebookSeriesScheduling(config, log)
