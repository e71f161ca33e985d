"""A policy document compiled into a typed Policy: its sections, its expressions in their scopes."""
