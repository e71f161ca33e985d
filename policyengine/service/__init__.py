"""``policyengine serve``: the decision service over HTTP (the optional ``serve`` extra).

``app.py`` builds the ASGI application (:func:`create_app`) from ``routes.py`` (the
handlers), ``openapi.py`` (the OpenAPI 3.1 document), ``problems.py`` (RFC 9457 error
bodies), ``bodies.py`` (reading request bodies), ``auth.py`` (bearer tokens and roles),
``policies.py`` (the policy set, reloaded only when valid) and ``state.py`` (what the
requests share). ``command.py`` is the ``serve`` command that runs it under uvicorn.
The ledger database is ``policyengine.ledger_db``. See docs/service.md.
"""
