"""A shared SQL engine: a caller's SELECT, parsed and checked by sqlglot, run by DuckDB in a sealed in-memory
database (no file system, network or extensions), within memory, thread, time and result limits.

Services map `SqlError` to their own AWS error (CloudTrail Lake's InvalidQueryStatementException, Config's
InvalidExpressionException)."""
from nimbus.core.sql.engine import Limits, Result, run
from nimbus.core.sql.errors import SqlCancelled, SqlError, SqlLimitExceeded, SqlNotAllowed, SqlSyntaxError, SqlTimeout
from nimbus.core.sql.guard import parse_select

__all__ = ["Limits", "Result", "SqlCancelled", "SqlError", "SqlLimitExceeded", "SqlNotAllowed", "SqlSyntaxError", "SqlTimeout",
           "parse_select", "run"]
