//! The OpenAPI document, generated from the same annotations that declare the routes (so the two cannot
//! drift), served as YAML and JSON, with an offline "Test it" page.

use crate::app::{AppState, BASE_PATH};
use crate::error::ErrorBody;
use crate::routes;
use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::PartialSchema;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::{ServerBuilder, ServerVariableBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, Schema};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

pub const JSON_PATH: &str = "/marketplace/api/openapi.json";
pub const YAML_PATH: &str = "/marketplace/api/openapi.yaml";
pub const DOCS_PATH: &str = "/marketplace/api/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Marketplace",
        description = "Self-hosted data access marketplace that speaks the Immuta Request app API: data products, \
                       request forms, data use agreements, access requests and their review.",
        license(name = "Apache-2.0", url = "https://www.apache.org/licenses/LICENSE-2.0.html")
    ),
    modifiers(&Deployment),
    tags(
        (name = "Access Request", description = "APIs for managing data access"),
        (name = "Asset", description = "APIs for managing assets"),
        (name = "Auth", description = "The caller and their personal access tokens"),
        (name = "Data Product", description = "APIs for managing data products"),
        (name = "Data Use Agreement", description = "APIs for managing data use agreements"),
        (name = "Request Form", description = "APIs for managing request forms"),
        (name = "Health", description = "APIs for checking the health of the service"),
        (name = "Metadata", description = "APIs used to retrieve metadata from Immuta to enrich the marketplace"),
        (name = "Settings", description = "APIs used to retrieve metadata settings"),
        (name = "Provisioning", description = "Approved access as privileges in the data platforms (an extension of Immuta's API)"),
    )
)]
struct ApiDoc;

/// Bearer authentication and the servers a client can talk to: this deployment, or a segment of the hosted
/// Request app (the reference's own server entry).
struct Deployment;

impl Modify for Deployment {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A personal access token"))
                    .build(),
            ),
        );
        let segment = ServerVariableBuilder::new()
            .default_value("na")
            .enum_values(Some(["na", "eu", "ap"]))
            .description(Some("Global segment"))
            .build();
        openapi.servers = Some(vec![
            ServerBuilder::new()
                .url(BASE_PATH)
                .description(Some("This deployment"))
                .build(),
            ServerBuilder::new()
                .url("https://{global-segment}.api.immutacloud.com/marketplace")
                .description(Some("Immuta Request app, by global segment"))
                .parameter("global-segment", segment)
                .build(),
        ]);
    }
}

/// Every documented route, with its handler.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::health::router())
        .merge(routes::auth::router())
        .merge(routes::metadata::router())
        .merge(routes::tags::router())
        .merge(routes::settings::router())
        .merge(routes::agreements::router())
        .merge(routes::forms::router())
        .merge(routes::products::router())
        .merge(routes::product_parts::router())
        .merge(routes::assets::router())
        .merge(routes::asset_requests::router())
        .merge(routes::product_requests::router())
        .merge(routes::access_requests::router())
        .merge(routes::request_search::router())
        .merge(routes::risk::router())
        .merge(routes::masking_exceptions::router())
        .merge(routes::inbox::router())
        .merge(routes::notification_preferences::router())
        .merge(routes::webhooks::router())
        .merge(routes::slack::router())
        .merge(routes::provisioning::router())
}

/// The routes and the finished document they are described by.
pub fn split() -> (Router<AppState>, Document) {
    let (router, mut document) = api_router().split_for_parts();
    document_errors(&mut document);
    open_union_members(&mut document);
    (router, document)
}

/// The document alone, for `marketplace openapi` and the tests.
pub fn document() -> Document {
    split().1
}

/// Every operation may answer in the one error shape: `4XX` for what the client sent, `5XX` for our failures.
fn document_errors(document: &mut Document) {
    let components = document.components.get_or_insert_with(Default::default);
    components.schemas.insert("Error".into(), ErrorBody::schema());
    components.responses.insert(
        "Error".into(),
        RefOr::T(
            ResponseBuilder::new()
                .description("An error, in the API's one error shape")
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Error")))
                        .build(),
                )
                .build(),
        ),
    );
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            for range in ["4XX", "5XX"] {
                operation
                    .responses
                    .responses
                    .entry(range.into())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name("Error")));
            }
        }
    }
}

/// A change to an asset is a union tagged by `type`, whose members are structs that refuse unknown fields. Each
/// member's schema leaves `additionalProperties` open, since `type` is declared beside it (in the union's
/// `allOf`) and a closed member would make every body invalid.
fn open_union_members(document: &mut Document) {
    let Some(components) = document.components.as_mut() else {
        return;
    };
    for name in ["ProductAssetChange", "ObjectAssetChange"] {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) {
            object.additional_properties = None;
        }
    }
}

/// `GET /api/openapi.yaml` and `/api/openapi.json`, relative to the base path.
pub fn document_routes(document: Document) -> Router<AppState> {
    let yaml = document.to_yaml().expect("the OpenAPI document serialises to YAML");
    let json = document
        .to_pretty_json()
        .expect("the OpenAPI document serialises to JSON");
    Router::new()
        .route(
            "/api/openapi.yaml",
            get(move || {
                let yaml = yaml.clone();
                async move {
                    (
                        [
                            (CONTENT_TYPE, "application/yaml"),
                            (
                                axum::http::header::CONTENT_DISPOSITION,
                                "attachment; filename=\"marketplace-openapi.yaml\"",
                            ),
                        ],
                        yaml,
                    )
                        .into_response()
                }
            }),
        )
        .route(
            "/api/openapi.json",
            get(move || {
                let json = json.clone();
                async move { ([(CONTENT_TYPE, "application/json")], json).into_response() }
            }),
        )
}

/// The interactive page, with Swagger UI's assets compiled into the binary.
pub fn docs_page() -> Router<AppState> {
    let config = utoipa_swagger_ui::Config::from(JSON_PATH)
        .persist_authorization(true)
        .try_it_out_enabled(true)
        .display_operation_id(true);
    Router::from(SwaggerUi::new(DOCS_PATH).config(config))
}
