"""GetMetricWidgetImage: a metric widget drawn as a PNG (widget_image.py)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.services.cloudwatch.common import invalid
from nimbus.services.cloudwatch.queries import Runner
from nimbus.services.cloudwatch.state import CloudWatchState

FORMATS = ("png", "image/png")


class WidgetOps(CloudWatchState):
    def get_metric_widget_image(self, ctx: RequestContext, params: dict) -> dict:
        output = params.get("OutputFormat") or "png"
        if output not in FORMATS:
            raise invalid(f"The value {output} for parameter OutputFormat is invalid.")
        self.published_so_far()
        # matplotlib loads in a second or so: only for the first image, not with the provider.
        from nimbus.services.cloudwatch.widget_image import draw
        image = draw(Runner(self.store, ctx.account_id, ctx.region), params["MetricWidget"], self.clock.time())
        return {"MetricWidgetImage": image}
