/** Table shapes as stored (same in SQLite and PostgreSQL). JSON arrays are text; booleans are 0/1. */
export interface Database {
  clients: {
    id: string;
    name: string;
    secret_hash: string | null;
    previous_secret_hash: string | null;
    previous_secret_expires_at: number | null;
    token_endpoint_auth_method: string;
    redirect_uris: string;
    post_logout_redirect_uris: string;
    grant_types: string;
    scopes: string;
    first_party: number;
    disabled: number;
    created_at: number;
    metadata: string;
  };
  signing_keys: {
    kid: string;
    alg: string;
    state: string;
    public_jwk: string;
    private_jwe: string;
    created_at: number;
    activated_at: number | null;
    retired_at: number | null;
  };
  users: {
    id: string;
    username: string;
    name: string | null;
    email: string | null;
    password_hash: string;
    disabled: number;
    tokens_revoked_before: number | null;
    tenant: string | null;
    roles: string;
    created_at: number;
    email_verified: number;
  };
  grants: {
    user_id: string;
    client_id: string;
    scopes: string;
    created_at: number;
    updated_at: number;
  };
  refresh_families: {
    id: string;
    client_id: string;
    user_id: string;
    created_at: number;
    expires_at: number;
    revoked_at: number | null;
    dpop_jkt: string | null;
  };
  refresh_tokens: {
    token_hash: string;
    family_id: string;
    client_id: string;
    user_id: string;
    scopes: string;
    sid: string | null;
    auth_time: number;
    acr: string | null;
    amr: string;
    idp: string | null;
    issued_at: number;
    expires_at: number;
    rotated_at: number | null;
  };
  mail_outbox: {
    id: string;
    kind: string;
    recipient: string;
    subject: string;
    body: string;
    status: string;
    attempts: number;
    due_at: number;
    claimed_by: string | null;
    created_at: number;
    last_error: string | null;
  };
  account_links: {
    token_hash: string;
    purpose: string;
    user_id: string | null;
    email: string;
    bind_to: string | null;
    data: string;
    created_at: number;
    expires_at: number;
  };
}
