"""Loaded by pytest before it collects anything."""

import pytest

EPISODES = "tests/test_episodes.py"  # every episode notebook, run in teaching order: the longest file by far


def test_file(nodeid):
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which runs the tests on both cores
def pytest_xdist_make_scheduler(config, log):
    """Hand out whole test files to the workers, and each series of episodes whole.

    tests/test_episodes.py runs two series of episodes, each in teaching order
    in a folder of its own, where later episodes load the models that earlier
    ones save, so a series must stay together, in order, on one worker; the
    other files' fixtures are shared within a file too. The series come first
    (see below), one to each worker, and a worker takes no other file until
    its series is nearly done, so a long series never waits behind another file.
    """
    from xdist.scheduler import LoadFileScheduling

    class EpisodeSeriesScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid):
            if test_file(nodeid) == EPISODES:  # ...[models-05]: the series "models"
                return f"{EPISODES}::{nodeid.rsplit('[', 1)[-1].split('-', 1)[0]}"
            return test_file(nodeid)

        def _reschedule(self, node):
            # A worker holds back the last test it was given until it gets more work (or is told to stop):
            # so the next file comes when one episode of the series is left to run.
            episodes_left = sum(not finished for scope, tests in self.assigned_work[node].items()
                                if scope.startswith(EPISODES) for finished in tests.values())
            if episodes_left <= 1:
                super()._reschedule(node)

    return EpisodeSeriesScheduling(config, log)


def pytest_collection_modifyitems(items):
    """Order the files by how long they take: the episodes, then files with slow tests, then the rest.

    The longest work starts first, so both workers end at about the same time.
    """
    slow_files = {test_file(item.nodeid) for item in items
                  if item.get_closest_marker("slow") or item.get_closest_marker("browser")}
    items.sort(key=lambda item: (test_file(item.nodeid) != EPISODES, test_file(item.nodeid) not in slow_files))
