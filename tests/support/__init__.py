"""Plain helpers every test module may use (fixtures live in conftest.py), one module per topic;
``from tests.support import name`` finds each of them here."""
from tests.support.analytics import *  # noqa: F403
from tests.support.basics import *  # noqa: F403
from tests.support.chunked import *  # noqa: F403
from tests.support.deployment import *  # noqa: F403
from tests.support.edge import *  # noqa: F403
from tests.support.emr import *  # noqa: F403
from tests.support.geo import *  # noqa: F403
from tests.support.inventory import *  # noqa: F403
from tests.support.logs import *  # noqa: F403
from tests.support.messaging import *  # noqa: F403
from tests.support.mfa import *  # noqa: F403
from tests.support.raw_http import *  # noqa: F403
from tests.support.storage import *  # noqa: F403
from tests.support.streams import *  # noqa: F403
from tests.support.tls import *  # noqa: F403
from tests.support.workers import *  # noqa: F403
