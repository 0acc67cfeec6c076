"""Build ``trials/registries/ctgov/shapes.json`` from ClinicalTrials.gov's OpenAPI spec.

The finder checks every record it is given (API answers and imported files) against
the JSON types the spec gives each field of a ``Study``. The spec is YAML with ``$ref``s,
so a runtime check would need a YAML parser and the spec itself; instead this script
reduces it, once, to a small tree of types shipped with the package:

- an object is a JSON object of its properties' shapes,
- an array is a one-item list holding its items' shape,
- a primitive is a word: "string", "date" (yyyy-MM-dd), "partial-date" (yyyy, yyyy-MM
  or yyyy-MM-dd), "integer", "number" or "boolean".

Enums are left out on purpose: the registry adds values (statuses, phases) over time,
and the finder reads an unknown value as unknown text. A test rebuilds the file from
the copy of the spec in tests/data/ctgov/openapi/ and compares.

    python -m tests.support.openapi_shapes tests/data/ctgov/openapi/ctg-oas-v2.yaml \
        > trials/registries/ctgov/shapes.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

# Named string schemas whose description fixes a format the spec does not express.
_NAMED_STRINGS = {"PartialDate": "partial-date"}


def shape(spec: dict, schema: dict, seen: tuple[str, ...] = ()) -> Any:
    """The shape of one schema, with every ``$ref`` resolved (a cycle would raise)."""
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            raise ValueError(f"recursive schema {name}: the shape tree cannot hold it")
        if name in _NAMED_STRINGS:
            return _NAMED_STRINGS[name]
        return shape(spec, spec["components"]["schemas"][name], (*seen, name))
    kind = schema.get("type", "object")
    if kind == "object":
        return {key: shape(spec, value, seen) for key, value in schema.get("properties", {}).items()}
    if kind == "array":
        return [shape(spec, schema["items"], seen)]
    if kind == "string" and schema.get("format") == "date":
        return "date"
    if kind in ("string", "integer", "number", "boolean"):
        return kind
    raise ValueError(f"unknown schema type {kind!r}")


def study_shape(spec_path: Path) -> Any:
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    return shape(spec, {"$ref": "#/components/schemas/Study"})


def render(spec_path: Path) -> str:
    version = yaml.safe_load(spec_path.read_text(encoding="utf-8"))["info"]["version"]
    tree = {"spec_version": version, "Study": study_shape(spec_path)}
    return json.dumps(tree, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(Path(sys.argv[1])))
