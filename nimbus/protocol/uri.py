"""Matching request paths against the ``requestUri`` templates of rest protocols.

A template such as ``/{Bucket}/{Key+}?uploads`` has a path part with labels
(``{Key+}`` is greedy and may span several segments) and an optional literal
query part whose keys the request must carry for the template to apply.
"""
from __future__ import annotations

import functools
import re
from urllib.parse import unquote

_LABEL = re.compile(r"\{([^}]+)\}")


class UriTemplate:
    def __init__(self, request_uri: str):
        path, _, literal_query = request_uri.partition("?")
        self.request_uri = request_uri
        self.labels: list[str] = []
        pattern: list[str] = []
        literal_chars = greedy = 0
        # re.split with one group alternates literal text and label names.
        for index, part in enumerate(_LABEL.split(path)):
            if index % 2 == 0:
                pattern.append(re.escape(part))
                literal_chars += len(part)
            elif part.endswith("+"):
                self.labels.append(part[:-1])
                pattern.append("(.+)")
                greedy += 1
            else:
                self.labels.append(part)
                pattern.append("([^/]+)")
        if not path.endswith("/") and not path.endswith("+}"):
            # Some clients add a trailing slash to bucket-style paths ("/bucket/").
            pattern.append("/?")
        self._path = re.compile("".join(pattern))
        self.required_query: dict[str, str | None] = {}
        for item in filter(None, literal_query.split("&")):
            key, sep, value = item.partition("=")
            self.required_query[key] = value if sep else None
        self.specificity = (literal_chars, len(self.required_query), -greedy)

    def match(self, raw_path: str, query: dict[str, str]) -> dict[str, str] | None:
        for key, value in self.required_query.items():
            if key not in query or (value is not None and query[key] != value):
                return None
        found = self._path.fullmatch(raw_path or "/")
        if found is None:
            return None
        return {label: unquote(value) for label, value in zip(self.labels, found.groups())}

    def __repr__(self) -> str:
        return f"UriTemplate({self.request_uri!r})"


@functools.cache
def template_for(request_uri: str) -> UriTemplate:
    return UriTemplate(request_uri)
