"""The sentence-embedding model's Lambda layer, on the functions that embed and on no other.

* The layer is ``build/language-layer`` (``make language-layer``: scripts/build_language_layer.py
  installs requirements-language.txt for Lambda's Python 3.12 on x86_64: onnxruntime, tokenizers,
  numpy and the pinned model file; about 142 MB unpacked, under Lambda's 250 MB with the function's
  own package; docs/language.md has the figures).
* ``EMBEDDING_FUNCTIONS``: the stream indexer (a document's vector is computed once, when it is
  indexed) and the API (the similar-case, search and self-service routes embed their query text).
  They get the layer and ``CASEBRIDGE_EMBEDDER=onnx``; every other function runs with ``none``
  (the stage's environment) and without the layer. In the API the model's libraries are imported
  on the first query embedding only, so the other routes' cold start is unchanged (bench/cold_start.py).
* Without a build, a stack synthesized with the ``web=placeholder`` context (the infrastructure
  tests) gets a placeholder layer and keeps ``none`` everywhere; any other synthesis stops and
  says to run ``make language-layer``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from casebridge_infra.config import INFRA_DIR, REPO_DIR

# the API (a query's own vector), the stream indexer (documents' vectors), problem detection (each
# new case's vector, compared with the recent pool's) and triage (a new case's suggestion; the weekly
# training embeds the resolved cases)
EMBEDDING_FUNCTIONS = ("api_handler", "index_stream", "problem_stream", "triage_stream", "train_triage")
LAYER_DIR = REPO_DIR / "build" / "language-layer"
PLACEHOLDER_DIR = INFRA_DIR / "casebridge_infra" / "assets" / "language_layer_placeholder"


class MissingLayerBuild(RuntimeError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"the language layer is not built ({path}): run `make language-layer` first")


def layer_dir(*, placeholder: bool) -> tuple[Path, bool]:
    """The folder to deploy as the layer and whether it is the real one."""
    if (LAYER_DIR / "python" / "onnxruntime").is_dir():
        return LAYER_DIR, True
    if placeholder:
        return PLACEHOLDER_DIR, False
    raise MissingLayerBuild(LAYER_DIR)


class LanguageLayer(Construct):
    def __init__(self, scope: Construct, id: str, *, prefix: str, placeholder: bool) -> None:
        super().__init__(scope, id)
        path, self.real = layer_dir(placeholder=placeholder)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            layer_version_name=f"{prefix}-language",
            code=lambda_.Code.from_asset(str(path)),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[lambda_.Architecture.X86_64],
            description="all-MiniLM-L6-v2 int8 ONNX on onnxruntime and tokenizers (requirements-language.txt)",
        )

    def attach(self, functions: dict[str, Any]) -> None:
        """Give the layer (and, when it is the real one, ``CASEBRIDGE_EMBEDDER=onnx``) to the
        ``EMBEDDING_FUNCTIONS`` among ``functions`` (name -> the Chalice function's CfnResource)."""
        for name in EMBEDDING_FUNCTIONS:
            fn = functions[name]
            fn.add_property_override("Layers", [self.layer.layer_version_arn])
            # one BLAS thread: numpy's matrix products are ~20x slower with OpenBLAS's default threads
            # on a busy CPU (bench/problem_detection.py), and a function has one or two vCPUs anyway
            fn.add_property_override("Environment.Variables.OPENBLAS_NUM_THREADS", "1")
            if self.real:
                fn.add_property_override("Environment.Variables.CASEBRIDGE_EMBEDDER", "onnx")
