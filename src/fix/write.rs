//! Writing fixed files back.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` through a temporary file in the same directory and a rename,
/// keeping the original file's permissions.
///
/// Readers see the old file or the new one, never a partial one: on any error the original is
/// untouched and the temporary file is removed. The owner and group are kept when we are
/// allowed to (root fixing someone's checkout). A symlink is written through, so the link stays
/// and its target changes. A file that did not exist is created with mode 0644.
pub fn write_atomically(path: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let target = resolve_symlink(path)?;
    let original = fs::metadata(&target).ok();
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };

    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(contents.as_ref())?;
    temp.flush()?;
    match &original {
        Some(metadata) => {
            keep_owner(temp.as_file(), metadata);
            // After the owner: changing the owner may clear set-id bits.
            temp.as_file().set_permissions(metadata.permissions())?;
        }
        None => set_new_file_mode(temp.as_file())?,
    }
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|err| err.error)?;
    sync_dir(dir);
    Ok(())
}

fn resolve_symlink(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

#[cfg(unix)]
fn keep_owner(file: &fs::File, original: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let Ok(current) = file.metadata() else { return };
    if (current.uid(), current.gid()) == (original.uid(), original.gid()) {
        return;
    }
    // Only root may give a file away; anyone else ends up owning the fixed file, as with any
    // editor that saves through a rename.
    let _ = std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid()));
}

#[cfg(not(unix))]
fn keep_owner(_: &fs::File, _: &fs::Metadata) {}

#[cfg(unix)]
fn set_new_file_mode(file: &fs::File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // Temporary files are created 0600, which would hide a new manifest from everyone else.
    file.set_permissions(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_new_file_mode(_: &fs::File) -> io::Result<()> {
    Ok(())
}

/// Makes the rename itself durable. Best effort: the file is already complete either way.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::write_atomically;
    use std::fs;

    fn entries(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_contents_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.yaml");
        fs::write(&path, "old: 1\r\n").unwrap();
        write_atomically(&path, "new: 2\r\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new: 2\r\n");
        assert_eq!(entries(dir.path()), ["app.yaml"]);
    }

    /// Root fixing someone else's checkout gives the file back to its owner. (Only root may
    /// change a file's owner, so elsewhere there is nothing to check.)
    #[cfg(unix)]
    #[test]
    fn keeps_the_original_owner_when_root() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("owned.yaml");
        fs::write(&path, "a: 1\n").unwrap();
        if std::os::unix::fs::chown(&path, Some(4242), Some(4343)).is_err() {
            return;
        }
        write_atomically(&path, "a: 2\n").unwrap();
        let meta = fs::metadata(&path).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (4242, 4343));
        assert_eq!(fs::read_to_string(&path).unwrap(), "a: 2\n");
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_original_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o640, 0o755, 0o444] {
            let path = dir.path().join(format!("m{mode:o}.yaml"));
            fs::write(&path, "a: 1\n").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            write_atomically(&path, "a: 2\n").unwrap();
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o7777,
                mode
            );
            assert_eq!(fs::read_to_string(&path).unwrap(), "a: 2\n");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.yaml");
        write_atomically(&path, "a: 1\n").unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.yaml");
        let link = dir.path().join("link.yaml");
        fs::write(&target, "a: 1\n").unwrap();
        std::os::unix::fs::symlink("real.yaml", &link).unwrap();
        write_atomically(&link, "a: 2\n").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "a: 2\n");
    }

    #[test]
    fn a_failed_rename_leaves_the_original_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("inner.yaml"), "keep").unwrap();
        // A directory cannot be replaced by a file.
        assert!(write_atomically(&target, "x").is_err());
        assert_eq!(entries(dir.path()), ["sub"]);
        assert_eq!(
            fs::read_to_string(target.join("inner.yaml")).unwrap(),
            "keep"
        );
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write_atomically(&dir.path().join("no/such/app.yaml"), "x").is_err());
        assert_eq!(entries(dir.path()), Vec::<String>::new());
    }
}
