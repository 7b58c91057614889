"""The session's log scan (tests/log_scan.py): what it finds, and that it sees the app's log lines."""

from __future__ import annotations

from tests import log_scan


def test_the_app_logger_lines_reach_the_scan_with_their_extra_fields():
    from functions.core.logs import logger

    before = len(log_scan.SCAN.lines)
    logger().info("scan probe", extra={"case_id": "CB-100001"})
    kept = log_scan.SCAN.lines[before:]
    assert any('"scan probe"' in line and "CB-100001" in line for _, _, line in kept)


def test_a_customer_address_in_a_log_line_is_a_finding_a_support_address_is_not():
    lines = [
        ("t::a", "casebridge", '{"message":"mail ingested","from":"anna.schmidt@nordwerk.example"}'),
        ("t::b", "casebridge", '{"message":"sent","source":"support@casebridge.local"}'),
        ("t::c", "casebridge", '{"message":"escalated","to":"finance@example.org"}'),
    ]
    found = log_scan.findings(lines, set())
    assert len(found) == 1 and found[0].startswith("t::a") and "anna.schmidt@nordwerk.example" in found[0]


def test_names_bodies_and_phone_numbers_are_findings():
    lines = [
        ("t::a", "casebridge", '{"message":"contact Anna Schmidt"}'),
        ("t::b", "casebridge", '{"message":"sms to +49 170 1234567"}'),
        ("t::c", "casebridge", '{"message":"body: my router drops wifi every hour"}'),
        ("t::d", "casebridge", '{"message":"case CB-100001 version 3","ts":"2026-12-03 01:02:03,456+0000"}'),
    ]
    found = log_scan.findings(lines, {"Anna Schmidt", "my router drops wifi every hour"})
    assert [f.split(" ", 1)[0] for f in found] == ["t::a", "t::b", "t::c"]
