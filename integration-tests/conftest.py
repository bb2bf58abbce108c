"""Print the CPython suites' table at the end of the session, if they ran."""


def pytest_terminal_summary(terminalreporter):
    import sys

    suites = sys.modules.get("test_cpython_suites")
    table = suites.summary() if suites is not None else ""
    if table:
        terminalreporter.section("CPython's test suites: unpatched, under gmonkey.patch_all(), "
                                 "on gnet.asyncio's loop")
        terminalreporter.write_line(table)
