-- Signing in to the web app. Every secret a browser holds (session id, sign-in link) is stored only as its SHA-256.

-- A signed-in browser. It lapses after an idle time the server chooses; `last_seen_at` moves as it is used.
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX web_sessions_by_last_seen ON web_sessions (last_seen_at);

-- A one-time sign-in link an operator made (`marketplace sign-in-link`): good once, until it expires.
CREATE TABLE sign_in_links (
    token_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- A sign-in through the tenant's OpenID provider, between sending the browser there and its return: the state
-- the callback must bring back, the nonce the ID token must carry, the PKCE verifier.
CREATE TABLE oidc_sign_ins (
    state TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    nonce TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The tenant's OpenID provider, from the directory file. The client secret stays where it is kept (an
-- environment variable or a file); only its name is here.
ALTER TABLE tenants ADD COLUMN oidc_issuer TEXT;
ALTER TABLE tenants ADD COLUMN oidc_client_id TEXT;
ALTER TABLE tenants ADD COLUMN oidc_client_secret_env TEXT;
ALTER TABLE tenants ADD COLUMN oidc_client_secret_file TEXT;
ALTER TABLE tenants ADD COLUMN oidc_user_claim TEXT;

-- When a token last authenticated a call (to the minute: the token page shows it, and a busy token must not
-- write on every call).
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
