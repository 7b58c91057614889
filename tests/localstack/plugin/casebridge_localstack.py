"""A LocalStack service provider for DynamoDB that forwards every request to another endpoint
(the lane's moto server), so that LocalStack's own services, Step Functions' DynamoDB tasks
first, reach the same tables as the app. LocalStack's DynamoDB providers (``default``, ``v2``)
run DynamoDB Local, which needs a Java runtime and a jar LocalStack downloads: not possible
offline.

Loaded by LocalStack itself (Python 3.13, its own venv), never by the app: the lane puts this
folder on LocalStack's ``PYTHONPATH`` (the ``.dist-info`` beside it declares the entry point) and
starts it with ``PROVIDER_OVERRIDE_DYNAMODB=casebridge_forward`` and
``CASEBRIDGE_LOCALSTACK_DYNAMODB_URL``.
"""

from __future__ import annotations

import os

from localstack.aws.api.dynamodb import DynamodbApi
from localstack.aws.forwarder import AwsRequestProxy, ForwardingFallbackDispatcher
from localstack.services.plugins import Service, aws_provider


class ForwardedDynamoDB(DynamodbApi):
    """Implements nothing: every operation raises NotImplementedError and is forwarded."""


@aws_provider(api="dynamodb", name="casebridge_forward")
def dynamodb_forward() -> Service:
    proxy = AwsRequestProxy(os.environ["CASEBRIDGE_LOCALSTACK_DYNAMODB_URL"])

    def forward(context, service_request=None):  # type: ignore[no-untyped-def]
        # LocalStack names its own account (000000000000) to moto in this header; without it moto
        # takes the account from the access key, as it does for the app's own calls.
        context.request.headers.pop("X-Moto-Account-Id", None)
        return proxy.forward(context, service_request)

    return Service.for_provider(
        ForwardedDynamoDB(), dispatch_table_factory=lambda provider: ForwardingFallbackDispatcher(provider, forward)
    )
