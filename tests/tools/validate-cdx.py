#!/usr/bin/env python3
"""Validate CycloneDX 1.7 JSON files with cyclonedx-python-lib's strict JSON-schema validator.

Usage: validate-cdx.py FILE...   Exit 0 when every file is valid; otherwise print one line per
invalid file and exit 1.
"""
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator


def main(paths):
    validator = JsonStrictValidator(SchemaVersion.V1_7)
    bad = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            error = validator.validate_str(f.read())
        if error is not None:
            bad += 1
            first = str(error).strip().splitlines()[0]
            print(f"{path}: invalid CycloneDX 1.7: {first}")
    return 1 if bad or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
