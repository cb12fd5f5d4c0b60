"""Amazon S3: buckets, objects, listing, multipart uploads, versioning and bucket configuration.

Each topic lives in its own module; this class only composes them. Object bytes are
encrypted blobs under ``<data_dir>/s3`` (storage.py); metadata lives in the store.
Every operation calls ``_authorize(ctx, action, bucket, key)`` once (state.py), the
single place bucket policies, ACLs and IAM decide.
"""
from __future__ import annotations

from nimbus.protocol.http import Headers, HttpResponse
from nimbus.services.s3 import cors
from nimbus.services.s3.access_logs import AccessLogOps
from nimbus.services.s3.access_ops import AccessOps
from nimbus.services.s3.annotations import AnnotationOps
from nimbus.services.s3.archive import ArchiveOps
from nimbus.services.s3.attributes import AttributesOps
from nimbus.services.s3.bucket_configs import BucketConfigOps
from nimbus.services.s3.bucket_settings import SettingsOps
from nimbus.services.s3.buckets import BucketOps
from nimbus.services.s3.common import BUCKETS
from nimbus.services.s3.config import ConfigOps
from nimbus.services.s3.directory import DirectoryOps
from nimbus.services.s3.documents import BUCKET
from nimbus.services.s3.inventory import InventoryOps
from nimbus.services.s3.listing import ListingOps
from nimbus.services.s3.metadata import MetadataOps
from nimbus.services.s3.multipart import MultipartOps
from nimbus.services.s3.object_encryption import ObjectEncryptionOps
from nimbus.services.s3.object_lock import ObjectLockOps
from nimbus.services.s3.objects import ObjectOps
from nimbus.services.s3.part_reads import PartReadOps
from nimbus.services.s3.post_upload import handle_form_upload
from nimbus.services.s3.replication import ReplicationOps
from nimbus.services.s3.request_metrics import RequestMetricOps
from nimbus.services.s3.routes import is_form_upload
from nimbus.services.s3.select import SelectOps
from nimbus.services.s3.storage_metrics import StorageMetricOps
from nimbus.services.s3.sweeper import SweeperOps
from nimbus.services.s3.torrent import TorrentOps
from nimbus.services.s3.website import WebsiteServer, website_bucket


class Provider(BucketOps, ObjectOps, ListingOps, MultipartOps, BucketConfigOps, MetadataOps, SettingsOps,
               ConfigOps, AccessOps, SweeperOps,
               ReplicationOps, AccessLogOps, InventoryOps, ObjectLockOps, AttributesOps, SelectOps, ArchiveOps,
               DirectoryOps, TorrentOps, PartReadOps, AnnotationOps, ObjectEncryptionOps, RequestMetricOps,
               StorageMetricOps):
    # Object data (an open file or a stream) stays out of API-call events, as CloudTrail never logs it.
    REDACTED_MEMBERS = frozenset({"Body"})

    def handle_raw(self, request) -> HttpResponse:
        """Requests no model operation describes: website endpoints, browser form uploads and CORS
        preflights (path style)."""
        name = website_bucket(request)
        if name is not None:
            return WebsiteServer(self).serve(request, name)
        if is_form_upload(request):
            return handle_form_upload(self, request)
        bucket_name = request.decoded_path.lstrip("/").split("/", 1)[0]
        headers = cors.preflight(BUCKET.get(self.store, BUCKETS, bucket_name), bucket_name, request)
        return HttpResponse(200, Headers({**headers, "content-length": "0"}), b"")
