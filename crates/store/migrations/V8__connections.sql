-- Connections to the data platforms access is provisioned into, as the directory file describes them. Where a
-- connection's URL comes from is kept (an environment variable or a file), never the URL: no credentials here.
CREATE TABLE connections (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    url_env TEXT,
    url_file TEXT,
    on_drift TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

-- The connection a data source is provisioned through; NULL: it is not provisioned.
ALTER TABLE data_sources ADD COLUMN connection_name TEXT;

-- A user's account (role) on a connection, where it is not the username.
CREATE TABLE user_accounts (
    tenant_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    connection_name TEXT NOT NULL,
    account TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, connection_name),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
