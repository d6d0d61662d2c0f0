-- The catalog: data use agreements, request forms (every save a new immutable version), data products with
-- their domains and data sources, and the access requests made to them.

CREATE TABLE data_use_agreements (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_by_name TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
CREATE INDEX data_use_agreements_by_created ON data_use_agreements (tenant_id, created_at, id);
CREATE INDEX data_use_agreements_by_updated ON data_use_agreements (tenant_id, updated_at, id);

CREATE TABLE request_forms (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- The version in force; every save makes a new one.
    version TEXT NOT NULL,
    standard BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_by_name TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
CREATE INDEX request_forms_by_created ON request_forms (tenant_id, created_at, id);
CREATE INDEX request_forms_by_updated ON request_forms (tenant_id, updated_at, id);

-- A version is the form exactly as saved, agreements' text included. Versions outlive their form: requests
-- made under one keep pointing at it.
CREATE TABLE request_form_versions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    form_id TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, version)
);
CREATE INDEX request_form_versions_by_form ON request_form_versions (tenant_id, form_id, created_at);

CREATE TABLE request_form_agreements (
    tenant_id TEXT NOT NULL,
    form_id TEXT NOT NULL,
    agreement_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, form_id, agreement_id),
    FOREIGN KEY (tenant_id, form_id) REFERENCES request_forms (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, agreement_id) REFERENCES data_use_agreements (tenant_id, id)
);
CREATE INDEX request_form_agreements_by_agreement ON request_form_agreements (tenant_id, agreement_id);

CREATE TABLE data_products (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    subject_matter_expert TEXT,
    suspended BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    data_access_form_id TEXT NOT NULL,
    masking_exception_form_id TEXT NOT NULL,
    data_access_policy TEXT NOT NULL,
    masking_exception_policy TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    FOREIGN KEY (tenant_id, data_access_form_id) REFERENCES request_forms (tenant_id, id),
    FOREIGN KEY (tenant_id, masking_exception_form_id) REFERENCES request_forms (tenant_id, id)
);
CREATE INDEX data_products_by_data_access_form ON data_products (tenant_id, data_access_form_id);
CREATE INDEX data_products_by_masking_exception_form ON data_products (tenant_id, masking_exception_form_id);

CREATE TABLE data_product_domains (
    tenant_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    domain_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, product_id, domain_id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES data_products (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, domain_id) REFERENCES domains (tenant_id, id)
);
CREATE INDEX data_product_domains_by_domain ON data_product_domains (tenant_id, domain_id);

CREATE TABLE data_product_sources (
    tenant_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    data_source_id BIGINT NOT NULL,
    link_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, product_id, data_source_id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES data_products (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, data_source_id) REFERENCES data_sources (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX data_product_sources_by_source ON data_product_sources (tenant_id, data_source_id);

-- Requests to products (and later assets). Users are kept by id: a request's history outlives the directory.
CREATE TABLE access_requests (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    request_type TEXT NOT NULL,
    status TEXT NOT NULL,
    data_product_id TEXT,
    asset_id TEXT,
    requesting_user_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    form_version TEXT NOT NULL,
    form TEXT,
    metadata TEXT,
    expiration BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX access_requests_by_product ON access_requests (tenant_id, data_product_id, status);
CREATE INDEX access_requests_by_user ON access_requests (tenant_id, user_id, data_product_id, created_at);
