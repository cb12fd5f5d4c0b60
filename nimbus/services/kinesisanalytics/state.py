"""What every Kinesis Data Analytics operation module shares: application lookup, status on the virtual
clock, version checks and descriptions."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.kinesisanalytics.common import (
    RESOURCE_TYPE,
    SETTLES_TO,
    TRANSITION_SECONDS,
    applications_ns,
    in_use,
    not_found,
)
from nimbus.services.kinesisanalytics.documents import APPLICATION, Application
from nimbus.services.kinesisanalytics.runner import Runner


class KinesisAnalyticsState(BaseProvider):
    def __init__(self, runtime):
        super().__init__(runtime)
        Runner(self)  # its scheduler job keeps it, and ends with this provider

    def find(self, ctx: RequestContext, name: str) -> Application | None:
        app = APPLICATION.get(self.store, applications_ns(ctx.account_id, ctx.region), name)
        if app is not None:
            self.settle(app)
        return app

    def application(self, ctx: RequestContext, name: str) -> Application:
        app = self.find(ctx, name)
        if app is None:
            raise not_found(name)
        return app

    def settle(self, app: Application) -> None:
        """A transitional status becomes its settled one once its time has passed (not stored until the
        next write: reading never writes)."""
        target = SETTLES_TO.get(app["ApplicationStatus"])
        if target and self.clock.time() - app["StatusSince"] >= TRANSITION_SECONDS:
            app["ApplicationStatus"] = target

    def set_status(self, app: Application, status: str) -> None:
        app["ApplicationStatus"], app["StatusSince"] = status, self.clock.time()

    def save(self, app: Application) -> None:
        APPLICATION.put(self.store, applications_ns(app["AccountId"], app["Region"]), app["ApplicationName"], app)

    def for_update(self, ctx: RequestContext, name: str, version: int) -> Application:
        """The application a versioned change applies to, in a transaction the caller holds: its version
        must be the one given, and it may not be starting or stopping."""
        app = self.application(ctx, name)
        if app["ApplicationVersionId"] != version:
            raise ServiceError(
                "ConcurrentModificationException",
                f"Current application version id {app['ApplicationVersionId']} does not match the "
                f"provided version id {version}.")
        if app["ApplicationStatus"] in SETTLES_TO:
            raise in_use(name, app["ApplicationStatus"])
        return app

    def changed(self, ctx: RequestContext, app: Application) -> None:
        """Record a configuration change: a new version, stored, and a resource-change event."""
        app["ApplicationVersionId"] += 1
        app["LastUpdateTimestamp"] = self.clock.time()
        self.save(app)
        ctx.emit_resource_change(RESOURCE_TYPE, app["ApplicationARN"], "updated",
                                 lambda: {"ApplicationName": app["ApplicationName"]})

    @staticmethod
    def next_id(app: Application) -> str:
        app["NextId"] += 1
        return f"1.{app['NextId']}"
