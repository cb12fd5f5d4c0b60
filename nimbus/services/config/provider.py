"""AWS Config, its recording half: configuration recorders that record configuration items of every
resource nimbus's services change, the history and inventory read from them, the delivery channel's
files and notifications, and aggregators across accounts and regions."""
from __future__ import annotations

from .aggregators import AggregatorOps
from .channels import ChannelOps
from .compliance import ComplianceOps
from .conformance import ConformanceOps
from .history import HistoryOps
from .recorders import RecorderOps
from .remediation import RemediationOps
from .rules import RuleOps
from .select import SelectOps


class Provider(RecorderOps, ChannelOps, HistoryOps, AggregatorOps, SelectOps, ConformanceOps, RuleOps,
               ComplianceOps, RemediationOps):
    pass
