"""When a work process keeps dying at boot, it is replaced after pauses that grow, not in a tight loop."""

from bot.runtime.work_processes import EARLY_DEATH_SECONDS, MAX_PAUSE_SECONDS, pause_before_replacing


def test_a_process_that_lived_a_normal_life_is_replaced_at_once() -> None:
    assert pause_before_replacing(EARLY_DEATH_SECONDS + 1, last_pause=8.0) == 0.0


def test_early_deaths_are_replaced_after_pauses_that_double_up_to_a_minute() -> None:
    pauses = [0.0]
    for _ in range(9):
        pauses.append(pause_before_replacing(0.2, pauses[-1]))
    assert pauses[1:6] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert max(pauses) == MAX_PAUSE_SECONDS == pauses[-1]
