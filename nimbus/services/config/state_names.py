"""The namespaces and constants Config's modules share (the layout is described in ``documents.py``)."""
from __future__ import annotations

from nimbus.core.namespaces import Namespace

recorders_ns = Namespace("config", "recorders")
channels_ns = Namespace("config", "channels")
daily_ns = Namespace("config", "daily")
aggregators_ns = Namespace("config", "aggregators")
authorizations_ns = Namespace("config", "authorizations")

CONTINUOUS, DAILY = "CONTINUOUS", "DAILY"
DAILY_SECONDS = 86400
HISTORY_SECONDS = 6 * 3600  # AWS delivers configuration history files every six hours
SNAPSHOT_SECONDS = {"One_Hour": 3600, "Three_Hours": 3 * 3600, "Six_Hours": 6 * 3600, "Twelve_Hours": 12 * 3600,
                    "TwentyFour_Hours": 24 * 3600}
