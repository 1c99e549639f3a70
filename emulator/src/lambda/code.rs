//! Function code: deployment packages (zip archives holding an executable `bootstrap` at
//! their root) unpacked into a directory the emulator owns, local executables (an
//! emulator extension), and cargo packages built in the background (the function is
//! `Pending` until the build ends).

use super::archive::{self, Contents, Digest};
// The package limits live in `archive`, the lowest module that needs them.
pub use super::archive::{BOOTSTRAP, MAX_ENTRIES, MAX_UNZIPPED_BYTES};
use super::error::LambdaError;
use base64::Engine;
use sha2::{Digest as _, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The `S3Bucket` value that names a local path in `S3Key` (the emulator's extension).
pub const LOCAL_BUCKET: &str = "__local__";

/// The message Lambda sends for an archive it cannot read.
const UNZIP_FAILED: &str =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

/// A directory under the system's temporary directory where the emulator unpacks
/// packages; removed with everything in it when dropped.
#[derive(Debug)]
pub struct WorkDir {
    pub path: PathBuf,
}

/// The prefix of work directories' names, followed by the owning process's id.
const WORKDIR_PREFIX: &str = "aws-emulator-lambda-";

/// Removes the work directories of emulator processes that no longer run (one killed
/// before it could clean up).
fn remove_stale_workdirs(temp: &Path) {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(WORKDIR_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let running = Path::new(&format!("/proc/{pid}")).exists();
        if !running && Path::new("/proc/self").exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl WorkDir {
    /// Creates a new, private work directory (and removes those of emulators that have
    /// gone).
    pub fn create() -> std::io::Result<WorkDir> {
        let temp = std::env::temp_dir();
        remove_stale_workdirs(&temp);
        let path = temp.join(format!(
            "{WORKDIR_PREFIX}{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        ));
        std::fs::create_dir_all(&path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(WorkDir { path })
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A cargo package whose binary is the function. Its build starts as soon as the package
/// is made (when a runtime is there to run it), and the function is `Pending` until it
/// ends, as a function on AWS is while Lambda provisions it.
#[derive(Debug)]
pub struct CargoPackage {
    /// The package name (`cargo build -p NAME`).
    pub package: String,
    /// The binary target, when the package has several.
    pub bin: Option<String>,
    /// Where cargo runs (a directory of the workspace).
    pub directory: PathBuf,
    /// `--release`: asked for, or the emulator itself is a release build (so that the
    /// function shares the compiled dependencies of the build the user just made).
    pub release: bool,
    /// Held while a build runs, so that one build runs at a time.
    building: tokio::sync::Mutex<()>,
    /// Where the build is.
    status: std::sync::Mutex<BuildStatus>,
    /// `CodeSize` and `CodeSha256` of the built executable's package, once built.
    digest: std::sync::OnceLock<Digest>,
}

/// Where a cargo package's build is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BuildStatus {
    /// Not finished (or not begun).
    Pending,
    /// Built: the executable.
    Built(PathBuf),
    /// The build failed, for this reason; final, as a `Failed` function on AWS must be
    /// created again (here: the emulator restarted or reset).
    Failed(String),
}

/// What a function's code makes of its state (`State`, `StateReason`,
/// `StateReasonCode` of its configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeState {
    /// Ready to run.
    Active,
    /// Its cargo build has not finished.
    Pending,
    /// Its cargo build failed, for this reason.
    Failed(String),
}

/// Where a function's code lives.
#[derive(Debug)]
pub enum CodeSource {
    /// Unpacked from a zip archive into `dir` (kept as `archive` for GetFunction).
    Zip {
        dir: PathBuf,
        archive: PathBuf,
        /// Keeps the work directory alive while the package is.
        _workdir: Arc<WorkDir>,
    },
    /// A local executable, run in place (emulator extension); `package` is what
    /// GetFunction downloads (the executable as `bootstrap`, or the directory holding it).
    Local {
        executable: PathBuf,
        package: Contents,
    },
    /// A local directory holding a managed runtime's code, run in place (emulator
    /// extension).
    Directory { dir: PathBuf },
    /// A cargo package, built in the background from when it is made.
    Cargo(Arc<CargoPackage>),
}

/// A function's code and what Lambda reports of it.
#[derive(Debug)]
pub struct CodePackage {
    pub source: CodeSource,
    /// `CodeSize` and `CodeSha256`: of the zip archive, as uploaded or as GetFunction's
    /// link downloads it (a cargo package's once it is built, see [`CodePackage::digest`]).
    digest: Digest,
}

impl Drop for CodePackage {
    fn drop(&mut self) {
        if let CodeSource::Zip { dir, archive, .. } = &self.source {
            let _ = std::fs::remove_dir_all(dir);
            let _ = std::fs::remove_file(archive);
        }
    }
}

/// How a function's code is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeSpec {
    /// Zip bytes.
    Zip(Vec<u8>),
    /// A local path: an executable, a directory holding `bootstrap`, or a `.zip` file.
    Path(PathBuf),
    /// A cargo package.
    Cargo {
        package: String,
        bin: Option<String>,
        directory: PathBuf,
        release: bool,
    },
}

fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

fn invalid(message: impl Into<String>) -> LambdaError {
    LambdaError::InvalidParameterValue(message.into())
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    true
}

/// The longest link target read from an archive (Linux's `PATH_MAX`).
const MAX_LINK_BYTES: u64 = 4096;
/// How many links one path may pass through before it is refused (Linux's `ELOOP` limit).
const MAX_LINK_HOPS: u32 = 40;

/// A refused archive, worded as Lambda words an archive it cannot unzip, with the reason.
fn unzip_refused(reason: String) -> LambdaError {
    invalid(format!("{UNZIP_FAILED} {reason}"))
}

/// The components of an entry's name inside the package: `.` and empty components
/// dropped; absolute names, drive prefixes, `..` and NUL refused (an archive that names
/// anything outside the package is refused whole, never silently rewritten).
fn entry_components(name: &str) -> Result<Vec<&str>, LambdaError> {
    let refused = || {
        unzip_refused(format!(
            "The entry {name:?} names a path outside the package."
        ))
    };
    if name.starts_with('/') || name.starts_with('\\') || name.contains('\0') {
        return Err(refused());
    }
    let mut parts = Vec::new();
    for part in name.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return Err(refused()),
            // A Windows drive (`C:`): absolute where the archive was made.
            _ if parts.is_empty()
                && part.len() >= 2
                && part.as_bytes()[0].is_ascii_alphabetic()
                && part.as_bytes()[1] == b':' =>
            {
                return Err(refused())
            }
            _ => parts.push(part),
        }
    }
    Ok(parts)
}

/// Makes `path` a real directory, creating it if missing. Refuses anything else there: a
/// link (a write through it could land anywhere) or a file.
fn ensure_directory(path: &Path, name: &str) -> Result<(), LambdaError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(unzip_refused(format!(
            "The entry {name:?} passes through a link or a file of the package."
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir(path).map_err(store_error)
        }
        Err(e) => Err(store_error(e)),
    }
}

fn store_error(e: std::io::Error) -> LambdaError {
    LambdaError::Service(format!("Could not store the deployment package: {e}"))
}

/// Whether the link at `link` (components relative to the package `root`) resolves, as the
/// kernel would resolve it through the links really on disk, to a path inside the
/// package. Absolute targets, a `..` above the root and chains longer than
/// [`MAX_LINK_HOPS`] are outside. A component that does not exist is taken literally
/// (the link dangles inside the package).
fn link_stays_inside(root: &Path, link: &[&str]) -> bool {
    use std::ffi::OsString;
    let Some((name, parent)) = link.split_last() else {
        return false;
    };
    // Start in the directory holding the link, with the link's own name to follow.
    let mut position: Vec<OsString> = parent.iter().map(OsString::from).collect();
    let mut pending = std::collections::VecDeque::from([OsString::from(name)]);
    let mut hops = 0u32;
    while let Some(part) = pending.pop_front() {
        if part.is_empty() || part == "." {
            continue;
        }
        if part == ".." {
            if position.pop().is_none() {
                return false;
            }
            continue;
        }
        let candidate: PathBuf = std::iter::once(root.as_os_str())
            .chain(position.iter().map(OsString::as_os_str))
            .chain(std::iter::once(part.as_os_str()))
            .collect();
        match std::fs::symlink_metadata(&candidate) {
            Ok(meta) if meta.file_type().is_symlink() => {
                hops += 1;
                let Ok(target) = std::fs::read_link(&candidate) else {
                    return false;
                };
                if hops > MAX_LINK_HOPS || target.has_root() {
                    return false;
                }
                // The target replaces this component, relative to the directory holding it.
                for component in target.components().rev() {
                    match component {
                        std::path::Component::Normal(c) => pending.push_front(c.to_owned()),
                        std::path::Component::ParentDir => pending.push_front("..".into()),
                        std::path::Component::CurDir => {}
                        _ => return false,
                    }
                }
            }
            _ => position.push(part),
        }
    }
    true
}

/// Unpacks a zip archive into a new directory under `workdir`. The archive must hold a
/// `bootstrap` file at its root; file modes are kept (permission bits only).
///
/// Nothing is ever written, truncated or chmodded through a link: every directory on an
/// entry's way is checked to be a real directory (created if missing), files are created
/// with `O_EXCL` (which never follows a link, and refuses a second entry of the same
/// name) and their modes set on the open file. Once everything is written, every link
/// is resolved against what is really on disk (so chains such as `a -> .`,
/// `b -> a/..` are seen for what they are) and the archive is refused if one leads
/// outside the package. Archives larger unzipped than Lambda allows, or with more than
/// [`MAX_ENTRIES`] entries, are refused too. A refused archive leaves nothing behind.
pub fn unpack_zip(workdir: &Arc<WorkDir>, bytes: &[u8]) -> Result<CodePackage, LambdaError> {
    unpack_zip_for(workdir, bytes, true)
}

/// [`unpack_zip`]; a package for a managed runtime (`needs_bootstrap` false) holds the
/// handler's module rather than a `bootstrap`.
pub fn unpack_zip_for(
    workdir: &Arc<WorkDir>,
    bytes: &[u8],
    needs_bootstrap: bool,
) -> Result<CodePackage, LambdaError> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| invalid(UNZIP_FAILED))?;
    if archive.len() > MAX_ENTRIES {
        return Err(unzip_refused(format!(
            "The package holds {} entries; at most {MAX_ENTRIES} are accepted.",
            archive.len()
        )));
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let dir = workdir.path.join(&id);
    let archive_path = workdir.path.join(format!("{id}.zip"));
    let package = CodePackage {
        source: CodeSource::Zip {
            dir: dir.clone(),
            archive: archive_path.clone(),
            _workdir: Arc::clone(workdir),
        },
        digest: Digest {
            sha256: sha256_base64(bytes),
            size: bytes.len() as u64,
        },
    };
    // From here on, dropping `package` removes whatever was written (remove_dir_all
    // removes links, never what they point at).
    std::fs::create_dir(&dir).map_err(store_error)?;
    let mut total: u64 = 0;
    let mut links: Vec<Vec<String>> = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| invalid(UNZIP_FAILED))?;
        let name = entry.name().to_owned();
        let parts = entry_components(&name)?;
        let Some((last, parents)) = parts.split_last() else {
            // `./` or an empty name: the package root itself.
            continue;
        };
        let mut target = dir.clone();
        for part in parents {
            target.push(part);
            ensure_directory(&target, &name)?;
        }
        target.push(last);
        if entry.is_dir() {
            ensure_directory(&target, &name)?;
            continue;
        }
        match std::fs::symlink_metadata(&target) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(store_error(e)),
            Ok(_) => {
                return Err(unzip_refused(format!(
                    "The entry {name:?} appears more than once in the package."
                )))
            }
        }
        if entry.is_symlink() {
            let mut link = Vec::new();
            entry
                .by_ref()
                .take(MAX_LINK_BYTES + 1)
                .read_to_end(&mut link)
                .map_err(|_| invalid(UNZIP_FAILED))?;
            let link = String::from_utf8(link)
                .ok()
                .filter(|l| !l.is_empty() && l.len() as u64 <= MAX_LINK_BYTES && !l.contains('\0'));
            let Some(link) = link else {
                return Err(unzip_refused(format!(
                    "The link {name:?} has no valid target."
                )));
            };
            if Path::new(&link).has_root() {
                return Err(unzip_refused(format!(
                    "The link {name:?} points outside the package."
                )));
            }
            #[cfg(unix)]
            std::os::unix::fs::symlink(&link, &target).map_err(store_error)?;
            links.push(parts.iter().map(|p| (*p).to_owned()).collect());
            continue;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&target).map_err(store_error)?;
        let budget = MAX_UNZIPPED_BYTES - total;
        let written = std::io::copy(&mut entry.by_ref().take(budget + 1), &mut file)
            .map_err(|_| invalid(UNZIP_FAILED))?;
        total += written;
        if total > MAX_UNZIPPED_BYTES {
            return Err(invalid(format!(
                "Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes"
            )));
        }
        #[cfg(unix)]
        if let Some(mode) = entry.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            // On the open file (fchmod): never through a path, so never through a link.
            file.set_permissions(std::fs::Permissions::from_mode(mode & 0o777))
                .map_err(store_error)?;
        }
    }
    for link in &links {
        let parts: Vec<&str> = link.iter().map(String::as_str).collect();
        if !link_stays_inside(&dir, &parts) {
            return Err(unzip_refused(format!(
                "The link {:?} points outside the package.",
                link.join("/")
            )));
        }
    }
    let bootstrap = dir.join(BOOTSTRAP);
    match std::fs::symlink_metadata(&bootstrap) {
        Ok(meta) if meta.is_file() || meta.file_type().is_symlink() => {}
        _ if !needs_bootstrap => {}
        _ => {
            return Err(invalid(
                "The deployment package has no file named bootstrap at its root. An OS-only runtime (provided.al2023, provided.al2) starts the executable bootstrap; build it with `cargo lambda build --output-format zip`, or zip your binary as bootstrap.",
            ))
        }
    }
    let mut saved = std::fs::File::create(&archive_path).map_err(store_error)?;
    saved.write_all(bytes).map_err(store_error)?;
    Ok(package)
}

/// The metadata of a local code path, which must be absolute and readable.
fn local_metadata(path: &Path) -> Result<std::fs::Metadata, LambdaError> {
    if !path.is_absolute() {
        return Err(invalid(format!(
            "The local code path {} must be absolute.",
            path.display()
        )));
    }
    std::fs::metadata(path).map_err(|e| {
        invalid(format!(
            "Cannot read the local code path {}: {e}",
            path.display()
        ))
    })
}

/// A package from a local path (the `__local__` extension and fixtures): an executable
/// file, a directory holding an executable `bootstrap`, or a `.zip` archive.
pub fn from_path(workdir: &Arc<WorkDir>, path: &Path) -> Result<CodePackage, LambdaError> {
    let meta = local_metadata(path)?;
    if meta.is_file()
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        let bytes = std::fs::read(path)
            .map_err(|e| invalid(format!("Cannot read {}: {e}", path.display())))?;
        return unpack_zip(workdir, &bytes);
    }
    let executable = if meta.is_dir() {
        path.join(BOOTSTRAP)
    } else {
        path.to_owned()
    };
    let exe_meta = std::fs::metadata(&executable).map_err(|_| {
        invalid(format!(
            "The local code directory {} holds no file named bootstrap.",
            path.display()
        ))
    })?;
    if !exe_meta.is_file() || !is_executable(&exe_meta) {
        return Err(invalid(format!(
            "The local code path {} is not an executable file.",
            executable.display()
        )));
    }
    let package = if meta.is_dir() {
        Contents::Directory(path.to_owned())
    } else {
        Contents::Executable(executable.clone())
    };
    let digest = local_digest(&package, path)?;
    Ok(CodePackage {
        source: CodeSource::Local {
            executable,
            package,
        },
        digest,
    })
}

/// The digest of a local package's archive, or why it cannot be made.
fn local_digest(package: &Contents, path: &Path) -> Result<Digest, LambdaError> {
    archive::digest(package).map_err(|e| invalid(format!("Cannot package {}: {e}", path.display())))
}

/// A managed runtime's package from a local path: a `.zip`, or a directory run in
/// place as the task root.
fn managed_path(workdir: &Arc<WorkDir>, path: &Path) -> Result<CodePackage, LambdaError> {
    let meta = local_metadata(path)?;
    if meta.is_dir() {
        let digest = local_digest(&Contents::Directory(path.to_owned()), path)?;
        return Ok(CodePackage {
            source: CodeSource::Directory {
                dir: path.to_owned(),
            },
            digest,
        });
    }
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        let bytes = std::fs::read(path)
            .map_err(|e| invalid(format!("Cannot read {}: {e}", path.display())))?;
        return unpack_zip_for(workdir, &bytes, false);
    }
    Err(invalid(format!(
        "The local code path {} of a managed runtime must be a directory (the task root) or a .zip.",
        path.display()
    )))
}

/// A package naming a cargo package. Its build starts now, in the background, if a tokio
/// runtime is running (a package made outside one starts building when first invoked).
pub fn cargo(package: &str, bin: Option<&str>, directory: &Path, release: bool) -> CodePackage {
    // A release emulator builds its functions in release too: the same profile as the
    // build the user just waited for, so the dependencies they share are compiled once.
    let release = release || !cfg!(debug_assertions);
    let identity = format!(
        "cargo:{package}:{}:{}:{release}",
        bin.unwrap_or(""),
        directory.display()
    );
    let cargo = Arc::new(CargoPackage {
        package: package.to_owned(),
        bin: bin.map(str::to_owned),
        directory: directory.to_owned(),
        release,
        building: tokio::sync::Mutex::new(()),
        status: std::sync::Mutex::new(BuildStatus::Pending),
        digest: std::sync::OnceLock::new(),
    });
    // Until it is built there is no package: no size, and a hash of what names it.
    let package = CodePackage {
        source: CodeSource::Cargo(cargo),
        digest: Digest {
            sha256: sha256_base64(identity.as_bytes()),
            size: 0,
        },
    };
    package.start_build();
    package
}

/// Builds a package from its spec (blocking: unpacks and hashes files).
pub fn build(workdir: &Arc<WorkDir>, spec: &CodeSpec) -> Result<CodePackage, LambdaError> {
    build_for(workdir, spec, false)
}

/// [`build`] for a function of a managed runtime (`managed`): its zip needs no
/// `bootstrap`, and a local path is a directory (the task root) or a `.zip`.
pub fn build_for(
    workdir: &Arc<WorkDir>,
    spec: &CodeSpec,
    managed: bool,
) -> Result<CodePackage, LambdaError> {
    match spec {
        CodeSpec::Zip(bytes) => unpack_zip_for(workdir, bytes, !managed),
        CodeSpec::Path(path) if managed => managed_path(workdir, path),
        CodeSpec::Path(path) => from_path(workdir, path),
        CodeSpec::Cargo {
            package,
            bin,
            directory,
            release,
        } => Ok(cargo(package, bin.as_deref(), directory, *release)),
    }
}

/// Reads the code members of a request (`FunctionCode` or UpdateFunctionCode's) into a
/// spec: `ZipFile`, or the `__local__` bucket with a local path in `S3Key`.
pub fn spec_from_request(
    zip_file: Option<&str>,
    s3_bucket: Option<&str>,
    s3_key: Option<&str>,
    image_uri: Option<&str>,
) -> Result<CodeSpec, LambdaError> {
    if image_uri.is_some() {
        return Err(invalid(
            "Container images (ImageUri) are not supported by this emulator; give ZipFile, or the local path extension (S3Bucket \"__local__\", S3Key an absolute path).",
        ));
    }
    match (zip_file, s3_bucket) {
        (Some(_), Some(_)) => Err(invalid(
            "Please do not provide other FunctionCode parameters when providing a ZipFile.",
        )),
        (Some(zip), None) => base64::engine::general_purpose::STANDARD
            .decode(zip.trim())
            .map(CodeSpec::Zip)
            .map_err(|_| {
                LambdaError::InvalidRequestContent(
                    "Could not parse request body into json: Could not parse payload into json: ZipFile is not valid base64.".to_owned(),
                )
            }),
        (None, Some(LOCAL_BUCKET)) => match s3_key {
            Some(key) if !key.is_empty() => Ok(CodeSpec::Path(PathBuf::from(key))),
            _ => Err(invalid(
                "With S3Bucket \"__local__\", S3Key must be the absolute path of the function's executable.",
            )),
        },
        (None, Some(bucket)) => Err(invalid(format!(
            "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist ({bucket}): this emulator has no S3; give ZipFile, or S3Bucket \"__local__\" with S3Key an absolute local path."
        ))),
        (None, None) => Err(invalid(
            "Please provide a source for function code (ZipFile, or S3Bucket \"__local__\" with S3Key a local path).",
        )),
    }
}

impl CodePackage {
    /// `CodeSize` and `CodeSha256`.
    pub fn digest(&self) -> Digest {
        match &self.source {
            CodeSource::Cargo(cargo) => cargo.digest.get().unwrap_or(&self.digest).clone(),
            _ => self.digest.clone(),
        }
    }

    /// `CodeSize`.
    pub fn size(&self) -> u64 {
        self.digest().size
    }

    /// `CodeSha256`.
    pub fn sha256(&self) -> String {
        self.digest().sha256
    }

    /// What GetFunction's link downloads, unless the package is a zip kept as uploaded
    /// (`None` also for a cargo package not built yet).
    pub fn contents(&self) -> Option<Contents> {
        match &self.source {
            CodeSource::Zip { .. } => None,
            CodeSource::Local { package, .. } => Some(package.clone()),
            CodeSource::Directory { dir } => Some(Contents::Directory(dir.clone())),
            CodeSource::Cargo(cargo) => match &*cargo.status() {
                BuildStatus::Built(path) => Some(Contents::Executable(path.clone())),
                _ => None,
            },
        }
    }

    /// Where GetFunction says the code is.
    pub fn location(&self) -> String {
        match &self.source {
            CodeSource::Zip { archive, .. } => format!("file://{}", archive.display()),
            CodeSource::Local { executable, .. } => format!("file://{}", executable.display()),
            CodeSource::Directory { dir } => format!("file://{}", dir.display()),
            CodeSource::Cargo(c) => format!("file://{}", c.directory.display()),
        }
    }

    /// What the code is, for logs: never the contents.
    pub fn describe(&self) -> String {
        match &self.source {
            CodeSource::Zip { .. } => format!("zip ({} bytes)", self.size()),
            CodeSource::Local { executable, .. } => format!("local {}", executable.display()),
            CodeSource::Directory { dir } => format!("local directory {}", dir.display()),
            CodeSource::Cargo(c) => format!("cargo package {}", c.package),
        }
    }

    /// The function state this code gives: `Pending` while a cargo package builds,
    /// `Failed` if its build failed, else `Active`.
    pub fn state(&self) -> CodeState {
        match &self.source {
            CodeSource::Cargo(package) => match &*package.status() {
                BuildStatus::Pending => CodeState::Pending,
                BuildStatus::Built(_) => CodeState::Active,
                BuildStatus::Failed(reason) => CodeState::Failed(reason.clone()),
            },
            _ => CodeState::Active,
        }
    }

    /// Starts a cargo package's build in the background, unless it is built, failed, or
    /// already building (or no tokio runtime runs).
    pub fn start_build(&self) {
        let CodeSource::Cargo(cargo) = &self.source else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if *cargo.status() != BuildStatus::Pending || cargo.building.try_lock().is_err() {
            return;
        }
        let cargo = Arc::clone(cargo);
        // Ends when cargo does; the outcome is kept in the package's status (and logged).
        runtime.spawn(async move {
            let _ = cargo.executable().await;
        });
    }

    /// The executable to start and the task root it runs in, building a cargo package
    /// first if it has not been built yet.
    pub async fn entrypoint(&self) -> Result<(PathBuf, PathBuf), String> {
        let executable = match &self.source {
            CodeSource::Zip { dir, .. } | CodeSource::Directory { dir } => dir.join(BOOTSTRAP),
            CodeSource::Local { executable, .. } => executable.clone(),
            CodeSource::Cargo(package) => package.executable().await?,
        };
        let root = match &self.source {
            CodeSource::Zip { dir, .. } | CodeSource::Directory { dir } => dir.clone(),
            _ => executable
                .parent()
                .map(Path::to_owned)
                .unwrap_or_else(|| PathBuf::from("/")),
        };
        Ok((executable, root))
    }
}

/// The package name in a cargo package id: `path+file:///w/dir#name@0.1.0`,
/// `path+file:///w/name#0.1.0`, or the older `name 0.1.0 (path+file:///w/name)`.
fn package_name_of(id: &str) -> &str {
    match id.split_once('#') {
        Some((_, fragment)) if fragment.contains('@') => fragment.split('@').next().unwrap_or(""),
        Some((url, _)) => url.rsplit('/').next().unwrap_or(""),
        None => id.split(' ').next().unwrap_or(""),
    }
}

/// The process group of a running build, killed when the build is dropped unfinished.
struct BuildGroup(Option<u32>);

impl Drop for BuildGroup {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            super::lifeline::kill_group(pid);
        }
    }
}

impl CargoPackage {
    fn status(&self) -> std::sync::MutexGuard<'_, BuildStatus> {
        self.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The built executable: builds the package if no build has finished yet (one build
    /// at a time); a failed build stays failed.
    pub async fn executable(&self) -> Result<PathBuf, String> {
        let _building = self.building.lock().await;
        match &*self.status() {
            BuildStatus::Built(path) => return Ok(path.clone()),
            BuildStatus::Failed(reason) => return Err(reason.clone()),
            BuildStatus::Pending => {}
        }
        let started = std::time::Instant::now();
        let outcome = self.build().await;
        let seconds = started.elapsed().as_secs_f64();
        if let Ok(path) = &outcome {
            // CodeSize and CodeSha256 of the package it now is (before it reads as built).
            let contents = Contents::Executable(path.clone());
            if let Ok(Ok(digest)) =
                tokio::task::spawn_blocking(move || archive::digest(&contents)).await
            {
                let _ = self.digest.set(digest);
            }
        }
        *self.status() = match &outcome {
            Ok(path) => {
                tracing::info!(
                    package = %self.package,
                    executable = %path.display(),
                    "function built in {seconds:.1} s: its state is now Active"
                );
                BuildStatus::Built(path.clone())
            }
            Err(reason) => {
                tracing::warn!(
                    package = %self.package,
                    "function build failed after {seconds:.1} s: its state is now Failed: {reason}"
                );
                BuildStatus::Failed(reason.clone())
            }
        };
        outcome
    }

    /// The `cargo build` arguments.
    pub fn arguments(&self) -> Vec<String> {
        let mut args = vec![
            "build".to_owned(),
            "--message-format=json-render-diagnostics".to_owned(),
            "-p".to_owned(),
            self.package.clone(),
        ];
        if let Some(bin) = &self.bin {
            args.push("--bin".to_owned());
            args.push(bin.clone());
        }
        if self.release {
            args.push("--release".to_owned());
        }
        args
    }

    async fn build(&self) -> Result<PathBuf, String> {
        use tokio::io::AsyncBufReadExt;
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let args = self.arguments();
        tracing::info!(
            package = %self.package,
            directory = %self.directory.display(),
            "building the function (its state is Pending until the build ends; cargo's progress follows): cargo {}",
            args.join(" ")
        );
        let mut command = tokio::process::Command::new(&cargo);
        command
            .args(&args)
            .current_dir(&self.directory)
            .env_remove("CARGO_MAKEFLAGS")
            .env_remove("MAKEFLAGS")
            .env_remove("MFLAGS")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        // Cargo and the compilers it starts form one process group, killed as a whole if
        // the build is abandoned (the emulator stops while it runs).
        #[cfg(unix)]
        command.process_group(0);
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run cargo ({}): {e}", cargo.to_string_lossy()))?;
        let mut group = BuildGroup(child.id());
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let package = self.package.clone();
        let stderr_task = tokio::spawn(async move {
            let Some(stderr) = stderr else { return };
            let mut lines = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::info!(target: "emulator::lambda::build", package = %package, "{line}");
            }
        });
        // Only the messages of artifacts with an executable are kept: a package's build
        // reports every dependency (hundreds of lines), and what is kept stays in the
        // emulator's heap.
        let mut messages = Vec::new();
        if let Some(stdout) = stdout {
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains("\"executable\":\"") {
                    messages.push(line);
                }
            }
        }
        let status = child
            .wait()
            .await
            .map_err(|e| format!("cargo did not finish: {e}"))?;
        // Finished: nothing is left to kill (and the id may be reused).
        group.0 = None;
        let _ = stderr_task.await;
        if !status.success() {
            return Err(format!(
                "cargo build -p {} failed ({status}); see the emulator's log for cargo's output",
                self.package
            ));
        }
        self.pick_executable(&messages)
    }

    /// The executable among cargo's JSON messages: the package's binary named as asked
    /// (or its only binary, or the one named after the package or `bootstrap`).
    pub fn pick_executable(&self, messages: &[String]) -> Result<PathBuf, String> {
        let mut binaries: Vec<(String, PathBuf)> = Vec::new();
        for line in messages {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if message["reason"] != "compiler-artifact" {
                continue;
            }
            let is_bin = message["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "bin"));
            let package_id = message["package_id"].as_str().unwrap_or("");
            let of_package = package_name_of(package_id) == self.package;
            if let (true, true, Some(exe), Some(name)) = (
                is_bin,
                of_package,
                message["executable"].as_str(),
                message["target"]["name"].as_str(),
            ) {
                binaries.push((name.to_owned(), PathBuf::from(exe)));
            }
        }
        let wanted = |name: &str| match &self.bin {
            Some(bin) => name == bin,
            None => true,
        };
        let candidates: Vec<&(String, PathBuf)> =
            binaries.iter().filter(|(n, _)| wanted(n)).collect();
        match candidates.as_slice() {
            [] => Err(format!(
                "cargo built no binary of package {}{}",
                self.package,
                self.bin
                    .as_ref()
                    .map(|b| format!(" named {b}"))
                    .unwrap_or_default()
            )),
            [(_, path)] => Ok(path.clone()),
            several => several
                .iter()
                .find(|(n, _)| *n == self.package || n == BOOTSTRAP)
                .map(|(_, p)| p.clone())
                .ok_or_else(|| {
                    format!(
                        "package {} has several binaries ({}); name one with `bin`",
                        self.package,
                        several
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zip::write::SimpleFileOptions;

    fn zip_of(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, content, mode) in entries {
            writer
                .start_file(*name, SimpleFileOptions::default().unix_permissions(*mode))
                .unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_package_with_bootstrap_unpacks_keeping_modes_and_is_removed_when_dropped() {
        let workdir = Arc::new(WorkDir::create().unwrap());
        let bytes = zip_of(&[
            ("bootstrap", b"#!/bin/sh\n", 0o755),
            ("data/config.json", b"{}", 0o644),
        ]);
        let package = unpack_zip(&workdir, &bytes).unwrap();
        let CodeSource::Zip { dir, archive, .. } = &package.source else {
            panic!("not a zip package");
        };
        let (dir, archive) = (dir.clone(), archive.clone());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("bootstrap"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(std::fs::read(dir.join("data/config.json")).unwrap(), b"{}");
        assert_eq!(package.size(), bytes.len() as u64);
        assert_eq!(package.sha256(), sha256_base64(&bytes));
        assert!(archive.exists());
        drop(package);
        assert!(!dir.exists());
        assert!(!archive.exists());
        let root = workdir.path.clone();
        drop(workdir);
        assert!(!root.exists());
    }

    #[test]
    fn work_directories_of_gone_processes_are_removed() {
        let stale = std::env::temp_dir().join(format!("{WORKDIR_PREFIX}{}-deadbeef", u32::MAX - 7));
        std::fs::create_dir_all(stale.join("inner")).unwrap();
        let live = WorkDir::create().unwrap();
        assert!(!stale.exists());
        assert!(live.path.exists());
    }

    #[test]
    fn bad_archives_and_missing_bootstrap_are_invalid_parameters() {
        let workdir = Arc::new(WorkDir::create().unwrap());
        let err = unpack_zip(&workdir, b"not a zip at all").unwrap_err();
        assert_eq!(err, invalid(UNZIP_FAILED));
        let err = unpack_zip(&workdir, &zip_of(&[("main", b"x", 0o755)])).unwrap_err();
        assert!(matches!(err, LambdaError::InvalidParameterValue(_)));
        assert!(err.to_string().contains("bootstrap"), "{err}");
        let nested = zip_of(&[("dir/bootstrap", b"x", 0o755)]);
        assert!(unpack_zip(&workdir, &nested).is_err());
        // Nothing is left behind by refused packages.
        assert_eq!(std::fs::read_dir(&workdir.path).unwrap().count(), 0);
    }

    #[test]
    fn entries_escaping_the_package_are_refused() {
        let workdir = Arc::new(WorkDir::create().unwrap());
        let evil = zip_of(&[("bootstrap", b"x", 0o755), ("../escape", b"x", 0o644)]);
        let err = unpack_zip(&workdir, &evil).unwrap_err();
        assert!(err.to_string().contains("outside"), "{err}");
        assert!(!workdir.path.parent().unwrap().join("escape").exists());
    }

    /// An entry of a hand-made archive: a file (name, content, mode) or a link.
    enum Entry<'a> {
        File(&'a str, &'a [u8], u32),
        Link(&'a str, &'a str),
    }

    fn archive_of(entries: &[Entry<'_>]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for entry in entries {
            match entry {
                Entry::File(name, content, mode) => {
                    writer
                        .start_file(*name, SimpleFileOptions::default().unix_permissions(*mode))
                        .unwrap();
                    writer.write_all(content).unwrap();
                }
                Entry::Link(name, target) => writer
                    .add_symlink(*name, *target, SimpleFileOptions::default())
                    .unwrap(),
            }
        }
        writer.finish().unwrap().into_inner()
    }

    /// Unpacks `entries` (after a `bootstrap`), expecting a refusal in Lambda's words.
    fn refused(workdir: &Arc<WorkDir>, entries: &[Entry<'_>]) -> String {
        let mut all = vec![Entry::File("bootstrap", b"#!/bin/sh\n", 0o755)];
        all.extend(entries.iter().map(|e| match e {
            Entry::File(n, c, m) => Entry::File(n, c, *m),
            Entry::Link(n, t) => Entry::Link(n, t),
        }));
        let err = unpack_zip(workdir, &archive_of(&all)).unwrap_err();
        assert!(
            matches!(&err, LambdaError::InvalidParameterValue(m) if m.starts_with(UNZIP_FAILED)),
            "{err:?}"
        );
        // Nothing of a refused package is left.
        assert_eq!(
            std::fs::read_dir(&workdir.path).unwrap().count(),
            usize::from(workdir.path.join("victim").exists()),
        );
        err.to_string()
    }

    #[test]
    fn a_chain_of_links_cannot_carry_a_file_out_of_the_package() {
        let workdir = Arc::new(WorkDir::create().unwrap());
        // `b` is `a/..`, and `a` is the package itself: `b` is the package's parent.
        let message = refused(
            &workdir,
            &[
                Entry::Link("a", "."),
                Entry::Link("b", "a/.."),
                Entry::File("b/x.txt", b"escaped", 0o644),
            ],
        );
        assert!(message.contains("passes through a link"), "{message}");
        assert!(!workdir.path.join("x.txt").exists());
        // The links alone are refused too: they lead outside the package.
        let message = refused(&workdir, &[Entry::Link("a", "."), Entry::Link("b", "a/..")]);
        assert!(message.contains("\"b\" points outside"), "{message}");
    }

    #[test]
    fn a_longer_chain_towards_the_root_writes_nothing() {
        let workdir = Arc::new(WorkDir::create().unwrap());
        // One link per level from the package directory up to `/`.
        let depth = workdir.path.components().count();
        let names: Vec<String> = (0..=depth).map(|i| format!("l{i}")).collect();
        let targets: Vec<String> = (0..=depth)
            .map(|i| {
                if i == 0 {
                    ".".to_owned()
                } else {
                    format!("l{}/..", i - 1)
                }
            })
            .collect();
        let temp = std::env::temp_dir();
        let relative = temp.strip_prefix("/").unwrap();
        let escaped = format!("escaped-{}", uuid::Uuid::new_v4().simple());
        let file = format!("{}/{}/{escaped}", names[depth], relative.display());
        let mut entries: Vec<Entry<'_>> = names
            .iter()
            .zip(&targets)
            .map(|(n, t)| Entry::Link(n, t))
            .collect();
        entries.push(Entry::File(&file, b"escaped", 0o644));
        refused(&workdir, &entries);
        assert!(!temp.join(&escaped).exists());
    }

    #[test]
    fn nothing_is_written_or_chmodded_through_a_link() {
        let workdir = Arc::new(WorkDir::create().unwrap());
        use std::os::unix::fs::PermissionsExt;
        let victim = workdir.path.join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        // `c` leads to the package's parent's `victim`; then a file named `c`, mode 777
        // (spelt `./c`: zip writers refuse the same name twice, unzip does not care).
        refused(
            &workdir,
            &[
                Entry::Link("a", "."),
                Entry::Link("b", "a/.."),
                Entry::Link("c", "b/victim"),
                Entry::File("./c", b"owned", 0o777),
            ],
        );
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        let mode = std::fs::metadata(&victim).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A file after a link of the same name is refused even when the link stays inside.
        let message = refused(
            &workdir,
            &[
                Entry::File("data", b"d", 0o644),
                Entry::Link("l", "data"),
                Entry::File("./l", b"x", 0o644),
            ],
        );
        assert!(message.contains("more than once"), "{message}");
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    }

    #[test]
    fn absolute_parent_and_duplicate_entries_are_refused() {
        let workdir = Arc::new(WorkDir::create().unwrap());
        let absolute = std::env::temp_dir().join(format!("abs-{}", uuid::Uuid::new_v4().simple()));
        let absolute_name = absolute.display().to_string();
        for name in [
            absolute_name.as_str(),
            "../x",
            "a/../../x",
            "C:/x",
            "\\\\host\\x",
        ] {
            let message = refused(&workdir, &[Entry::File(name, b"x", 0o644)]);
            assert!(message.contains("outside the package"), "{name}: {message}");
        }
        assert!(!absolute.exists());
        for target in ["/etc", "/"] {
            let message = refused(&workdir, &[Entry::Link("l", target)]);
            assert!(message.contains("points outside"), "{message}");
        }
        let message = refused(&workdir, &[Entry::File("./bootstrap", b"second", 0o755)]);
        assert!(message.contains("more than once"), "{message}");
        // Links that loop are refused rather than followed for ever.
        refused(&workdir, &[Entry::Link("x", "y"), Entry::Link("y", "x/z")]);
    }

    #[test]
    fn links_inside_the_package_are_kept() {
        let workdir = Arc::new(WorkDir::create().unwrap());
        let bytes = archive_of(&[
            Entry::File("bin/real", b"#!/bin/sh\n", 0o755),
            Entry::Link("bootstrap", "bin/real"),
            Entry::File("lib/libf.so.1", b"elf", 0o644),
            Entry::Link("lib/libf.so", "libf.so.1"),
            Entry::Link("lib/self", "../lib/./libf.so"),
            Entry::Link("current", "lib"),
            Entry::Link("dangling", "not/yet/there"),
        ]);
        let package = unpack_zip(&workdir, &bytes).unwrap();
        let CodeSource::Zip { dir, .. } = &package.source else {
            panic!("not a zip package");
        };
        assert_eq!(std::fs::read(dir.join("current/self")).unwrap(), b"elf");
        assert_eq!(
            std::fs::read(dir.join("bootstrap")).unwrap(),
            b"#!/bin/sh\n"
        );
    }

    #[test]
    fn local_paths_must_be_absolute_executables() {
        let workdir = Arc::new(WorkDir::create().unwrap());
        assert!(from_path(&workdir, Path::new("relative/bin")).is_err());
        assert!(from_path(&workdir, Path::new("/nonexistent/bootstrap")).is_err());
        let file = workdir.path.join("tool");
        std::fs::write(&file, b"#!/bin/sh\n").unwrap();
        assert!(from_path(&workdir, &file).is_err());
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        let package = from_path(&workdir, &file).unwrap();
        // The size and hash of the archive holding it as `bootstrap`.
        let archived = archive::bytes(&Contents::Executable(file.clone())).unwrap();
        assert_eq!(package.size(), archived.len() as u64);
        assert_eq!(package.sha256(), sha256_base64(&archived));
        assert_eq!(package.location(), format!("file://{}", file.display()));
    }

    #[test]
    fn code_members_choose_the_source() {
        let zip = base64::engine::general_purpose::STANDARD.encode(b"PK");
        assert_eq!(
            spec_from_request(Some(&zip), None, None, None).unwrap(),
            CodeSpec::Zip(b"PK".to_vec())
        );
        assert_eq!(
            spec_from_request(None, Some(LOCAL_BUCKET), Some("/bin/f"), None).unwrap(),
            CodeSpec::Path(PathBuf::from("/bin/f"))
        );
        assert!(matches!(
            spec_from_request(Some("***"), None, None, None),
            Err(LambdaError::InvalidRequestContent(_))
        ));
        for (bucket, image) in [(Some("real-bucket"), None), (None, Some("repo:tag"))] {
            assert!(matches!(
                spec_from_request(None, bucket, Some("k"), image),
                Err(LambdaError::InvalidParameterValue(_))
            ));
        }
        assert!(spec_from_request(None, None, None, None).is_err());
    }

    #[test]
    fn a_cargo_package_is_pending_until_built_and_failed_for_good_if_its_build_fails() {
        // Made outside a runtime: nothing builds it yet.
        let package = cargo("my-fn", None, Path::new("/w"), false);
        assert_eq!(package.state(), CodeState::Pending);
        let CodeSource::Cargo(cargo) = &package.source else {
            panic!("not a cargo package");
        };
        // A release emulator builds its functions in release, sharing its dependencies.
        assert_eq!(cargo.release, !cfg!(debug_assertions));
        assert_eq!(
            cargo.arguments().contains(&"--release".to_owned()),
            !cfg!(debug_assertions)
        );
        *cargo.status() = BuildStatus::Built(PathBuf::from("/w/target/debug/my-fn"));
        assert_eq!(package.state(), CodeState::Active);
        *cargo.status() = BuildStatus::Failed("cargo build -p my-fn failed".to_owned());
        assert_eq!(
            package.state(),
            CodeState::Failed("cargo build -p my-fn failed".to_owned())
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert_eq!(
            runtime.block_on(cargo.executable()),
            Err("cargo build -p my-fn failed".to_owned()),
            "a failed build is not tried again"
        );
    }

    #[test]
    fn cargo_artifacts_name_the_executable() {
        let package = CargoPackage {
            package: "my-fn".to_owned(),
            bin: None,
            directory: PathBuf::from("/w"),
            release: false,
            building: tokio::sync::Mutex::new(()),
            status: std::sync::Mutex::new(BuildStatus::Pending),
            digest: std::sync::OnceLock::new(),
        };
        assert_eq!(
            package.arguments(),
            [
                "build",
                "--message-format=json-render-diagnostics",
                "-p",
                "my-fn"
            ]
        );
        let messages = vec![
            r#"{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#serde@1.0.0","target":{"kind":["lib"],"name":"serde"},"executable":null}"#.to_owned(),
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/my-fn#0.1.0","target":{"kind":["bin"],"name":"my-fn"},"executable":"/w/target/debug/my-fn"}"#.to_owned(),
            r#"{"reason":"build-finished","success":true}"#.to_owned(),
        ];
        assert_eq!(
            package.pick_executable(&messages).unwrap(),
            PathBuf::from("/w/target/debug/my-fn")
        );
        let older = vec![
            r#"{"reason":"compiler-artifact","package_id":"my-fn 0.1.0 (path+file:///w/my-fn)","target":{"kind":["bin"],"name":"other"},"executable":"/w/target/debug/other"}"#.to_owned(),
        ];
        assert_eq!(
            package.pick_executable(&older).unwrap(),
            PathBuf::from("/w/target/debug/other")
        );
        assert!(package.pick_executable(&[]).is_err());
        assert_eq!(package_name_of("path+file:///w/dir#my-fn@0.1.0"), "my-fn");
        assert_eq!(package_name_of("path+file:///w/my-fn#0.1.0"), "my-fn");
        assert_eq!(package_name_of("path+file:///w/my-fn#other@0.1.0"), "other");
    }
}
