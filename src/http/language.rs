//! The language of a verdict's `message` and of every check's `detail`: English by default (the
//! contract's text), Kazakh or Russian when the caller asks (`Accept-Language` on HTTP, `--lang`
//! on the command line). The sentences are the page's own (`web/i18n.json`: `reason_<code>` for
//! messages, `detail_<key>` for the core's [`Phrase`]s), so the page, the API and the command
//! line say the same thing; the reason codes and check names never change, and the values in a
//! detail (names, times, numbers) stay as they are.

use std::sync::OnceLock;

use qoltanba_core::{
    Phrase, PhraseKey, Reason, Sentences, Status, UsageError, UsageReason, Verdict,
};
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

    /// `phrase` in this language; `None` when a sentence it needs is missing (the caller keeps
    /// the English text then, never an empty or half-translated one).
    pub fn render(self, phrase: &Phrase) -> Option<String> {
        phrase.render(&self)
    }

    /// `verdict` with its message and the details of its checks and time-stamp reports in this
    /// language (English: as the core wrote them).
    pub fn localize(self, mut verdict: Verdict, subject: Subject) -> Verdict {
        if self == Lang::En {
            return verdict;
        }
        for check in &mut verdict.checks {
            if let Some(detail) = self.render(&check.phrase) {
                check.detail = detail;
            }
        }
        for report in verdict
            .signers
            .iter_mut()
            .filter_map(|o| o.timestamp.as_mut())
        {
            let rendered = report.phrase.as_ref().and_then(|p| self.render(p));
            if let Some(detail) = rendered {
                report.detail = Some(detail);
            }
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
        // The checks are in this language already: so is the deciding detail.
        let detail = verdict.deciding_detail().map(str::to_owned);
        verdict.message = match detail {
            Some(detail) => format!("{sentence} ({detail})"),
            None => sentence.to_owned(),
        };
        verdict
    }

    /// A usage error in this language, when its sentence is one the core names (a detached
    /// signature without its content); the others keep their English message.
    pub fn localize_usage(self, mut error: UsageError) -> UsageError {
        if error.reason == UsageReason::MissingContent {
            if let Some(message) = self.render(&Phrase::new(PhraseKey::MissingContent)) {
                error.message = message;
            }
        }
        error
    }
}

/// The sentences of a language, as the core's phrases need them.
impl Sentences for Lang {
    fn phrase(&self, key: PhraseKey) -> Option<&str> {
        self.text(&format!("detail_{}", key.as_str()))
    }

    fn reason(&self, reason: Reason) -> Option<&str> {
        self.text(&format!("reason_{}", reason.as_str()))
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
    fn every_phrase_has_a_sentence_with_its_placeholders_in_each_language() {
        fn sorted(s: &str) -> Vec<&str> {
            let mut names = qoltanba_core::placeholders(s);
            names.sort_unstable();
            names
        }
        for key in PhraseKey::ALL {
            let english = sorted(key.english());
            for lang in [Lang::Kk, Lang::Ru, Lang::En] {
                let Some(sentence) = lang.phrase(*key) else {
                    panic!("{lang:?}: no sentence detail_{}", key.as_str());
                };
                assert!(!sentence.trim().is_empty(), "{lang:?} {}", key.as_str());
                assert_eq!(
                    sorted(sentence),
                    english,
                    "{lang:?} detail_{}",
                    key.as_str()
                );
            }
            // The page's English is the core's: a detail reads the same from both.
            assert_eq!(
                Lang::En.phrase(*key),
                Some(key.english()),
                "{}",
                key.as_str()
            );
        }
        // No sentence the core cannot produce.
        let texts = texts();
        for lang in ["kk", "ru", "en"] {
            let Some(map) = texts[lang].as_object() else {
                panic!("{lang}: not an object");
            };
            for name in map.keys().filter_map(|k| k.strip_prefix("detail_")) {
                assert!(
                    PhraseKey::ALL.iter().any(|k| k.as_str() == name),
                    "{lang}: detail_{name} is no phrase of the core"
                );
            }
        }
    }

    #[test]
    fn a_time_stamp_reports_detail_is_localized_with_the_checks() {
        use qoltanba_core::{Check, Evidence, SignerOutcome, TimeBasis, TimestampReport};
        let note = Phrase::new(PhraseKey::TokenVerifiedBut)
            .phrase("note", Phrase::new(PhraseKey::TokenNotUsedCallerTime));
        let checks = vec![
            Check::pass("timestamp", Phrase::new(PhraseKey::TsaKey)),
            // The parser's own words: no sentence of their own, English in every language.
            Check::fail(
                "format",
                Reason::MalformedSignature,
                Phrase::verbatim("unexpected end"),
            ),
        ];
        let at = time::OffsetDateTime::UNIX_EPOCH;
        let mut verdict =
            Verdict::from_checks(at, checks, None, None, Evidence::default(), Vec::new());
        verdict.signers.push(SignerOutcome {
            index: 1,
            status: Status::Valid,
            reason: None,
            signer: None,
            signing_time: None,
            time_basis: TimeBasis::Caller,
            time: "1970-01-01T00:00:00Z".into(),
            timestamp: Some(TimestampReport {
                verified: true,
                tsa: None,
                gen_time: None,
                policy: None,
                serial: None,
                status: Status::Valid,
                reason: None,
                detail: Some(note.to_string()),
                phrase: Some(note),
            }),
            timestamp_verdict: None,
        });
        let ru = Lang::Ru.localize(verdict, Subject::Signature);
        let report = ru.signers[0]
            .timestamp
            .as_ref()
            .and_then(|r| r.detail.clone());
        assert_eq!(
            report.as_deref(),
            Some("подтверждена, но не использована: время проверки задано в запросе")
        );
        assert_eq!(
            ru.checks[0].detail,
            "Ключ службы штампов времени (критическое EKU timeStamping)"
        );
        assert_eq!(ru.checks[1].detail, "unexpected end");
        assert!(ru.message.ends_with("(unexpected end)"), "{}", ru.message);
    }

    #[test]
    fn a_detail_is_rendered_with_its_values_and_falls_back_to_english() {
        let phrase = Phrase::new(PhraseKey::Expired).text("not_after", "2020-01-01T00:00:00Z");
        assert_eq!(
            Lang::Kk.render(&phrase).as_deref(),
            Some("Сертификаттың қолданылу мерзімі 2020-01-01T00:00:00Z өтіп кеткен")
        );
        assert_eq!(
            Lang::Ru.render(&phrase).as_deref(),
            Some("Срок действия сертификата истёк 2020-01-01T00:00:00Z")
        );
        assert_eq!(Lang::En.render(&phrase), Some(phrase.to_string()));
        // A phrase without the value its sentence names is not rendered: the English stays.
        assert_eq!(Lang::Kk.render(&Phrase::new(PhraseKey::Expired)), None);
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
