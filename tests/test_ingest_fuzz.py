"""No line, however malformed, makes a batch fail: it is stored or rejected with a reason."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acdstats.domain.events import Line
from acdstats.services.ingest import ingest_batch
from acdstats.storage.db import Database

FIELDS = ["type", "at", "request_id", "user_id", "queue_id", "status", "event_id", "account_id",
          "offered_at", "answered_at", "ended_at", "acw_ended_at"]  # fmt: skip
TYPES = ["enqueued", "offered", "answered", "unanswered", "hangup", "abandoned", "rejected",
         "status", "offer", "", "OFFERED"]  # fmt: skip
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.text(max_size=30), st.sampled_from(TYPES),
    st.sampled_from(["2026-03-02 10:00:00", "2026-03-02T10:00:00.123456+05:30", "7", "0",
                     "READY", "AFTER_SERVICE", "2026-13-02 10:00:00", "2026-03-02 10:00:00\x00"]),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)
records = st.dictionaries(st.sampled_from(FIELDS), values, max_size=8)
raw_lines = st.binary(max_size=60)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(st.one_of(records, raw_lines), min_size=1, max_size=12))
def test_any_batch_is_processed_line_by_line(batch: list[dict[str, Any] | bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "fuzz.duckdb")
        try:
            lines: list[Line] = list(enumerate(batch, start=1))
            report = ingest_batch(db, 1, lines)
            accounted = report.stored + report.duplicates + len(report.rejected)
            assert accounted == len(batch)
            assert all(reason for _, reason in report.rejected)
        finally:
            db.close()
