"""What a first deploy, a redeploy and a teardown need from the templates (issue 17's findings)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infrastructure.conftest import props, resources_of

DEV_PREFIX = "casebridge-dev"


def _logical(template: dict[str, Any], type_: str, key: str, value: str) -> str:
    return next(k for k, v in resources_of(template, type_).items() if v["Properties"].get(key) == value)


# ------------------------------------------------------------------------------ two-way SMS
def test_sms_replies_may_be_published_to_the_encrypted_sms_inbound_topic(dev):
    """AWS End User Messaging SMS publishes two-way replies: the topic policy admits it and the
    topic's KMS key lets it encrypt (both from this account's SMS resources only)."""
    topic = _logical(dev, "AWS::SNS::Topic", "TopicName", f"{DEV_PREFIX}-sms-inbound")
    (policy,) = [p for p in props(dev, "AWS::SNS::TopicPolicy") if p["Topics"] == [{"Ref": topic}]]
    (allow,) = [
        s for s in policy["PolicyDocument"]["Statement"] if s.get("Principal") == {"Service": "sms-voice.amazonaws.com"}
    ]
    assert allow["Action"] == "sns:Publish" and allow["Effect"] == "Allow"
    assert allow["Condition"]["StringEquals"]["aws:SourceAccount"] == "111111111111"
    (key,) = props(dev, "AWS::KMS::Key")
    (grant,) = [
        s for s in key["KeyPolicy"]["Statement"] if s.get("Principal") == {"Service": "sms-voice.amazonaws.com"}
    ]
    assert set(grant["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert "sms-voice" in json.dumps(grant["Condition"]["ArnLike"]["aws:SourceArn"])


# ------------------------------------------------------------------------------ first deploy
def test_the_receipt_rule_waits_for_the_topic_policy_that_lets_ses_publish(dev):
    topic = _logical(dev, "AWS::SNS::Topic", "TopicName", f"{DEV_PREFIX}-inbound-mail")
    policy = next(
        k
        for k, v in resources_of(dev, "AWS::SNS::TopicPolicy").items()
        if v["Properties"]["Topics"] == [{"Ref": topic}]
    )
    (rule,) = resources_of(dev, "AWS::SES::ReceiptRule").values()
    assert policy in rule["DependsOn"]


def test_the_receipt_rule_set_is_made_active_by_the_stack(dev):
    (rule_set,) = resources_of(dev, "AWS::SES::ReceiptRuleSet")
    activations = [
        r
        for r in dev["Resources"].values()
        if r["Type"] == "Custom::AWS" and "setActiveReceiptRuleSet" in json.dumps(r["Properties"].get("Create", ""))
    ]
    assert len(activations) == 1
    assert rule_set in json.dumps(activations[0]["Properties"]["Create"])
    assert "setActiveReceiptRuleSet" in json.dumps(activations[0]["Properties"]["Delete"])  # deactivated on teardown


# ------------------------------------------------------------------------------ region
def test_the_region_comes_from_the_stage_not_from_cdk_default_region(monkeypatch):
    from casebridge_infra.config import stack_environment, stage_config  # noqa: PLC0415

    monkeypatch.setenv("CDK_DEFAULT_REGION", "eu-central-2")  # what the CLI sets from the profile
    config = stage_config("dev", {})
    env = stack_environment(config)
    assert env.region == config.region == "us-east-1"


def test_a_region_without_ses_receiving_is_refused_at_synthesis():
    from casebridge_infra.config import stage_config  # noqa: PLC0415

    with pytest.raises(ValueError, match="SES email receiving"):
        stage_config("dev", {"region": "eu-central-2"})
    assert stage_config("dev", {"region": "eu-west-1"}).region == "eu-west-1"


def test_the_ses_receiving_regions_are_those_where_cloudformation_offers_receipt_rules():
    """The list in config.py is reviewed against cfn-lint's per-region resource catalogue (pinned)."""
    from pathlib import Path  # noqa: PLC0415

    import cfnlint  # noqa: PLC0415
    from casebridge_infra.config import SES_RECEIVING_REGIONS  # noqa: PLC0415

    providers = Path(cfnlint.__file__).parent / "data" / "schemas" / "providers"
    offered = {
        p.stem
        for p in providers.glob("*.json")
        if p.stem.count("-") == 2
        and not p.stem.startswith(("cn-", "us-gov-", "us-iso", "eu-isoe", "eusc-"))
        and "AWS::SES::ReceiptRuleSet" in json.loads(p.read_text())
    }
    assert set(SES_RECEIVING_REGIONS) == offered


# ------------------------------------------------------------------------------ identity
def test_the_agent_console_client_allows_the_code_flow_only_for_its_own_urls(dev):
    """The hosted UI sign-in of the agents' app (issue 13), nothing left to CDK's defaults (issue 17):
    no implicit flow, no client secret, only the scopes the app asks for, only its own URLs."""
    (client,) = props(dev, "AWS::Cognito::UserPoolClient")
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["GenerateSecret"] is False
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    distribution = next(k for k in resources_of(dev, "AWS::CloudFront::Distribution") if k.startswith("AgentsSite"))
    domain = {"Fn::GetAtt": [distribution, "DomainName"]}
    assert client["CallbackURLs"] == [{"Fn::Join": ["", ["https://", domain, "/auth/callback"]]}]
    assert client["LogoutURLs"] == [{"Fn::Join": ["", ["https://", domain, "/"]]}]
    assert "example.com" not in json.dumps(client)
    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["EnableTokenRevocation"] is True
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    units = client["TokenValidityUnits"]
    assert (client["IdTokenValidity"], units["IdToken"]) == (60, "minutes")
    assert (client["AccessTokenValidity"], units["AccessToken"]) == (60, "minutes")
    assert (client["RefreshTokenValidity"], units["RefreshToken"]) == (12 * 60, "minutes")


# ------------------------------------------------------------------------------ teardown
def test_secrets_have_generated_names_so_a_redeploy_is_not_blocked_by_one_pending_deletion(dev, prod):
    for template in (dev, prod):
        secrets = props(template, "AWS::SecretsManager::Secret")
        assert len(secrets) == 2
        assert all("Name" not in s for s in secrets)


def test_dev_buckets_are_emptied_on_teardown_prod_buckets_are_kept(dev, prod):
    dev_buckets = resources_of(dev, "AWS::S3::Bucket")
    emptied = {
        r["Properties"]["BucketName"]["Ref"]
        for r in dev["Resources"].values()
        if r["Type"] == "Custom::S3AutoDeleteObjects"
    }
    assert emptied == set(dev_buckets)
    assert all(b["DeletionPolicy"] == "Delete" for b in dev_buckets.values())
    assert not [r for r in prod["Resources"].values() if r["Type"] == "Custom::S3AutoDeleteObjects"]
    assert all(b["DeletionPolicy"] == "Retain" for b in resources_of(prod, "AWS::S3::Bucket").values())


def test_every_resource_prod_retains_is_listed_for_the_teardown_with_its_name(prod):
    from casebridge_infra.teardown import retained  # noqa: PLC0415

    kept = {k for k, v in prod["Resources"].items() if v.get("DeletionPolicy") == "Retain"}
    listed = retained(prod)
    assert {r.logical_id for r in listed} == kept
    assert all(r.physical_name and r.delete_command.startswith("aws ") for r in listed)


# ------------------------------------------------------------------------------ search access
def test_every_role_that_searches_and_the_operator_role_are_mapped_in_opensearch(dev):
    from casebridge_infra.permissions import FUNCTIONS  # noqa: PLC0415

    (mapping,) = [r["Properties"] for r in dev["Resources"].values() if r["Type"] == "Custom::OpenSearchRoleMapping"]
    mapped = {json.dumps(arn) for arn in mapping["BackendRoles"]}
    searching = [n for n, a in FUNCTIONS.items() if a.search]
    assert "index_stream" in searching and "api_handler" in searching
    for name in searching:
        role = next(
            k for k in resources_of(dev, "AWS::IAM::Role") if k.startswith(f"FunctionRolesRole{name.replace('_', '')}")
        )
        assert json.dumps({"Fn::GetAtt": [role, "Arn"]}) in mapped, name
    operator = next(k for k in resources_of(dev, "AWS::IAM::Role") if k.startswith("SearchSearchOperator"))
    assert json.dumps({"Fn::GetAtt": [operator, "Arn"]}) in mapped
    assert mapping["IndexPatterns"] == [f"{DEV_PREFIX}-*"]


def test_the_master_user_is_a_role_operators_can_assume_not_a_function_role(dev):
    (domain,) = props(dev, "AWS::OpenSearchService::Domain")
    master = domain["AdvancedSecurityOptions"]["MasterUserOptions"]["MasterUserARN"]["Fn::GetAtt"][0]
    assert master.startswith("SearchSearchAdmin")
    trust = json.dumps(dev["Resources"][master]["Properties"]["AssumeRolePolicyDocument"])
    assert ":root" in trust and "lambda.amazonaws.com" in trust


def test_a_single_node_domain_indexes_without_replicas(dev, prod):
    for template, replicas in ((dev, "0"), (prod, "1")):
        for fn in props(template, "AWS::Serverless::Function"):
            assert fn["Environment"]["Variables"]["CASEBRIDGE_SEARCH_REPLICAS"] == replicas


def test_the_role_mapping_function_puts_the_role_and_maps_every_backend_role():
    import importlib.util  # noqa: PLC0415

    from tests.infrastructure.conftest import INFRA  # noqa: PLC0415

    spec = importlib.util.spec_from_file_location(
        "search_security", INFRA / "casebridge_infra/assets/search_security/index.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sent, answers = [], iter([503, 200, 200])
    module.apply(
        {"Endpoint": "search-x.es.amazonaws.com", "IndexPatterns": ["cb-dev-*"], "BackendRoles": ["arn:b", "arn:a"]},
        lambda m, u, b: sent.append((m, u, b)) or next(answers),
        sleep=lambda s: None,
    )
    assert [u.split("/api/")[1] for _, u, _ in sent] == [
        "roles/casebridge_app",
        "roles/casebridge_app",
        "rolesmapping/casebridge_app",
    ]
    assert sent[-1][2] == {"backend_roles": ["arn:a", "arn:b"]}
    assert sent[0][2]["index_permissions"][0]["index_patterns"] == ["cb-dev-*"]
