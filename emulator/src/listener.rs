//! The accept loop: HTTP/1.1 connections served with a limit on how many are open at
//! once and a deadline for each request's headers, then graceful shutdown. (axum's own
//! `serve` has neither: a client that opens connections and never finishes its headers
//! would hold them forever.)

use crate::state::EmulatorState;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in
/// flight finish (connections are closed once idle) and returns when every connection
/// is closed. At most `config.max_connections` connections are served at once; the next
/// one is accepted when one closes (until then it waits in the kernel's backlog).
pub async fn serve(
    listener: TcpListener,
    state: Arc<EmulatorState>,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = &state.config;
    let permits = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let header_timeout = config.header_read_timeout;
    // Every connection task holds a receiver; `closed()` on the sender resolves once
    // they are all gone.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, remote) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, as axum does.
                    tracing::debug!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let mut request = request.map(axum::body::Body::new);
                request.extensions_mut().insert(ConnectInfo(remote));
                router.clone().oneshot(request)
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::trace!(%remote, "connection ended: {e}");
                    }
                    return;
                }
                _ = stop.changed() => {}
            }
            connection.as_mut().graceful_shutdown();
            if let Err(e) = connection.await {
                tracing::trace!(%remote, "connection ended: {e}");
            }
        });
    }
    drop(listener);
    drop(stop_rx);
    let _ = stop_tx.send(true);
    stop_tx.closed().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use std::net::SocketAddr;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn start(config: Config) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let state = Arc::new(EmulatorState::new(config));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(crate::serve(listener, state, async {
            let _ = stopped.await;
        }));
        (address, stop)
    }

    #[tokio::test]
    async fn a_client_that_never_finishes_its_headers_is_disconnected() {
        let config = Config {
            header_read_timeout: Duration::from_millis(300),
            ..Config::default()
        };
        let (address, _stop) = start(config).await;
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .unwrap();
        let mut buf = Vec::new();
        // An end of stream or a reset: either way the connection is gone, not answered.
        let _ended = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf))
            .await
            .expect("the emulator closes the connection");
        assert!(!String::from_utf8_lossy(&buf).contains(" 200 "), "{buf:?}");
    }

    #[tokio::test]
    async fn connections_beyond_the_limit_wait_for_a_free_one() {
        let config = Config {
            max_connections: 1,
            header_read_timeout: Duration::from_secs(30),
            ..Config::default()
        };
        let (address, _stop) = start(config).await;
        // The first connection holds the only slot without sending anything.
        let idle = tokio::net::TcpStream::connect(address).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut second = tokio::net::TcpStream::connect(address).await.unwrap();
        second
            .write_all(
                b"GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            )
            .await
            .unwrap();
        let mut buf = Vec::new();
        let waited =
            tokio::time::timeout(Duration::from_millis(500), second.read_to_end(&mut buf)).await;
        assert!(waited.is_err(), "served beyond the connection limit");
        drop(idle);
        tokio::time::timeout(Duration::from_secs(5), second.read_to_end(&mut buf))
            .await
            .expect("served once the first connection closed")
            .unwrap();
        assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"));
    }
}
