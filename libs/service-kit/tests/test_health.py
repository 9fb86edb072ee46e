from service_kit import Check, HealthReport, Status


def test_report_without_checks_is_ok() -> None:
    report = HealthReport(service="svc", version="1.0.0")
    assert report.status is Status.OK
    assert report.as_dict() == {"status": "ok", "service": "svc", "version": "1.0.0", "checks": {}}


def test_failed_critical_check_means_down() -> None:
    report = HealthReport(
        service="svc",
        version="1.0.0",
        checks=(Check("database", ok=False, detail="timeout"), Check("cache", ok=True)),
    )
    assert report.status is Status.DOWN
    assert report.as_dict()["checks"] == {
        "database": {"ok": False, "critical": True, "detail": "timeout"},
        "cache": {"ok": True, "critical": True, "detail": ""},
    }


def test_failed_optional_check_means_degraded() -> None:
    report = HealthReport(
        service="svc", version="1.0.0", checks=(Check("answers-llm", ok=False, critical=False),)
    )
    assert report.status is Status.DEGRADED
