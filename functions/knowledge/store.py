"""DynamoDB access for knowledge articles.

Items (single table):
  ARTICLE#{id} / #META        the article record (lifecycle, pointers, the served content)   type "article"
                              GSI1 ARTICLES/{updated}#{id}   GSI2 ARTSTATUS#{status}/{updated}#{id}
  ARTICLE#{id} / V#{000001}   one immutable version (content, author, note)                   type "article_version"
  ARTICLE#{id} / #STATS       view and feedback counters (atomic ADD)                          type "article_stats"
  ARTICLE#{id} / FB#{at}#{r}  one "did this help?" answer                                      type "article_feedback"
  COUNTER#article / #COUNTER  the article-number sequence

Only the #META item is indexed for search (its ``served`` content), through the table's stream.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from functions.core import dynamo
from functions.core.errors import NotFound, VersionConflict
from functions.core.timeutil import iso
from functions.knowledge.models import (
    Article,
    ArticlePage,
    ArticleQuery,
    ArticleStats,
    ArticleVersion,
)

ARTICLE_TYPE = "article"
MAX_LINKED_CASES = 500


def article_pk(article_id: str) -> str:
    return f"ARTICLE#{article_id}"


def version_sk(version: int) -> str:
    return f"V#{version:06d}"


def article_item(article: Article) -> dict[str, Any]:
    data = article.model_dump(mode="json")
    updated = data["updated_at"]
    return dynamo.to_item(
        {
            "PK": article_pk(article.article_id),
            "SK": "#META",
            "type": ARTICLE_TYPE,
            "GSI1PK": "ARTICLES",
            "GSI1SK": f"{updated}#{article.article_id}",
            "GSI2PK": f"ARTSTATUS#{article.status.value}",
            "GSI2SK": f"{updated}#{article.article_id}",
            **data,
        }
    )


def article_from_item(item: dict[str, Any]) -> Article:
    return Article.model_validate(dynamo.strip_keys(dynamo.from_item(item)))


def version_item(version: ArticleVersion) -> dict[str, Any]:
    return dynamo.to_item(
        {
            "PK": article_pk(version.article_id),
            "SK": version_sk(version.version),
            "type": "article_version",
            **version.model_dump(mode="json"),
        }
    )


class ArticleStore(dynamo.TableStore):
    def next_number(self) -> int:
        return self.next_counter("article", start=1000)

    # -- reads -------------------------------------------------------------
    def get(self, article_id: str) -> Article:
        item = self.table.get_item(Key={"PK": article_pk(article_id), "SK": "#META"}, ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("article", article_id)
        return article_from_item(item)

    def version(self, article_id: str, version: int) -> ArticleVersion:
        item = self.table.get_item(
            Key={"PK": article_pk(article_id), "SK": version_sk(version)}, ConsistentRead=True
        ).get("Item")
        if not item:
            raise NotFound("article version", f"{article_id} v{version}")
        return ArticleVersion.model_validate(dynamo.strip_keys(dynamo.from_item(item)))

    def versions(self, article_id: str, limit: int = 200) -> list[ArticleVersion]:
        resp = self.table.query(
            KeyConditionExpression=Key("PK").eq(article_pk(article_id)) & Key("SK").begins_with("V#"),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [ArticleVersion.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in resp["Items"]]

    def stats(self, article_id: str) -> ArticleStats:
        item = self.table.get_item(Key={"PK": article_pk(article_id), "SK": "#STATS"}).get("Item") or {}
        return ArticleStats.model_validate(dynamo.strip_keys(dynamo.from_item(item)))

    def list_articles(self, q: ArticleQuery) -> ArticlePage:
        if q.status:
            index, cond = "GSI2", Key("GSI2PK").eq(f"ARTSTATUS#{q.status.value}")
        else:
            index, cond = "GSI1", Key("GSI1PK").eq("ARTICLES")
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": cond,
            "ScanIndexForward": False,
            "Limit": q.limit,
        }
        start = dynamo.decode_cursor(q.cursor)
        if start:
            kwargs["ExclusiveStartKey"] = start
        resp = self.table.query(**kwargs)
        return ArticlePage(
            items=[article_from_item(i) for i in resp["Items"]],
            next_cursor=dynamo.encode_cursor(resp.get("LastEvaluatedKey")),
        )

    # -- writes ------------------------------------------------------------
    def create(self, article: Article, version: ArticleVersion) -> None:
        self._client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self.table.name,
                        "Item": article_item(article),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                {
                    "Put": {
                        "TableName": self.table.name,
                        "Item": version_item(version),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )

    def save(self, article: Article, expected: Article, new_version: ArticleVersion | None = None) -> None:
        """Replace the record if nobody changed it since ``expected`` was read (same version and status)."""
        ops: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table.name,
                    "Item": article_item(article),
                    "ConditionExpression": "#v = :v AND #s = :s",
                    "ExpressionAttributeNames": {"#v": "latest_version", "#s": "status"},
                    "ExpressionAttributeValues": {":v": expected.latest_version, ":s": expected.status.value},
                }
            }
        ]
        if new_version is not None:
            ops.append(
                {
                    "Put": {
                        "TableName": self.table.name,
                        "Item": version_item(new_version),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
        try:
            self._client.transact_write_items(TransactItems=ops)
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
            current: int | None = None
            try:
                current = self.get(article.article_id).latest_version
            except NotFound:
                pass
            raise VersionConflict("article", article.article_id, expected.latest_version, current) from exc

    def link_case(self, article_id: str, relation: str, case_id: str, at: datetime) -> bool:
        """Add ``case_id`` to ``source_cases`` or ``helped_cases`` once. False if it was there already."""
        attr = {"source": "source_cases", "helped": "helped_cases"}[relation]
        try:
            self.table.update_item(
                Key={"PK": article_pk(article_id), "SK": "#META"},
                UpdateExpression="SET #l = list_append(if_not_exists(#l, :empty), :c)",
                ConditionExpression="attribute_exists(PK) AND NOT contains(#l, :id) AND size(#l) < :max",
                ExpressionAttributeNames={"#l": attr},
                ExpressionAttributeValues={":c": [case_id], ":id": case_id, ":empty": [], ":max": MAX_LINKED_CASES},
            )
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
            self.get(article_id)  # NotFound if the article does not exist
            return False
        return True

    def count(self, article_id: str, **deltas: int) -> ArticleStats:
        names = {f"#{k}": k for k in deltas}
        values = {f":{k}": v for k, v in deltas.items()}
        resp = self.table.update_item(
            Key={"PK": article_pk(article_id), "SK": "#STATS"},
            UpdateExpression="SET #t = :type ADD " + ", ".join(f"#{k} :{k}" for k in deltas),
            ExpressionAttributeNames={**names, "#t": "type"},
            ExpressionAttributeValues={**values, ":type": "article_stats"},
            ReturnValues="ALL_NEW",
        )
        return ArticleStats.model_validate(dynamo.strip_keys(dynamo.from_item(resp["Attributes"])))

    def add_feedback(self, article_id: str, at: datetime, data: dict[str, Any]) -> None:
        self.table.put_item(
            Item=dynamo.to_item(
                {
                    "PK": article_pk(article_id),
                    "SK": f"FB#{iso(at)}#{secrets.token_hex(4)}",
                    "type": "article_feedback",
                    "at": iso(at),
                    **data,
                }
            )
        )


class HelpSiteBucket:
    """The help-site bucket: the static article pages, the sitemap and robots.txt (functions/knowledge/pages.py).

    Pages are short-lived in caches (5 minutes; the customers' site revalidates): a fix published
    to an article reaches customers within minutes without invalidating a CDN."""

    CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400"

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, body: str, content_type: str) -> None:
        from functions.core import aws  # noqa: PLC0415

        aws.client("s3").put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body.encode("utf-8"),
            ContentType=content_type,
            CacheControl=self.CACHE_CONTROL,
        )
