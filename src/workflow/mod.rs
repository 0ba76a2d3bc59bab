//! The state-service procedure of the regulations (`../shared/design/SEEDS.md`), from the
//! applicant's signed request to the signed result in the personal cabinet, as a thin layer: every
//! signature question goes to the core [`Verifier`], every result and refusal is signed by the
//! officer signer ([`Issuer`]) and kept in the archive. This module parses no CMS, checks no
//! signature and reads no CRL (`tests/workflow_thin.rs` holds it to that).
//!
//! The steps: submission, payment condition (paid services), signing condition, registration,
//! provider review, result (or motivated refusal), delivery to the cabinet.

pub mod calendar;
pub mod catalogue;
pub mod model;
pub mod settings;
pub mod store;

pub use settings::{WorkflowConfig, KAZAKHSTAN_MOVEABLE_HOLIDAYS};

/// Failure injection for the crash tests. Inert unless a test in the same process names an
/// applicant; compiled in every profile so that the crash-recovery test also runs against the
/// release build the CI tests.
#[doc(hidden)]
pub mod test_hooks {
    /// Submissions of these applicants (IIN/BIN) stop right after their first step is written,
    /// as a crash there would leave them. By applicant, so that tests running beside one another
    /// in the same process are not stopped too.
    pub static FAIL_AFTER_CREATE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
}

use std::sync::Arc;

use time::OffsetDateTime;

use crate::archive::evidence::verified_document;
use crate::archive::{Archive, ArchiveError, DocumentKind};
use crate::sign::issue::{IssueError, Issuer};
use crate::sign::{Officer, Officers, SignError};
use qoltanba_core::IdNumber;
use qoltanba_core::{KeyUsagePolicy, Verifier, VerifyOptions};
use qoltanba_core::{Status as VerdictStatus, Verdict};
use qoltanba_core::{UsageError, UsageReason};

use calendar::{Calendar, KAZAKHSTAN};
use catalogue::{render, ApplicantKind, Catalogue, Service};
use model::{ApplicationView, Event, Outcome, RefusalCode, ServiceRef, Status, Step};
use store::{ApplicationRow, ApplicationStore};

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("{0}")]
    Usage(#[from] UsageError),
    #[error("there is no service {0:?} in the catalogue")]
    UnknownService(String),
    #[error("the service {service:?} is not for {kind}")]
    ApplicantKind { service: String, kind: &'static str },
    #[error("there is no application {0}")]
    NotFound(String),
    #[error("application {number} is {status}: {what}")]
    WrongState {
        number: String,
        status: &'static str,
        what: &'static str,
    },
    #[error(
        "officer {officer:?} does not act for the provider of this service (BIN {provider_bin})"
    )]
    WrongProvider {
        officer: String,
        provider_bin: String,
    },
    #[error("no officer of the provider (BIN {0}) is configured to sign its results")]
    NoOfficer(String),
    #[error("the officer may not sign now ({reason}): {message}")]
    OfficerRefused {
        reason: &'static str,
        message: String,
    },
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error("{0}")]
    Internal(String),
}

impl From<IssueError> for WorkflowError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::Sign(SignError::Refused(r)) => WorkflowError::OfficerRefused {
                reason: r.reason.as_str(),
                message: r.message,
            },
            IssueError::Archive(a) => WorkflowError::Archive(a),
            other => WorkflowError::Internal(other.to_string()),
        }
    }
}

/// What the portal sends when the applicant submits.
#[derive(Debug, Clone)]
pub struct Submission {
    pub service: String,
    pub applicant_id: String,
    /// Whether `applicant_id` is a person's IIN or an entity's BIN; by default the kind the
    /// service is for (individual when it takes both).
    pub applicant_kind: Option<ApplicantKind>,
    /// The signed request (CMS: DER, PEM or base64).
    pub signature: Vec<u8>,
    /// The request's content, when the signature is detached.
    pub content: Option<Vec<u8>>,
    pub payment_reference: Option<String>,
    /// The name of the portal token that submits: only that portal reads the application back.
    pub portal: Option<String>,
}

/// Who reads an application, by the token they present.
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    /// A portal token, by its configured name: reads what it submitted.
    Portal(&'a str),
    /// An officer (by id): reads the applications to the services of the officer's provider.
    Officer(&'a str),
    /// An auditor token, by its name: reads everything, and every read is logged as an audit
    /// access.
    Auditor(&'a str),
}

/// A payment record posted by the payment gateway.
#[derive(Debug, Clone)]
pub struct Payment {
    pub reference: String,
    pub confirmed: bool,
}

#[derive(Debug, Clone)]
pub enum Decision {
    Approve,
    Refuse { motivation: String },
}

/// One of an applicant's documents in the personal cabinet.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CabinetEntry {
    pub number: String,
    pub service: ServiceRef,
    pub status: Status,
    pub outcome: Outcome,
}

pub struct Workflow {
    catalogue: Catalogue,
    calendar: Calendar,
    store: ApplicationStore,
    verifier: Arc<Verifier>,
    officers: Arc<Officers>,
    issuer: Issuer,
    archive: Archive,
    /// One transition at a time in this process; across nodes the step numbering refuses a
    /// second writer.
    transitions: tokio::sync::Mutex<()>,
    /// Applications up to this id need no taking up: each later pass of
    /// [`Workflow::resume_unfinished`] looks only above it, however large the archive.
    resume_after: std::sync::atomic::AtomicI64,
}

/// `2026-000017`: the year of submission (Kazakhstan's calendar) and the application's id.
pub fn number_of(id: i64, submitted: OffsetDateTime) -> String {
    format!("{}-{id:06}", submitted.to_offset(KAZAKHSTAN).year())
}

fn id_of(number: &str) -> Option<i64> {
    let (year, id) = number.split_once('-')?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse::<i64>().ok().filter(|n| *n > 0)
}

/// Whether the portal `name` submitted the application. Applications stored before the
/// submitting portal was recorded belong to every portal, as every application did then.
fn submitted_by(row: &ApplicationRow, name: &str) -> bool {
    row.portal.as_deref().is_none_or(|p| p == name)
}

fn kind_name(kind: ApplicantKind) -> &'static str {
    match kind {
        ApplicantKind::Individual => "individual",
        ApplicantKind::LegalEntity => "legal_entity",
        ApplicantKind::Both => "both",
    }
}

fn service_ref(s: &Service) -> ServiceRef {
    ServiceRef {
        code: s.code.clone(),
        name_kk: s.name_kk.clone(),
        name_ru: s.name_ru.clone(),
    }
}

fn day(t: OffsetDateTime) -> String {
    let t = t.to_offset(KAZAKHSTAN);
    format!("{:02}.{:02}.{}", t.day(), u8::from(t.month()), t.year())
}

fn minute(t: OffsetDateTime) -> String {
    let t = t.to_offset(KAZAKHSTAN);
    format!("{} {:02}:{:02}", day(t), t.hour(), t.minute())
}

/// A loaded application: its row and its history.
struct Loaded {
    row: ApplicationRow,
    events: Vec<Event>,
    service: Service,
    number: String,
}

impl Loaded {
    fn status(&self) -> Status {
        self.events.last().map_or(Status::Submitted, |e| e.status)
    }

    fn kind(&self) -> ApplicantKind {
        match self.row.applicant_kind.as_str() {
            "legal_entity" => ApplicantKind::LegalEntity,
            _ => ApplicantKind::Individual,
        }
    }

    fn request_document(&self) -> Option<i64> {
        self.events
            .iter()
            .find(|e| e.step == Step::SigningCondition)
            .and_then(|e| e.document_id)
    }
}

impl Workflow {
    pub async fn new(
        catalogue: Catalogue,
        calendar: Calendar,
        verifier: Arc<Verifier>,
        officers: Arc<Officers>,
        issuer: Issuer,
        archive: Archive,
    ) -> Result<Workflow, WorkflowError> {
        let store = ApplicationStore::open(&archive).await?;
        let unsigned: Vec<&str> = catalogue
            .services()
            .iter()
            .filter(|s| {
                !officers
                    .iter()
                    .any(|o| o.info().provider_bin == s.provider_bin)
            })
            .map(|s| s.code.as_str())
            .collect();
        if officers.iter().next().is_none() {
            // A verify-only deployment: no officer at all is its choice, not a mistake to repeat
            // at every start.
            tracing::info!(
                "no officers are configured: the state-service procedure cannot sign results \
                 (a verify-only deployment)"
            );
        } else if !unsigned.is_empty() {
            tracing::warn!(
                services = %unsigned.join(", "),
                "no officer of these services' providers is configured: their results and refusals cannot be signed"
            );
        }
        Ok(Workflow {
            catalogue,
            calendar,
            store,
            verifier,
            officers,
            issuer,
            archive,
            transitions: tokio::sync::Mutex::new(()),
            resume_after: std::sync::atomic::AtomicI64::new(0),
        })
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// 1. Submission, then the conditions that follow at once.
    pub async fn submit(
        &self,
        s: Submission,
        now: OffsetDateTime,
    ) -> Result<ApplicationView, WorkflowError> {
        let service = self
            .catalogue
            .get(&s.service)
            .cloned()
            .ok_or_else(|| WorkflowError::UnknownService(s.service.clone()))?;
        let id = IdNumber::parse(&s.applicant_id).map_err(|e| {
            UsageError::new(
                UsageReason::InvalidId,
                format!("applicant_id: {} {e}", s.applicant_id),
            )
        })?;
        let kind = s.applicant_kind.unwrap_or(match service.applicant {
            ApplicantKind::LegalEntity => ApplicantKind::LegalEntity,
            _ => ApplicantKind::Individual,
        });
        if kind == ApplicantKind::Both || !service.accepts(kind) {
            return Err(WorkflowError::ApplicantKind {
                service: service.code.clone(),
                kind: kind_name(kind),
            });
        }
        if s.signature.is_empty() {
            return Err(
                UsageError::new(UsageReason::BadRequest, "the signed request is empty").into(),
            );
        }
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let row = ApplicationRow {
            id: 0,
            service: service.code.clone(),
            applicant_id: id.as_string(),
            applicant_kind: kind_name(kind).to_owned(),
            submitted_at: now,
            deadline: self.calendar.deadline(now, service.term()).to_string(),
            payment_reference: s.payment_reference.filter(|r| !r.trim().is_empty()),
            signature: s.signature,
            content: s.content,
            portal: s.portal,
        };
        // Unpaid services meet the signing condition now: judge before anything is written, so
        // that a wrong call (a detached signature without its content) is a 400, not an
        // application.
        let judged = if service.payment_required {
            None
        } else {
            Some(self.judge(&row, now).await??)
        };
        let _turn = self.transitions.lock().await;
        let first_status = if service.payment_required {
            Status::AwaitingPayment
        } else {
            Status::Submitted
        };
        let first = Event::new(Step::Submission, first_status, now).detail(format!(
            "deadline {} ({})",
            row.deadline,
            service.term().describe()
        ));
        let app_id = self.store.create(&row, &first).await?;
        if test_hooks::FAIL_AFTER_CREATE
            .lock()
            .is_ok_and(|stopped| stopped.contains(&row.applicant_id))
        {
            return Err(WorkflowError::Internal(
                "test hook: the submission stops after its first step".into(),
            ));
        }
        let loaded = Loaded {
            number: number_of(app_id, now),
            row: ApplicationRow { id: app_id, ..row },
            events: vec![first],
            service,
        };
        match judged {
            Some(document) => self.signing_condition(loaded, document, now).await?,
            None if loaded.row.payment_reference.is_none() => {
                let check = Event::new(Step::PaymentCondition, Status::AwaitingPayment, now)
                    .code("no_reference")
                    .detail("the request names no payment reference");
                self.refuse(loaded, vec![check], RefusalCode::NoPayment, None, None, now)
                    .await?
            }
            None => {}
        }
        self.view(&number_of(app_id, now)).await
    }

    /// 2. The payment gateway posts a payment record for a paid service.
    pub async fn payment(
        &self,
        number: &str,
        portal: Option<&str>,
        p: Payment,
        now: OffsetDateTime,
    ) -> Result<ApplicationView, WorkflowError> {
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let _turn = self.transitions.lock().await;
        let app = self.load(number).await?;
        // Another portal's application is answered as a missing one: its existence is not
        // another portal's business.
        if let Some(portal) = portal {
            if !submitted_by(&app.row, portal) {
                return Err(WorkflowError::NotFound(number.to_owned()));
            }
        }
        if app.status() != Status::AwaitingPayment {
            return Err(self.wrong_state(&app, "it is not awaiting a payment"));
        }
        let matches = app.row.payment_reference.as_deref() == Some(p.reference.as_str());
        let code = match (p.confirmed, matches) {
            (true, true) => "confirmed",
            (true, false) => "reference_mismatch",
            (false, _) => "declined",
        };
        let check = Event::new(Step::PaymentCondition, Status::Submitted, now)
            .code(code)
            .detail(format!("payment {}", p.reference))
            .actor("payment_gateway");
        if code != "confirmed" {
            self.refuse(app, vec![check], RefusalCode::NoPayment, None, None, now)
                .await?;
        } else {
            let document = self.judge(&app.row, now).await?;
            let mut app = app;
            self.record(&mut app, [check]).await?;
            match document {
                Ok(document) => self.signing_condition(app, document, now).await?,
                // A detached request without its content cannot be judged: not confirmed.
                Err(usage) => {
                    let check = Event::new(Step::SigningCondition, Status::Submitted, now)
                        .code(usage.reason.as_str())
                        .detail(usage.message.clone());
                    self.refuse(
                        app,
                        vec![check],
                        RefusalCode::EdsNotConfirmed,
                        Some(usage.reason.as_str().to_owned()),
                        None,
                        now,
                    )
                    .await?
                }
            }
        }
        self.view(number).await
    }

    /// 5. The provider's officer approves or refuses; 6. the result or refusal is issued.
    pub async fn decide(
        &self,
        number: &str,
        officer_id: &str,
        decision: Decision,
        now: OffsetDateTime,
    ) -> Result<ApplicationView, WorkflowError> {
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let _turn = self.transitions.lock().await;
        let app = self.load(number).await?;
        let officer =
            self.officers
                .get(officer_id)
                .cloned()
                .ok_or_else(|| WorkflowError::WrongProvider {
                    officer: officer_id.to_owned(),
                    provider_bin: app.service.provider_bin.clone(),
                })?;
        if officer.info().provider_bin != app.service.provider_bin {
            return Err(WorkflowError::WrongProvider {
                officer: officer_id.to_owned(),
                provider_bin: app.service.provider_bin.clone(),
            });
        }
        if app.status() != Status::UnderReview {
            return Err(self.wrong_state(
                &app,
                "only a registered application under review can be decided",
            ));
        }
        match decision {
            Decision::Approve => {
                let review = Event::new(Step::ProviderReview, Status::UnderReview, now)
                    .code("approve")
                    .actor(officer_id);
                self.approve(app, review, &officer, now).await?
            }
            Decision::Refuse { motivation } => {
                let motivation = motivation.trim().to_owned();
                if motivation.is_empty() {
                    return Err(UsageError::new(
                        UsageReason::BadRequest,
                        "a refusal needs its motivation",
                    )
                    .into());
                }
                let review = Event::new(Step::ProviderReview, Status::UnderReview, now)
                    .code("refuse")
                    .detail(motivation.clone())
                    .actor(officer_id);
                self.refuse(
                    app,
                    vec![review],
                    RefusalCode::ProviderRefusal,
                    None,
                    Some((&officer, motivation)),
                    now,
                )
                .await?
            }
        }
        self.view(number).await
    }

    /// Status at any time: number, service, status, deadline, and the history of steps (for the
    /// operator's command line; callers over HTTP go through [`Workflow::view_as`]).
    pub async fn view(&self, number: &str) -> Result<ApplicationView, WorkflowError> {
        let app = self.load(number).await?;
        Ok(self.view_of(&app))
    }

    /// [`Workflow::view`] for one reader: the portal that submitted it, an officer of the
    /// service's provider, or an auditor (logged as an audit access). Anyone else is told that
    /// there is no such application, exactly as for a number that does not exist, so that
    /// numbers (sequential) reveal nothing.
    pub async fn view_as(
        &self,
        number: &str,
        reader: Reader<'_>,
    ) -> Result<ApplicationView, WorkflowError> {
        let app = self.load(number).await?;
        let allowed = match reader {
            Reader::Portal(name) => submitted_by(&app.row, name),
            Reader::Officer(id) => self
                .officers
                .get(id)
                .is_some_and(|o| o.info().provider_bin == app.service.provider_bin),
            Reader::Auditor(name) => {
                tracing::info!(
                    target: "qoltanba::audit_access",
                    auditor = name,
                    application = number,
                    service = %app.service.code,
                    "audit access: an auditor read an application"
                );
                true
            }
        };
        if !allowed {
            tracing::info!(
                reader = ?reader,
                application = number,
                "an application was asked for by a token that may not read it (answered as missing)"
            );
            return Err(WorkflowError::NotFound(number.to_owned()));
        }
        Ok(self.view_of(&app))
    }

    /// The results and refusals of one applicant (newest first) that `portal` submitted (all of
    /// them when `portal` is `None`).
    pub async fn cabinet(
        &self,
        applicant_id: &str,
        portal: Option<&str>,
    ) -> Result<Vec<CabinetEntry>, WorkflowError> {
        let id = IdNumber::parse(applicant_id)
            .map_err(|e| UsageError::new(UsageReason::InvalidId, format!("{applicant_id} {e}")))?;
        let mut entries = Vec::new();
        for app_id in self.store.of_applicant(&id.as_string()).await? {
            let Some(row) = self.store.get(app_id).await? else {
                continue;
            };
            if portal.is_some_and(|p| !submitted_by(&row, p)) {
                continue;
            }
            let number = number_of(app_id, row.submitted_at);
            let app = self.load(&number).await?;
            let view = self.view_of(&app);
            if let Some(outcome) = view.outcome {
                entries.push(CabinetEntry {
                    number,
                    service: view.service,
                    status: view.status,
                    outcome,
                });
            }
        }
        Ok(entries)
    }

    /// The signed document `document_id` of the applicant's cabinet (the CMS, content inside).
    pub async fn cabinet_document(
        &self,
        applicant_id: &str,
        portal: Option<&str>,
        document_id: i64,
    ) -> Result<Vec<u8>, WorkflowError> {
        let owned = self
            .cabinet(applicant_id, portal)
            .await?
            .iter()
            .any(|e| e.outcome.document_id == document_id);
        let not_found = || {
            WorkflowError::NotFound(format!(
                "document {document_id} in the cabinet of {applicant_id}"
            ))
        };
        if !owned {
            return Err(not_found());
        }
        // The history says the document is the applicant's; the history itself must hold: exactly
        // one application names it as its result, that application is the applicant's, and its
        // row and steps still match their hashes.
        let owners = self.store.result_owners(document_id).await?;
        let [owner] = owners[..] else {
            tracing::error!(
                document_id,
                applications = ?owners,
                "cabinet: a result is named by more than one application; the history was tampered with, nothing is served"
            );
            return Err(not_found());
        };
        let row = self.store.get(owner).await?.ok_or_else(not_found)?;
        if row.applicant_id
            != IdNumber::parse(applicant_id)
                .map(|i| i.as_string())
                .unwrap_or_default()
        {
            return Err(not_found());
        }
        if let Some(problem) = self.store.application_intact(owner).await? {
            tracing::error!(document_id, %problem, "cabinet: the application's history does not match its hashes; nothing is served");
            return Err(not_found());
        }
        let stored = self
            .archive
            .get(document_id)
            .await?
            .filter(|d| d.fields.kind == DocumentKind::Result)
            .ok_or_else(not_found)?;
        Ok(stored.fields.signature)
    }

    /// Takes up the applications a stop left half submitted (their submission recorded, the steps
    /// that follow at once never): each gets a `submission`/`resumed` step in its history and
    /// goes on — an unpaid service from its signing condition, judged at its submission time as
    /// it would have been; a paid one named without a payment reference to its refusal. Returns
    /// how many were taken up.
    ///
    /// Only submissions older than `grace` are taken up: a younger one may still be in the hands
    /// of another node sharing the database (PostgreSQL), which would then find its next step
    /// taken. In this process, the transition lock keeps a running submission out of reach.
    pub async fn resume_unfinished(
        &self,
        now: OffsetDateTime,
        grace: std::time::Duration,
    ) -> Result<usize, WorkflowError> {
        use std::sync::atomic::Ordering;
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let after = self.resume_after.load(Ordering::SeqCst);
        let newest = self.store.newest().await?;
        // The lowest id left for a later pass because it is too young.
        let mut held: Option<i64> = None;
        let mut resumed = 0;
        for id in self.store.unfinished(after).await? {
            let Some(row) = self.store.get(id).await? else {
                continue;
            };
            let settled_after = time::Duration::try_from(grace)
                .ok()
                .and_then(|g| row.submitted_at.checked_add(g));
            if settled_after.is_none_or(|t| t > now) {
                held = Some(held.map_or(id, |h| h.min(id)));
                continue;
            }
            let number = number_of(id, row.submitted_at);
            let _turn = self.transitions.lock().await;
            let mut app = self.load(&number).await?;
            let only_submitted = app.events.iter().all(|e| e.step == Step::Submission);
            let unpaid = app.status() == Status::Submitted;
            let unnamed_payment =
                app.status() == Status::AwaitingPayment && app.row.payment_reference.is_none();
            if !only_submitted || !(unpaid || unnamed_payment) {
                // Finished meanwhile, or waiting for the payment it named: nothing to take up.
                continue;
            }
            let judged = if unpaid {
                Some(self.judge(&app.row, now).await?)
            } else {
                None
            };
            let status = app.status();
            self.record(
                &mut app,
                [Event::new(Step::Submission, status, now)
                    .code("resumed")
                    .detail("the service stopped before the steps that follow the submission were recorded; taken up again")],
            )
            .await?;
            match judged {
                Some(Ok(document)) => self.signing_condition(app, document, now).await?,
                Some(Err(usage)) => {
                    let check = Event::new(Step::SigningCondition, Status::Submitted, now)
                        .code(usage.reason.as_str())
                        .detail(usage.message.clone());
                    self.refuse(
                        app,
                        vec![check],
                        RefusalCode::EdsNotConfirmed,
                        Some(usage.reason.as_str().to_owned()),
                        None,
                        now,
                    )
                    .await?
                }
                None => {
                    let check = Event::new(Step::PaymentCondition, Status::AwaitingPayment, now)
                        .code("no_reference")
                        .detail("the request names no payment reference");
                    self.refuse(app, vec![check], RefusalCode::NoPayment, None, None, now)
                        .await?
                }
            }
            tracing::warn!(application = %number, "an unfinished submission was taken up again");
            resumed += 1;
        }
        // Every application up to `newest` is finished, waiting for its payment, or held.
        let next = held.map_or(newest, |h| h - 1).max(after);
        self.resume_after.store(next, Ordering::SeqCst);
        Ok(resumed)
    }

    async fn load(&self, number: &str) -> Result<Loaded, WorkflowError> {
        let missing = || WorkflowError::NotFound(number.to_owned());
        let id = id_of(number).ok_or_else(missing)?;
        let row = self.store.get(id).await?.ok_or_else(missing)?;
        if number_of(id, row.submitted_at) != number {
            return Err(missing());
        }
        let service = self.catalogue.get(&row.service).cloned().ok_or_else(|| {
            WorkflowError::Internal(format!(
                "application {number}: service {:?} is no longer in the catalogue",
                row.service
            ))
        })?;
        let events = self.store.events(id).await?;
        Ok(Loaded {
            number: number.to_owned(),
            row,
            events,
            service,
        })
    }

    fn view_of(&self, app: &Loaded) -> ApplicationView {
        let outcome = app
            .events
            .iter()
            .rev()
            .find(|e| e.step == Step::Result)
            .and_then(|e| {
                let document_id = e.document_id?;
                let refusal = (e.code.as_deref() != Some("result"))
                    .then(|| e.code.clone())
                    .flatten();
                Some(Outcome {
                    kind: if refusal.is_some() {
                        "refusal"
                    } else {
                        "result"
                    },
                    document_id,
                    reason: refusal.as_ref().and_then(|_| {
                        app.events
                            .iter()
                            .find(|x| {
                                x.step == Step::SigningCondition
                                    && x.code.as_deref() != Some("valid")
                            })
                            .and_then(|x| x.code.clone())
                    }),
                    refusal,
                    issued_at: qoltanba_core::rfc3339(e.at),
                    download: format!(
                        "/v1/cabinet/{}/documents/{document_id}",
                        app.row.applicant_id
                    ),
                })
            });
        ApplicationView {
            number: app.number.clone(),
            service: service_ref(&app.service),
            applicant_id: app.row.applicant_id.clone(),
            status: app.status(),
            submitted_at: qoltanba_core::rfc3339(app.row.submitted_at),
            deadline: app.row.deadline.clone(),
            deadline_rule: app.service.term().describe(),
            request_document_id: app.request_document(),
            outcome,
            history: app.events.clone(),
        }
    }

    /// Appends steps to the application's history, in the database and in `app`; refuses when
    /// another caller took a step meanwhile.
    async fn record(
        &self,
        app: &mut Loaded,
        events: impl IntoIterator<Item = Event>,
    ) -> Result<(), WorkflowError> {
        let events: Vec<Event> = events.into_iter().collect();
        if !self
            .store
            .append(app.row.id, app.events.len(), &events)
            .await?
        {
            return Err(self.changed(app));
        }
        app.events.extend(events);
        Ok(())
    }

    fn wrong_state(&self, app: &Loaded, what: &'static str) -> WorkflowError {
        WorkflowError::WrongState {
            number: app.number.clone(),
            status: app.status().as_str(),
            what,
        }
    }

    fn changed(&self, app: &Loaded) -> WorkflowError {
        WorkflowError::WrongState {
            number: app.number.clone(),
            status: app.status().as_str(),
            what: "it changed meanwhile; read it again",
        }
    }

    /// The signing condition, by the verifier: the applicant's IIN/BIN as the expected id, at the
    /// submission time. Off the async threads (it is CPU work).
    async fn judge(
        &self,
        row: &ApplicationRow,
        now: OffsetDateTime,
    ) -> Result<Result<crate::archive::NewDocument, UsageError>, WorkflowError> {
        let expected = IdNumber::parse(&row.applicant_id)
            .map_err(|e| WorkflowError::Internal(format!("stored applicant id: {e}")))?;
        let options = VerifyOptions {
            at: Some(row.submitted_at),
            expected_id: Some(expected),
            key_usage: KeyUsagePolicy::DocumentSigning,
            ..VerifyOptions::default()
        };
        let verifier = Arc::clone(&self.verifier);
        let (signature, content) = (row.signature.clone(), row.content.clone());
        tokio::task::spawn_blocking(move || {
            verified_document(
                &verifier,
                DocumentKind::Request,
                signature,
                content,
                options,
                now,
            )
        })
        .await
        .map_err(|e| WorkflowError::Internal(format!("verification stopped: {e}")))
    }

    /// 3 → 4: a valid verdict registers the request; any other refuses it ("the applicant's EDS
    /// was not confirmed", with the verifier's reason). The request is archived either way.
    async fn signing_condition(
        &self,
        mut app: Loaded,
        document: crate::archive::NewDocument,
        now: OffsetDateTime,
    ) -> Result<(), WorkflowError> {
        let verdict: Verdict = document.verdict.clone();
        let receipt = self.archive.store(document).await?;
        let code = verdict.reason.map_or("valid", |r| r.as_str()).to_owned();
        if verdict.status == VerdictStatus::Valid {
            let events = [
                Event::new(Step::SigningCondition, Status::Submitted, now)
                    .code(code)
                    .detail(verdict.message.clone())
                    .document(receipt.id),
                Event::new(Step::Registration, Status::UnderReview, now)
                    .code(app.number.clone())
                    .document(receipt.id),
            ];
            self.record(&mut app, events).await?;
            Ok(())
        } else {
            let check = Event::new(Step::SigningCondition, Status::Submitted, now)
                .code(code.clone())
                .detail(verdict.message.clone())
                .document(receipt.id);
            self.refuse(
                app,
                vec![check],
                RefusalCode::EdsNotConfirmed,
                Some(code),
                None,
                now,
            )
            .await
        }
    }

    /// The officer who signs what the procedure decides by itself: the first configured officer
    /// of the service's provider.
    fn duty_officer(&self, service: &Service) -> Result<Arc<Officer>, WorkflowError> {
        self.officers
            .iter()
            .find(|o| o.info().provider_bin == service.provider_bin)
            .cloned()
            .ok_or_else(|| WorkflowError::NoOfficer(service.provider_bin.clone()))
    }

    async fn applicant_name(&self, app: &Loaded) -> String {
        let Some(id) = app.request_document() else {
            return String::new();
        };
        let Ok(Some(stored)) = self.archive.get(id).await else {
            return String::new();
        };
        // An entity is named by its organization, a person by the certificate's name.
        let field = match app.kind() {
            ApplicantKind::LegalEntity => "organization",
            _ => "common_name",
        };
        let verdict = serde_json::from_str::<serde_json::Value>(&stored.fields.verdict).ok();
        verdict
            .as_ref()
            .and_then(|v| {
                v["signer"][field]
                    .as_str()
                    .or(v["signer"]["common_name"].as_str())
            })
            .map(str::to_owned)
            .unwrap_or_default()
    }

    async fn document_text(
        &self,
        app: &Loaded,
        template: &str,
        officer: &Officer,
        reason: (&str, &str),
        detail: &str,
        now: OffsetDateTime,
    ) -> Vec<u8> {
        let s = &app.service;
        let name = self.applicant_name(app).await;
        let (label_kk, label_ru) = match app.kind() {
            ApplicantKind::LegalEntity => ("БСН", "БИН"),
            _ => ("ЖСН", "ИИН"),
        };
        let officer_name = officer
            .info()
            .name
            .unwrap_or_else(|| officer.id().to_owned());
        let (date, submitted) = (day(now), minute(app.row.submitted_at));
        let text = render(
            template,
            &[
                ("number", &app.number),
                ("date", &date),
                ("submitted", &submitted),
                ("provider_kk", &s.provider_kk),
                ("provider_ru", &s.provider_ru),
                ("service_kk", &s.name_kk),
                ("service_ru", &s.name_ru),
                ("result_kk", &s.result_kk),
                ("result_ru", &s.result_ru),
                ("applicant_name", &name),
                ("applicant_id", &app.row.applicant_id),
                ("id_label_kk", label_kk),
                ("id_label_ru", label_ru),
                ("officer_name", &officer_name),
                ("reason_kk", reason.0),
                ("reason_ru", reason.1),
                ("detail", detail),
            ],
        );
        text.trim_start().as_bytes().to_vec()
    }

    async fn approve(
        &self,
        mut app: Loaded,
        review: Event,
        officer: &Arc<Officer>,
        now: OffsetDateTime,
    ) -> Result<(), WorkflowError> {
        let text = self
            .document_text(
                &app,
                &self.catalogue.templates.result,
                officer,
                ("", ""),
                "",
                now,
            )
            .await;
        let issued = self.issuer.issue(officer, text).await?;
        let document_id = issued
            .archived
            .map(|r| r.id)
            .ok_or_else(|| WorkflowError::Internal("the result was not archived".into()))?;
        let events = [
            review,
            Event::new(Step::Result, Status::UnderReview, now)
                .code("result")
                .document(document_id)
                .actor(officer.id()),
            Event::new(Step::Delivery, Status::Completed, now).document(document_id),
        ];
        self.record(&mut app, events).await?;
        Ok(())
    }

    /// A motivated refusal: written from the template, signed by the provider's officer,
    /// archived, delivered. `steps` are the steps that led to it (recorded with it).
    async fn refuse(
        &self,
        mut app: Loaded,
        steps: Vec<Event>,
        code: RefusalCode,
        verifier_reason: Option<String>,
        decided_by: Option<(&Arc<Officer>, String)>,
        now: OffsetDateTime,
    ) -> Result<(), WorkflowError> {
        let t = &self.catalogue.templates;
        let (officer, detail) = match decided_by {
            Some((officer, motivation)) => (Arc::clone(officer), motivation),
            None => {
                let detail = match (
                    &verifier_reason,
                    steps.last().and_then(|e| e.detail.clone()),
                ) {
                    (Some(reason), Some(message)) => format!("{reason}: {message}"),
                    (_, Some(message)) => message,
                    (_, None) => String::new(),
                };
                (self.duty_officer(&app.service)?, detail)
            }
        };
        let reason = match code {
            RefusalCode::NoPayment => (
                t.reason_no_payment_kk.as_str(),
                t.reason_no_payment_ru.as_str(),
            ),
            RefusalCode::EdsNotConfirmed => (
                t.reason_eds_not_confirmed_kk.as_str(),
                t.reason_eds_not_confirmed_ru.as_str(),
            ),
            RefusalCode::ProviderRefusal => {
                (t.reason_provider_kk.as_str(), t.reason_provider_ru.as_str())
            }
        };
        // Record the steps that led here first: they stand even if the officer cannot sign now.
        self.record(&mut app, steps).await?;
        let text = self
            .document_text(&app, &t.refusal, &officer, reason, &detail, now)
            .await;
        let issued = self.issuer.issue(&officer, text).await?;
        let document_id = issued
            .archived
            .map(|r| r.id)
            .ok_or_else(|| WorkflowError::Internal("the refusal was not archived".into()))?;
        let mut result = Event::new(Step::Result, Status::Refused, now)
            .code(code.as_str())
            .document(document_id)
            .actor(officer.id());
        if !detail.is_empty() {
            result = result.detail(detail);
        }
        let events = [
            result,
            Event::new(Step::Delivery, Status::Refused, now).document(document_id),
        ];
        self.record(&mut app, events).await?;
        Ok(())
    }
}
