"""What a query can get wrong, in words a service can pass on to its caller."""
from __future__ import annotations


class SqlError(Exception):
    """A query refused or stopped; `str(error)` is safe to show the caller."""


class SqlSyntaxError(SqlError):
    """The text is not SQL."""


class SqlNotAllowed(SqlError):
    """SQL, but not a single SELECT over the allowed tables (DDL, DML, COPY, PRAGMA, ATTACH, table functions...)."""


class SqlLimitExceeded(SqlError):
    """The query needed more memory or returned more rows than its limits allow."""


class SqlTimeout(SqlError):
    """The query ran past its time limit and was interrupted."""


class SqlCancelled(SqlError):
    """The caller stopped the query."""
