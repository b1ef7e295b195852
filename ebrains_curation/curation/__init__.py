"""EBRAINS curation: the submission record, readiness checklist, Data Descriptor draft and DataCite export.

* :class:`SubmissionRecord` — what the curation request asks for that openMINDS has no property for.
* :func:`readiness_checklist` — the curation steps with what is done and what is missing.
* :func:`data_descriptor` — a Data Descriptor draft in the sections of the EBRAINS template.
* :func:`to_datacite` — DataCite kernel-4 JSON, checked against the DataCite schema.

The checks themselves are the ``ebrains-submission`` and ``ebrains-publication``
validation profiles (``ebrains_curation/schemas/profiles``).
"""

from .checklist import Checklist, ChecklistItem, ChecklistStep, readiness_checklist
from .datacite import datacite_errors, to_datacite
from .descriptor import data_descriptor
from .products import Product, find_products, get_product
from .record import SubmissionRecord

__all__ = [
    "Checklist",
    "ChecklistItem",
    "ChecklistStep",
    "Product",
    "SubmissionRecord",
    "data_descriptor",
    "datacite_errors",
    "find_products",
    "get_product",
    "readiness_checklist",
    "to_datacite",
]
