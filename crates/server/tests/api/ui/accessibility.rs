//! Accessibility checks with axe-core, the engine behind most accessibility linters, run in the page itself.
//! It comes from npm (`tests/ui/package.json`, pinned in its lock) and is read from disk, so tests need no network.

use super::browser::Browser;
use serde_json::json;
use std::sync::OnceLock;

/// The rules checked: those a server-rendered page gets right or wrong by its own markup (names for controls,
/// contrast, headings, landmarks, language, alternative text, valid ARIA).
const RULES: [&str; 14] = [
    "label",
    "color-contrast",
    "heading-order",
    "select-name",
    "button-name",
    "link-name",
    "page-has-heading-one",
    "landmark-one-main",
    "document-title",
    "html-has-lang",
    "image-alt",
    "aria-valid-attr",
    "duplicate-id-aria",
    "form-field-multiple-labels",
];

/// axe-core's script, read once per test binary.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/ui/node_modules/axe-core/axe.min.js"
        );
        std::fs::read_to_string(path).unwrap_or_else(|error| {
            panic!("axe-core is not installed ({path}: {error}): run `npm ci --prefix tests/ui` at the workspace root")
        })
    })
}

impl Browser {
    /// Runs axe-core's checks on the page as it is now (at 1280×800) and panics listing every violation: the
    /// rule, what it asks for, and each failing element's selector and HTML. `name` says which page it was.
    pub async fn check_accessibility(&self, name: &str) {
        // Injected once per page, as a WebDriver script of its own: the page's Content-Security-Policy, which
        // would stop an `eval` or an inline <script>, does not apply to those.
        let loaded = "return typeof window.axe";
        if self.script(loaded, vec![]).await == "undefined" {
            self.script(axe_source(), vec![]).await;
        }
        assert_eq!(
            self.script(loaded, vec![]).await,
            "object",
            "axe-core did not load into {name}"
        );
        let run = "const [rules, done] = arguments;
            axe.run(document, { runOnly: { type: 'rule', values: rules } }).then(
                (results) => done({ violations: results.violations.map((violation) => ({
                    id: violation.id,
                    help: violation.help,
                    nodes: violation.nodes.map((node) => ({ target: node.target, html: node.html })),
                })) }),
                (error) => done({ error: String(error) }));";
        let results = self
            .client()
            .execute_async(run, vec![json!(RULES)])
            .await
            .unwrap_or_else(|error| panic!("axe-core did not run on {name}: {error}"));
        if let Some(error) = results["error"].as_str() {
            panic!("axe-core failed on {name}: {error}");
        }
        let violations = results["violations"].as_array().cloned().unwrap_or_default();
        if violations.is_empty() {
            return;
        }
        let mut report = format!(
            "{} accessibility violation(s) on {name} ({}):\n",
            violations.len(),
            self.current_url().await
        );
        for violation in &violations {
            report += &format!(
                "- {}: {}\n",
                violation["id"].as_str().unwrap_or("?"),
                violation["help"].as_str().unwrap_or("?")
            );
            for node in violation["nodes"].as_array().into_iter().flatten() {
                report += &format!("    at {}: {}\n", node["target"], node["html"].as_str().unwrap_or("?"));
            }
        }
        panic!("{report}");
    }
}
