"""CloudTrail records built in the front worker that answered the call, not in the primary.

Building a call's record (``record_template.templated_record``) was a third of what the primary spent on a call a
worker answered: work done in one process for all of them, which bounds what more cores give. The record depends
only on the call and its service's signing name, which a worker knows as the primary does, so the worker's
shipping thread builds it (off the request path) and ships its text and fields with the event; the primary's
engine stores them as they came. Data events are left to the primary: it keeps them only while a trail selects
them, and a worker must not pay for records nobody keeps.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimbus.core.events import ApiCallEvent
from nimbus.services.cloudtrail.record_template import templated_record
from nimbus.services.cloudtrail.records import is_data_event

if TYPE_CHECKING:
    from nimbus.core.registry import ServiceRegistry


# Services whose calls' parameters and response the primary's subscribers read beside CloudTrail: S3's server
# access logs and request metrics (s3/access_logs.py, s3/request_metrics.py).
ELEMENTS_READ = frozenset({"s3"})


class RecordPrebuilder:
    def __init__(self, services: ServiceRegistry):
        self._services = services

    def __call__(self, event: ApiCallEvent) -> None:
        if is_data_event(event.service, event.operation):
            return
        record = templated_record(event, self._services.signing_name(event.service))
        event.prebuilt = (record.text, record.fields)
        if event.service not in ELEMENTS_READ:
            # Nothing in the primary reads them once the record is built (CloudTrail and its Lake read the record):
            # a tenth less to unpickle there.
            event.request_parameters = event.response = event.authorization = None


def plain_prebuilt(prebuilt: Any) -> bool:
    """Whether what a worker shipped as a prebuilt record has a record's shape: a text and a dict. Its members are
    not checked one by one (that was a sixth of receiving a batch): the unpickler builds nothing but plain values
    and records (shipping.py), so a wrong member can only be wrong data, as a wrong text would be."""
    return prebuilt is None or (type(prebuilt) is tuple and len(prebuilt) == 2 and type(prebuilt[0]) is str
                                and type(prebuilt[1]) is dict)
