-- Data objects: the databases, schemas and tables the directory's data sources live in, kept in step with
-- the directory, with the request forms, review flows and descriptions set on them.
CREATE TABLE data_objects (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    parent_id TEXT,
    name TEXT NOT NULL,
    object_path TEXT NOT NULL,
    path_key TEXT NOT NULL,
    technology TEXT NOT NULL,
    host TEXT,
    legacy_type TEXT NOT NULL,
    data_source_id BIGINT,
    data_source_count BIGINT NOT NULL,
    description TEXT,
    external_link TEXT,
    subject_matter_experts TEXT NOT NULL,
    data_access_form_id TEXT,
    masking_exception_form_id TEXT,
    data_access_review_flow TEXT,
    masking_exception_review_flow TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX data_objects_by_path ON data_objects (tenant_id, path_key);
CREATE INDEX data_objects_by_data_access_form ON data_objects (tenant_id, data_access_form_id);
CREATE INDEX data_objects_by_masking_exception_form ON data_objects (tenant_id, masking_exception_form_id);
