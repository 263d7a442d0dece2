"""The soak of bench/soak.py, short: ~25 s of 4 pushers and 8 readers over TLS, one SIGKILL.

The full run (10 minutes, a kill every ~60 s) is `python -m bench soak`; its figures are in
docs/reliability.md. This keeps the soak itself working.
"""

from __future__ import annotations

import pytest

from bench.soak import SoakConfig, run, summary


@pytest.mark.slow
def test_a_short_soak_with_one_restart() -> None:
    result = run(SoakConfig(seconds=25, restart_every=12))
    figures = summary(result)
    assert figures["kills"] >= 1
    assert figures["verdicts"] == {
        "exactly once": True,
        "statistics equal a rebuild": True,
        "no 5xx but 503 while restarting": True,
        "writes recover after the last restart": True,
    }, figures
    assert result.events_acknowledged > 0 and result.compared
    # Batches that had no answer when the server died are either stored whole or not at all.
    assert result.events_stored >= result.events_acknowledged
