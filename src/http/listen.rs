//! The accept loop: each connection served by hyper's HTTP/1.1 server with a deadline for the
//! request headers, and a graceful shutdown. `axum::serve` sets no timer, so a client trickling
//! its headers a byte at a time could hold a connection (and its memory) for ever.

use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use super::throttle::ClientAddr;

/// How long to back off after a failed accept (out of file descriptors, typically) before trying
/// again, instead of spinning on the error.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

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
/// A connection whose request headers are not complete within `header_timeout` is closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
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
            .serve_connection(
                TokioIo::new(stream),
                TowerToHyperService::new(with_client_addr(app.clone(), peer.ip())),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
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
