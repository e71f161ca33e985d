"""Evaluating a holder's records against a certification or designation policy."""
