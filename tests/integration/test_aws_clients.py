"""functions.core.aws: cached clients (plain or with adaptive retries) and this deployment's ARNs."""

from __future__ import annotations


def test_an_adaptive_client_is_its_own_cached_client_with_the_given_attempts(aws):
    from functions.core import aws as clients

    plain = clients.client("sns")
    adaptive = clients.client("sns", adaptive_attempts=7)
    assert clients.client("sns", adaptive_attempts=7) is adaptive
    assert adaptive is not plain
    # botocore's max_attempts counts retries: 7 of them, 8 attempts in all
    assert adaptive.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 8}
    assert plain.meta.config.retries.get("mode") != "adaptive"


def test_arns_name_this_region_and_account_and_match_what_the_service_returns(aws):
    from functions.core import aws as clients
    from functions.core import resources
    from functions.core.settings import get_settings

    s = get_settings()
    topic = s.name(resources.SMS_NOTICES_TOPIC.logical)
    created = clients.client("sns").create_topic(Name=topic)["TopicArn"]
    assert clients.arn("sns", topic) == created
    assert clients.arn("states", "stateMachine:x").startswith(f"arn:aws:states:{s.region}:")
