"""Tooling for policy repositories: validate, scenario tests, coverage and the impact diff."""
