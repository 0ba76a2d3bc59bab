//! `qoltanba serve`: assembles the verifier, the live CRL store and the HTTP API from a
//! configuration, and runs them until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::config::{ConfigError, ServeConfig};
use crate::crl_store::{CrlStore, CrlStoreSettings, RefreshReport, StoreError};
use crate::http::{self, AppState, HttpLimits, RouterOptions};
use crate::ocsp::OcspService;
use crate::trust::CertSource;
use qoltanba_core::Certificate;
use qoltanba_core::CrlSnapshot;
use qoltanba_core::Verifier;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {why}")]
    Bind { addr: SocketAddr, why: String },
    #[error("{0}")]
    Runtime(String),
    #[error("{0}")]
    Archive(String),
}

impl ServeError {
    /// The process exit code: 2 for a configuration that cannot work (including officers' keys
    /// that cannot be opened and CRL sources that cannot be set up), 1 for a failure of the
    /// environment at run time (the port is taken, the archive cannot be reached).
    pub fn exit_code(&self) -> i32 {
        match self {
            ServeError::Config(_) | ServeError::Store(_) => 2,
            ServeError::Bind { .. } | ServeError::Runtime(_) | ServeError::Archive(_) => 1,
        }
    }
}

/// Everything `serve` needs, read and checked: certificates loaded, CRL sources listed.
pub struct ServiceSetup {
    pub config: ServeConfig,
    pub demo: bool,
    pub anchors: Vec<Arc<Certificate>>,
    pub intermediates: Vec<Arc<Certificate>>,
    pub crl: CrlStoreSettings,
}

impl ServiceSetup {
    /// The verifier of this setup (no CRLs yet) and the store that will feed it from the CRL
    /// sources; the CRLs of every configured CA (anchor or intermediate) are accepted.
    pub fn crl_store(&self) -> Result<CrlStore, ServeError> {
        let cas: Vec<Arc<Certificate>> = self
            .anchors
            .iter()
            .chain(&self.intermediates)
            .cloned()
            .collect();
        let verifier = Verifier::new(
            self.anchors.clone(),
            self.intermediates.clone(),
            CrlSnapshot::default(),
        )
        .map_err(|e| ConfigError::Invalid(e.message))?
        .with_policy(
            self.config
                .trust
                .policy_options()
                .map_err(|e| ConfigError::Invalid(format!("trust.policies: {e}")))?,
        );
        Ok(CrlStore::new(Arc::new(verifier), cas, self.crl.clone())?)
    }

    /// The OCSP client of this setup, unless the policy is `crl`. Readiness probes name the
    /// configured CAs (intermediates first) as issuers.
    pub fn ocsp_service(&self) -> Result<Option<Arc<OcspService>>, ServeError> {
        if !self.config.ocsp.policy().uses_ocsp() {
            return Ok(None);
        }
        let cas: Vec<Arc<Certificate>> = self
            .intermediates
            .iter()
            .chain(&self.anchors)
            .cloned()
            .collect();
        let service = OcspService::new(&self.config.ocsp, cas).map_err(ConfigError::Invalid)?;
        Ok(Some(Arc::new(service)))
    }

    pub fn from_config(config: ServeConfig) -> Result<Self, ConfigError> {
        let demo = config.is_demo();
        let (anchor_sources, intermediate_sources) = if demo {
            let embedded =
                |&(name, bytes): &crate::demo::Embedded| CertSource::Embedded { name, bytes };
            let mut intermediates: Vec<CertSource> =
                crate::demo::INTERMEDIATES.iter().map(embedded).collect();
            intermediates.extend(
                config
                    .trust
                    .intermediates
                    .iter()
                    .cloned()
                    .map(CertSource::Path),
            );
            (
                crate::demo::TRUST.iter().map(embedded).collect::<Vec<_>>(),
                intermediates,
            )
        } else {
            (
                config
                    .trust
                    .anchors
                    .iter()
                    .cloned()
                    .map(CertSource::Path)
                    .collect(),
                config
                    .trust
                    .intermediates
                    .iter()
                    .cloned()
                    .map(CertSource::Path)
                    .collect(),
            )
        };
        let anchors = crate::trust::load_cert_sources(&anchor_sources, "trust anchor")?;
        if anchors.is_empty() {
            return Err(ConfigError::Invalid(
                "trust.anchors names no certificate".into(),
            ));
        }
        let intermediates = crate::trust::load_cert_sources(&intermediate_sources, "intermediate")?;
        let crl = CrlStoreSettings::from_config(&config.crl, &intermediates, demo);
        Ok(ServiceSetup {
            config,
            demo,
            anchors,
            intermediates,
            crl,
        })
    }
}

/// A running service: its address, its state, and the means to stop it.
pub struct RunningServer {
    addr: SocketAddr,
    state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
    refresher: tokio::task::JoinHandle<()>,
    /// Probes the OCSP responders for readiness (policies `ocsp` and `both`).
    prober: Option<tokio::task::JoinHandle<()>>,
    /// Checks the archive's chain on a schedule.
    chain_checker: tokio::task::JoinHandle<()>,
    /// Takes up half-done submissions on a schedule.
    resumer: tokio::task::JoinHandle<()>,
    initial_refresh: RefreshReport,
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn store(&self) -> &Arc<CrlStore> {
        &self.state.store
    }

    pub fn verifier(&self) -> &Arc<Verifier> {
        &self.state.verifier
    }

    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// What the start-up load of the CRL sources did.
    pub fn initial_refresh(&self) -> &RefreshReport {
        &self.initial_refresh
    }

    /// Stops accepting connections, lets requests in flight finish, stops the refresh loop.
    pub async fn shutdown(mut self) -> Result<(), ServeError> {
        self.refresher.abort();
        self.chain_checker.abort();
        self.resumer.abort();
        if let Some(prober) = &self.prober {
            prober.abort();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.server)
            .await
            .map_err(|e| ServeError::Runtime(e.to_string()))
    }

    /// Waits until the server stops by itself (it does not, unless it fails).
    pub async fn stopped(&mut self) -> Result<(), ServeError> {
        (&mut self.server)
            .await
            .map_err(|e| ServeError::Runtime(e.to_string()))
    }
}

/// Builds the service, loads the CRL cache and every source once, binds, and starts serving and
/// refreshing. Returns once the service answers.
pub async fn start(
    setup: ServiceSetup,
    options: RouterOptions,
) -> Result<RunningServer, ServeError> {
    let config = &setup.config;
    let addr = config.listen_addr()?;
    // The officers' keys are opened first: a key that cannot be used stops the start.
    let signing = Arc::new(
        http::sign::Signing::load(&config.officers, &config.auth, config.trust.id_policy())
            .map_err(ConfigError::Invalid)?,
    );
    let store = Arc::new(setup.crl_store()?);
    let initial_refresh = store.start().await;
    tracing::info!(
        crls = initial_refresh.crls,
        failures = initial_refresh.failures.len(),
        "CRL store loaded"
    );

    let ocsp = setup.ocsp_service()?;
    let mut prober = None;
    if let Some(ocsp) = &ocsp {
        tracing::info!(policy = ocsp.policy().as_str(), "OCSP enabled");
        if crate::ocsp::settings::readiness_needs_ocsp(ocsp.policy()) {
            let answering = ocsp.probe().await;
            tracing::info!(answering, "OCSP responders probed");
            prober = ocsp.spawn_prober();
        }
    }

    let limits = HttpLimits {
        max_body_bytes: config.limits.max_body_bytes,
        request_timeout: config.request_timeout(),
        max_concurrent: config.max_concurrent(),
        max_concurrent_bodies: config.limits.max_concurrent_bodies,
        body_wait: std::time::Duration::from_millis(config.limits.body_wait_ms),
    };
    let archive = crate::archive::Archive::open(&config.archive.url)
        .await
        .map_err(|e| ServeError::Archive(e.to_string()))?;
    tracing::info!(
        archive = archive.url(),
        backend = archive.backend().name(),
        "archive open"
    );
    let tsa = (!config.timestamp.url.is_empty()).then(|| {
        let mut tsa = crate::timestamp::TsaClient::new(config.timestamp.url.clone());
        tsa.timeout = std::time::Duration::from_millis(config.timestamp.timeout_ms);
        tsa
    });
    let catalogue =
        crate::workflow::catalogue::Catalogue::load(config.workflow.catalogue.as_deref())
            .map_err(|e| ConfigError::Invalid(format!("workflow.catalogue: {e}")))?;
    let calendar = crate::workflow::calendar::Calendar::new(
        config
            .workflow
            .holiday_dates()
            .map_err(ConfigError::Invalid)?,
    );
    let workflow = crate::workflow::Workflow::new(
        catalogue,
        calendar,
        store.verifier().clone(),
        signing.officers.clone(),
        crate::sign::issue::Issuer {
            verifier: store.verifier().clone(),
            archive: Some(archive.clone()),
            tsa: tsa.clone(),
        },
        archive.clone(),
    )
    .await
    .map_err(|e| ServeError::Archive(e.to_string()))?;
    // After the workflow's tables are migrated (and rows of older versions sealed), so that the
    // history is checked too. From the last checkpoint: a big archive starts fast. A broken chain
    // does not stop the service (auditors must still read it); it refuses appends and says so in
    // /readyz, the metrics and the log.
    archive
        .verify_chain()
        .await
        .map_err(|e| ServeError::Archive(e.to_string()))?;
    let chain_checker = archive.spawn_chain_checker(std::time::Duration::from_secs(
        config.archive.chain_check_seconds,
    ));
    let workflow = Arc::new(workflow);
    let grace = std::time::Duration::from_secs(config.workflow.resume_after_seconds);
    resume_unfinished(&workflow, grace).await;
    let resumer = {
        let workflow = Arc::clone(&workflow);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            tick.tick().await;
            loop {
                tick.tick().await;
                resume_unfinished(&workflow, grace).await;
            }
        })
    };
    let state = Arc::new(
        AppState::new(store.clone(), limits)
            .with_id_policy(config.trust.id_policy())
            .with_throttle(config.auth.throttle().map_err(ConfigError::Invalid)?)
            .with_signing(signing)
            .with_archive(archive, &config.archive)
            .with_tsa(tsa)
            .with_workflow(workflow)
            .with_ocsp(ocsp),
    );
    let app = http::router(state.clone(), options);

    let listener = http::listen::bind(addr).map_err(|e| ServeError::Bind {
        addr,
        why: e.to_string(),
    })?;
    let addr = listener.local_addr().map_err(|e| ServeError::Bind {
        addr,
        why: e.to_string(),
    })?;
    // Headers get the whole request's time: a client that cannot send them within it will not
    // have its request answered in time either.
    let header_timeout = state.limits.request_timeout;
    let connections =
        http::listen::ConnectionLimit::new(config.limits.max_connections, state.metrics.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        http::listen::serve(listener, app, connections, header_timeout, async move {
            let _ = rx.await;
        })
        .await;
    });
    let refresher = store.spawn_refresher(config.refresh_period());
    tracing::info!(%addr, demo = setup.demo, "qoltanba serve is listening");
    Ok(RunningServer {
        addr,
        state,
        shutdown: Some(tx),
        server,
        refresher,
        chain_checker,
        resumer,
        prober,
        initial_refresh,
    })
}

/// Takes up the submissions a stop left half done; a failure is logged and tried again later.
async fn resume_unfinished(workflow: &crate::workflow::Workflow, grace: std::time::Duration) {
    match workflow
        .resume_unfinished(time::OffsetDateTime::now_utc(), grace)
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::warn!(applications = n, "unfinished submissions taken up again"),
        Err(e) => tracing::error!(error = %e, "unfinished submissions could not be taken up"),
    }
}

async fn terminated() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The `serve` subcommand. Exit codes: 0 after a clean stop, 2 for a configuration error,
/// 1 when the service cannot start or fails.
pub fn run(config_file: Option<PathBuf>) -> i32 {
    let config = match ServeConfig::load(config_file.as_deref(), crate::environment::process_env())
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("qoltanba serve: {e}");
            return 2;
        }
    };
    crate::logging::init(&config.log);
    crate::http::process_metrics::mark_start();
    // A JSON log is read by machines: the boxed banner would be a raw line among its records.
    let human_log = config.log.format == crate::logging::LogFormat::Human;
    let setup = match ServiceSetup::from_config(config) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("qoltanba serve: {e}");
            return 2;
        }
    };
    if setup.demo {
        if human_log {
            eprintln!("{}", crate::demo::WARNING);
        }
        tracing::warn!(
            demo = true,
            "running on the bundled DEMO PKI (test keys): not for production use"
        );
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("qoltanba")
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("qoltanba serve: cannot start the runtime: {e}");
            return 1;
        }
    };
    runtime.block_on(async move {
        let mut server = match start(setup, RouterOptions::default()).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("{e}");
                eprintln!("qoltanba serve: {e}");
                return e.exit_code();
            }
        };
        eprintln!("qoltanba serve: listening on http://{}", server.addr());
        let failed = tokio::select! {
            _ = terminated() => None,
            result = server.stopped() => Some(result),
        };
        match failed {
            None => {
                tracing::info!("stopping");
                match server.shutdown().await {
                    Ok(()) => 0,
                    Err(e) => {
                        tracing::error!("{e}");
                        1
                    }
                }
            }
            Some(result) => {
                tracing::error!("the server stopped: {result:?}");
                1
            }
        }
    })
}
