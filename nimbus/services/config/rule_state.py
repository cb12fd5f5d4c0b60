"""What the rule, compliance and remediation operations share: the rules of a caller's account and region,
their stored results, and AWS's words for a rule that is not there."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.config.rule_documents import EVALUATION, RULE, ConfigRule, Evaluation, evaluations_ns, rules_ns
from nimbus.services.config.rule_engine import RuleEngine
from nimbus.services.config.state import ConfigState


def no_such_rule(name: str) -> ServiceError:
    return ServiceError("NoSuchConfigRuleException",
                        f"The ConfigRule '{name}' provided in the request is invalid. Please check the configRule name.",
                        status=400)


class RuleState(ConfigState):
    @property
    def rule_engine(self) -> RuleEngine:
        return self.engine.rules

    def all_rules(self, ctx: RequestContext) -> list[ConfigRule]:
        return [rule for _, rule in RULE.scan(self.store, rules_ns(ctx.account_id, ctx.region))]

    def named_rule(self, ctx: RequestContext, name: str) -> ConfigRule:
        rule = RULE.get(self.store, rules_ns(ctx.account_id, ctx.region), name)
        if rule is None:
            raise no_such_rule(name)
        return rule

    def save_rule(self, ctx: RequestContext, rule: ConfigRule) -> None:
        RULE.put(self.store, rules_ns(ctx.account_id, ctx.region), rule["ConfigRuleName"], rule)

    def evaluations(self, ctx: RequestContext, rule_name: str) -> list[Evaluation]:
        """A rule's latest results, after what the recorder has pending is recorded (and so evaluated)."""
        return [e for _, e in EVALUATION.scan(self.store, evaluations_ns(ctx.account_id, ctx.region, rule_name))]

    def selected_rules(self, ctx: RequestContext, names: list[str] | None) -> list[ConfigRule]:
        return [self.named_rule(ctx, name) for name in names] if names else self.all_rules(ctx)
