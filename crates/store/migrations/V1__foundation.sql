-- Foundation: tenants, signing keys, the governance directory and personal access tokens.
-- Times are milliseconds since the Unix epoch (BIGINT), ids of our own are UUID text, so that every query
-- reads the same on SQLite and PostgreSQL.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    short_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    fqdn TEXT,
    theme_primary_color TEXT NOT NULL,
    theme_accent_color TEXT NOT NULL,
    theme_light_mode_image TEXT,
    theme_dark_mode_image TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    secret {{bytes}} NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE domains (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE tags (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    display_name TEXT,
    description TEXT,
    color TEXT,
    source TEXT NOT NULL,
    protected BOOLEAN NOT NULL,
    system_created BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE users (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    iam_id TEXT NOT NULL,
    global_user_id TEXT NOT NULL,
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, username),
    UNIQUE (tenant_id, global_user_id)
);

CREATE TABLE user_permissions (
    tenant_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    permission TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, permission),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE user_attributes (
    tenant_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, key, value),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_attributes_by_key ON user_attributes (tenant_id, key, value);

CREATE TABLE user_groups (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    iam_id TEXT,
    name TEXT NOT NULL,
    email TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE group_members (
    tenant_id TEXT NOT NULL,
    group_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES user_groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_by_user ON group_members (tenant_id, user_id);

-- A domain permission is held by a user or by a group (and through it by its members).
CREATE TABLE domain_permissions (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    domain_id TEXT NOT NULL,
    permission TEXT NOT NULL,
    user_id BIGINT,
    group_id BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, domain_id) REFERENCES domains (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, group_id) REFERENCES user_groups (tenant_id, id) ON DELETE CASCADE,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX domain_permissions_by_user ON domain_permissions (tenant_id, user_id);
CREATE INDEX domain_permissions_by_group ON domain_permissions (tenant_id, group_id);
CREATE INDEX domain_permissions_by_domain ON domain_permissions (tenant_id, domain_id, permission);

CREATE TABLE data_sources (
    tenant_id TEXT NOT NULL,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    domain_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    hostname TEXT,
    database_name TEXT,
    schema_name TEXT,
    table_name TEXT,
    prefix TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    FOREIGN KEY (tenant_id, domain_id) REFERENCES domains (tenant_id, id)
);
CREATE INDEX data_sources_by_domain ON data_sources (tenant_id, domain_id, id);

CREATE TABLE data_source_tags (
    tenant_id TEXT NOT NULL,
    data_source_id BIGINT NOT NULL,
    tag_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, data_source_id, tag_id),
    FOREIGN KEY (tenant_id, data_source_id) REFERENCES data_sources (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, tag_id) REFERENCES tags (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX data_source_tags_by_tag ON data_source_tags (tenant_id, tag_id);

CREATE TABLE columns (
    tenant_id TEXT NOT NULL,
    data_source_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    data_type TEXT NOT NULL,
    global_masking TEXT,
    local_masking TEXT,
    PRIMARY KEY (tenant_id, data_source_id, name),
    FOREIGN KEY (tenant_id, data_source_id) REFERENCES data_sources (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE column_tags (
    tenant_id TEXT NOT NULL,
    data_source_id BIGINT NOT NULL,
    column_name TEXT NOT NULL,
    tag_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, data_source_id, column_name, tag_id),
    FOREIGN KEY (tenant_id, data_source_id, column_name)
        REFERENCES columns (tenant_id, data_source_id, name) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, tag_id) REFERENCES tags (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX column_tags_by_tag ON column_tags (tenant_id, tag_id);

-- Personal access tokens: only the SHA-256 of the token string is kept.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    description TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX api_tokens_by_user ON api_tokens (tenant_id, user_id, created_at);
