"""Synonym rules, query planning and consensus re-ranking (engine-independent, no I/O)."""

from __future__ import annotations

from functions.search.analysis import DEFAULT_SYNONYMS_PATH, load_synonyms, parse_synonyms, words
from functions.search.port import DocKind, SearchHit
from functions.search.query import STOP_WORD_WEIGHT, SYNONYM_WEIGHT, plan, rerank_by_consensus


def test_words_are_lower_cased_letters_and_digits_in_order():
    assert words("Order #A-42: Café, naïve!") == ["order", "a", "42", "café", "naïve"]


def test_an_equivalence_rule_expands_each_member_to_the_others():
    rules = parse_synonyms("refund, reimbursement, money back\n")
    assert rules.expand(["my", "refund"]) == ["reimbursement", "money", "back"]
    assert rules.expand(["money", "back", "please"]) == ["refund", "reimbursement"]


def test_a_one_way_rule_expands_only_from_its_left_side():
    rules = parse_synonyms("passcode => password\n")
    assert rules.expand(["passcode"]) == ["password"]
    assert rules.expand(["password"]) == []


def test_comments_and_blank_lines_are_ignored_and_rules_kept_as_written():
    rules = parse_synonyms("# a comment\n\nfee, charge  # trailing\n")
    assert rules.lines == ("fee, charge",)
    assert rules.expand(["fee"]) == ["charge"]


def test_the_shipped_synonym_file_parses():
    rules = load_synonyms(str(DEFAULT_SYNONYMS_PATH))
    assert rules.groups and "refund" in [w for g in rules.groups for p in g for w in p]


def test_plan_keeps_each_word_once_weighs_stop_words_less_and_adds_synonyms():
    rules = parse_synonyms("refund, reimbursement\n")
    terms = plan("Why is my refund late? refund!", rules)
    assert [(t.word, t.weight, t.synonym) for t in terms] == [
        ("why", STOP_WORD_WEIGHT, False),
        ("is", STOP_WORD_WEIGHT, False),
        ("my", STOP_WORD_WEIGHT, False),
        ("refund", 1.0, False),
        ("late", 1.0, False),
        ("reimbursement", SYNONYM_WEIGHT, True),
    ]


def _hit(doc_id: str, score: float, category: str | None) -> SearchHit:
    return SearchHit(doc_id=doc_id, kind=DocKind.CASE, score=score, fields={"category": category} if category else {})


def test_consensus_lifts_a_hit_whose_category_the_other_candidates_share():
    hits = [_hit("lone", 10.0, "a"), _hit("b1", 9.0, "b"), _hit("b2", 8.0, "b"), _hit("b3", 7.0, "b")]
    ranked = rerank_by_consensus(hits, "category", 0.25)
    assert [h.doc_id for h in ranked][:1] == ["b1"]


def test_consensus_with_no_weight_or_no_field_keeps_the_order():
    hits = [_hit("x", 3.0, None), _hit("y", 2.0, None)]
    assert [h.doc_id for h in rerank_by_consensus(hits, "category", 0.5)] == ["x", "y"]
    assert rerank_by_consensus(hits, "category", 0.0) == hits
