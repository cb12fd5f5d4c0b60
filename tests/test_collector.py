"""The collector's pause (core/collector.py): off inside, as it was once the last overlapping pause ends.

Each case runs in a process of its own: the suite's in-process servers pause the collector for their deliveries."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CASES = {
    "paused inside, enabled after": """
        assert gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled()
    """,
    "overlapping pauses on two threads end with the last": """
        inside, release = threading.Event(), threading.Event()
        def other():
            with collector_paused():
                inside.set()
                release.wait(10)
        thread = threading.Thread(target=other)
        thread.start()
        inside.wait(10)
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the other thread's pause still holds
        release.set()
        thread.join(10)
        assert gc.isenabled()
    """,
    "a disabled collector stays disabled": """
        gc.disable()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    """,
    "an error inside still ends the pause": """
        try:
            with collector_paused():
                raise ValueError("inside")
        except ValueError:
            pass
        assert gc.isenabled()
    """,
}


@pytest.mark.parametrize("case", CASES)
def test_collector_pause(case):
    script = "import gc, threading\nfrom nimbus.core.collector import collector_paused\n" + textwrap.dedent(CASES[case])
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
