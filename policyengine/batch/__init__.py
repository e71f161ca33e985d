"""Whole memberships: every holder of a population through one policy, streamed.

``inputs`` reads holders lazily (JSONL lines, holder files, sources files), ``summary``
reduces each evaluation to one output record, ``run`` maps the per-holder function over
the inputs in order — in this process, in worker processes (``--jobs``), or on Dask
(``dask_engine``, an optional extra) — and ``output`` writes JSONL, CSV or one JSON
document as results arrive. Memory is bounded by the number of holders in flight, never
by the population.
"""
