//! The accept loop: each connection served by hyper's HTTP/1.1 server with a deadline for the
//! request headers, and a graceful shutdown. `axum::serve` sets no timer, so a client trickling
//! its headers a byte at a time could hold a connection (and its memory) for ever.
//!
//! At most `limits.max_connections` connections are served at once: the loop takes a place
//! before it accepts, and the connection's task holds it until the connection ends. Past the
//! limit nothing is accepted, so further connections wait in the kernel's listen backlog (they
//! cost this process no memory) and are accepted, in order, as places free up. The header
//! deadline also applies to an idle keep-alive connection waiting for its next request, so idle
//! clients cannot keep the places for ever.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::Semaphore;

use super::metrics::Metrics;
use super::throttle::ClientAddr;

/// The places for connections (`limits.max_connections`) and where they are counted.
pub struct ConnectionLimit {
    places: Arc<Semaphore>,
    max: usize,
    metrics: Arc<Metrics>,
}

impl ConnectionLimit {
    /// `max` is clamped to 1..=`Semaphore::MAX_PERMITS` (the configuration refuses values
    /// outside it; a limit set from code must not make the semaphore panic).
    pub fn new(max: usize, metrics: Arc<Metrics>) -> Self {
        let max = max.clamp(1, Semaphore::MAX_PERMITS);
        ConnectionLimit {
            places: Arc::new(Semaphore::new(max)),
            max,
            metrics,
        }
    }
}

/// How long to back off after a failed accept (out of file descriptors, typically) before trying
/// again, instead of spinning on the error.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Connections the kernel completes and queues while the service is not accepting (at
/// `limits.max_connections`, or between two accepts under a burst); the kernel caps it at
/// `net.core.somaxconn`. tokio's `TcpListener::bind` asks for 128 only: past the connection limit
/// the kernel then drops the handshakes of a burst beyond 128, and those clients wait for their
/// SYN retransmission (1 s, then 3 s, 7 s…) or give up (tests/connection_limits.rs).
pub const LISTEN_BACKLOG: u32 = 1024;

/// Binds `addr` with [`LISTEN_BACKLOG`] (and SO_REUSEADDR, as `TcpListener::bind` sets it on
/// Unix, so that a restarted service can bind while old connections linger in TIME_WAIT).
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Largest read buffer of a connection (hyper's default is about 400 KiB). A body is read into
/// its own buffer as it arrives, so a larger read buffer saves few system calls but costs its
/// size for every body being read. It also bounds the request headers (431 once the buffer is
/// full before they end: at 64 KiB to a read's worth more), far above what clients send.
const READ_BUFFER_MAX: usize = 64 * 1024;

/// `app` with every request of one connection marked with the connection's peer address.
fn with_client_addr(
    app: Router,
    addr: IpAddr,
) -> impl tower::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone {
    tower::ServiceExt::map_request(app, move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ClientAddr(addr));
        request
    })
}

/// Serves `app` on `listener` until `shutdown` completes, then waits for the requests in flight.
/// A connection whose request headers are not complete within `header_timeout` is closed; at most
/// `limit`'s number of connections are open at once.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limit: ConnectionLimit,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // The place is taken before accepting: at the limit the loop stops accepting instead
        // of accepting and holding connections it will not serve.
        let place = match limit.places.clone().try_acquire_owned() {
            Ok(place) => place,
            Err(_) => {
                limit.metrics.connection_limit_reached();
                tracing::debug!(
                    max_connections = limit.max,
                    "connection limit reached: not accepting until a connection closes"
                );
                tokio::select! {
                    place = limit.places.clone().acquire_owned() => match place {
                        Ok(place) => place,
                        // Never closed; were it, no connection could be served any more.
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .max_buf_size(READ_BUFFER_MAX)
            .serve_connection(
                TokioIo::new(stream),
                TowerToHyperService::new(with_client_addr(app.clone(), peer.ip())),
            );
        let connection = graceful.watch(connection);
        let open = limit.metrics.connection_opened();
        tokio::spawn(async move {
            // Both released when the connection ends, however it ends.
            let _place = place;
            let _open = open;
            // A client that goes away or sends garbage ends only its own connection; hyper has
            // answered what could be answered.
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
