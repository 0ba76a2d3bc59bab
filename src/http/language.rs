//! The language of a verdict's `message`: English by default (the contract's text), Kazakh or
//! Russian when the caller asks (`Accept-Language` on HTTP, `--lang` on the command line). The
//! sentences are the page's own (`web/i18n.json`), so the page, the API and the command line
//! say the same thing; the reason codes never change, and a check's technical detail (names,
//! times, numbers) follows the sentence as it is.

use std::sync::OnceLock;

use qoltanba_core::{Status, Verdict};
use serde_json::Value;

/// A language of the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    En,
    Ru,
    Kk,
}

/// What a verdict is about: its "valid" sentence differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Signature,
    Certificate,
}

fn texts() -> &'static Value {
    static TEXTS: OnceLock<Value> = OnceLock::new();
    TEXTS.get_or_init(|| {
        serde_json::from_str(include_str!("../../web/i18n.json")).unwrap_or(Value::Null)
    })
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Kk => "kk",
        }
    }

    /// The preferred supported language of an `Accept-Language` header (RFC 9110 §12.5.4:
    /// the highest weight wins, the earlier on a tie); English when none is supported.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::En;
        };
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "kk" => Lang::Kk,
                "ru" => Lang::Ru,
                "en" => Lang::En,
                _ => continue,
            };
            if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    fn text(self, key: &str) -> Option<&'static str> {
        texts()[self.code()][key].as_str()
    }

    /// `verdict` with its message in this language (English: as the core wrote it).
    pub fn localize(self, mut verdict: Verdict, subject: Subject) -> Verdict {
        if self == Lang::En {
            return verdict;
        }
        let sentence = match (verdict.status, verdict.reason) {
            (Status::Valid, _) => self.text(match subject {
                Subject::Signature => "verdict_valid",
                Subject::Certificate => "verdict_valid_certificate",
            }),
            (_, Some(reason)) => self.text(&format!("reason_{}", reason.as_str())),
            (_, None) => None,
        };
        let Some(sentence) = sentence else {
            return verdict;
        };
        let detail = verdict.deciding_detail().map(str::to_owned);
        verdict.message = match detail {
            Some(detail) => format!("{sentence} ({detail})"),
            None => sentence.to_owned(),
        };
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callers_preference_decides() {
        assert_eq!(Lang::from_accept_language(None), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("kk-KZ,kk;q=0.9")), Lang::Kk);
        assert_eq!(
            Lang::from_accept_language(Some("de, ru;q=0.8, en;q=0.5")),
            Lang::Ru
        );
        assert_eq!(
            Lang::from_accept_language(Some("en;q=0.9, kk;q=0.95")),
            Lang::Kk
        );
        assert_eq!(Lang::from_accept_language(Some("fr, de")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("ru;q=0, en")), Lang::En);
    }

    #[test]
    fn every_reason_and_both_valid_sentences_exist_in_each_language() {
        for lang in [Lang::Kk, Lang::Ru, Lang::En] {
            for reason in qoltanba_core::Reason::ALL {
                let key = format!("reason_{}", reason.as_str());
                assert!(lang.text(&key).is_some(), "{lang:?} {key}");
            }
            for key in ["verdict_valid", "verdict_valid_certificate"] {
                assert!(lang.text(key).is_some(), "{lang:?} {key}");
            }
        }
    }
}
