"""What kind of failure an AWS call ended in (functions.core.aws): worth a retry soon (throttling,
a 5xx, the network), or a refusal that fails the same when sent again."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from functions.core.aws import is_aws_failure, is_transient_aws_failure


def _client_error(code: str, status: int) -> ClientError:
    response = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "SendRawEmail")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (_client_error("Throttling", 400), True),
        (_client_error("ServiceUnavailable", 503), True),
        (_client_error("TooManyRequestsException", 429), True),
        (EndpointConnectionError(endpoint_url="https://email.example"), True),
        (_client_error("MessageRejected", 400), False),
        (_client_error("AccessDenied", 403), False),
    ],
)
def test_throttling_5xx_and_the_network_are_transient_refusals_are_not(error, transient):
    assert is_aws_failure(error)
    assert is_transient_aws_failure(error) is transient


def test_a_bug_is_neither_an_aws_failure_nor_transient():
    assert not is_aws_failure(ValueError("bad input"))
    assert not is_transient_aws_failure(ValueError("bad input"))
