"""Scenario tests: files next to each policy, what they expect, package scenarios."""
