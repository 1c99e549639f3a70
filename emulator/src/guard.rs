//! The emulator's own boundaries against requests that did not come from the user's own
//! tools, checked before any service sees a request: the `Host` allow-list (a web page
//! that rebinds its DNS name to 127.0.0.1 still sends its own name), and refusal of
//! cross-site browser requests (a page cannot hide its `Origin` or `Sec-Fetch-Site`).

use crate::config::Config;
use crate::pipeline::AppState;
use crate::protocol::{json, query, rest_json, ProtocolError};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use std::net::IpAddr;

/// The compose service name other containers reach the emulator by.
pub const COMPOSE_SERVICE: &str = "emulator";

/// The host part of a `Host` header or an origin's authority, lower-cased, without the
/// port or a trailing dot; IPv6 literals keep their brackets off (`::1`).
pub fn host_name(authority: &str) -> String {
    let authority = authority.trim();
    let host = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => authority,
        }
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a host name (see [`host_name`]) names this emulator: the loopback names (any
/// port), the listen address, the compose service, names given with `--allowed-host`.
/// When the emulator listens on every interface, any IP literal is accepted too: DNS
/// rebinding always arrives with a domain name, never with an address.
pub fn host_allowed(config: &Config, host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == COMPOSE_SERVICE {
        return true;
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        let listen = config.listen.ip();
        return ip.is_loopback() || ip == listen || listen.is_unspecified();
    }
    config
        .allowed_hosts
        .iter()
        .any(|allowed| host_name(allowed) == host)
}

/// Why a request's `Host` is refused, if it is.
pub fn check_host(config: &Config, headers: &HeaderMap) -> Result<(), String> {
    // HTTP/1.0 clients may omit Host; browsers never do, so a missing Host is no page.
    let Some(host) = headers.get(header::HOST) else {
        return Ok(());
    };
    let name = host.to_str().map(host_name).unwrap_or_default();
    if host_allowed(config, &name) {
        Ok(())
    } else {
        Err(format!(
            "The emulator does not answer requests for host '{name}'. It answers for localhost, 127.0.0.1, [::1], its listen address and the names given with --allowed-host (or EMULATOR_ALLOWED_HOSTS)."
        ))
    }
}

/// Why a browser request from another site is refused, if it is: an `Origin` that is not
/// this machine (nor one given with `--allowed-origin`), or `Sec-Fetch-Site: cross-site`.
/// Requests from the SDKs and the CLI carry neither header.
pub fn check_site(config: &Config, headers: &HeaderMap) -> Result<(), String> {
    let origin = headers
        .get(header::ORIGIN)
        .map(|v| v.to_str().unwrap_or("").trim().trim_end_matches('/'));
    let allowed_by_flag = |origin: &str| {
        config.allowed_origins.iter().any(|allowed| {
            allowed == "*" || allowed.trim_end_matches('/').eq_ignore_ascii_case(origin)
        })
    };
    if let Some(origin) = origin {
        if allowed_by_flag(origin) {
            return Ok(());
        }
        // `null` is what sandboxed frames and file pages send: no site of this machine.
        let local = origin
            .split_once("://")
            .is_some_and(|(_, authority)| host_allowed(config, &host_name(authority)));
        if !local {
            return Err(format!(
                "The emulator refuses browser requests from other sites (Origin: {origin}). Allow an origin with --allowed-origin (or EMULATOR_ALLOWED_ORIGINS)."
            ));
        }
    }
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if fetch_site.eq_ignore_ascii_case("cross-site") && !origin.is_some_and(allowed_by_flag) {
        return Err(
            "The emulator refuses browser requests from other sites (Sec-Fetch-Site: cross-site). Allow an origin with --allowed-origin (or EMULATOR_ALLOWED_ORIGINS).".to_owned(),
        );
    }
    Ok(())
}

/// A refusal in the shape of the protocol the request speaks: restJson1 for Lambda's
/// paths, awsQuery for a form-encoded `POST /`, awsJson otherwise.
pub fn refusal(method: &Method, path: &str, headers: &HeaderMap, message: String) -> Response {
    let request_id = crate::context::new_request_id();
    if crate::lambda::routes::is_lambda_path(path) {
        return rest_json::error(&request_id, &ProtocolError::Refused(message));
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if method == Method::POST && path == "/" && form && !headers.contains_key("x-amz-target") {
        return query::error(
            crate::sts::NAMESPACE,
            &request_id,
            &ProtocolError::RefusedQuery(message),
        );
    }
    json::error(&request_id, &ProtocolError::Refused(message))
}

/// The middleware in front of every route: `Host`, then `Origin` and `Sec-Fetch-Site`.
pub async fn boundary(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let checked =
        check_host(&state.config, headers).and_then(|()| check_site(&state.config, headers));
    if let Err(message) = checked {
        tracing::info!(
            method = %request.method(),
            path = request.uri().path(),
            reason = %message,
            "request refused"
        );
        return refusal(request.method(), request.uri().path(), headers, message);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn host_names_lose_port_brackets_case_and_trailing_dot() {
        assert_eq!(host_name("LocalHost:4566"), "localhost");
        assert_eq!(host_name("[::1]:4566"), "::1");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
        assert_eq!(host_name("evil.example.:80"), "evil.example");
    }

    #[test]
    fn only_this_machines_names_are_accepted_as_host() {
        let config = Config {
            allowed_hosts: vec!["ci-runner.internal".to_owned()],
            ..Config::default()
        };
        for ok in [
            "localhost:4566",
            "127.0.0.1:1",
            "[::1]:4566",
            "emulator:4566",
            "app.localhost",
            "CI-RUNNER.internal:4566",
        ] {
            assert!(
                check_host(&config, &headers(&[("host", ok)])).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "evil.example",
            "evil.example:4566",
            "10.1.2.3:4566",
            "localhost.evil.example",
        ] {
            assert!(
                check_host(&config, &headers(&[("host", bad)])).is_err(),
                "{bad}"
            );
        }
        assert!(check_host(&config, &HeaderMap::new()).is_ok());
        let everywhere = Config {
            listen: "0.0.0.0:4566".parse().unwrap(),
            ..Config::default()
        };
        assert!(check_host(&everywhere, &headers(&[("host", "10.1.2.3:4566")])).is_ok());
        assert!(check_host(&everywhere, &headers(&[("host", "evil.example")])).is_err());
    }

    #[test]
    fn cross_site_browser_requests_are_refused_unless_allowed() {
        let config = Config::default();
        assert!(check_site(&config, &HeaderMap::new()).is_ok());
        assert!(check_site(&config, &headers(&[("origin", "http://localhost:3000")])).is_ok());
        assert!(check_site(&config, &headers(&[("sec-fetch-site", "same-origin")])).is_ok());
        assert!(check_site(&config, &headers(&[("sec-fetch-site", "none")])).is_ok());
        assert!(check_site(&config, &headers(&[("origin", "https://evil.example")])).is_err());
        assert!(check_site(&config, &headers(&[("origin", "null")])).is_err());
        assert!(check_site(&config, &headers(&[("sec-fetch-site", "cross-site")])).is_err());
        let allowing = Config {
            allowed_origins: vec!["https://console.example/".to_owned()],
            ..Config::default()
        };
        let from_console = headers(&[
            ("origin", "https://console.example"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert!(check_site(&allowing, &from_console).is_ok());
        assert!(check_site(&allowing, &headers(&[("origin", "https://evil.example")])).is_err());
    }
}
