"""GetTemplate, ValidateTemplate, GetTemplateSummary, ListExports and ListImports."""
from __future__ import annotations

import json

from nimbus.core.context import RequestContext

from . import parameters
from .language_extensions import LANGUAGE_EXTENSIONS, transforms
from .lint import check_with_cfn_lint
from .prepare import capabilities_needed, read
from .sources import template_body
from .state import CloudFormationState
from .template import parse_template, validation_error


def _parameters(template: dict, declarations: bool) -> list[dict]:
    """ValidateTemplate's TemplateParameters, or (``declarations``) GetTemplateSummary's ParameterDeclarations."""
    out = []
    for name, declaration in parameters.declared(template).items():
        item: dict = {"ParameterKey": name, "NoEcho": parameters.no_echo(declaration)}
        if "Default" in declaration:
            item["DefaultValue"] = str(declaration["Default"])
        if "Description" in declaration:
            item["Description"] = str(declaration["Description"])
        if declarations:
            item["ParameterType"] = str(declaration["Type"])
            allowed = declaration.get("AllowedValues")
            item["ParameterConstraints"] = {"AllowedValues": [str(v) for v in allowed]} if allowed else {}
        out.append(item)
    return out


def _summary(template: dict) -> dict:
    out: dict = {}
    capabilities, reason = capabilities_needed(template)
    if capabilities:
        out["Capabilities"], out["CapabilitiesReason"] = capabilities, reason
    transforms = template.get("Transform")
    if transforms:
        out["DeclaredTransforms"] = transforms if isinstance(transforms, list) else [transforms]
    if "Description" in template:
        out["Description"] = str(template["Description"])
    return out


class TemplateOps(CloudFormationState):
    def get_template(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("ChangeSetName"):
            change_set = self.change_set(ctx, params["ChangeSetName"], params.get("StackName"))
            body, values = change_set["TemplateBody"], change_set.get("ParameterValues", {})
        else:
            stack = self.stack(ctx, params["StackName"], deleted=True)
            body, values = stack["TemplateBody"], stack.get("ParameterValues", {})
        if params.get("TemplateStage") == "Processed" and transforms(parse_template(body)):
            processed = {k: v for k, v in read(body, values).items() if k != "Transform"}
            body = json.dumps(processed, indent=2)  # what the transform wrote, as AWS shows it: JSON
        return {"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]}

    def validate_template(self, ctx: RequestContext, params: dict) -> dict:
        body = template_body(ctx, params) or ""
        template = read(body)
        if set(transforms(template)) <= {LANGUAGE_EXTENSIONS}:  # cfn-lint would run other transforms itself
            check_with_cfn_lint(body, ctx.region)
        return {"Parameters": _parameters(template, declarations=False), **_summary(template)}

    def get_template_summary(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("StackName"):
            body = self.stack(ctx, params["StackName"], deleted=True)["TemplateBody"]
        else:
            body = template_body(ctx, params) or ""
        template = read(body)
        return {"Parameters": _parameters(template, declarations=True), **_summary(template),
                "ResourceTypes": sorted({r["Type"] for r in template["Resources"].values()}),
                "ResourceIdentifierSummaries": [], "Version": str(template.get("AWSTemplateFormatVersion", ""))}

    def list_exports(self, ctx: RequestContext, params: dict) -> dict:
        return {"Exports": [{"ExportingStackId": e["ExportingStackId"], "Name": e["Name"], "Value": e["Value"]}
                            for e in self.exports(ctx.account_id, ctx.region).values()]}

    def list_imports(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ExportName"]
        if name not in self.exports(ctx.account_id, ctx.region):
            raise validation_error(f"Export '{name}' is not imported by any stack.")
        return {"Imports": self.importers(ctx.account_id, ctx.region, name)}
