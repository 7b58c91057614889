"""functions.local.calls: AWS calls attributed to the Lambda function that made them, nothing else changed."""

from __future__ import annotations

from chalice import Chalice


def _app() -> Chalice:
    app = Chalice(app_name="recorder-test")

    @app.lambda_function(name="stream_consumer")
    def stream_consumer(event, context):
        from functions.local.calls import current_function

        return {"ran_as": current_function()}

    @app.on_sqs_message(queue="jobs", name="job_handler")
    def job_handler(event):
        from functions.local.calls import current_function

        return current_function()

    return app


def test_handlers_run_as_their_function_and_return_what_they_returned(tmp_path):
    from functions.local import calls

    sink = calls.install(tmp_path / "calls.jsonl")
    try:
        app = _app()
        assert app.handler_map["stream_consumer"]({"Records": []}, None) == {"ran_as": "stream_consumer"}
        assert app.handler_map["job_handler"]({"Records": []}, None) in ("job_handler", None)
        assert calls.current_function() is None  # outside any handler again
    finally:
        calls.uninstall(sink)


def test_only_identifiers_are_kept_never_bodies_or_phone_numbers():
    from functions.local.calls import identifiers

    kept = identifiers(
        "Publish", {"TopicArn": "arn:aws:sns:us-east-1:1:t", "PhoneNumber": "+15550001", "Message": "secret text"}
    )
    assert kept == {"TopicArn": "arn:aws:sns:us-east-1:1:t", "PhoneNumber": "<present>"}
    tx = identifiers("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "t", "Item": {"email": "a@b"}}}]})
    assert tx == {"TransactItems": [("Put", "t")]}
