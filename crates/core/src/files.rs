//! Reading the files regionkit is pointed at (configs, run configs, key files, snapshots)
//! with bounds: only regular files, never more than a cap, and never blocking on a FIFO or a
//! device that would make a read wait forever or grow without end.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The largest config or run config read (1 MiB): far beyond any real one.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The largest key or credentials file read (256 KiB).
pub const MAX_KEY_FILE_BYTES: u64 = 256 * 1024;

/// Read a whole regular file of at most `cap` bytes. A FIFO, a device or a directory is an
/// error (`InvalidInput`), and so is a file larger than the cap; nothing blocks on opening.
pub fn read_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = open_nonblocking(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    if metadata.len() > cap {
        return Err(too_large(cap));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(cap));
    }
    Ok(bytes)
}

/// [`read_capped`] as UTF-8 text, a leading byte-order mark dropped.
pub fn read_text_capped(path: &Path, cap: u64) -> io::Result<String> {
    let bytes = read_capped(path, cap)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

fn too_large(cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("larger than the {cap}-byte limit"),
    )
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Opening a FIFO for reading waits for a writer unless non-blocking; the type check
    // after opening then refuses it.
    File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_under_the_cap_reads_whole_without_its_bom() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.yml");
        std::fs::write(&path, "\u{feff}backends: []\n").unwrap();
        assert_eq!(read_text_capped(&path, 100).unwrap(), "backends: []\n");
    }

    #[test]
    fn a_file_over_the_cap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b'a'; 101]).unwrap();
        let error = read_capped(&path, 100).unwrap_err();
        assert!(error.to_string().contains("100-byte limit"), "{error}");
    }

    #[test]
    fn a_directory_or_a_device_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_capped(dir.path(), 100).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        #[cfg(unix)]
        assert_eq!(
            read_capped(Path::new("/dev/zero"), 100).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
        assert_eq!(
            read_capped(&path, 100).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }
}
