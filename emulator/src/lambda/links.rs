//! GetFunction's `Code.Location`, for every kind of package (a zip as uploaded, or the
//! archive of local code: `archive`): as Lambda answers a presigned S3 URL that downloads the
//! deployment package for ten minutes (Lambda API reference, "FunctionCodeLocation":
//! "A presigned URL that you can use to download the deployment package"; the URL it
//! gives carries `X-Amz-Expires=600`), the emulator answers a URL of its own, served at
//! `GET /_lambda/code/{id}?token=SECRET`.
//!
//! The URL is a capability, like a presigned URL: whoever holds it may download, without
//! signing, until it expires; the secret is random (128 bits) and compared in constant
//! time, and a wrong secret, an unknown id and an expired link are answered alike (403).

use super::code::{CodePackage, CodeSource};
use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::Response;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a link works: Lambda's presigned URLs expire after 600 seconds.
pub const LINK_LIFETIME: Duration = Duration::from_secs(600);
/// The path prefix of the download route.
pub const PATH_PREFIX: &str = "/_lambda/code/";
/// The most links alive at once (the oldest are forgotten beyond).
const KEPT_LINKS: usize = 10_000;

struct Link {
    secret: String,
    package: Arc<CodePackage>,
    expires: Instant,
}

impl std::fmt::Debug for Link {
    // The secret is the capability: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("secret", &"<redacted>")
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// The live download links.
#[derive(Debug, Default)]
pub struct CodeLinks {
    links: Mutex<HashMap<String, Link>>,
}

impl CodeLinks {
    /// A download URL for `package` under `base` (`http://HOST`): a zip as uploaded, or
    /// the archive of local code (`archive`); `None` for a cargo package not built yet
    /// (then its `file://` location is kept).
    pub fn issue(&self, base: &str, package: &Arc<CodePackage>) -> Option<String> {
        if !matches!(package.source, CodeSource::Zip { .. }) && package.contents().is_none() {
            return None;
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let secret = uuid::Uuid::new_v4().simple().to_string();
        let now = Instant::now();
        let mut links = self.links.lock().unwrap_or_else(|e| e.into_inner());
        links.retain(|_, l| l.expires > now);
        if links.len() >= KEPT_LINKS {
            if let Some(oldest) = links
                .iter()
                .min_by_key(|(_, l)| l.expires)
                .map(|(k, _)| k.clone())
            {
                links.remove(&oldest);
            }
        }
        links.insert(
            id.clone(),
            Link {
                secret: secret.clone(),
                package: Arc::clone(package),
                expires: now + LINK_LIFETIME,
            },
        );
        Some(format!(
            "{base}{PATH_PREFIX}{id}?X-Amz-Expires={}&token={secret}",
            LINK_LIFETIME.as_secs()
        ))
    }

    /// The package a link names, if its secret is right and it has not expired.
    fn package(&self, id: &str, secret: &str) -> Option<Arc<CodePackage>> {
        let links = self.links.lock().unwrap_or_else(|e| e.into_inner());
        let link = links.get(id)?;
        let valid = crate::auth::constant_time_eq(link.secret.as_bytes(), secret.as_bytes())
            && link.expires > Instant::now();
        valid.then(|| Arc::clone(&link.package))
    }

    /// Answers a download: the archive (`application/zip`), or S3's 403 for anything else.
    pub async fn download(&self, id: &str, secret: &str) -> Response {
        let refused =
            || crate::protocol::s3::access_denied("Request has expired or its token is not valid");
        let Some(package) = self.package(id, secret) else {
            return refused();
        };
        let read = match (&package.source, package.contents()) {
            (CodeSource::Zip { archive, .. }, _) => {
                let path = archive.clone();
                // Reading a package (up to 50 MB) blocks: off the request's worker.
                tokio::task::spawn_blocking(move || std::fs::read(path)).await
            }
            // Local code is archived as its digest was computed, so the download's size
            // and hash are the CodeSize and CodeSha256 reported.
            (_, Some(contents)) => {
                tokio::task::spawn_blocking(move || super::archive::bytes(&contents)).await
            }
            (_, None) => return refused(),
        };
        match read.unwrap_or_else(|e| Err(std::io::Error::other(e))) {
            Ok(bytes) => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/zip")
                .body(Body::from(bytes))
                .unwrap_or_default(),
            Err(_) => refused(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_open_only_with_their_secret_and_local_code_gets_one_too() {
        let workdir = Arc::new(super::super::code::WorkDir::create().unwrap());
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        writer
            .start_file("bootstrap", zip::write::SimpleFileOptions::default())
            .unwrap();
        let bytes = writer.finish().unwrap().into_inner();
        let package = Arc::new(super::super::code::unpack_zip(&workdir, &bytes).unwrap());
        let links = CodeLinks::default();
        let url = links.issue("http://127.0.0.1:4566", &package).unwrap();
        let rest = url
            .strip_prefix("http://127.0.0.1:4566/_lambda/code/")
            .unwrap();
        let (id, query) = rest.split_once('?').unwrap();
        let secret = query.split("token=").nth(1).unwrap();
        assert!(links.package(id, secret).is_some());
        assert!(links.package(id, "wrong").is_none());
        assert!(links.package("unknown", secret).is_none());
        assert!(!format!("{links:?}").contains(secret));
        let local =
            Arc::new(super::super::code::from_path(&workdir, Path::new("/bin/true")).unwrap());
        assert!(links.issue("http://h", &local).is_some());
        let building = Arc::new(super::super::code::cargo("p", None, Path::new("/"), false));
        assert!(links.issue("http://h", &building).is_none());
    }

    use std::path::Path;
}
