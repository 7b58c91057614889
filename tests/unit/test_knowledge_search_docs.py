"""Items -> search documents, through the mappers the composition root collects and the
stream-record path."""

from __future__ import annotations

from datetime import UTC, datetime

from boto3.dynamodb.types import TypeSerializer

from functions.composition import Container
from functions.knowledge.models import Article, ArticleContent
from functions.knowledge.store import article_item, version_item
from functions.search.indexing import index_records
from functions.search.port import DocKind
from tests.fakes.search import FakeSearchIndex

MAPPERS = Container().search_mappers

NOW = datetime(2026, 1, 2, tzinfo=UTC)


def _article(**over) -> Article:
    content = ArticleContent(title="Jam", symptoms="jams", visibility=over.pop("visibility", "external"))
    data = {
        "article_id": "KB-1001",
        "status": "published",
        "latest_version": 1,
        "published_version": 1,
        "title": "Jam",
        "visibility": content.visibility,
        "created_at": NOW,
        "updated_at": NOW,
        "created_by": "a",
        "updated_by": "a",
        "served": content,
    }
    data.update(over)
    return Article.model_validate(data)


def _plain(item: dict) -> dict:
    from functions.core.dynamo import from_item

    return from_item(item)


def _record(event: str, item: dict, seq: str) -> dict:
    ser = TypeSerializer()
    image = {k: ser.serialize(v) for k, v in item.items()}
    key = "OldImage" if event == "REMOVE" else "NewImage"
    return {"eventName": event, "dynamodb": {"SequenceNumber": seq, key: image, "Keys": {}}}


def test_a_published_external_article_is_public():
    doc = MAPPERS.for_item(_plain(article_item(_article()))).to_doc(_plain(article_item(_article())))
    assert doc.kind == DocKind.ARTICLE
    assert doc.fields["audience"] == "public"
    assert doc.fields["published"] == "true"


def test_an_internal_or_unpublished_article_is_for_agents_only():
    for article in (_article(visibility="internal"), _article(status="draft", published_version=None)):
        item = _plain(article_item(article))
        assert MAPPERS.for_item(item).to_doc(item).fields["audience"] == "agents"


def test_article_versions_are_not_indexed():
    from functions.knowledge.models import ArticleVersion

    version = ArticleVersion(
        article_id="KB-1001", version=1, content=ArticleContent(title="x"), created_at=NOW, created_by="a"
    )
    assert MAPPERS.for_item(_plain(version_item(version))) is None


def test_retiring_an_article_deletes_its_document_through_the_stream():
    index = FakeSearchIndex()
    item = article_item(_article())
    index_records(index, MAPPERS, [_record("INSERT", item, "1")])
    assert index.count(DocKind.ARTICLE) == 1
    index_records(index, MAPPERS, [_record("MODIFY", article_item(_article(status="retired")), "2")])
    assert index.count(DocKind.ARTICLE) == 0


def test_a_removed_fix_leaves_the_index():
    from functions.selfservice.models import Fix
    from functions.selfservice.store import fix_item

    fix = Fix(
        fix_id="reset-password",
        title="Reset",
        description="Sends a link",
        intents=["reset_password"],
        action={"type": "link", "target": "/x"},
        created_at=NOW,
        updated_at=NOW,
        updated_by="a",
    )
    index = FakeSearchIndex()
    index_records(index, MAPPERS, [_record("INSERT", fix_item(fix), "1")])
    assert index.get(DocKind.FIX, "reset-password").fields["audience"] == "public"
    index_records(index, MAPPERS, [_record("REMOVE", fix_item(fix), "2")])
    assert index.count(DocKind.FIX) == 0
