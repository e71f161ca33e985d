"""Prepaid credit packages: accounts, carts, balances, redemptions and the ledger file."""
