"""Amazon S3: buckets, objects, listing, multipart uploads, versioning and bucket configuration.

Each topic lives in its own module; this class only composes them. Object bytes are
encrypted blobs under ``<data_dir>/s3`` (storage.py); metadata lives in the store.
Every operation calls ``_authorize(ctx, action, bucket, key)`` once (common.py), the
single place bucket policies, ACLs and IAM will decide.
"""
from __future__ import annotations

import threading

from nimbus.protocol.http import Headers, HttpResponse
from nimbus.services.base import BaseProvider
from nimbus.services.s3 import cors
from nimbus.services.s3.access_ops import AccessMixin
from nimbus.services.s3.buckets import BucketsMixin
from nimbus.services.s3.common import BUCKETS
from nimbus.services.s3.config import ConfigMixin
from nimbus.services.s3.listing import ListingMixin
from nimbus.services.s3.multipart import MultipartMixin
from nimbus.services.s3.objects import ObjectsMixin
from nimbus.services.s3.storage import BlobStore
from nimbus.services.s3.sweeper import SweeperMixin
from nimbus.services.s3.website import WebsiteServer, website_bucket


class Provider(BucketsMixin, ObjectsMixin, ListingMixin, MultipartMixin, ConfigMixin, AccessMixin, SweeperMixin,
               BaseProvider):
    # Object data (an open file or a stream) stays out of API-call events, as CloudTrail never logs it.
    REDACTED_MEMBERS = frozenset({"Body"})

    def __init__(self, runtime):
        super().__init__(runtime)
        self._blobs: BlobStore | None = None
        self._blobs_lock = threading.Lock()
        self._init_sweeper()

    @property
    def blobs(self) -> BlobStore:
        if self._blobs is None:
            with self._blobs_lock:
                if self._blobs is None:
                    config = self.runtime.config
                    self._blobs = BlobStore(None if config.ephemeral else config.data_dir)
        return self._blobs

    def handle_raw(self, request) -> HttpResponse:
        """Requests no model operation describes: website endpoints and CORS preflights (path style)."""
        name = website_bucket(request)
        if name is not None:
            return WebsiteServer(self).serve(request, name)
        bucket_name = request.decoded_path.lstrip("/").split("/", 1)[0]
        headers = cors.preflight(self.store.get(BUCKETS, bucket_name), bucket_name, request)
        return HttpResponse(200, Headers({**headers, "content-length": "0"}), b"")
