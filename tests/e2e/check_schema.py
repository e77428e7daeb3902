#!/usr/bin/env python3
"""check_schema.py SCHEMA_DIR DOCUMENT [json|yaml] [--pointer /result]

Validates one pxclone -o json|yaml document against the JSON Schema of its kind (docs/schema/,
`kind` lower-cased + .schema.json), with the other schemas of SCHEMA_DIR available to $ref.
Prints nothing and exits 0 when it is valid; else prints every error with its path and exits 1
(2 for a document or schema that cannot be read). --pointer picks a member first (a --record
file's /result)."""
import json
import pathlib
import sys

import jsonschema


def load_document(path, form):
    text = pathlib.Path(path).read_text()
    if form == "yaml":
        import yaml  # python3-yaml; only the yaml form needs it

        return yaml.safe_load(text)
    return json.loads(text)


def validator_for(schema_dir, schema):
    schemas = {}
    for file in sorted(pathlib.Path(schema_dir).glob("*.schema.json")):
        loaded = json.loads(file.read_text())
        schemas[loaded["$id"]] = loaded
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    try:  # jsonschema >= 4.18: the referencing library
        from referencing import Registry, Resource

        registry = Registry().with_resources(
            (uri, Resource.from_contents(s)) for uri, s in schemas.items())
        return cls(schema, registry=registry)
    except ImportError:  # Debian 12's 4.10
        resolver = jsonschema.RefResolver(schema["$id"], schema, store=schemas)
        return cls(schema, resolver=resolver)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    pointer = ""
    if "--pointer" in argv:
        pointer = argv[argv.index("--pointer") + 1]
        args.remove(pointer)
    if len(args) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir, path = args[0], args[1]
    form = args[2] if len(args) == 3 else "json"
    try:
        document = load_document(path, form)
        for part in filter(None, pointer.split("/")):
            document = document[part]
        kind = document["kind"]
        schema_file = pathlib.Path(schema_dir) / (kind.lower() + ".schema.json")
        schema = json.loads(schema_file.read_text())
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"{path}: cannot read a pxclone document: {error!r}")
        return 2
    errors = sorted(validator_for(schema_dir, schema).iter_errors(document),
                    key=lambda e: list(e.absolute_path))
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        print(f"{path}: {kind} at {where}: {error.message}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
