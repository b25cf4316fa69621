#!/usr/bin/env python3
"""Validate SPDX 3.0.1 JSON-LD documents with spdx3-validate (JSON schema + SHACL), offline.

Usage: spdx3-validate.py MODEL_DIR FILE...   MODEL_DIR holds spdx-context.jsonld,
spdx-model.ttl and spdx-json-schema.json; requests for their spdx.org addresses are answered
from there, any other network request fails. Exit 0 when every file is valid; otherwise one line
per finding, exit 1.
"""
import io
import os
import sys
import urllib.request
import urllib.response
from email.message import Message

SERVED = {
    "https://spdx.org/rdf/3.0.1/spdx-context.jsonld": ("spdx-context.jsonld", "application/ld+json"),
    "https://spdx.org/rdf/3.0.1/spdx-model.ttl": ("spdx-model.ttl", "text/turtle"),
    "https://spdx.org/schema/3.0.1/spdx-json-schema.json": ("spdx-json-schema.json", "application/json"),
}


class Offline(urllib.request.BaseHandler):
    handler_order = 100

    def __init__(self, model_dir):
        self.model_dir = model_dir

    def _serve(self, req):
        url = req.full_url
        if url not in SERVED:
            raise urllib.error.URLError(f"offline: {url} is not one of the SPDX 3.0.1 model files")
        name, ctype = SERVED[url]
        with open(os.path.join(self.model_dir, name), "rb") as f:
            body = f.read()
        headers = Message()
        headers["Content-Type"] = ctype
        headers["Content-Length"] = str(len(body))
        response = urllib.response.addinfourl(io.BytesIO(body), headers, url, 200)
        response.msg = "OK"
        return response

    https_open = _serve
    http_open = _serve


def main(args):
    if len(args) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    urllib.request.install_opener(urllib.request.build_opener(Offline(args[0])))
    import spdx3_validate

    result = spdx3_validate.validate(args[1:], version="3.0.1")
    for error in result.errors:
        print(str(error).replace("\n", " "))
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
