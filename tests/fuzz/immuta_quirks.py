#!/usr/bin/env python3
"""Immuta's reference OpenAPI document, with its known quirks mended, for fuzzing the server against it.

Each quirk is mended where it occurs and nowhere else; everything else in the document is checked as written.
Usage: immuta_quirks.py REFERENCE.yml OUTPUT.json [--verbose] (prints what it mended, and where with --verbose).
"""

import json
import sys

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
ERROR = {
    "description": "An error in the API's one error shape (not listed by the reference)",
    "content": {"application/json": {"schema": {
        "type": "object",
        "required": ["statusCode", "message", "error"],
        "properties": {
            "statusCode": {"type": "integer"},
            "message": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "error": {"type": "string"},
        },
    }}},
}


def overlapping_one_of(members):
    """A `oneOf` whose members overlap: the same schema twice (`createdAt`, `updatedAt` and others), or the
    empty schema beside another (`groupId`: `oneOf: [{type: number}, {}]`, which no number satisfies). The
    document means "any of these"; as written, the values it describes are invalid under it."""
    seen = []
    for member in members:
        if member == {} and len(members) > 1:
            return True
        if member in seen:
            return True
        seen.append(member)
    return False


def mend_overlapping_one_of(node, path, mended):
    if isinstance(node, dict):
        if isinstance(node.get("oneOf"), list) and overlapping_one_of(node["oneOf"]):
            node["anyOf"] = node.pop("oneOf")
            mended.append(("oneOf with overlapping members read as anyOf", path))
        for key, value in node.items():
            mend_overlapping_one_of(value, f"{path}/{key}", mended)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            mend_overlapping_one_of(value, f"{path}/{index}", mended)


def list_errors(document, mended):
    """The reference lists almost no error answers (four 409s and three 503s), though every operation answers
    400, 401, 403 or 404 in one documented shape (request-app notes §1)."""
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                operation["responses"].setdefault("4XX", ERROR)
    mended.extend(("error answers in the documented error shape listed as 4XX", path)
                  for path, item in document["paths"].items() for method in item if method in HTTP_METHODS)


def main():
    reference, output = sys.argv[1], sys.argv[2]
    with open(reference) as file:
        document = yaml.safe_load(file)
    mended = []
    mend_overlapping_one_of(document, "#", mended)
    list_errors(document, mended)
    with open(output, "w") as file:
        json.dump(document, file)
    kinds = {}
    for kind, path in mended:
        kinds.setdefault(kind, []).append(path)
    print("Immuta's document, mended: " + "; ".join(f"{kind} ({len(paths)})" for kind, paths in kinds.items()))
    if "--verbose" in sys.argv:
        for kind, paths in kinds.items():
            print(f"{kind}:\n  " + "\n  ".join(paths))


if __name__ == "__main__":
    main()
