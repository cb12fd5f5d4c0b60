"""A repository's lifecycle policy (Put/Get/DeleteLifecyclePolicy) and its repository policy
(Set/Get/DeleteRepositoryPolicy), each checked as AWS checks it before it is kept. nimbus serves no
images, so a lifecycle policy never has anything to expire."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.core.policy import PolicyError, compile_policy
from nimbus.protocol.errors import ServiceError

from .documents import Repository
from .state import EcrState, invalid_parameter

_TAG_STATUS = ("tagged", "untagged", "any")
_COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed")


def _lifecycle_problem(text: str) -> str:
    """What is wrong with a lifecycle policy, in the words of AWS's validation; empty when nothing is."""
    try:
        document: Any = read_json(text)
    except ValueError:
        return "Lifecycle policy is not valid JSON"
    rules = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(rules, list) or not rules:
        return "object has missing required properties ([\"rules\"])"
    priorities = set()
    for rule in rules:
        if not isinstance(rule, dict):
            return "instance type does not match any allowed primitive type"
        priority, selection, action = rule.get("rulePriority"), rule.get("selection"), rule.get("action")
        if not isinstance(priority, int) or priority < 1:
            return "rulePriority must be a positive integer"
        if priority in priorities:
            return "Rule priorities must be unique"
        priorities.add(priority)
        if not isinstance(selection, dict) or selection.get("tagStatus") not in _TAG_STATUS \
                or selection.get("countType") not in _COUNT_TYPES:
            return "selection must name a tagStatus (tagged, untagged, any) and a countType " \
                   "(imageCountMoreThan, sinceImagePushed)"
        if not isinstance(selection.get("countNumber"), int) or selection["countNumber"] < 1:
            return "countNumber must be a positive integer"
        if selection["countType"] == "sinceImagePushed" and selection.get("countUnit") != "days":
            return "countUnit must be days when countType is sinceImagePushed"
        if selection["tagStatus"] == "tagged" and not (selection.get("tagPrefixList")
                                                       or selection.get("tagPatternList")):
            return "tagPrefixList or tagPatternList is required when tagStatus is tagged"
        if not isinstance(action, dict) or action.get("type") != "expire":
            return "action type must be expire"
    return ""


def _valid_repository_policy(text: str, arn: str) -> bool:
    """A repository policy's statements name no Resource (the repository is theirs); checked as resource
    policies are once each is given the repository's ARN."""
    try:
        document = read_json(text)
        statements = document["Statement"]
        statements = statements if isinstance(statements, list) else [statements]
        for statement in statements:
            if isinstance(statement, dict) and "Resource" not in statement and "NotResource" not in statement:
                statement["Resource"] = arn
        compile_policy(document, "resource")
    except (PolicyError, ValueError, TypeError, KeyError):
        return False
    return True


def _named(repository: Repository, **members: Any) -> dict:
    return {"registryId": repository["registryId"], "repositoryName": repository["repositoryName"], **members}


# Each policy a repository may hold: its member, and AWS's error and words when it holds none.
_MISSING = {"lifecyclePolicyText": ("LifecyclePolicyNotFoundException", "Lifecycle policy"),
            "policyText": ("RepositoryPolicyNotFoundException", "Repository policy")}


class PolicyOps(EcrState):
    def put_lifecycle_policy(self, ctx: RequestContext, params: dict) -> dict:
        problem = _lifecycle_problem(params["lifecyclePolicyText"])
        if problem:
            raise invalid_parameter("Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: "
                                    f"'Lifecycle policy validation failure: {problem}'")
        return self._put(ctx, params, "lifecyclePolicyText", lambda repository: True)

    def get_lifecycle_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self._get(ctx, params, "lifecyclePolicyText")

    def delete_lifecycle_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self._delete(ctx, params, "lifecyclePolicyText")

    def set_repository_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self._put(ctx, params, "policyText",
                         lambda repository: _valid_repository_policy(params["policyText"], repository["repositoryArn"]))

    def get_repository_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self._get(ctx, params, "policyText")

    def delete_repository_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self._delete(ctx, params, "policyText")

    # -- the three steps both policies share ----------------------------------------------------------

    def _put(self, ctx: RequestContext, params: dict, member: str, valid: Callable[[Repository], bool]) -> dict:
        text = params[member]
        with self.store.transaction():
            repository = self.repository(ctx, params)
            if not valid(repository):
                raise invalid_parameter("Invalid parameter at 'PolicyText' failed to satisfy constraint: "
                                        "'Invalid repository policy provided'")
            repository[member] = text  # type: ignore[literal-required]
            self.save(ctx, repository)
        return _named(repository, **{member: text})

    def _get(self, ctx: RequestContext, params: dict, member: str) -> dict:
        repository = self._holding(ctx, params, member)
        return _named(repository, **{member: repository[member]})  # type: ignore[literal-required]

    def _delete(self, ctx: RequestContext, params: dict, member: str) -> dict:
        with self.store.transaction():
            repository = self._holding(ctx, params, member)
            text = repository.pop(member)  # type: ignore[misc]
            self.save(ctx, repository)
        return _named(repository, **{member: text})

    def _holding(self, ctx: RequestContext, params: dict, member: str) -> Repository:
        repository = self.repository(ctx, params)
        if member not in repository:
            code, what = _MISSING[member]
            raise ServiceError(code, f"{what} does not exist for the repository with name "
                               f"'{repository['repositoryName']}' in the registry with id "
                               f"'{repository['registryId']}'", status=400)
        return repository
