"""The sweep's helper processes do not outlive the process that started them, however it ends."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWNER = """
import multiprocessing, time
from storage.sweep_helpers import SweepHelpers

helpers = SweepHelpers(2)
helpers.start()
print(" ".join(str(child.pid) for child in multiprocessing.active_children()), flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


def test_helpers_end_on_their_own_when_their_owner_is_killed_outright() -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    try:
        assert owner.stdout is not None
        helpers = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(helpers) == 2 and all(alive(pid) for pid in helpers)
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in helpers)
    finally:
        owner.kill()
        owner.wait(timeout=10)
