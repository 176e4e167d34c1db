//! Key files: a secret key as hex text (`0x`-prefix optional), one per file.

use std::path::Path;

use crate::SecretKey;

/// Errors reading or writing a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file could not be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file's content is not 64 hex digits.
    #[error(
        "key file {path}: {reason}; expected 64 hex digits (32 bytes), optionally prefixed by 0x"
    )]
    Format {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Read a secret key from a hex key file. Whether the key is valid for a suite is checked
/// by [`crate::KeyPair::from_secret`].
pub fn load_secret_key(path: &Path) -> Result<SecretKey, KeyFileError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| KeyFileError::Io {
        path: shown.clone(),
        source,
    })?;
    parse_secret_hex(text.trim()).map_err(|reason| KeyFileError::Format {
        path: shown,
        reason,
    })
}

/// Write `key` as hex to `path`, readable by its owner only (on Unix).
pub fn save_secret_key(path: &Path, key: &SecretKey) -> Result<(), KeyFileError> {
    let shown = path.display().to_string();
    let io = |source| KeyFileError::Io {
        path: shown.clone(),
        source,
    };
    let text = format!("0x{}\n", hex::encode(key.as_bytes()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

fn parse_secret_hex(text: &str) -> Result<SecretKey, String> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.len() != 64 {
        return Err(format!("found {} characters", digits.len()));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(digits, &mut out).map_err(|e| format!("not hex: {e}"))?;
    Ok(SecretKey::from_bytes(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_load_round_trips() {
        let dir = std::env::temp_dir().join(format!("weft-keyfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let path = dir.join("key.hex");
        let key = SecretKey::from_bytes([0x2a; 32]);
        save_secret_key(&path, &key).expect("save");
        assert_eq!(load_secret_key(&path).expect("load"), key);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn malformed_key_files_say_what_is_wrong() {
        assert!(parse_secret_hex("0x1234")
            .unwrap_err()
            .contains("found 4 characters"));
        assert!(parse_secret_hex(&"zz".repeat(32))
            .unwrap_err()
            .contains("not hex"));
        assert!(parse_secret_hex(&"ab".repeat(32)).is_ok());
        let missing = load_secret_key(Path::new("/nonexistent/weft.key")).unwrap_err();
        assert!(missing.to_string().contains("/nonexistent/weft.key"));
    }
}
