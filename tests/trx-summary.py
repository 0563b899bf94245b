#!/usr/bin/env python3
"""Sums the .trx files of ./test.sh into "skipped: N" and a last line "N passed, N failed".

Usage: trx-summary.py RESULTS_DIR PROJECT...   (each PROJECT's results are RESULTS_DIR/PROJECT.trx)

Counts each test's own outcome (UnitTestResult/@outcome): the trx logger's ResultSummary counters leave an
xunit skip out of every bucket (notExecuted stays 0), so they under-report skips. A project without a
.trx file (its test host crashed or never started) counts as one failure, never as zero tests.
"""
import os
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
FAILED = {"Failed", "Error", "Timeout", "Aborted", "PassedButRunAborted", "Disconnected"}


def main(results, projects):
    passed = failed = 0
    skipped = []
    problems = []
    for project in projects:
        path = os.path.join(results, project + ".trx")
        if not os.path.exists(path):
            failed += 1
            problems.append(f"{project}: no test results ({path} missing: the test host crashed or did not start)")
            continue
        root = ET.parse(path).getroot()
        project_failed = 0
        for r in root.iterfind("t:Results/t:UnitTestResult", NS):
            outcome = r.get("outcome", "")
            if outcome == "Passed":
                passed += 1
            elif outcome in FAILED:
                project_failed += 1
            else:  # NotExecuted (an xunit skip), Inconclusive, NotRunnable
                message = r.find("t:Output/t:ErrorInfo/t:Message", NS)
                reason = (message.text or "").strip() if message is not None else outcome
                skipped.append(f"{r.get('testName')}: {reason}")
        summary = root.find("t:ResultSummary", NS)
        if project_failed == 0 and summary is not None and summary.get("outcome") in ("Failed", "Error", "Aborted"):
            project_failed = 1
            problems.append(f"{project}: the run ended '{summary.get('outcome')}' without a failed test (see {path})")
        failed += project_failed
    for line in problems:
        print(line)
    for line in sorted(skipped):
        print("skipped " + line)
    print(f"skipped: {len(skipped)}")
    print(f"{passed} passed, {failed} failed")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: trx-summary.py RESULTS_DIR PROJECT...")
    main(sys.argv[1], sys.argv[2:])
