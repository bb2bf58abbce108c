"""examples/processes.py, run as a user runs it: cooperative subprocesses with gstack.subprocess."""

import re
import subprocess
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "processes.py"


def test_processes_example_runs_commands_at_once():
    """Proves: gstack.subprocess (unpatched: the example imports it directly)
    runs four one-second commands, a pipe round trip and a timed-out command
    at once (the whole run takes far less than the sum of the commands'
    times), the hub keeps running other greenlets all along (the ticker's
    0.1 s ticks keep coming), and every command's output arrives whole."""
    start = time.monotonic()
    proc = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                          timeout=60)
    wall = time.monotonic() - start
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    lines = dict(line.split(": ", 1) for line in proc.stdout.splitlines() if ": " in line)
    assert lines["uname"] == subprocess.run(["uname", "-s"], capture_output=True,
                                            text=True).stdout.strip()
    assert lines["python"] == sys.version.split()[0]
    assert lines["count"] == str(sum(range(10**6)))
    assert lines["shell"] == "shell done"
    assert lines["upper"] == "HELLO FROM THE PARENT"
    stopped = re.fullmatch(r"stopped after ([\d.]+) s", lines["timeout"])
    assert stopped and 0.4 <= float(stopped[1]) < 2.5, lines["timeout"]
    summary = re.search(r"(\d+) commands in ([\d.]+) s; the hub ticked (\d+) times",
                        proc.stdout)
    assert summary, proc.stdout
    count, elapsed, ticks = int(summary[1]), float(summary[2]), int(summary[3])
    assert count == 6
    # One after the other: four seconds and more; at once: about one.
    assert 0.9 <= elapsed < 3.0, elapsed
    assert ticks >= elapsed / 0.1 * 0.5, (ticks, elapsed)   # ticks every 0.1 s, on a busy box
    assert wall < 30
