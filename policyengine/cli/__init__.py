"""The policyengine command line: ``main(argv)`` parses, runs one sub-command, renders
problems as ``file:line:col`` diagnostics and returns the exit code."""

from policyengine.cli.main import main

__all__ = ["main"]
