"""The load test's summary (load_summary.py): percentiles, ratios to the trivial view, the verdict."""

import pytest
from load_summary import Record, after_warmup, figures, queue_summary, server_records, summarise, verdict


def test_figures_are_nearest_rank_percentiles() -> None:
    result = figures([float(n) for n in range(100, 0, -1)], errors=2)
    assert result == {"requests": 100, "errors": 2, "median_ms": 50.5, "p95_ms": 95.0, "p99_ms": 99.0}


def test_figures_of_no_requests_have_no_times() -> None:
    assert figures([], errors=0)["p95_ms"] is None


def _records(name: str, times: list[float], failed: int = 0) -> list[Record]:
    return [Record(name, t, index < failed) for index, t in enumerate(times)]


def test_summary_gives_each_p95_as_a_multiple_of_the_trivial_view() -> None:
    records = [
        *_records("GET /helse/", [2.0] * 19 + [10.0]),
        *_records("GET /timer/", [20.0] * 19 + [29.0], failed=1),
        *_records("GET /godkjenning/", [40.0] * 20),
        *_records("POST /logg-inn/", [900.0] * 3),
    ]
    summary = summarise(records, exempt={"POST /logg-inn/": "password hashing"})
    assert summary["trivial_view"]["p95_ms"] == 2.0
    assert summary["requests"]["GET /timer/"]["p95_ratio_to_trivial"] == 10.0
    assert summary["requests"]["GET /timer/"]["errors"] == 1
    assert summary["requests"]["GET /helse/"]["p95_ratio_to_trivial"] == 1.0
    assert summary["p95_over_target"] == ["GET /godkjenning/", "GET /timer/"]
    assert summary["requests"]["POST /logg-inn/"]["exempt_from_target"] == "password hashing"
    assert summary["total_requests"] == 63
    assert summary["total_errors"] == 1


def test_a_page_within_three_times_the_trivial_view_meets_the_target() -> None:
    summary = summarise([*_records("GET /helse/", [10.0] * 20), *_records("GET /timer/", [30.0] * 20)])
    assert summary["p95_over_target"] == []
    assert verdict(summary, {"exact": True}) == {
        "zero_errors": True,
        "every_p95_within_target": True,
        "ledger_exact": True,
    }
    assert verdict(summary, {"exact": False})["ledger_exact"] is False


def test_a_run_without_the_trivial_view_cannot_be_summarised() -> None:
    with pytest.raises(ValueError, match="trivial view"):
        summarise(_records("GET /timer/", [1.0]))


def test_queue_summary_keeps_the_series_and_its_peak() -> None:
    samples = [
        {"t": 0.0, "queue": 0, "rows_pending": 0},
        {"t": 5.0, "queue": 4, "rows_pending": 12},
        {"t": 10.0, "queue": 1, "rows_pending": 3},
    ]
    result = queue_summary(samples)
    assert (result["queue_max"], result["queue_mean"], result["rows_pending_max"]) == (4, 1.67, 12)
    assert result["series"] == samples


def test_the_steady_state_leaves_out_the_warmup() -> None:
    records = [Record("GET /timer/", 900.0, False, 10.0), Record("GET /timer/", 20.0, False, 70.0)]
    assert after_warmup(records, 60.0) == [records[1]]


def test_server_records_read_gunicorns_access_log_one_name_per_address_shape() -> None:
    lines = [
        "[02/Dec/2026:22:53:04 +0000] GET /api/v1/weeks/2026-W07/ 200 41250",
        "[02/Dec/2026:22:53:05 +0000] POST /timer/ 302 8000",
        "[02/Dec/2026:22:53:06 +0000] GET /helse/ 500 900",
        "a line of something else",
    ]
    started = 1_796_251_980.0  # 2026-12-02 22:53:00 UTC
    assert server_records(lines, started=started) == [
        Record("GET /api/v1/weeks/{week}/", 41.25, False, 4.0),
        Record("POST /timer/", 8.0, False, 5.0),
        Record("GET /helse/", 0.9, True, 6.0),
    ]
