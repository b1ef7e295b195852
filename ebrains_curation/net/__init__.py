"""HTTP plumbing shared by the service clients (a base layer beside ``schemas/``).

* :mod:`~ebrains_curation.net.urls`: service URLs parsed once, the way ``requests`` will,
  the plain-http rule (https unless loopback), credentials refused, :func:`redact`;
* :mod:`~ebrains_curation.net.retry`: the one :class:`RetryPolicy` and the :class:`CircuitBreaker`;
* :mod:`~ebrains_curation.net.http`: :class:`HTTPTransport` (session factory, timeouts,
  sanitized :class:`ConnectionFailure`), re-exporting the names above;
* :mod:`~ebrains_curation.net.auth`: token providers (``KG_AUTH_TOKEN``, the device-flow
  login with its private cache and refresh, client credentials), shared by every client.

Imports nothing of the package but :mod:`ebrains_curation.errors` and ``_files``; nothing
heavy (``requests``) is imported until used.
"""
