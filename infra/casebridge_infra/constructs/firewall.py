"""AWS WAF in front of the API: per-client rate limits, tighter on the public writes that make the
system send mail or open cases (the web form, portal link requests, chat, self-service events,
department and unsubscribe links), plus AWS's managed lists of known bad inputs and bad IPs.

API Gateway's own stage throttling (constructs/api.py) bounds the whole API; the app's
DynamoDB-backed limits (per address, per case) bound what one caller can make it send. This is the
layer in between: one client (IP) cannot flood the public endpoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Fn
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from casebridge_infra.constructs.api import API_STAGE

# Paths anyone may POST to (functions.core.http routes with auth="public" or "customer"), under the
# stage's path as requests reach API Gateway (https://<id>.execute-api.<region>.amazonaws.com/api/...).
PUBLIC_WRITE_PATHS = ("/web/", "/portal/", "/chat/", "/selfservice/", "/escalations/", "/notices/")
PUBLIC_WRITE_PREFIXES = tuple(f"/{API_STAGE}{path}" for path in PUBLIC_WRITE_PATHS)


@dataclass(frozen=True)
class Limits:
    """Requests per client IP per 5 minutes (AWS WAF's rate window)."""

    public_writes: int = 300
    everything: int = 3000


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _public_writes(prefixes: Sequence[str]) -> wafv2.CfnWebACL.StatementProperty:
    paths = [
        wafv2.CfnWebACL.StatementProperty(
            byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                positional_constraint="STARTS_WITH",
                search_string=prefix,
                text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="LOWERCASE")],
            )
        )
        for prefix in prefixes
    ]
    post = wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(method={}),
            positional_constraint="EXACTLY",
            search_string="POST",
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
        )
    )
    return wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                post,
                wafv2.CfnWebACL.StatementProperty(or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=paths)),
            ]
        )
    )


def _rate_rule(
    name: str, priority: int, limit: int, scope: wafv2.CfnWebACL.StatementProperty | None
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="IP", limit=limit, evaluation_window_sec=300, scope_down_statement=scope
            )
        ),
        visibility_config=_visibility(name),
    )


def _managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(vendor_name="AWS", name=name)
        ),
        visibility_config=_visibility(name),
    )


class ApiFirewall(Construct):
    """A regional web ACL associated with the API's stage (``rest_api_logical_id``: the Chalice SAM
    template's ``RestAPI``; its generated stage is referenced as ``RestAPI.Stage``, which also orders
    the association after the stage)."""

    def __init__(
        self, scope: Construct, id: str, *, prefix: str, rest_api_logical_id: str, limits: Limits = Limits()
    ) -> None:
        super().__init__(scope, id)
        self.acl = wafv2.CfnWebACL(
            self,
            "Acl",
            name=f"{prefix}-api",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"{prefix}-api"),
            rules=[
                _managed("AWSManagedRulesAmazonIpReputationList", 0),
                _managed("AWSManagedRulesKnownBadInputsRuleSet", 1),
                _rate_rule("PublicWritesPerClient", 2, limits.public_writes, _public_writes(PUBLIC_WRITE_PREFIXES)),
                _rate_rule("RequestsPerClient", 3, limits.everything, None),
            ],
        )
        self.association = wafv2.CfnWebACLAssociation(
            self,
            "Association",
            web_acl_arn=self.acl.attr_arn,
            resource_arn=Fn.sub(
                "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${API}/stages/${Stage}",
                {"API": Fn.ref(rest_api_logical_id), "Stage": Fn.ref(f"{rest_api_logical_id}.Stage")},
            ),
        )
