"""Ready-made example metadata, for the demo, the notebooks, tests and your own experiments.

``example_dataset_version()`` returns a complete, publishable openMINDS v4
DatasetVersion graph: the Dataset, two authors with ORCID and affiliation, a
custodian with a contact e-mail, a CC BY 4.0 licence, a DOI, studied subjects
(mouse), techniques and approaches, funding, copyright, and a small file
repository with a data descriptor.
"""

from __future__ import annotations

from .builders import Builder
from .graph.model import MetadataGraph

__all__ = ["EXAMPLE_BASE", "example_dataset_version"]

EXAMPLE_BASE = "https://example.org/ebrains-curation/demo/"


def example_dataset_version(version: str = "v4", *, doi: str | None = "10.25493/ABCD-1234") -> MetadataGraph:
    """A complete example DatasetVersion (and everything it links to) as a :class:`MetadataGraph`.

    Only v3 and v4 are supported (v5 changes the dataset model; migrate the result instead).

    Long because it is one literal example read top to bottom, like the metadata a lab would write;
    splitting it would only scatter the example.
    """
    b = Builder(version)
    base = EXAMPLE_BASE
    ebrains = b.organization("EBRAINS AISBL", id=base + "org/ebrains")
    univ = b.organization("University of Examples", id=base + "org/univ")
    alice = b.person(
        "Alice",
        "Smith",
        id=base + "person/alice",
        orcid="0000-0002-1825-0097",
        email="alice.smith@example.org",
        affiliations=[univ],
    )
    bob = b.person("Bob", "Jones", id=base + "person/bob", orcid="0000-0002-1694-233X", affiliations=[univ])
    repo = b.file_repository("demo bucket", base + "files/", ebrains, id=base + "repository", type="swift")
    files = [
        b.file(
            "data_descriptor.pdf",
            base + "files/data_descriptor.pdf",
            id=base + "files/data_descriptor.pdf",
            size=48_213,
            hashes={"SHA-256": "9f" * 32},
            format="application/pdf",
            file_repository=repo,
            special_usage_role="data descriptor",
        ),
        b.file(
            "sub-01_ses-01_ecephys.nwb",
            base + "files/sub-01/sub-01_ses-01_ecephys.nwb",
            id=base + "files/sub-01/sub-01_ses-01_ecephys.nwb",
            size=10_485_760,
            hashes={"SHA-256": "3c" * 32},
            file_repository=repo,
        ),
        b.file(
            "participants.tsv",
            base + "files/participants.tsv",
            id=base + "files/participants.tsv",
            size=212,
            hashes={"SHA-256": "a1" * 32},
            format="text/tab-separated-values",
            file_repository=repo,
        ),
    ]
    subjects = [
        b(
            "Subject",
            id=base + f"subject/sub-0{i}",
            lookup_label=f"sub-0{i}",
            species="Mus musculus",
            biological_sex=sex,
            studied_states=[
                b(
                    "SubjectState",
                    id=base + f"subject/sub-0{i}/state",
                    lookup_label=f"sub-0{i}-state",
                    age_category="adult",
                )
            ],
        )
        for i, sex in ((1, "male"), (2, "female"))
    ]
    funding = b.funding(
        "European Commission",
        id=base + "funding/hbp-sga3",
        award_title="Human Brain Project SGA3",
        award_number="945539",
    )
    dsv = b.dataset_version(
        id=base + "dataset-version/v1",
        short_name="Demo mouse ephys",
        full_name="Extracellular recordings in mouse barrel cortex (demonstration data)",
        description="Extracellular recordings from the barrel cortex of two adult mice during whisker stimulation. "
        "A small, made-up dataset that shows every part of an EBRAINS submission.",
        version_identifier="v1",
        version_innovation="This is the first version of this dataset.",
        release_date="2024-05-01",
        accessibility="free access",
        license="CC-BY-4.0",
        copyright=b.copyright([univ], [2024]),
        digital_identifier=doi,
        full_documentation=files[0],
        ethics_assessment="EU-compliant",
        experimental_approaches=["electrophysiology"],
        techniques=["extracellular electrophysiology"],
        data_types=["experimental data"],
        keywords=["Mus musculus"],
        studied_specimens=subjects,
        authors=[alice, bob],
        custodians=[alice],
        funding=[funding],
        repository=repo,
        support_channels=["alice.smith@example.org"],
    )
    dataset = b.dataset(
        "Extracellular recordings in mouse barrel cortex (demonstration data)",
        "Demo mouse ephys",
        "Extracellular recordings from the barrel cortex of two adult mice during whisker stimulation.",
        id=base + "dataset",
        authors=[alice, bob],
        custodians=[alice],
        versions=[dsv],
    )
    graph = MetadataGraph(version)
    graph.add(dataset, *files)
    return graph
