"""helpers.durations: the four ways the lesson writes a duration."""

import pytest

from helpers.durations import in_short, in_words, minutes_and_seconds, rounded_duration


@pytest.mark.parametrize("seconds, text", [(0.4, "0 s"), (45, "45 s"), (59.6, "1 min 00 s"),
                                           (185, "3 min 05 s"), (3725, "1 h 02 min")])
def test_minutes_and_seconds(seconds, text):
    assert minutes_and_seconds(seconds) == text


@pytest.mark.parametrize("seconds, text", [
    (42, "42 s"), (75, "75 s"), (89.4, "89 s"), (779, "13 min"), (1620, "27 min"), (1917, "32 min"),
    (5340, "89 min"), (6000, "1 h 40 min"), (7260, "2 h 01 min"), (390 * 60, "6 h 30 min"),
])
def test_rounded_duration(seconds, text):
    assert rounded_duration(seconds) == text


@pytest.mark.parametrize("seconds, words, short", [
    (3, "5 seconds", "3 s"), (12, "10 seconds", "10 s"), (47, "45 seconds", "45 s"),
    (84, "85 seconds", "1½ min"), (100, "1¾ minutes", "1¾ min"), (150, "2½ minutes", "2½ min"),
    (359, "6 minutes", "6 min"), (721, "12 minutes", "12 min"),
])
def test_durations_are_rounded_for_reading(seconds, words, short):
    assert in_words(seconds) == words
    assert in_short(seconds) == short
