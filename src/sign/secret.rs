//! Keystore passwords: named by where they come from (an environment variable or a file), never
//! written in configuration or on the command line, held in memory that is wiped when dropped, and
//! never shown by `Debug`, `Display`, logs or errors.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::KeyError;

/// Largest password file read (a password is a line; anything longer is a mistake).
const MAX_PASSWORD_FILE_BYTES: u64 = 4096;

/// Where a keystore password comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// The value of this environment variable.
    Env(String),
    /// The content of this file, without its final line break.
    File(PathBuf),
}

impl fmt::Debug for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only where the password is, never the password.
        match self {
            PasswordSource::Env(name) => write!(f, "env:{name}"),
            PasswordSource::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

impl fmt::Display for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordSource::Env(name) => write!(f, "environment variable {name}"),
            PasswordSource::File(path) => write!(f, "password file {}", path.display()),
        }
    }
}

impl PasswordSource {
    /// Reads the password. Errors name the source, never its content.
    pub fn read(&self) -> Result<Password, KeyError> {
        let unavailable = |why: String| KeyError::PasswordUnavailable {
            from: self.to_string(),
            why,
        };
        let text: Zeroizing<String> = match self {
            PasswordSource::Env(name) => match std::env::var_os(name) {
                None => return Err(unavailable("it is not set".into())),
                Some(value) => match value.into_string() {
                    Ok(s) => Zeroizing::new(s),
                    Err(not_utf8) => {
                        wipe_os_string(not_utf8);
                        return Err(unavailable("it is not valid UTF-8".into()));
                    }
                },
            },
            PasswordSource::File(path) => read_password_file(path).map_err(unavailable)?,
        };
        let line = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(&text);
        if line.is_empty() {
            return Err(unavailable("it is empty".into()));
        }
        Ok(Password(SecretString::from(line)))
    }
}

fn wipe_os_string(value: std::ffi::OsString) {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        use zeroize::Zeroize;
        value.into_vec().zeroize();
    }
    #[cfg(not(unix))]
    drop(value);
}

fn read_password_file(path: &Path) -> Result<Zeroizing<String>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(64));
    file.take(MAX_PASSWORD_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_PASSWORD_FILE_BYTES {
        return Err(format!(
            "it is over {MAX_PASSWORD_FILE_BYTES} bytes: not a password file"
        ));
    }
    match std::str::from_utf8(&bytes) {
        Ok(s) => Ok(Zeroizing::new(s.to_owned())),
        Err(_) => Err("it is not valid UTF-8".into()),
    }
}

/// A password, wiped from memory when dropped.
pub struct Password(SecretString);

impl Password {
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_password_loses_only_its_line_break() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        std::fs::write(&path, " pass word \r\n").unwrap();
        let p = PasswordSource::File(path.clone()).read().unwrap();
        assert_eq!(p.expose(), " pass word ");
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
        std::fs::write(&path, "\n").unwrap();
        let e = PasswordSource::File(path).read().unwrap_err();
        assert_eq!(e.code(), "password_unavailable");
    }

    #[test]
    fn missing_sources_are_named_not_echoed() {
        let e = PasswordSource::Env("QOLTANBA_TEST_SURELY_UNSET_VARIABLE".into())
            .read()
            .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("QOLTANBA_TEST_SURELY_UNSET_VARIABLE"),
            "{text}"
        );
        assert!(text.contains("not set"), "{text}");
        let e = PasswordSource::File("/nonexistent/qoltanba/password".into())
            .read()
            .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/qoltanba/password"));
    }
}
