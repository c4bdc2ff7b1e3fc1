"""Self-checks for episode 01, "Introduction to deep learning".

Its one challenge is answered in words, so there is nothing to check: ``hint()``
and ``solution()`` show the instructor's notes.
"""

from helpers.exercises import Exercise

explore_data = Exercise("01", "explore_data")
