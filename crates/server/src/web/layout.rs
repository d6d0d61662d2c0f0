//! The frame of every page: the tenant's name and colours, the navigation, the inbox bell with its unread count,
//! and the profile menu.

use super::paths;
use crate::openapi::{DOCS_PATH, YAML_PATH};
use marketplace_domain::Timestamp;
use marketplace_domain::directory::Theme;
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// What the frame shows of the signed-in person and their tenant.
pub struct Shell {
    pub tenant_name: String,
    pub theme: Theme,
    pub user_name: String,
    pub unread: u64,
    pub csrf_token: String,
}

impl Shell {
    /// The hidden field every form of a signed-in page carries.
    pub fn csrf(&self) -> Markup {
        html! { input type="hidden" name="_csrf" value=(self.csrf_token); }
    }
}

/// A whole page: `<title>`, the frame, and `main`.
pub fn page(shell: Option<&Shell>, title: &str, main: Markup) -> Markup {
    let theme = shell.map(|shell| shell.theme.clone()).unwrap_or_default();
    let product = shell.map_or("Marketplace", |shell| shell.tenant_name.as_str());
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (product) }
                link rel="stylesheet" href="/marketplace/assets/app.css";
                style { (PreEscaped(theme_variables(&theme))) }
                script src="/marketplace/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href=(paths::PRODUCTS) { (product) }
                    @if let Some(shell) = shell {
                        nav aria-label="Main" {
                            a href=(paths::PRODUCTS) { "Data products" }
                            a href={ (paths::REQUESTS) "?status=PENDING" } { "Access requests" }
                            a href=(paths::TOKENS) { "Tokens" }
                        }
                        (bell(shell.unread))
                        details.menu.profile {
                            summary aria-label={ "Profile menu of " (shell.user_name) } { (shell.user_name) }
                            div.menu-items {
                                a href=(DOCS_PATH) { "API documentation" }
                                a href=(YAML_PATH) download { "Download the Request app OpenAPI YAML" }
                                a href=(paths::TOKENS) { "Personal access tokens" }
                                form method="post" action=(paths::SIGN_OUT) {
                                    (shell.csrf())
                                    button.link type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                }
                main #main { (main) }
            }
        }
    }
}

/// A bell drawn in SVG, so that it shows without an emoji font.
const BELL_ICON: &str = r#"<svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/><path d="M13.7 21a2 2 0 0 1-3.4 0"/></svg>"#;

fn bell(unread: u64) -> Markup {
    let label = match unread {
        0 => "Inbox, no unread messages".to_owned(),
        1 => "Inbox, 1 unread message".to_owned(),
        n => format!("Inbox, {n} unread messages"),
    };
    html! {
        a.bell #inbox-bell href=(paths::INBOX) aria-label=(label) title=(label) {
            (PreEscaped(BELL_ICON))
            @if unread > 0 { span.badge #unread-count aria-hidden="true" { (unread) } }
        }
    }
}

/// A time as people read it: `2026-11-30 14:05 UTC`.
pub fn when(at: Timestamp) -> String {
    let text = at.to_string();
    match (text.get(..10), text.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => text,
    }
}

/// The theme as CSS variables, with text colours chosen so that text on them stays readable (WCAG AA, 4.5:1),
/// whatever colours the tenant picked.
fn theme_variables(theme: &Theme) -> String {
    let primary = parse_color(&theme.primary_color).unwrap_or((0x3c, 0x5b, 0xdc));
    let accent = parse_color(&theme.accent_color).unwrap_or((0xf2, 0x9d, 0x38));
    format!(
        ":root{{--primary:{};--on-primary:{};--link:{};--accent:{};--on-accent:{}}}",
        hex(primary),
        hex(text_on(primary)),
        hex(readable_on_white(primary)),
        hex(accent),
        hex(text_on(accent)),
    )
}

type Rgb = (u8, u8, u8);

fn parse_color(color: &str) -> Option<Rgb> {
    let digits = color.strip_prefix('#')?;
    let value = u32::from_str_radix(digits, 16).ok()?;
    match digits.len() {
        6 => Some(((value >> 16) as u8, (value >> 8) as u8, value as u8)),
        _ => None,
    }
}

fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Relative luminance (WCAG 2).
fn luminance((r, g, b): Rgb) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

const WHITE: Rgb = (255, 255, 255);
const INK: Rgb = (0, 0, 0);

/// White or near-black, whichever reads better on `background`.
fn text_on(background: Rgb) -> Rgb {
    if contrast(background, WHITE) >= contrast(background, INK) {
        WHITE
    } else {
        INK
    }
}

/// The colour, darkened just enough to read as text on white.
fn readable_on_white(color: Rgb) -> Rgb {
    let mut shade = color;
    for step in 0..=20u16 {
        let scale = |c: u8| (u16::from(c) * (20 - step) / 20) as u8;
        shade = (scale(color.0), scale(color.1), scale(color.2));
        if contrast(shade, WHITE) >= 4.5 {
            break;
        }
    }
    shade
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_on_theme_colours_is_always_readable() {
        for color in [
            "#F2A541", "#1F4E79", "#FFFF00", "#000000", "#FFFFFF", "#3C5BDC", "#D64545",
        ] {
            let rgb = parse_color(color).unwrap();
            assert!(contrast(rgb, text_on(rgb)) >= 4.5, "{color}");
            assert!(contrast(readable_on_white(rgb), WHITE) >= 4.5, "{color}");
        }
    }

    #[test]
    fn a_dark_colour_is_kept_as_it_is_for_links() {
        assert_eq!(readable_on_white((0x1f, 0x4e, 0x79)), (0x1f, 0x4e, 0x79));
    }
}
