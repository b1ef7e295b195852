"""Shipped openMINDS JSON-LD contexts (data only; see :mod:`ebrains_curation.graph.context`)."""
