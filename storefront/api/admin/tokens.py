"""Merchant API tokens and the audit trail."""
from __future__ import annotations

from flask.views import MethodView

from storefront import clock
from storefront.admin import audit, tokens
from storefront.admin.audit import current_actor
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.api.admin.schemas.tokens import (
    AuditArgsSchema,
    AuditListSchema,
    TokenCreatedSchema,
    TokenCreateSchema,
    TokenListSchema,
    TokenSchema,
)
from storefront.extensions import db
from storefront.admin.models import AuditEntry
from storefront.db import newest_first

blp = MerchantBlueprint("admin", __name__, role="admin", description="API tokens and the audit trail.")


def token_json(row) -> dict:
    return {"id": row.id, "name": row.name, "prefix": row.prefix, "roles": row.roles, "created_by": row.created_by,
            "created_at": row.created_at, "last_used_at": row.last_used_at, "revoked_at": row.revoked_at}


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.response(200, TokenListSchema)
    def get(self):
        """API tokens (never their secrets)."""
        return {"items": [token_json(t) for t in tokens.list_tokens(db.session)]}

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenCreatedSchema)
    def post(self, data):
        """Create a token with roles; its secret is shown in this response only."""
        secret, row = tokens.create_token(db.session, data["name"], data["roles"], current_actor(), clock.now())
        audit.record(db.session, "create", "api_token", row.id, None, {"name": row.name, "roles": row.roles})
        db.session.commit()
        return {**token_json(row), "token": secret}


@blp.route("/tokens/<int:token_id>")
class TokenOne(MethodView):
    @blp.response(200, TokenSchema)
    def delete(self, token_id: int):
        """Revoke a token (kept for the audit trail)."""
        row = tokens.revoke(db.session, token_id, clock.now())
        audit.record(db.session, "revoke", "api_token", row.id, {"revoked_at": None}, {"revoked_at": row.revoked_at})
        db.session.commit()
        return token_json(row)


@blp.route("/audit")
class Audit(MethodView):
    @blp.arguments(AuditArgsSchema, location="query")
    @blp.response(200, AuditListSchema)
    def get(self, args):
        """Merchant changes, newest first, filtered by entity, actor, action and time."""
        stmt = audit.search_statement(entity=args.get("entity"), entity_id=args.get("entity_id"),
                                      actor=args.get("actor"), action=args.get("action"), since=args.get("since"),
                                      until=args.get("until"))
        rows, next_cursor = newest_first(db.session, stmt, AuditEntry.id, kind="audit", cursor=args.get("cursor"),
                                         limit=args["limit"])
        return {"items": rows, "next_cursor": next_cursor}
