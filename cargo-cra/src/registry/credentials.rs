//! Registry credentials, found where users already keep them: given on the command line, else
//! the `auths` of containers' `auth.json` (`REGISTRY_AUTH_FILE`, as skopeo and podman read it)
//! or of docker's `config.json` (`$DOCKER_CONFIG`, else `~/.docker`), whose `credHelpers` (per
//! host) and `credsStore` (default) name a `docker-credential-<name>` helper to ask, as docker
//! does (`get`, the host on standard input, `{"Username","Secret"}` back). Never printed.

use base64::Engine as _;
use std::path::{Path, PathBuf};

/// A user name and password (or token) for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    password: zeroize::Zeroizing<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Why the credentials could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// A credential helper failed.
    #[error("docker-credential-{helper}: {message}")]
    Helper {
        /// The helper's name.
        helper: String,
        /// What went wrong (never its answer).
        message: String,
    },
    /// A credentials file is unusable.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong (never its secrets).
        message: String,
    },
}

impl Credentials {
    /// `username` with `password`.
    pub fn new(username: String, password: String) -> Credentials {
        Credentials {
            username,
            password: zeroize::Zeroizing::new(password),
        }
    }

    /// The `Authorization` header of HTTP Basic authentication.
    pub(crate) fn basic(&self) -> String {
        let pair = format!("{}:{}", self.username, *self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }

    /// The stored credentials for `host`, from `REGISTRY_AUTH_FILE`, else docker's
    /// configuration (`$DOCKER_CONFIG`, else `~/.docker`).
    pub fn stored_from_env(host: &str) -> Result<Option<Credentials>, CredentialsError> {
        let auth_file = std::env::var_os("REGISTRY_AUTH_FILE").map(PathBuf::from);
        let docker = std::env::var_os("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| home::home_dir().map(|h| h.join(".docker")));
        Credentials::stored(host, auth_file.as_deref(), docker.as_deref())
    }

    /// The stored credentials for `host`: `auth_file` (`REGISTRY_AUTH_FILE`), else docker's
    /// `config.json` in `docker_config` (`$DOCKER_CONFIG`, else `~/.docker`); `None` when
    /// neither names the host.
    pub fn stored(
        host: &str,
        auth_file: Option<&Path>,
        docker_config: Option<&Path>,
    ) -> Result<Option<Credentials>, CredentialsError> {
        let files = auth_file
            .map(Path::to_path_buf)
            .into_iter()
            .chain(docker_config.map(|d| d.join("config.json")));
        for file in files {
            if !file.exists() {
                continue;
            }
            let json = read_json(&file)?;
            if let Some(c) = from_auths(&file, &json, host)? {
                return Ok(Some(c));
            }
            if let Some(helper) = helper_for(&file, &json, host)? {
                return from_helper(&helper, host);
            }
        }
        Ok(None)
    }
}

/// The `auths` entry for `host` in the JSON file `path` (`{"auths": {"HOST": {"auth":
/// base64("user:password")}}}`, or `username`/`password` fields).
fn from_auths(
    path: &Path,
    json: &serde_json::Value,
    host: &str,
) -> Result<Option<Credentials>, CredentialsError> {
    let bad = |message: &str| CredentialsError::File {
        path: path.to_path_buf(),
        message: message.into(),
    };
    let auths = &json["auths"];
    let entry = [
        host.to_string(),
        format!("https://{host}"),
        format!("http://{host}"),
    ]
    .iter()
    .find_map(|k| auths.get(k.as_str()))
    .cloned();
    let Some(entry) = entry else {
        return Ok(None);
    };
    if let (Some(u), Some(p)) = (entry["username"].as_str(), entry["password"].as_str()) {
        return Ok(Some(Credentials::new(u.into(), p.into())));
    }
    let Some(auth) = entry["auth"].as_str() else {
        return Ok(None);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth)
        .map_err(|_| bad(&format!("the auth for {host} is not base64")))?;
    let decoded = zeroize::Zeroizing::new(
        String::from_utf8(decoded).map_err(|_| bad(&format!("the auth for {host} is not text")))?,
    );
    let (u, p) = decoded
        .split_once(':')
        .ok_or_else(|| bad(&format!("the auth for {host} is not user:password")))?;
    Ok(Some(Credentials::new(u.into(), p.into())))
}

/// A credentials file, read (bounded) and parsed once.
fn read_json(path: &Path) -> Result<serde_json::Value, CredentialsError> {
    let bad = |message: String| CredentialsError::File {
        path: path.to_path_buf(),
        message,
    };
    let text = cra_model::input::read_limited(path, 1 << 20, "credentials file")
        .map_err(|e| bad(e.to_string()))?;
    serde_json::from_slice(&text).map_err(|_| bad("not JSON".into()))
}

/// The credential helper docker's `config.json` at `path` names for `host`: its
/// `credHelpers` entry, else its `credsStore`.
fn helper_for(
    path: &Path,
    json: &serde_json::Value,
    host: &str,
) -> Result<Option<String>, CredentialsError> {
    let bad = |message: &str| CredentialsError::File {
        path: path.to_path_buf(),
        message: message.into(),
    };
    let helper = json["credHelpers"][host]
        .as_str()
        .or_else(|| json["credsStore"].as_str())
        .map(str::to_string);
    match helper {
        Some(h)
            if !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) =>
        {
            Ok(Some(h))
        }
        Some(_) => Err(bad(
            "a credential helper name other than letters, digits, '-', '_', '.'",
        )),
        None => Ok(None),
    }
}

/// Asks `docker-credential-<helper> get` for `host`'s credentials; `None` when it has none.
fn from_helper(helper: &str, host: &str) -> Result<Option<Credentials>, CredentialsError> {
    use std::io::Write as _;
    let fail = |message: String| CredentialsError::Helper {
        helper: helper.into(),
        message,
    };
    let mut child = std::process::Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| fail(format!("cannot run it: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(host.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| fail(format!("cannot run it: {e}")))?;
    if !out.status.success() {
        // Docker's helpers exit non-zero with "credentials not found" for an unknown host.
        return Ok(None);
    }
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|_| fail("its answer is not JSON".into()))?;
    match (json["Username"].as_str(), json["Secret"].as_str()) {
        (Some(u), Some(s)) => Ok(Some(Credentials::new(u.into(), s.into()))),
        _ => Err(fail("its answer has no Username and Secret".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_and_containers_auth_files_give_the_hosts_credentials_and_debug_hides_them() {
        let dir = tempfile::tempdir().unwrap();
        let docker = dir.path().join("docker");
        std::fs::create_dir(&docker).unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode("ci:s3cret");
        std::fs::write(
            docker.join("config.json"),
            format!(r#"{{"auths":{{"reg.example:5000":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        let c = Credentials::stored("reg.example:5000", None, Some(&docker))
            .unwrap()
            .unwrap();
        assert_eq!(c.username, "ci");
        assert_eq!(c.basic(), format!("Basic {auth}"));
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(
            Credentials::stored("other.example", None, Some(&docker))
                .unwrap()
                .is_none()
        );
        let containers = dir.path().join("auth.json");
        std::fs::write(
            &containers,
            r#"{"auths":{"https://other.example":{"auth":"%%"}}}"#,
        )
        .unwrap();
        let e = Credentials::stored("other.example", Some(&containers), None).unwrap_err();
        assert!(!e.to_string().contains("%%"), "{e}");
    }
}
