"""Sources are citations a merchant can follow (issue 16): the `source` the
merchant API shows never carries working notes, and never a path on the
machine the data was compiled on."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3] / "storefront"
FILES = [ROOT / "tax/data/rates.json", ROOT / "tax/data/taxability.json", ROOT / "checkout/data/customs.json"]
NOTES = ("via search", "found by search", "general knowledge", "not fetched", "/work/", "this environment",
         "from memory", "DOMAIN.md")


def sources(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "sources" and isinstance(inner, dict):
                for k, v in inner.items():  # a citation string, or {authority, document, url, date}
                    yield k, v if isinstance(v, str) else " ".join(str(x) for x in v.values())
            else:
                yield from sources(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from sources(inner)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_source_is_a_citation(path):
    found = list(sources(json.loads(path.read_text())))
    assert found, path
    bad = [(k, v) for k, v in found if any(n.lower() in v.lower() for n in NOTES)]
    assert not bad, bad
