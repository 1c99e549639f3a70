//! Local code as the deployment package Lambda would hold: a zip archive of a local
//! executable (as `bootstrap`), or of a local directory (the task root), written the same
//! way every time (entries in name order, stored uncompressed, fixed timestamps, the
//! files' permission bits), so that the `CodeSize` and `CodeSha256` computed once match
//! every later download of it (GetFunction's `Code.Location`) while the files are
//! unchanged. Computing them streams the archive through a hash: nothing is written.

use sha2::{Digest as _, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The largest unzipped package Lambda accepts.
pub const MAX_UNZIPPED_BYTES: u64 = 262_144_000;
/// The name of the executable an OS-only runtime starts.
pub const BOOTSTRAP: &str = "bootstrap";
/// The most entries a package may hold. Lambda documents no such limit; this stated bound
/// keeps a package of millions of empty entries from exhausting the disk's inodes.
pub const MAX_ENTRIES: usize = 100_000;
/// What a local package holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contents {
    /// One executable, which the archive names `bootstrap` (as an OS-only runtime's
    /// package must).
    Executable(PathBuf),
    /// A directory's files, links and subdirectories, relative to it.
    Directory(PathBuf),
}

/// `CodeSize` and `CodeSha256` (base64) of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub size: u64,
    pub sha256: String,
}

/// A sink that hashes and counts what is written to it.
struct Hashing {
    hasher: Sha256,
    size: u64,
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        self.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One entry of the archive.
enum Entry {
    File {
        name: String,
        path: PathBuf,
        mode: u32,
    },
    Directory {
        name: String,
        mode: u32,
    },
    Link {
        name: String,
        target: String,
    },
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o777
}

#[cfg(not(unix))]
fn mode_of(_meta: &std::fs::Metadata) -> u32 {
    0o644
}

/// The entries of `contents`, in a fixed order, within Lambda's unzipped size limit and
/// the emulator's entry limit (`code::MAX_UNZIPPED_BYTES`, `code::MAX_ENTRIES`).
fn entries(contents: &Contents) -> std::io::Result<Vec<Entry>> {
    match contents {
        Contents::Executable(path) => Ok(vec![Entry::File {
            name: BOOTSTRAP.to_owned(),
            path: path.clone(),
            mode: 0o755,
        }]),
        Contents::Directory(root) => {
            let mut out = Vec::new();
            let mut total = 0u64;
            walk(root, "", &mut out, &mut total)?;
            Ok(out)
        }
    }
}

fn too_large(what: &str) -> std::io::Error {
    std::io::Error::other(format!("the package is too large: {what}"))
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<Entry>, total: &mut u64) -> std::io::Result<()> {
    let mut children: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    children.sort_by_key(|e| e.file_name());
    for child in children {
        if out.len() >= MAX_ENTRIES {
            return Err(too_large("more than 100,000 entries"));
        }
        let name = format!("{prefix}{}", child.file_name().to_string_lossy());
        let meta = std::fs::symlink_metadata(child.path())?;
        if meta.file_type().is_symlink() {
            // Kept as the link it is, as `zip --symlinks` keeps it.
            let target = std::fs::read_link(child.path())?;
            out.push(Entry::Link {
                name,
                target: target.to_string_lossy().into_owned(),
            });
        } else if meta.is_dir() {
            out.push(Entry::Directory {
                name: name.clone(),
                mode: mode_of(&meta),
            });
            walk(&child.path(), &format!("{name}/"), out, total)?;
        } else if meta.is_file() {
            *total += meta.len();
            if *total > MAX_UNZIPPED_BYTES {
                return Err(too_large("more than 262,144,000 bytes unzipped"));
            }
            out.push(Entry::File {
                name,
                path: child.path(),
                mode: mode_of(&meta),
            });
        }
        // Sockets, pipes and devices are no part of a package.
    }
    Ok(())
}

/// Writes the archive of `contents` to `out`.
fn write<W: Write>(contents: &Contents, out: W) -> std::io::Result<W> {
    let entries = entries(contents)?;
    let mut zip = zip::ZipWriter::new_stream(out);
    let options = |mode: u32| {
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(mode)
    };
    for entry in entries {
        match entry {
            Entry::File { name, path, mode } => {
                zip.start_file(name, options(mode))
                    .map_err(std::io::Error::other)?;
                let mut file = std::fs::File::open(&path)?;
                std::io::copy(&mut file, &mut zip)?;
            }
            Entry::Directory { name, mode } => {
                zip.add_directory(name, options(mode))
                    .map_err(std::io::Error::other)?;
            }
            Entry::Link { name, target } => {
                zip.add_symlink(name, target, options(0o777))
                    .map_err(std::io::Error::other)?;
            }
        }
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// `CodeSize` and `CodeSha256` of the archive of `contents` (blocking: reads the files).
pub fn digest(contents: &Contents) -> std::io::Result<Digest> {
    use base64::Engine;
    let sink = write(
        contents,
        Hashing {
            hasher: Sha256::new(),
            size: 0,
        },
    )?;
    Ok(Digest {
        size: sink.size,
        sha256: base64::engine::general_purpose::STANDARD.encode(sink.hasher.finalize()),
    })
}

/// The archive of `contents` (blocking: reads the files).
pub fn bytes(contents: &Contents) -> std::io::Result<Vec<u8>> {
    write(contents, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_archive_is_the_same_every_time_and_its_digest_is_of_its_bytes() {
        let dir = std::env::temp_dir().join(format!("archive-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("pkg/lib")).unwrap();
        std::fs::write(dir.join("pkg/app.py"), "def handler(e, c):\n    return 1\n").unwrap();
        std::fs::write(dir.join("pkg/lib/util.py"), "X = 1\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("app.py", dir.join("pkg/alias.py")).unwrap();
        let contents = Contents::Directory(dir.join("pkg"));
        let first = bytes(&contents).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(bytes(&contents).unwrap(), first);
        let digest = digest(&contents).unwrap();
        assert_eq!(digest.size, first.len() as u64);
        use base64::Engine;
        assert_eq!(
            digest.sha256,
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&first))
        );
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(first)).unwrap();
        let mut text = String::new();
        archive
            .by_name("lib/util.py")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "X = 1\n");
        assert!(archive.by_name("alias.py").unwrap().is_symlink());
        // An executable becomes `bootstrap`, executable.
        let exe = Contents::Executable(dir.join("pkg/app.py"));
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes(&exe).unwrap())).unwrap();
        assert_eq!(archive.len(), 1);
        let entry = archive.by_name("bootstrap").unwrap();
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        drop(entry);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
