"""The impact diff: which holders' and accounts' outcomes a policy change changes."""
