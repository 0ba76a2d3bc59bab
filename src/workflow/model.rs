//! The procedure's vocabulary: steps, statuses and refusals, named as in the regulations
//! (`../shared/design/SEEDS.md`), and the views the HTTP API and the CLI show.

use serde::Serialize;
use time::OffsetDateTime;

/// A step of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The applicant's signed request arrived.
    Submission,
    /// "Condition: the fact of payment is checked" (licences).
    PaymentCondition,
    /// "The portal checks the validity period of the EDS registration certificate, its absence
    /// from the list of revoked certificates, and the match of the IIN/BIN."
    SigningCondition,
    /// The signed request is registered (it has its number and is in the archive).
    Registration,
    /// The provider's officer approved or refused.
    ProviderReview,
    /// The result or the motivated refusal was signed by the provider's authorized officer.
    Result,
    /// Delivered to the applicant's personal cabinet.
    Delivery,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Submission => "submission",
            Step::PaymentCondition => "payment_condition",
            Step::SigningCondition => "signing_condition",
            Step::Registration => "registration",
            Step::ProviderReview => "provider_review",
            Step::Result => "result",
            Step::Delivery => "delivery",
        }
    }

    pub fn parse(text: &str) -> Option<Step> {
        [
            Step::Submission,
            Step::PaymentCondition,
            Step::SigningCondition,
            Step::Registration,
            Step::ProviderReview,
            Step::Result,
            Step::Delivery,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ApplicationStatus)]
pub enum Status {
    /// Submitted; the conditions are being checked.
    Submitted,
    /// A paid service, submitted, the payment not yet confirmed.
    AwaitingPayment,
    /// Registered: with the provider for review.
    UnderReview,
    /// The result was issued and delivered.
    Completed,
    /// A motivated refusal was issued and delivered.
    Refused,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::AwaitingPayment => "awaiting_payment",
            Status::UnderReview => "under_review",
            Status::Completed => "completed",
            Status::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::Submitted,
            Status::AwaitingPayment,
            Status::UnderReview,
            Status::Completed,
            Status::Refused,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Refused)
    }
}

/// The refusals of the regulations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// "Refusal because there is no payment."
    NoPayment,
    /// "Refusing the requested service because the applicant's EDS was not confirmed" (with the
    /// verifier's reason code).
    EdsNotConfirmed,
    /// The provider's motivated refusal.
    ProviderRefusal,
}

impl RefusalCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalCode::NoPayment => "no_payment",
            RefusalCode::EdsNotConfirmed => "eds_not_confirmed",
            RefusalCode::ProviderRefusal => "provider_refusal",
        }
    }
}

/// One step as recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ApplicationEvent)]
pub struct Event {
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub step: Step,
    /// The status after this step.
    pub status: Status,
    /// A refusal code, a verifier reason code, a decision.
    pub code: Option<String>,
    /// A human sentence (the motivation of a refusal, the verifier's message).
    pub detail: Option<String>,
    /// The archived document of this step (the request, the result, the refusal).
    pub document_id: Option<i64>,
    /// Who took the step (an officer's id, the payment gateway).
    pub actor: Option<String>,
}

mod rfc3339 {
    pub fn serialize<S: serde::Serializer>(
        t: &time::OffsetDateTime,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&qoltanba_core::rfc3339(*t))
    }
}

impl Event {
    pub fn new(step: Step, status: Status, at: OffsetDateTime) -> Self {
        Event {
            at,
            step,
            status,
            code: None,
            detail: None,
            document_id: None,
            actor: None,
        }
    }

    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn document(mut self, id: i64) -> Self {
        self.document_id = Some(id);
        self
    }

    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }
}

/// The service an application is for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceRef {
    pub code: String,
    pub name_kk: String,
    pub name_ru: String,
}

/// The document an application ended with.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ApplicationOutcome)]
pub struct Outcome {
    /// `result` or `refusal`.
    #[schema(pattern = "^(result|refusal)$")]
    pub kind: &'static str,
    pub document_id: i64,
    /// The refusal code and, for an EDS that was not confirmed, the verifier's reason.
    pub refusal: Option<String>,
    pub reason: Option<String>,
    #[schema(format = DateTime)]
    pub issued_at: String,
    /// Where the applicant (through the portal) downloads the signed document.
    pub download: String,
}

/// "Request number, service, status, deadline" and the history of steps.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Application)]
pub struct ApplicationView {
    pub number: String,
    pub service: ServiceRef,
    pub applicant_id: String,
    pub status: Status,
    #[schema(format = DateTime)]
    pub submitted_at: String,
    /// The last day of the regulation's term, in Kazakhstan's calendar.
    #[schema(format = Date)]
    pub deadline: String,
    pub deadline_rule: String,
    pub request_document_id: Option<i64>,
    pub outcome: Option<Outcome>,
    pub history: Vec<Event>,
}
