"""The customers' site on a domain of its own: CDK context ``customers_domain`` and
``customers_certificate_arn`` (an ACM certificate in us-east-1) give its CloudFront distribution the
alternate name and certificate, and make ``public_base_url`` https://{domain} (links in mails, CORS,
the attachments bucket's upload origin). Without them the distribution keeps CloudFront's own name
and certificate and the stage's ``public_base_url`` stands. Assertions on synthesized templates."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infrastructure.conftest import props, resources_of, synthesize

DOMAIN = "help.acme.example"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


@pytest.fixture(scope="module")
def with_domain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    context = {"stage": "dev", "customers_domain": DOMAIN, "customers_certificate_arn": CERTIFICATE}
    return synthesize(tmp_path_factory.mktemp("synth-domain"), context).template("dev")


def _distribution(template: dict[str, Any], site: str) -> dict[str, Any]:
    (config,) = [
        v["Properties"]["DistributionConfig"]
        for k, v in resources_of(template, "AWS::CloudFront::Distribution").items()
        if k.startswith(f"{site}Distribution")
    ]
    return config


def _function_env(template: dict[str, Any], name: str) -> set[str]:
    return {json.dumps(fn["Environment"]["Variables"].get(name)) for fn in props(template, "AWS::Serverless::Function")}


def _upload_origins(template: dict[str, Any]) -> list[str]:
    (rules,) = [
        p["CorsConfiguration"]["CorsRules"]
        for p in props(template, "AWS::S3::Bucket")
        if "CorsConfiguration" in p and "attachments" in json.dumps(p.get("BucketName"))
    ]
    return [origin for rule in rules for origin in rule["AllowedOrigins"]]


def test_with_a_domain_the_customers_distribution_answers_it_with_the_certificate(with_domain):
    config = _distribution(with_domain, "CustomersSite")

    assert config["Aliases"] == [DOMAIN]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    assert "Aliases" not in _distribution(with_domain, "AgentsSite")  # the agents' app is not moved


def test_with_a_domain_public_base_url_is_that_domain_everywhere(with_domain):
    url = f"https://{DOMAIN}"

    assert _function_env(with_domain, "CASEBRIDGE_PUBLIC_BASE_URL") == {json.dumps(url)}
    assert all(url in origins for origins in _function_env(with_domain, "CASEBRIDGE_CORS_ALLOWED_ORIGINS"))
    assert _upload_origins(with_domain) == [url]
    assert with_domain["Outputs"]["CustomersUrl"]["Value"] == url
    assert with_domain["Outputs"]["CustomersDistributionDomain"]["Value"] == {
        "Fn::GetAtt": [
            next(k for k in resources_of(with_domain, "AWS::CloudFront::Distribution") if k.startswith("Customers")),
            "DomainName",
        ]
    }


def test_without_a_domain_the_distribution_keeps_cloudfronts_name_and_the_stages_url(dev):
    config = _distribution(dev, "CustomersSite")

    assert "Aliases" not in config
    assert config.get("ViewerCertificate", {}).get("AcmCertificateArn") is None
    assert _function_env(dev, "CASEBRIDGE_PUBLIC_BASE_URL") == {json.dumps("https://support.example.com")}
    assert _upload_origins(dev) == ["https://support.example.com"]
    assert "Fn::Join" in dev["Outputs"]["CustomersUrl"]["Value"]  # https:// + the distribution's name


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"customers_domain": DOMAIN}, "go together"),
        ({"customers_certificate_arn": CERTIFICATE}, "go together"),
        (
            {"customers_domain": DOMAIN, "customers_certificate_arn": CERTIFICATE.replace("us-east-1", "eu-west-1")},
            "customers_certificate_arn",
        ),
        (
            {"customers_domain": "https://help.acme.example", "customers_certificate_arn": CERTIFICATE},
            "customers_domain",
        ),
    ],
    ids=["domain-alone", "certificate-alone", "certificate-outside-us-east-1", "url-not-a-host-name"],
)
def test_a_domain_without_its_us_east_1_certificate_is_refused_before_synthesis(context, message):
    from casebridge_infra.config import stage_config  # noqa: PLC0415

    with pytest.raises(ValueError, match=message):
        stage_config("dev", context)


def test_the_stage_config_takes_the_domain_from_context():
    from casebridge_infra.config import stage_config  # noqa: PLC0415

    config = stage_config("prod", {"customers_domain": DOMAIN, "customers_certificate_arn": CERTIFICATE})

    assert (config.public_base_url, config.customers_domain) == (f"https://{DOMAIN}", DOMAIN)
    assert stage_config("prod", {}).public_base_url == "https://support.example.com"
