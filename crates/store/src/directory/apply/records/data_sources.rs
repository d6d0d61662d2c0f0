//! Writing data sources with their tags and columns, and the columns' tags: the widest records of the directory,
//! by far the most rows of a large import, kept apart from the people and labels of the parent module.

use crate::StoreError;
use crate::directory::apply::batch::{delete_in, insert_batched, upsert};
use crate::directory::apply::{Keys, Writer};
use crate::schema::{ColumnTags, Columns, DataSourceTags, DataSources};
use marketplace_domain::directory::{DataSource, Directory};
use sea_query::{Query, SimpleExpr};

pub(in crate::directory::apply) async fn save_data_sources(
    w: &mut Writer<'_>,
    desired: &Directory,
    keys: &Keys<i64>,
) -> Result<(), StoreError> {
    let sources: Vec<&DataSource> = keys.saved().map(|id| &desired.data_sources[id]).collect();
    let (tenant, now) = (w.tenant.clone(), w.now.millis());
    let insert = Query::insert()
        .into_table(DataSources::Table)
        .columns([
            DataSources::TenantId,
            DataSources::Id,
            DataSources::Name,
            DataSources::DomainId,
            DataSources::Platform,
            DataSources::Hostname,
            DataSources::DatabaseName,
            DataSources::SchemaName,
            DataSources::TableName,
            DataSources::Prefix,
            DataSources::CreatedAt,
            DataSources::ConnectionName,
        ])
        .on_conflict(upsert(
            [DataSources::TenantId, DataSources::Id],
            [
                DataSources::Name,
                DataSources::DomainId,
                DataSources::Platform,
                DataSources::Hostname,
                DataSources::DatabaseName,
                DataSources::SchemaName,
                DataSources::TableName,
                DataSources::Prefix,
                DataSources::ConnectionName,
            ],
        ))
        .take();
    let rows = sources.iter().map(|source| -> [SimpleExpr; 12] {
        [
            tenant.clone().into(),
            source.id.into(),
            source.name.clone().into(),
            source.domain_id.clone().into(),
            source.platform.clone().into(),
            source.hostname.clone().into(),
            source.database.clone().into(),
            source.schema.clone().into(),
            source.table.clone().into(),
            source.prefix.clone().into(),
            now.into(),
            source.connection.clone().into(),
        ]
    });
    insert_batched(w, &insert, rows).await?;

    // Column tags go with their columns (ON DELETE CASCADE).
    delete_in(
        w,
        DataSourceTags::Table,
        DataSourceTags::TenantId,
        DataSourceTags::DataSourceId,
        &keys.updated,
    )
    .await?;
    delete_in(
        w,
        Columns::Table,
        Columns::TenantId,
        Columns::DataSourceId,
        &keys.updated,
    )
    .await?;

    let insert = Query::insert()
        .into_table(DataSourceTags::Table)
        .columns([
            DataSourceTags::TenantId,
            DataSourceTags::DataSourceId,
            DataSourceTags::TagId,
        ])
        .take();
    let rows = sources.iter().flat_map(|source| {
        let tenant = tenant.clone();
        source
            .tags
            .iter()
            .map(move |tag| -> [SimpleExpr; 3] { [tenant.clone().into(), source.id.into(), (*tag).into()] })
    });
    insert_batched(w, &insert, rows).await?;

    let insert = Query::insert()
        .into_table(Columns::Table)
        .columns([
            Columns::TenantId,
            Columns::DataSourceId,
            Columns::Name,
            Columns::Position,
            Columns::DataType,
            Columns::GlobalMasking,
            Columns::LocalMasking,
        ])
        .take();
    let rows = sources.iter().flat_map(|source| {
        let tenant = tenant.clone();
        source
            .columns
            .iter()
            .enumerate()
            .map(move |(position, column)| -> [SimpleExpr; 7] {
                [
                    tenant.clone().into(),
                    source.id.into(),
                    column.name.clone().into(),
                    (position as i64).into(),
                    column.data_type.clone().into(),
                    column.global_masking.clone().into(),
                    column.local_masking.clone().into(),
                ]
            })
    });
    insert_batched(w, &insert, rows).await?;

    let insert = Query::insert()
        .into_table(ColumnTags::Table)
        .columns([
            ColumnTags::TenantId,
            ColumnTags::DataSourceId,
            ColumnTags::ColumnName,
            ColumnTags::TagId,
        ])
        .take();
    let rows = sources.iter().flat_map(|source| {
        let tenant = tenant.clone();
        source.columns.iter().flat_map(move |column| {
            let tenant = tenant.clone();
            column.tags.iter().map(move |tag| -> [SimpleExpr; 4] {
                [
                    tenant.clone().into(),
                    source.id.into(),
                    column.name.clone().into(),
                    (*tag).into(),
                ]
            })
        })
    });
    insert_batched(w, &insert, rows).await
}
