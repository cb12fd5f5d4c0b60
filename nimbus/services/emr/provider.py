"""Amazon EMR: clusters whose steps really run, on Apache Spark (pyspark) and as processes, with nimbus S3 as
EMRFS's store for the files steps name. See docs/services/emr.md."""
from __future__ import annotations

from .added_instances import AddedInstanceOps
from .clusters import ClusterOps
from .instances import InstanceOps
from .releases import ReleaseOps
from .security import SecurityOps
from .steps import StepOps
from .tagging import TagOps


class Provider(ClusterOps, StepOps, InstanceOps, AddedInstanceOps, SecurityOps, TagOps, ReleaseOps):
    pass
