//! The cache directory of downloaded CRLs: each URL source's last accepted body and its validator,
//! written atomically (temporary file, then rename) so a crash never leaves a half-written CRL.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::fetch::Validator;

#[derive(Debug, Clone)]
pub struct CacheDir {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    /// The redacted URL, for a person reading the directory; many URLs share one redacted form.
    url: String,
    /// SHA-256 (hex) of the full URL: what a metadata file is matched on. Files written before
    /// it existed have none, so their validator is dropped and the next request is unconditional.
    #[serde(default)]
    url_sha256: String,
    #[serde(flatten)]
    validator: Validator,
    saved_at: String,
}

impl CacheDir {
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(CacheDir {
            dir: dir.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn stem(url: &str) -> String {
        hex::encode(&Sha256::digest(url.as_bytes())[..16])
    }

    fn url_sha256(url: &str) -> String {
        hex::encode(Sha256::digest(url.as_bytes()))
    }

    fn body_path(&self, url: &str) -> PathBuf {
        self.dir.join(format!("{}.crl", Self::stem(url)))
    }

    fn meta_path(&self, url: &str) -> PathBuf {
        self.dir.join(format!("{}.json", Self::stem(url)))
    }

    /// The cached body of `url` and its validator, if any.
    pub fn load(&self, url: &str, max_bytes: u64) -> Option<(Vec<u8>, Validator)> {
        let body_path = self.body_path(url);
        let body = super::read_capped(&body_path, max_bytes).ok()??;
        let validator = std::fs::read(self.meta_path(url))
            .ok()
            .and_then(|m| serde_json::from_slice::<Meta>(&m).ok())
            .filter(|m| m.url_sha256 == Self::url_sha256(url))
            .map(|m| m.validator)
            .unwrap_or_default();
        Some((body, validator))
    }

    pub fn store(&self, url: &str, body: &[u8], validator: &Validator) -> std::io::Result<()> {
        write_atomic(&self.body_path(url), body)?;
        let meta = Meta {
            // Credentials and query values in a URL are not written to disk.
            url: crate::url::redact(url),
            url_sha256: Self::url_sha256(url),
            validator: validator.clone(),
            saved_at: qoltanba_core::rfc3339(time::OffsetDateTime::now_utc()),
        };
        let json = serde_json::to_vec_pretty(&meta).map_err(std::io::Error::other)?;
        write_atomic(&self.meta_path(url), &json)
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    } else if let Some(dir) = path.parent() {
        // Make the rename durable; not every platform can open a directory, so best effort.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_no_temporary_left() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CacheDir::open(&dir.path().join("sub")).unwrap();
        let v = Validator {
            etag: Some("\"abc\"".into()),
            last_modified: None,
        };
        assert!(cache.load("http://x/y.crl", 100).is_none());
        cache.store("http://x/y.crl", b"0123", &v).unwrap();
        cache.store("http://x/y.crl", b"4567", &v).unwrap();
        let (body, got) = cache.load("http://x/y.crl", 100).unwrap();
        assert_eq!(body, b"4567");
        assert_eq!(got, v);
        assert!(
            cache.load("http://x/y.crl", 2).is_none(),
            "over the size limit"
        );
        let names: Vec<_> = std::fs::read_dir(cache.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.iter().all(|n| !n.contains("tmp")), "{names:?}");
    }

    fn etag(tag: &str) -> Validator {
        Validator {
            etag: Some(format!("\"{tag}\"")),
            last_modified: None,
        }
    }

    fn file_texts(cache: &CacheDir, ext: &str) -> Vec<String> {
        std::fs::read_dir(cache.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
            .collect()
    }

    #[test]
    fn urls_that_differ_only_in_query_values_do_not_share_an_entry() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CacheDir::open(dir.path()).unwrap();
        let (a, b) = (
            "https://u:pw@crl.example/get?ca=1&token=s3cret-a#frag",
            "https://u:pw@crl.example/get?ca=2&token=s3cret-b#frag",
        );
        assert_eq!(crate::url::redact(a), crate::url::redact(b));
        cache.store(a, b"body-a", &etag("a")).unwrap();
        cache.store(b, b"body-b", &etag("b")).unwrap();
        assert_eq!(cache.load(a, 100).unwrap(), (b"body-a".to_vec(), etag("a")));
        assert_eq!(cache.load(b, 100).unwrap(), (b"body-b".to_vec(), etag("b")));

        let metas = file_texts(&cache, "json");
        assert_eq!(metas.len(), 2, "{metas:?}");
        for meta in &metas {
            for secret in ["s3cret", "pw", "frag", "ca=1", "ca=2"] {
                assert!(!meta.contains(secret), "{secret} written to disk: {meta}");
            }
            assert!(
                meta.contains("https://crl.example/get?ca=…&token=…"),
                "{meta}"
            );
        }
    }

    #[test]
    fn a_metadata_file_of_another_url_gives_no_validator() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CacheDir::open(dir.path()).unwrap();
        let (a, b) = (
            "https://crl.example/get?token=a",
            "https://crl.example/get?token=b",
        );
        cache.store(a, b"body-a", &etag("a")).unwrap();
        cache.store(b, b"body-b", &etag("b")).unwrap();
        // b's metadata copied over a's: same redacted URL, another full URL.
        std::fs::copy(cache.meta_path(b), cache.meta_path(a)).unwrap();
        assert_eq!(
            cache.load(a, 100).unwrap(),
            (b"body-a".to_vec(), Validator::default())
        );
        // A file written before the hash was stored has none: the body stays, the validator goes.
        let old = serde_json::json!({"url": "https://crl.example/get?token=…", "etag": "\"b\"", "saved_at": "2026-01-01T00:00:00Z"});
        std::fs::write(cache.meta_path(b), old.to_string()).unwrap();
        assert_eq!(
            cache.load(b, 100).unwrap(),
            (b"body-b".to_vec(), Validator::default())
        );
    }
}
