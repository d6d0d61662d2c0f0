//! Assets: data products, and the data objects (databases, schemas, tables) of the directory, with the forms and
//! review flows that govern requests for them — their own, or inherited from the object above.

mod change;

pub use change::{AssetChange, ObjectChange, ObjectMetadataChange, ProductAssetChange};

use crate::catalog::ShownProduct;
use crate::{Actor, App, AppError, Problems};
use marketplace_domain::access_request::RequestType;
use marketplace_domain::ids::{FormId, ProductId};
use marketplace_domain::request_form::FormSnapshot;
use marketplace_domain::review_flow::ReviewFlow;
use marketplace_store::{AccessRequestRecord, ObjectLookup, ObjectRecord, ObjectSettings, Product, RequestTarget};
use uuid::Uuid;

/// An asset as stored: one of the two kinds.
pub enum Asset {
    Product(Product),
    Object(ObjectRecord),
}

/// An asset as the actor sees it: a product with its numbers, or a data object with the actor's latest request
/// for it. (Both kinds are large; a value is returned once and taken apart at once, so boxing would buy nothing.)
#[allow(clippy::large_enum_variant)]
pub enum ShownAsset {
    Product(ShownProduct),
    Object {
        object: ObjectRecord,
        latest: Option<AccessRequestRecord>,
    },
}

/// A form or flow that applies to an asset, and the data object it is inherited from, if it is.
pub struct Governing<T> {
    pub value: T,
    pub inherited_from: Option<ObjectRecord>,
}

/// The forms of an asset, per request type (data access first).
pub struct AssetForms {
    pub request_type: RequestType,
    pub form: Governing<FormSnapshot>,
}

pub(crate) fn asset_not_found() -> AppError {
    AppError::NotFound("Asset not found.".into())
}

/// The setting nearest up the lineage (the object itself first), and the object it is set on.
pub(crate) fn inherited<'a, T>(
    lineage: &'a [ObjectRecord],
    pick: impl Fn(&ObjectSettings) -> Option<&T>,
) -> Option<(&'a T, Option<&'a ObjectRecord>)>
where
    T: 'a,
{
    lineage
        .iter()
        .enumerate()
        .find_map(|(depth, object)| pick(&object.settings).map(|value| (value, (depth > 0).then_some(object))))
}

impl App {
    /// An asset of the tenant: a product by its id, else a data object by its id.
    pub(crate) async fn find_asset(&self, actor: &Actor, id: &str) -> Result<Asset, AppError> {
        if let Some(product) = self.store.product(actor.tenant_id, &ProductId::from(id)).await? {
            return Ok(Asset::Product(product));
        }
        let id = Uuid::parse_str(id).map_err(|_| asset_not_found())?;
        let object = self
            .store
            .data_object(actor.tenant_id, id)
            .await?
            .ok_or_else(asset_not_found)?;
        Ok(Asset::Object(object))
    }

    pub(crate) async fn show_asset(&self, actor: &Actor, asset: Asset) -> Result<ShownAsset, AppError> {
        match asset {
            Asset::Product(product) => Ok(ShownAsset::Product(self.show_product(actor, product).await?)),
            Asset::Object(object) => {
                let target = RequestTarget::Asset(object.id.to_string());
                let latest = self
                    .store
                    .latest_request(actor.tenant_id, actor.user.id, &target)
                    .await?;
                Ok(ShownAsset::Object { object, latest })
            }
        }
    }

    /// An asset as the actor sees it.
    pub async fn asset(&self, actor: &Actor, id: &str) -> Result<ShownAsset, AppError> {
        let asset = self.find_asset(actor, id).await?;
        self.show_asset(actor, asset).await
    }

    /// The data object at a place the directory knows. `problems` are those the caller found in the query.
    pub async fn asset_by_metadata(
        &self,
        actor: &Actor,
        lookup: ObjectLookup,
        problems: Problems,
    ) -> Result<ShownAsset, AppError> {
        let mut all = Problems::default();
        if lookup.fully_qualified_name.trim().is_empty() {
            all.add("fullyQualifiedName", "fullyQualifiedName should not be empty");
        }
        all.extend(problems);
        all.check()?;
        let object = self
            .store
            .data_object_by_metadata(actor.tenant_id, &lookup)
            .await?
            .ok_or_else(asset_not_found)?;
        self.show_asset(actor, Asset::Object(object)).await
    }

    /// The request forms that apply to an asset (the Standard Request Form where none is set), and where each
    /// is inherited from.
    pub async fn asset_forms(&self, actor: &Actor, id: &str) -> Result<[AssetForms; 2], AppError> {
        let (forms, sources): ([Option<FormId>; 2], [Option<ObjectRecord>; 2]) =
            match self.find_asset(actor, id).await? {
                Asset::Product(product) => (
                    [
                        Some(product.data_access_form_id),
                        Some(product.masking_exception_form_id),
                    ],
                    [None, None],
                ),
                Asset::Object(object) => {
                    let lineage = self.store.data_object_lineage(actor.tenant_id, object.id).await?;
                    let access = inherited(&lineage, |s| s.data_access_form_id.as_ref());
                    let masking = inherited(&lineage, |s| s.masking_exception_form_id.as_ref());
                    (
                        [access.map(|(id, _)| *id), masking.map(|(id, _)| *id)],
                        [
                            access.and_then(|(_, from)| from.cloned()),
                            masking.and_then(|(_, from)| from.cloned()),
                        ],
                    )
                }
            };
        let standard = self.store.standard_form(actor.tenant_id).await?;
        let mut resolved = Vec::new();
        for ((form_id, inherited_from), request_type) in forms
            .into_iter()
            .zip(sources)
            .zip([RequestType::DataAccess, RequestType::MaskingException])
        {
            let form = match form_id {
                Some(id) => self.store.form(actor.tenant_id, id).await?.map(|form| form.snapshot),
                None => None,
            };
            resolved.push(AssetForms {
                request_type,
                form: Governing {
                    value: form.unwrap_or_else(|| standard.clone()),
                    inherited_from,
                },
            });
        }
        let masking = resolved.pop().ok_or_else(|| AppError::internal("two forms"))?;
        let access = resolved.pop().ok_or_else(|| AppError::internal("two forms"))?;
        Ok([access, masking])
    }

    /// The review flows that apply to an asset (the default flow where none is set), data access first, and
    /// where each is inherited from.
    pub async fn asset_flows(&self, actor: &Actor, id: &str) -> Result<[Governing<ReviewFlow>; 2], AppError> {
        Ok(match self.find_asset(actor, id).await? {
            Asset::Product(product) => {
                [product.data_access_policy, product.masking_exception_policy].map(|value| Governing {
                    value,
                    inherited_from: None,
                })
            }
            Asset::Object(object) => {
                let lineage = self.store.data_object_lineage(actor.tenant_id, object.id).await?;
                let resolve = |found: Option<(&ReviewFlow, Option<&ObjectRecord>)>| match found {
                    Some((flow, from)) => Governing {
                        value: flow.clone(),
                        inherited_from: from.cloned(),
                    },
                    None => Governing {
                        value: ReviewFlow::default_for_target(),
                        inherited_from: None,
                    },
                };
                [
                    resolve(inherited(&lineage, |s| s.data_access_review_flow.as_ref())),
                    resolve(inherited(&lineage, |s| s.masking_exception_review_flow.as_ref())),
                ]
            }
        })
    }
}
