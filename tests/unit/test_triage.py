"""Triage: the pure rules (apply vs suggest, corrections), the classifier and the service on fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.triage import rules
from functions.triage.classifier import KNN_TEMPERATURE, TriageModel
from functions.triage.models import Example, FieldSuggestion, TriageSuggestion
from functions.triage.service import NoEmbedder, TooFewExamples, TriageService
from tests.fakes.search import ConceptEmbedder
from tests.fakes.triage import TINY, InMemoryModelStore

AT = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


# -- rules: apply above the threshold, suggest below ------------------------------------------------
def test_a_field_at_or_above_its_threshold_is_applied_and_below_only_suggested() -> None:
    predictions = {
        "category": [("lost_card", 0.95), ("billing", 0.03)],
        "priority": [("urgent", 0.60)],
        "department": [("cards", 0.90)],
    }
    s = rules.decide(predictions, {"category": 0.9, "priority": 0.9, "department": 0.9}, model_version="v1", at=AT)
    assert s.category == FieldSuggestion(value="lost_card", confidence=0.95, applied=True)
    assert s.priority == FieldSuggestion(value="urgent", confidence=0.60, applied=False)
    assert s.department is not None and s.department.applied  # at the threshold counts
    assert rules.applied_fields(s) == {"category": "lost_card", "department": "cards"}


def test_a_field_without_a_threshold_is_never_applied() -> None:
    s = rules.decide({"category": [("x", 1.0)]}, {"category": None}, model_version="v1", at=AT)
    assert s.category is not None and not s.category.applied
    s = rules.decide({"priority": [("high", 1.0)]}, {}, model_version="v1", at=AT)
    assert s.priority is not None and not s.priority.applied


def test_a_label_not_allowed_is_suggested_but_not_applied() -> None:
    s = rules.decide(
        {"department": [("gone", 0.99)]},
        {"department": 0.5},
        model_version="v1",
        at=AT,
        allowed={"department": {"cards", "tech"}},
    )
    assert s.department is not None and s.department.value == "gone" and not s.department.applied


def test_fields_without_predictions_are_absent() -> None:
    s = rules.decide({"category": [("a", 0.5)], "priority": []}, {"category": 0.9}, model_version="v1", at=AT)
    assert s.priority is None and s.department is None


# -- the classifier ------------------------------------------------------------------------------
def _embed(embedder: ConceptEmbedder):  # type: ignore[no-untyped-def]
    import numpy as np

    return lambda texts: np.asarray(embedder.embed(list(texts)), dtype=np.float32)


def test_the_classifier_learns_each_field_and_survives_its_file() -> None:
    import numpy as np

    emb = ConceptEmbedder()
    texts = [t for t, *_ in TINY]
    model = TriageModel.train(
        texts,
        {
            "category": [c for _, c, _, _ in TINY],
            "priority": [p for _, _, p, _ in TINY],
            "department": [None] * len(TINY),
        },
        _embed(emb),
        emb.model_id,
        epochs=60,
    )
    assert set(model.fields) == {"category", "priority"}  # no department labels: no model for it
    loaded = TriageModel.from_bytes(model.to_bytes())
    text = "someone stole my card"
    out = loaded.predict(text, np.asarray(emb.embed([text])[0], dtype=np.float32))
    assert out["category"][0][0] == "lost_card"
    assert out["priority"][0][0] == "urgent"
    assert 0.0 <= out["category"][0][1] <= 1.0
    assert [c for _, c in out["category"]] == sorted((c for _, c in out["category"]), reverse=True)


def test_character_ngrams_read_a_misspelt_word_and_survive_the_file() -> None:
    import numpy as np

    from functions.triage.classifier import grams

    assert "\t car" in grams("Card", (3, 5)) and "\tard " in grams("Card", (3, 5))
    assert grams("Card") == ["card"]  # no character grams unless asked

    class Blind:  # a vector that says nothing: only the TF-IDF features tell the classes apart
        model_id = "blind"

        def embed(self, texts):  # type: ignore[no-untyped-def]
            return [[1.0, 0.0]] * len(texts)

    texts = [t for t, *_ in TINY]
    labels = {"category": [c for _, c, _, _ in TINY]}
    with_chars = TriageModel.train(texts, labels, _embed(Blind()), "blind", chars=(3, 5), epochs=60, balanced=True)
    words_only = TriageModel.train(texts, labels, _embed(Blind()), "blind", epochs=60)
    loaded = TriageModel.from_bytes(with_chars.to_bytes())
    assert loaded.tfidf.chars == (3, 5) and loaded.tfidf.size == with_chars.tfidf.size
    vec = np.array([1.0, 0.0], dtype=np.float32)
    text = "interneet connections failng"  # no word of it was seen in training
    assert loaded.predict(text, vec)["category"][0][0] == "network"
    # words alone read nothing of it: the same answer as for no text at all
    assert words_only.predict(text, vec) == words_only.predict("", vec)


def test_hashed_character_ngrams_keep_the_features_bounded_and_read_a_misspelt_word() -> None:
    import numpy as np

    from functions.triage.classifier import Tfidf, bucket

    assert bucket("\t car", 64) == bucket("\t car", 64) and 0 <= bucket("\t car", 64) < 64
    texts = [t for t, *_ in TINY]
    words = Tfidf.fit(texts)
    hashed = Tfidf.fit(texts, chars=(2, 5), buckets=64)
    assert hashed.size == words.size + 64  # the words' vocabulary plus the buckets, whatever the text
    idx, _ = hashed.sparse("zzzzqqqq xxxyyy")  # unseen characters still land in the buckets
    assert len(idx) > 0 and all(words.size <= i < hashed.size for i in idx)

    class Blind:
        model_id = "blind"

        def embed(self, texts):  # type: ignore[no-untyped-def]
            return [[1.0, 0.0]] * len(texts)

    labels = {"category": [c for _, c, _, _ in TINY]}
    model = TriageModel.train(
        texts, labels, _embed(Blind()), "blind", chars=(2, 5), char_buckets=512, epochs=60, balanced=True, knn=0
    )
    loaded = TriageModel.from_bytes(model.to_bytes())
    assert loaded.tfidf.buckets == 512 and loaded.tfidf.size == model.tfidf.size
    vec = np.array([1.0, 0.0], dtype=np.float32)
    assert loaded.predict("interneet connections failng", vec)["category"][0][0] == "network"


def test_the_nearest_neighbour_vote_is_blended_in_and_kept_in_the_file() -> None:
    import numpy as np

    emb = ConceptEmbedder()
    texts = [t for t, *_ in TINY]
    labels = {"category": [c for _, c, _, _ in TINY], "priority": [p for _, _, p, _ in TINY]}
    # no training steps: the softmax alone only knows the labels' shares (a tie here)
    untrained = TriageModel.train(texts, labels, _embed(emb), emb.model_id, epochs=0, knn=0.5, knn_k=5)
    loaded = TriageModel.from_bytes(untrained.to_bytes())
    assert loaded.neighbours is not None and loaded.neighbours.k == 5 and loaded.neighbours.weight == 0.5
    assert loaded.neighbours.temperature == KNN_TEMPERATURE  # the default, kept in the file
    assert loaded.neighbours.vectors.shape == (len(TINY), len(emb.embed(["x"])[0]))
    text = "someone stole my card"
    vec = np.asarray(emb.embed([text])[0], dtype=np.float32)
    out = loaded.predict(text, vec)
    assert out["category"][0][0] == "lost_card" and out["priority"][0][0] == "urgent"
    alone = loaded.probabilities("category", text, vec, knn=0.0)
    assert float(alone.max() - alone.min()) < 1e-6  # without the vote: nothing to choose by
    # knn=0: no neighbours in the file, and a smaller file
    plain = TriageModel.train(texts, labels, _embed(emb), emb.model_id, epochs=0, knn=0)
    assert plain.neighbours is None and TriageModel.from_bytes(plain.to_bytes()).neighbours is None
    assert len(plain.to_bytes()) < len(untrained.to_bytes())
    # the vote's temperature: kept in the file; a hot one weighs the neighbours alike
    hot = TriageModel.train(texts, labels, _embed(emb), emb.model_id, epochs=0, knn=1.0, knn_k=5, knn_temperature=100.0)
    hot = TriageModel.from_bytes(hot.to_bytes())
    assert hot.neighbours is not None and hot.neighbours.temperature == 100.0
    sharp = TriageModel.train(
        texts, labels, _embed(emb), emb.model_id, epochs=0, knn=1.0, knn_k=5, knn_temperature=0.01
    )
    p_hot = hot.probabilities("category", text, vec)
    p_sharp = TriageModel.from_bytes(sharp.to_bytes()).probabilities("category", text, vec)
    assert int(p_hot.argmax()) == int(p_sharp.argmax()) and float(p_sharp.max()) > float(p_hot.max())


def test_a_file_of_another_format_is_refused() -> None:
    import io

    import numpy as np

    buf = io.BytesIO()
    np.savez(buf, header=np.frombuffer(b'{"format": "other"}', dtype=np.uint8))
    with pytest.raises(ValueError, match="not a triage model"):
        TriageModel.from_bytes(buf.getvalue())


# -- the service ---------------------------------------------------------------------------------
def _examples() -> list[Example]:
    return [Example(text=t, category=c, priority=p, department=d) for t, c, p, d in TINY]


class Clock:
    def __init__(self) -> None:
        self.now = AT

    def __call__(self) -> datetime:
        return self.now


def test_training_stores_a_new_current_version_that_suggests_for_new_cases() -> None:
    store, clock = InMemoryModelStore(), Clock()
    trainer = TriageService(store, ConceptEmbedder, clock)
    result = trainer.train(_examples(), epochs=60)
    assert store.pointer == result.version and result.version.startswith("20261203T080000Z-")
    assert result.labels == {"category": 3, "priority": 3, "department": 3}

    # another container (a Lambda function) loads the current model on first use
    triage = TriageService(store, ConceptEmbedder, clock)
    s = triage.suggest("Router wifi drops", "every hour since monday", {"category": 0.0, "priority": None})
    assert s is not None and s.model_version == result.version
    assert s.category is not None and s.category.value == "network" and s.category.applied
    assert s.priority is not None and not s.priority.applied
    assert triage.classifier("department").predict("invoice shows a wrong amount")[0][0] == "finance"


def test_no_model_yet_means_no_suggestion() -> None:
    triage = TriageService(InMemoryModelStore(), ConceptEmbedder, Clock())
    assert triage.suggest("a", "b", {"category": 0.5}) is None
    assert triage.predict("anything") == {}


def test_a_model_trained_meanwhile_is_picked_up_after_the_reload_interval() -> None:
    store, clock = InMemoryModelStore(), Clock()
    reader = TriageService(store, ConceptEmbedder, clock, reload_after=timedelta(hours=1))
    assert reader.version is None
    TriageService(store, ConceptEmbedder, clock).train(_examples(), epochs=5)
    assert reader.version is None  # cached
    clock.now += timedelta(minutes=1)  # no model yet: looked for again after a minute
    first = store.pointer
    assert reader.version == first
    TriageService(store, ConceptEmbedder, clock).train(_examples()[::-1], epochs=5)
    clock.now += timedelta(minutes=59)
    assert reader.version == first  # a model is kept for reload_after
    clock.now += timedelta(minutes=1)
    assert reader.version == store.pointer != first


def test_a_model_of_another_embedder_is_not_used() -> None:
    store, clock = InMemoryModelStore(), Clock()
    TriageService(store, ConceptEmbedder, clock).train(_examples(), epochs=5)

    class Other(ConceptEmbedder):
        model_id = "another-model"

    assert TriageService(store, Other, clock).predict("card stolen") == {}


def test_detection_reads_triage_s_category_from_a_vector_it_already_has() -> None:
    from functions.problems.detection.adapters import TriageIntents  # noqa: PLC0415

    store, clock = InMemoryModelStore(), Clock()
    TriageService(store, ConceptEmbedder, clock).train(_examples(), epochs=60)
    # Given a service in a function that embeds texts itself (no embedder given to triage)
    triage = TriageService(store, lambda: None, clock)
    text = "Router wifi drops\nevery hour since monday"
    vector = ConceptEmbedder().embed([text])[0]
    # When detection asks with the vector and the model that made it
    ranked = triage.predict_vector(text, vector, ConceptEmbedder.model_id)
    # Then it gets what predict gives for the text, and the adapter its top category
    assert ranked == TriageService(store, ConceptEmbedder, clock).predict(text)
    label, p, cohesion = TriageIntents(triage).intent(text, vector, ConceptEmbedder.model_id) or ("", 0.0, 0.0)
    assert label == "network" and p == ranked["category"][0][1]
    assert cohesion == triage.cohesion("category", ConceptEmbedder.model_id)["network"] > 0
    # And nothing for another model's vectors, nor with no model yet
    assert triage.predict_vector(text, vector, "another-model") == {}
    assert triage.cohesion("category", "another-model") == {}
    assert TriageIntents(triage).intent(text, vector, "another-model") is None
    assert TriageIntents(TriageService(InMemoryModelStore(), lambda: None, clock)).intent(text, vector, "x") is None


def test_a_category_of_one_kind_of_request_is_more_cohesive_than_a_broad_one() -> None:
    # Given a "cards" category whose texts all say one thing, and a "misc" one of two unrelated things
    one = [f"my card was stolen {w}" for w in ("today", "again", "now", "please", "help", "quick")]
    two = [f"router wifi drops {w}" for w in ("today", "again", "now")] + [
        f"invoice amount wrong {w}" for w in ("please", "help", "quick")
    ]
    texts = one + two
    embed = _embed(ConceptEmbedder())
    model = TriageModel.train(texts, {"category": ["cards"] * 6 + ["misc"] * 6}, embed, "fake", epochs=5)
    # When its cohesion is asked for
    cohesion = model.cohesion("category")
    # Then each label has one, in (0, 1], the single-request label's higher; none without neighbours
    assert set(cohesion) == {"cards", "misc"}
    assert 0 < cohesion["misc"] < cohesion["cards"] <= 1.0 + 1e-6
    assert cohesion["misc"] < 0.8
    flat = TriageModel.train(texts, {"category": ["cards"] * 6 + ["misc"] * 6}, embed, "fake", epochs=5, knn=0)
    assert flat.cohesion("category") == {}


def test_training_needs_an_embedder_and_enough_examples() -> None:
    with pytest.raises(NoEmbedder):
        TriageService(InMemoryModelStore(), lambda: None, Clock()).train(_examples())
    with pytest.raises(TooFewExamples):
        TriageService(InMemoryModelStore(), ConceptEmbedder, Clock()).train(_examples()[:3])


# -- corrections: an agent's change of a suggested field ------------------------------------------
def test_an_agents_change_of_a_suggested_field_to_another_value_is_a_correction() -> None:
    from functions.cases import rules as case_rules
    from functions.cases.models import Case, Channel

    case = Case(
        case_id="CB-1",
        subject="s",
        channel=Channel.WEB,
        created_at=AT,
        updated_at=AT,
        triage=TriageSuggestion(
            category=FieldSuggestion(value="lost_card", confidence=0.97, applied=True),
            priority=FieldSuggestion(value="urgent", confidence=0.5),
            department=FieldSuggestion(value="cards", confidence=0.6),
            model_version="v1",
            at=AT,
        ),
    )
    changes = {
        "category": {"from": "lost_card", "to": "billing"},
        "priority": {"from": "normal", "to": "urgent"},  # the agent took the suggestion: no correction
        "group_id": {"from": None, "to": "finance"},
        "tags": {"from": [], "to": ["x"]},
    }
    assert case_rules.triage_corrections(case, changes) == {"category": "billing", "department": "finance"}
    # changed back to what triage said: no longer a correction
    corrected = case.model_copy(update={"triage_corrections": {"category": "billing"}})
    assert case_rules.triage_corrections(corrected, {"category": {"from": "billing", "to": "lost_card"}}) == {}
    assert case_rules.triage_corrections(case.model_copy(update={"triage": None}), changes) == {}


def test_training_labels_leave_out_what_triage_applied_unless_an_agent_corrected_it() -> None:
    s = TriageSuggestion(
        model_version="v1",
        at=AT,
        category=FieldSuggestion(value="lost_card", confidence=0.95, applied=True),
        priority=FieldSuggestion(value="urgent", confidence=0.6, applied=False),
        department=FieldSuggestion(value="cards", confidence=0.97, applied=True),
    )
    values = {"category": "lost_card", "priority": "urgent", "department": "tech"}
    # triage's applied category is unknown; the accepted priority and the changed department are the agent's
    assert rules.agent_labels(values, s, {}) == {"category": None, "priority": "urgent", "department": "tech"}
    # a correction keeps the agent's value
    corrected = dict(values, category="billing")
    assert rules.agent_labels(corrected, s, {"category": "billing"})["category"] == "billing"
    # a case triage never saw keeps every field
    assert rules.agent_labels(values, None, {}) == values


def test_a_confirmed_applied_field_is_a_training_label() -> None:
    s = TriageSuggestion(
        model_version="v1",
        at=AT,
        category=FieldSuggestion(value="lost_card", confidence=0.95, applied=True, confirmed=True),
        department=FieldSuggestion(value="cards", confidence=0.97, applied=True),
    )
    values = {"category": "lost_card", "priority": "normal", "department": "cards"}
    # the agent confirmed the category: a label; the department triage applied alone: none
    assert rules.agent_labels(values, s, {}) == {"category": "lost_card", "priority": "normal", "department": None}


def test_an_agent_confirms_only_fields_triage_applied_and_the_case_holds() -> None:
    from functions.cases import rules as case_rules
    from functions.cases.models import Case, Channel
    from functions.core.errors import InvalidInput

    case = Case(
        case_id="CB-1",
        subject="s",
        channel=Channel.WEB,
        category="lost_card",
        created_at=AT,
        updated_at=AT,
        triage=TriageSuggestion(
            category=FieldSuggestion(value="lost_card", confidence=0.97, applied=True),
            department=FieldSuggestion(value="cards", confidence=0.6),
            model_version="v1",
            at=AT,
        ),
    )
    line, kept = case_rules.triage_confirmations(case, ["category"])
    assert kept.category.confirmed and not kept.department.confirmed
    assert line == "confirmed triage's category lost_card"
    # already confirmed: nothing new
    assert case_rules.triage_confirmations(case.model_copy(update={"triage": kept}), ["category"]) is None
    for field in ("department", "priority"):  # only suggested / not suggested: bad input naming it
        with pytest.raises(InvalidInput, match=field):
            case_rules.triage_confirmations(case, [field])
    with pytest.raises(InvalidInput, match="category"):  # an agent changed it since
        case_rules.triage_confirmations(case.model_copy(update={"category": "billing"}), ["category"])
    with pytest.raises(InvalidInput):
        case_rules.triage_confirmations(case.model_copy(update={"triage": None}), ["category"])
