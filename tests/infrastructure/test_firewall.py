"""AWS WAF on the API (constructs/firewall.py): the web ACL, its rules and its association with the
API's stage, as synthesized."""

from __future__ import annotations

from typing import Any

from tests.infrastructure.conftest import props, resources_of


def _rules(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (acl,) = props(template, "AWS::WAFv2::WebACL")
    assert acl["Scope"] == "REGIONAL" and "Allow" in acl["DefaultAction"]
    return {rule["Name"]: rule for rule in acl["Rules"]}


def test_public_writes_are_rate_limited_per_client_more_tightly_than_the_rest(dev):
    rules = _rules(dev)
    public = rules["PublicWritesPerClient"]["Statement"]["RateBasedStatement"]
    everything = rules["RequestsPerClient"]["Statement"]["RateBasedStatement"]
    assert public["AggregateKeyType"] == everything["AggregateKeyType"] == "IP"
    assert public["Limit"] < everything["Limit"] and "ScopeDownStatement" not in everything
    assert "Block" in rules["PublicWritesPerClient"]["Action"]
    # the scope: POST to the paths anyone may write to, under the API's stage
    post, paths = public["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert post["ByteMatchStatement"]["SearchString"] == "POST"
    prefixes = {s["ByteMatchStatement"]["SearchString"] for s in paths["OrStatement"]["Statements"]}
    assert {"/api/web/", "/api/portal/", "/api/chat/", "/api/escalations/"} <= prefixes


def test_aws_managed_lists_of_bad_inputs_and_bad_ips_run_first(dev):
    rules = sorted(_rules(dev).values(), key=lambda r: r["Priority"])
    managed = [r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in rules[:2]]
    assert managed == ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesKnownBadInputsRuleSet"]


def test_the_web_acl_is_associated_with_the_api_stage(dev):
    (association,) = resources_of(dev, "AWS::WAFv2::WebACLAssociation").values()
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn[0].endswith("::/restapis/${API}/stages/${Stage}")
    assert arn[1] == {"API": {"Ref": "RestAPI"}, "Stage": {"Ref": "RestAPI.Stage"}}
