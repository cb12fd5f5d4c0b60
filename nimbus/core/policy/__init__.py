"""The IAM policy language: parse and validate documents, then evaluate requests against them.

Pure and side-effect free: ``compile_policy`` turns a JSON document into a
``Policy`` (cached by its text), and ``evaluate`` combines identity policies,
a permissions boundary and a resource policy the way AWS documents it.
"""
from nimbus.core.policy.document import Policy, PolicyError, Statement, compile_policy
from nimbus.core.policy.evaluate import Decision, Request, evaluate

__all__ = ["Decision", "Policy", "PolicyError", "Request", "Statement", "compile_policy", "evaluate"]
