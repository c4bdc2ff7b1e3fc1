"""Loaded by pytest before it collects anything."""

import pytest

EPISODES = "tests/test_episodes.py"  # every episode notebook, run in teaching order: the longest file by far


def test_file(nodeid):
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which runs the tests on both cores
def pytest_xdist_make_scheduler(config, log):
    """Hand out whole test files to the workers, and give the episodes a worker of their own.

    tests/test_episodes.py runs the episodes in teaching order in one folder,
    where later episodes load the models that earlier ones save, so its tests
    must stay together, in order, on one worker; the other files' fixtures are
    shared within a file too. The episodes come first (see below) and their
    worker takes no other file until they are done, so the long series never
    waits behind another file while the other worker runs out of work.
    """
    from xdist.scheduler import LoadFileScheduling

    class EpisodesApartScheduling(LoadFileScheduling):
        def _reschedule(self, node):
            running = [scope for scope, done in self.assigned_work[node].items() if not all(done.values())]
            if EPISODES not in running:
                super()._reschedule(node)

    return EpisodesApartScheduling(config, log)


def pytest_collection_modifyitems(items):
    """Order the files by how long they take: the episodes, then files with slow tests, then the rest.

    The longest work starts first, so both workers end at about the same time.
    """
    slow_files = {test_file(item.nodeid) for item in items
                  if item.get_closest_marker("slow") or item.get_closest_marker("browser")}
    items.sort(key=lambda item: (test_file(item.nodeid) != EPISODES, test_file(item.nodeid) not in slow_files))
