"""DynamoDB access for customers, contacts, install base and the lookups built on them.

Items (single table, see docs/data-model.md):
  CUST#{id} / #PROFILE                   the customer            GSI1: CUSTOMERS / {id}
  CUST#{id} / CONTACT#{contact_id}       a contact
  CUST#{id} / ASSET#{product}#{model}#{batch}  an install-base entry
                                          GSI2: PRODUCT#{product} / {model}#{batch}#{id}
  EMAIL#{address} / #CONTACT             unique pointer address -> contact
  PHONE#{e164} / #CONTACT                pointer phone -> contact
  DOMAIN#{domain} / #CUSTOMER            pointer org mail domain -> customer
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Key

from functions.core import dynamo
from functions.core.errors import Conflict, NotFound
from functions.core.timeutil import iso, utcnow
from functions.customers import rules
from functions.customers.models import ContactRef, Customer, CustomerIn, CustomerPage

SEARCH_READ_BUDGET = 2000
"""Customers a search (``list_customers`` with ``text``) reads a request at most; past it, the page
holds what matched so far and a cursor to read on."""
SEARCH_PAGE = 500


def _pk(customer_id: str) -> str:
    return f"CUST#{customer_id}"


def _asset_sk(item: dict[str, Any]) -> str:
    return f"ASSET#{item['product']}#{item.get('model') or '-'}#{item.get('batch') or '-'}"


class CustomerStore(dynamo.TableStore):
    # -- reads -------------------------------------------------------------
    def get(self, customer_id: str) -> Customer:
        resp = self.table.query(KeyConditionExpression=Key("PK").eq(_pk(customer_id)))
        items = [dynamo.from_item(i) for i in resp["Items"]]
        while "LastEvaluatedKey" in resp:
            resp = self.table.query(
                KeyConditionExpression=Key("PK").eq(_pk(customer_id)),
                ExclusiveStartKey=resp["LastEvaluatedKey"],
            )
            items += [dynamo.from_item(i) for i in resp["Items"]]
        profile = next((i for i in items if i["SK"] == "#PROFILE"), None)
        if profile is None:
            raise NotFound("customer", customer_id)
        data = dynamo.strip_keys(profile)
        data["contacts"] = [dynamo.strip_keys(i) for i in items if i["SK"].startswith("CONTACT#")]
        data["install_base"] = [dynamo.strip_keys(i) for i in items if i["SK"].startswith("ASSET#")]
        for asset in data["install_base"]:
            # region and tier are copied onto asset items for the GSI2 segment queries only
            for key in ("customer_id", "region", "tier"):
                asset.pop(key, None)
        for contact in data["contacts"]:
            contact.pop("customer_id", None)
        return Customer.model_validate(data)

    def list_customers(self, limit: int = 50, cursor: str | None = None, text: str | None = None) -> CustomerPage:
        kwargs: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": Key("GSI1PK").eq("CUSTOMERS"),
            "Limit": limit,
        }
        start = dynamo.decode_cursor(cursor)
        if start:
            kwargs["ExclusiveStartKey"] = start
        if text is None:
            resp = self.table.query(**kwargs)
            ids = [i["customer_id"] for i in resp["Items"]]
            last = resp.get("LastEvaluatedKey")
        else:
            ids, last = self._search(kwargs, limit, text)
        return CustomerPage(items=[self.get(cid) for cid in ids], next_cursor=dynamo.encode_cursor(last))

    def _search(self, kwargs: dict[str, Any], limit: int, text: str) -> tuple[list[str], dict[str, Any] | None]:
        """The ids of up to ``limit`` customers matching ``text`` in id order, reading at most
        SEARCH_READ_BUDGET profiles (the index holds them whole: projection ALL), and where to go on
        (None: the end of the index)."""
        ids: list[str] = []
        read = 0
        while True:
            kwargs["Limit"] = min(SEARCH_PAGE, SEARCH_READ_BUDGET - read)
            resp = self.table.query(**kwargs)
            for item in resp["Items"]:
                read += 1
                if rules.matches_search(item, text):
                    ids.append(str(item["customer_id"]))
                    if len(ids) == limit:
                        return ids, {k: item[k] for k in ("PK", "SK", "GSI1PK", "GSI1SK")}
            last = resp.get("LastEvaluatedKey")
            if last is None or read >= SEARCH_READ_BUDGET:
                return ids, last
            kwargs["ExclusiveStartKey"] = last

    def contact_by_email(self, email: str) -> ContactRef | None:
        item = self.table.get_item(Key={"PK": f"EMAIL#{email.lower()}", "SK": "#CONTACT"}).get("Item")
        return ContactRef.model_validate(dynamo.strip_keys(dynamo.from_item(item))) if item else None

    def contact_by_phone(self, phone: str) -> ContactRef | None:
        item = self.table.get_item(Key={"PK": f"PHONE#{phone}", "SK": "#CONTACT"}).get("Item")
        return ContactRef.model_validate(dynamo.strip_keys(dynamo.from_item(item))) if item else None

    def customer_by_domain(self, domain: str) -> str | None:
        item = self.table.get_item(Key={"PK": f"DOMAIN#{domain.lower()}", "SK": "#CUSTOMER"}).get("Item")
        return str(item["customer_id"]) if item else None

    def owners_of(self, product: str, model: str | None = None, batch: str | None = None) -> list[dict[str, Any]]:
        """Install-base entries for a product (optionally model and batch): who owns what."""
        return [owner for page in self.owner_pages(product, model, batch) for owner in page]

    def owner_pages(
        self, product: str, model: str | None = None, batch: str | None = None, page_size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        """The install-base entries of ``owners_of``, one page at a time (for audiences too large to
        hold in memory)."""
        cond = Key("GSI2PK").eq(f"PRODUCT#{product}")
        if model and batch:
            cond = cond & Key("GSI2SK").begins_with(f"{model}#{batch}#")
        elif model:
            cond = cond & Key("GSI2SK").begins_with(f"{model}#")
        kwargs: dict[str, Any] = {"IndexName": "GSI2", "KeyConditionExpression": cond, "Limit": page_size}
        while True:
            resp = self.table.query(**kwargs)
            yield [dynamo.strip_keys(dynamo.from_item(i)) for i in resp["Items"]]
            if "LastEvaluatedKey" not in resp:
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def set_contact_channels(
        self, customer_id: str, contact_id: str, *, email_opt_out: bool | None = None, sms_opt_in: bool | None = None
    ) -> bool:
        """Record a contact's opt-out / opt-in (unsubscribe links, SMS STOP/START). False: no such contact."""
        values: dict[str, Any] = {}
        if email_opt_out is not None:
            values["email_opt_out"] = email_opt_out
        if sms_opt_in is not None:
            values["sms_opt_in"] = sms_opt_in
        if not values:
            return True
        try:
            self.table.update_item(
                Key={"PK": _pk(customer_id), "SK": f"CONTACT#{contact_id}"},
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={f"#{k}": k for k in values},
                ExpressionAttributeValues={f":{k}": v for k, v in values.items()},
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

    # -- writes ------------------------------------------------------------
    def _claim_pointers(self, cid: str, data: CustomerIn) -> None:
        """Point each email, phone and mail domain at this customer, or refuse (409) if another
        customer holds it. Pointers claimed here are released again when a later one conflicts,
        so a refused upsert leaves nothing behind."""
        wanted: list[tuple[dict[str, Any], str]] = []
        for contact in data.contacts:
            for kind, value in (("EMAIL", contact.email), ("PHONE", contact.phone)):
                if not value:
                    continue
                key = value.lower() if kind == "EMAIL" else value
                item: dict[str, Any] = {
                    "PK": f"{kind}#{key}",
                    "SK": "#CONTACT",
                    "type": "pointer",
                    "customer_id": cid,
                    "contact_id": contact.contact_id,
                    "email": contact.email,
                    "phone": contact.phone,
                    "name": contact.name,
                    "language": contact.language,
                }
                what = "email" if kind == "EMAIL" else "phone"
                wanted.append((item, f"{what} of contact {contact.contact_id} already belongs to another customer"))
        for domain in data.email_domains:
            item = {"PK": f"DOMAIN#{domain}", "SK": "#CUSTOMER", "type": "pointer", "customer_id": cid}
            wanted.append((item, f"mail domain {domain} already belongs to another customer"))
        claimed: list[dict[str, str]] = []
        for item, conflict_message in wanted:
            try:
                resp = self.table.put_item(
                    Item=dynamo.to_item(item),
                    ConditionExpression="attribute_not_exists(PK) OR customer_id = :cid",
                    ExpressionAttributeValues={":cid": cid},
                    ReturnValues="ALL_OLD",
                )
            except Exception as exc:
                if not dynamo.is_conditional_failure(exc):
                    raise
                for claimed_key in claimed:
                    self.table.delete_item(
                        Key=claimed_key,
                        ConditionExpression="customer_id = :cid",
                        ExpressionAttributeValues={":cid": cid},
                    )
                raise Conflict(conflict_message) from exc
            if not resp.get("Attributes"):
                claimed.append({"PK": item["PK"], "SK": item["SK"]})

    def upsert(self, data: CustomerIn) -> Customer:
        """Create or replace a customer with its contacts and install base.

        Email and phone pointers are claimed with a condition, so an address that
        already belongs to another customer is refused (409) instead of stolen. Opt-outs of known
        contacts stand (``rules.keep_opt_outs``).
        """
        now = iso(utcnow())
        try:
            existing: Customer | None = self.get(data.customer_id)
        except NotFound:
            existing = None
        cid = data.customer_id
        if existing:
            data = rules.keep_opt_outs(existing, data)
        self._claim_pointers(cid, data)
        created_at = iso(existing.created_at) if existing else now
        version = (existing.version + 1) if existing else 1
        profile = data.model_dump(mode="json", exclude={"contacts", "install_base"})
        profile.update(created_at=created_at, updated_at=now, version=version)
        with self.table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            batch.put_item(
                Item=dynamo.to_item(
                    {
                        "PK": _pk(cid),
                        "SK": "#PROFILE",
                        "type": "customer",
                        "GSI1PK": "CUSTOMERS",
                        "GSI1SK": cid,
                        **profile,
                    }
                )
            )
            new_contact_sks = set()
            for contact in data.contacts:
                sk = f"CONTACT#{contact.contact_id}"
                new_contact_sks.add(sk)
                batch.put_item(
                    Item=dynamo.to_item(
                        {
                            "PK": _pk(cid),
                            "SK": sk,
                            "type": "contact",
                            "customer_id": cid,
                            **contact.model_dump(mode="json"),
                        }
                    )
                )
            new_asset_sks = set()
            for asset in data.install_base:
                a = asset.model_dump(mode="json")
                sk = _asset_sk(a)
                new_asset_sks.add(sk)
                batch.put_item(
                    Item=dynamo.to_item(
                        {
                            "PK": _pk(cid),
                            "SK": sk,
                            "type": "asset",
                            "customer_id": cid,
                            "GSI2PK": f"PRODUCT#{a['product']}",
                            "GSI2SK": f"{a.get('model') or '-'}#{a.get('batch') or '-'}#{cid}",
                            "region": data.region,
                            "tier": data.tier.value,
                            **a,
                        }
                    )
                )
            if existing:
                new_emails = {c.email.lower() for c in data.contacts if c.email}
                new_phones = {c.phone for c in data.contacts if c.phone}
                for old in existing.contacts:
                    if f"CONTACT#{old.contact_id}" not in new_contact_sks:
                        batch.delete_item(Key={"PK": _pk(cid), "SK": f"CONTACT#{old.contact_id}"})
                        # keep a pointer that a new contact of this customer has just claimed
                        if old.email and old.email.lower() not in new_emails:
                            batch.delete_item(Key={"PK": f"EMAIL#{old.email.lower()}", "SK": "#CONTACT"})
                        if old.phone and old.phone not in new_phones:
                            batch.delete_item(Key={"PK": f"PHONE#{old.phone}", "SK": "#CONTACT"})
                for old_asset in existing.install_base:
                    sk = _asset_sk(old_asset.model_dump(mode="json"))
                    if sk not in new_asset_sks:
                        batch.delete_item(Key={"PK": _pk(cid), "SK": sk})
                for old_domain in set(existing.email_domains) - set(data.email_domains):
                    batch.delete_item(Key={"PK": f"DOMAIN#{old_domain}", "SK": "#CUSTOMER"})
        return self.get(cid)

    def delete(self, customer_id: str) -> None:
        """Remove the customer's items and the email, phone and domain pointers it holds (a pointer
        another customer holds meanwhile is left alone). NotFound for an unknown customer."""
        existing = self.get(customer_id)
        cid = existing.customer_id
        pointers = [{"PK": f"DOMAIN#{d}", "SK": "#CUSTOMER"} for d in existing.email_domains]
        for contact in existing.contacts:
            if contact.email:
                pointers.append({"PK": f"EMAIL#{contact.email.lower()}", "SK": "#CONTACT"})
            if contact.phone:
                pointers.append({"PK": f"PHONE#{contact.phone}", "SK": "#CONTACT"})
        for key in pointers:
            try:
                self.table.delete_item(
                    Key=key, ConditionExpression="customer_id = :cid", ExpressionAttributeValues={":cid": cid}
                )
            except Exception as exc:
                if not dynamo.is_conditional_failure(exc):
                    raise
        keys = [
            {"PK": i["PK"], "SK": i["SK"]}
            for i in self.query_items(KeyConditionExpression=Key("PK").eq(_pk(cid)), ProjectionExpression="PK, SK")
        ]
        with self.table.batch_writer() as batch:
            # the profile last: a delete cut short is still visible (and can be run again)
            for key in sorted(keys, key=lambda k: k["SK"] == "#PROFILE"):
                batch.delete_item(Key=key)
