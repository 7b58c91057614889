"""The sentence-embedding model's layer (infra/casebridge_infra/constructs/language.py): on the
functions that embed, on no other; the model is switched on only where the real layer is."""

from __future__ import annotations

from tests.infrastructure.conftest import props, resources_of
from tests.infrastructure.test_template import DEV_PREFIX

EMBEDDING = {
    f"{DEV_PREFIX}-{name}"
    for name in ("api-handler", "index-stream", "problem-stream", "triage-stream", "train-triage")
}


def _functions(template):
    return {f["FunctionName"]: f for f in props(template, "AWS::Serverless::Function")}


def _layer_logical_id(template) -> str:
    layers = resources_of(template, "AWS::Lambda::LayerVersion")
    language = [k for k, v in layers.items() if v["Properties"].get("LayerName") == f"{DEV_PREFIX}-language"]
    assert len(language) == 1, sorted(layers)
    return language[0]


def test_only_the_functions_that_embed_have_the_language_layer(dev):
    layer = _layer_logical_id(dev)
    with_layer = {name for name, f in _functions(dev).items() if {"Ref": layer} in f.get("Layers", [])}

    assert with_layer == EMBEDDING


def test_the_layer_is_for_python_3_12_on_x86_64(dev):
    layer = resources_of(dev, "AWS::Lambda::LayerVersion")[_layer_logical_id(dev)]["Properties"]

    assert layer["CompatibleRuntimes"] == ["python3.12"]
    assert layer["CompatibleArchitectures"] == ["x86_64"]
    functions = _functions(dev)
    assert {functions[name]["Runtime"] for name in EMBEDDING} == {"python3.12"}


def test_the_functions_without_the_layer_run_without_the_model(dev):
    functions = _functions(dev)
    others = {
        name: f["Environment"]["Variables"]["CASEBRIDGE_EMBEDDER"]
        for name, f in functions.items()
        if name not in EMBEDDING
    }

    assert others and set(others.values()) == {"none"}
    # the ones that embed: the model where the layer is the real build, none with the placeholder
    from casebridge_infra.constructs.language import LAYER_DIR

    want = "onnx" if (LAYER_DIR / "python" / "onnxruntime").is_dir() else "none"
    assert {functions[name]["Environment"]["Variables"]["CASEBRIDGE_EMBEDDER"] for name in EMBEDDING} == {want}
