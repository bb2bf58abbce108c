"""Print the CPython suites' table at the end of the session, if they ran."""


def pytest_terminal_summary(terminalreporter):
    import sys

    suites = sys.modules.get("test_cpython_suites")
    table = suites.summary() if suites is not None else ""
    if table:
        terminalreporter.section("CPython's test suites, unpatched and under gmonkey.patch_all()")
        terminalreporter.write_line(table)
