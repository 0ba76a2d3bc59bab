//! The catalogue of state services: a data file (`config/services.toml`, embedded as the default;
//! `[workflow] catalogue` names another), not code. Adding a service is adding an entry. The same
//! file holds the Kazakh and Russian templates of results and refusals.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::calendar::{DayKind, Term};
use qoltanba_core::IdNumber;

/// The catalogue shipped with qoltanba: the services of the regulations.
pub const DEFAULT_CATALOGUE: &str = include_str!("../../config/services.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    /// A person, by IIN.
    Individual,
    /// A legal entity, by BIN.
    LegalEntity,
    Both,
}

/// A state service of the catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub code: String,
    pub name_kk: String,
    pub name_ru: String,
    pub provider_kk: String,
    pub provider_ru: String,
    /// The provider's BIN: officers of this BIN review its applications and sign its results.
    pub provider_bin: String,
    pub payment_required: bool,
    pub applicant: ApplicantKind,
    pub deadline_days: u32,
    pub deadline_kind: DayKind,
    pub result_kk: String,
    pub result_ru: String,
    /// The regulation the entry comes from.
    #[serde(default)]
    pub source: Option<String>,
    /// The regulation's words for the deadline.
    #[serde(default)]
    pub evidence: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Service {
    pub fn term(&self) -> Term {
        Term {
            days: self.deadline_days,
            kind: self.deadline_kind,
        }
    }

    /// Whether an applicant with this id may apply: an IIN for individuals, a BIN for legal
    /// entities. IINs and BINs share one format; the caller says which it gives.
    pub fn accepts(&self, kind: ApplicantKind) -> bool {
        self.applicant == ApplicantKind::Both || self.applicant == kind
    }
}

/// The texts of the signed documents, with `{placeholders}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Templates {
    pub result: String,
    pub refusal: String,
    pub reason_no_payment_kk: String,
    pub reason_no_payment_ru: String,
    pub reason_eds_not_confirmed_kk: String,
    pub reason_eds_not_confirmed_ru: String,
    pub reason_provider_kk: String,
    pub reason_provider_ru: String,
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "number",
    "date",
    "submitted",
    "provider_kk",
    "provider_ru",
    "service_kk",
    "service_ru",
    "result_kk",
    "result_ru",
    "applicant_name",
    "applicant_id",
    "id_label_kk",
    "id_label_ru",
    "officer_name",
    "reason_kk",
    "reason_ru",
    "detail",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    services: Vec<Service>,
    templates: Templates,
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    services: Vec<Service>,
    pub templates: Templates,
}

impl Catalogue {
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let file: CatalogueFile =
            toml::from_str(text).map_err(|e| e.to_string().trim().to_owned())?;
        let mut codes = BTreeSet::new();
        for s in &file.services {
            if s.code.is_empty()
                || !s
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(format!(
                    "service code {:?}: use letters, digits and '-'",
                    s.code
                ));
            }
            if !codes.insert(s.code.as_str()) {
                return Err(format!("service {:?} is listed twice", s.code));
            }
            if IdNumber::parse(&s.provider_bin).is_err() {
                return Err(format!(
                    "service {:?}: provider_bin {:?} is not a valid BIN",
                    s.code, s.provider_bin
                ));
            }
            if s.deadline_days == 0 || s.deadline_days > 366 {
                return Err(format!(
                    "service {:?}: deadline_days must be 1 to 366",
                    s.code
                ));
            }
        }
        let t = &file.templates;
        for (name, text) in [("result", &t.result), ("refusal", &t.refusal)] {
            check_placeholders(name, text)?;
        }
        Ok(Catalogue {
            services: file.services,
            templates: file.templates,
        })
    }

    pub fn load(path: Option<&Path>) -> Result<Catalogue, String> {
        match path {
            None => Catalogue::parse(DEFAULT_CATALOGUE)
                .map_err(|e| format!("the built-in catalogue: {e}")),
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                Catalogue::parse(&text).map_err(|e| format!("{}: {e}", p.display()))
            }
        }
    }

    pub fn get(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }

    pub fn services(&self) -> &[Service] {
        &self.services
    }
}

fn check_placeholders(name: &str, text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("template {name}: an unclosed '{{'"))?;
        let key = &after[..end];
        if !PLACEHOLDERS.contains(&key) {
            return Err(format!("template {name}: unknown placeholder {{{key}}}"));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

/// Fills `{placeholders}` (checked when the catalogue was loaded).
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let key = &after[..end];
                out.push_str(
                    values
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map_or("", |(_, v)| v),
                );
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalogue_has_the_regulations_services() {
        let c = Catalogue::load(None).unwrap();
        assert!(c.services().len() >= 4);
        for s in c.services() {
            assert!(!s.name_kk.is_empty() && !s.name_ru.is_empty(), "{}", s.code);
        }
        // Licences are paid, certificates and consents are not.
        assert!(c.services().iter().any(|s| s.payment_required));
        assert!(c.services().iter().any(|s| !s.payment_required));
    }

    #[test]
    fn bad_catalogues_are_refused_with_a_reason() {
        let good = DEFAULT_CATALOGUE;
        let twice = good.replacen(
            "[[services]]",
            &format!("{}\n[[services]]", first_service(good)),
            1,
        );
        assert!(Catalogue::parse(&twice).unwrap_err().contains("twice"));
        let bad_placeholder = good.replacen("№ {number}", "№ {numbr}", 1);
        assert!(Catalogue::parse(&bad_placeholder)
            .unwrap_err()
            .contains("numbr"));
        assert!(Catalogue::parse("services = 3").is_err());
    }

    fn first_service(text: &str) -> String {
        let start = text.find("[[services]]").unwrap();
        let rest = &text[start + 12..];
        let end = rest
            .find("[[services]]")
            .or_else(|| rest.find("[templates]"))
            .unwrap();
        format!("[[services]]{}", &rest[..end])
    }

    #[test]
    fn rendering_fills_known_placeholders() {
        assert_eq!(
            render(
                "№ {number}, {date}",
                &[("number", "7"), ("date", "2026-06-01")]
            ),
            "№ 7, 2026-06-01"
        );
        assert_eq!(render("{missing} x", &[]), " x");
    }
}
