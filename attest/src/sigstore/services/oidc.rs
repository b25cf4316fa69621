//! OIDC identity tokens for keyless signing: from the command line, `SIGSTORE_ID_TOKEN`, or
//! GitHub Actions' ambient credentials. The token is not verified here (Fulcio does that); only
//! its claims are read, to choose the subject the proof of possession signs.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::Deserialize;

/// Why no usable token could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No source provided one.
    #[error(
        "no OIDC identity token: pass --identity-token, set SIGSTORE_ID_TOKEN, or run in GitHub Actions with `id-token: write`"
    )]
    Missing,
    /// The token is not a JWT with the claims Fulcio needs.
    #[error("the OIDC identity token is malformed: {0}")]
    Malformed(String),
    /// GitHub Actions' token service failed.
    #[error("GitHub Actions OIDC token request failed: {0}")]
    Ambient(String),
}

/// The claims cargo-cra reads. CI tokens carry no `email`: it is optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Claims {
    /// Issuer.
    pub(crate) iss: String,
    /// Subject.
    pub(crate) sub: String,
    /// E-mail, for e-mail-based identities.
    #[serde(default)]
    pub email: Option<String>,
}

/// An identity token and its claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityToken {
    /// The raw JWT.
    pub(crate) jwt: String,
    /// Its claims.
    pub(crate) claims: Claims,
}

impl IdentityToken {
    /// Parses the claims of `jwt` (without verifying its signature).
    pub(crate) fn parse(jwt: &str) -> Result<Self, TokenError> {
        let jwt = jwt.trim();
        let mut parts = jwt.split('.');
        let (Some(_), Some(payload), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed(
                "not three dot-separated parts".into(),
            ));
        };
        let payload = B64URL
            .decode(payload.trim_end_matches('='))
            .map_err(|e| TokenError::Malformed(format!("payload is not base64url ({e})")))?;
        let claims: Claims = serde_json::from_slice(&payload)
            .map_err(|e| TokenError::Malformed(format!("claims: {e}")))?;
        Ok(IdentityToken {
            jwt: jwt.to_string(),
            claims,
        })
    }

    /// What the proof of possession signs: the e-mail for e-mail identities, else `sub`.
    pub(crate) fn subject(&self) -> &str {
        self.claims.email.as_deref().unwrap_or(&self.claims.sub)
    }

    /// The token from, in order: `explicit`, `SIGSTORE_ID_TOKEN`, GitHub Actions' ambient
    /// credentials (`ACTIONS_ID_TOKEN_REQUEST_URL` and `_TOKEN`, audience `sigstore`).
    pub fn discover(
        explicit: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, TokenError> {
        if let Some(t) = explicit {
            return Self::parse(t);
        }
        if let Some(t) = env("SIGSTORE_ID_TOKEN").filter(|t| !t.trim().is_empty()) {
            return Self::parse(&t);
        }
        if let (Some(url), Some(bearer)) = (
            env("ACTIONS_ID_TOKEN_REQUEST_URL"),
            env("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        ) {
            return Self::parse(&github_actions_token(&url, &bearer)?);
        }
        Err(TokenError::Missing)
    }
}

fn github_actions_token(url: &str, bearer: &str) -> Result<String, TokenError> {
    let sep = if url.contains('?') { '&' } else { '?' };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    let mut response = agent
        .get(&format!("{url}{sep}audience=sigstore"))
        .header("Authorization", &format!("bearer {bearer}"))
        .call()
        .map_err(|e| TokenError::Ambient(e.to_string()))?;
    let v: serde_json::Value = response
        .body_mut()
        .read_json()
        .map_err(|e| TokenError::Ambient(e.to_string()))?;
    v["value"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| TokenError::Ambient("the answer has no `value`".into()))
}

/// An unsigned JWT with `claims` (for tests against services that do not verify tokens).
#[cfg(test)]
fn unsigned_jwt(claims: &serde_json::Value) -> String {
    let header = B64URL.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = B64URL.encode(serde_json::to_vec(claims).expect("serialisable"));
    format!("{header}.{payload}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_tokens_without_email_are_fine() {
        let jwt = unsigned_jwt(
            &serde_json::json!({"iss": "https://token.actions.githubusercontent.com", "sub": "repo:acme/gw:ref:refs/heads/main"}),
        );
        let t = IdentityToken::parse(&jwt).unwrap();
        assert_eq!(t.subject(), "repo:acme/gw:ref:refs/heads/main");
        let jwt = unsigned_jwt(
            &serde_json::json!({"iss": "https://accounts.example.com", "sub": "123", "email": "dev@example.com"}),
        );
        assert_eq!(
            IdentityToken::parse(&jwt).unwrap().subject(),
            "dev@example.com"
        );
    }

    #[test]
    fn github_actions_ambient_token_is_requested_for_audience_sigstore() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/token?api-version=2.0",
            listener.local_addr().unwrap()
        );
        let jwt = unsigned_jwt(
            &serde_json::json!({"iss": "https://token.actions.githubusercontent.com", "sub": "repo:acme/gw"}),
        );
        let body = serde_json::json!({ "value": jwt }).to_string();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 8192];
            let n = s.read(&mut buf).unwrap();
            let request = String::from_utf8_lossy(&buf[..n]).to_string();
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            s.write_all(reply.as_bytes()).unwrap();
            request
        });
        let env = |k: &str| match k {
            "ACTIONS_ID_TOKEN_REQUEST_URL" => Some(url.clone()),
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => Some("runner-secret".to_string()),
            _ => None,
        };
        let token = IdentityToken::discover(None, env).unwrap();
        assert_eq!(token.claims.sub, "repo:acme/gw");
        let request = server.join().unwrap();
        assert!(
            request.starts_with("GET /token?api-version=2.0&audience=sigstore "),
            "{request}"
        );
        assert!(
            request
                .to_ascii_lowercase()
                .contains("authorization: bearer runner-secret"),
            "{request}"
        );
    }

    #[test]
    fn sources_in_order_and_clear_errors() {
        let a = unsigned_jwt(&serde_json::json!({"iss": "i", "sub": "a"}));
        let b = unsigned_jwt(&serde_json::json!({"iss": "i", "sub": "b"}));
        let env = |k: &str| (k == "SIGSTORE_ID_TOKEN").then(|| b.clone());
        assert_eq!(
            IdentityToken::discover(Some(&a), env).unwrap().claims.sub,
            "a"
        );
        assert_eq!(IdentityToken::discover(None, env).unwrap().claims.sub, "b");
        assert_eq!(
            IdentityToken::discover(None, |_| None),
            Err(TokenError::Missing)
        );
        assert!(matches!(
            IdentityToken::parse("abc"),
            Err(TokenError::Malformed(_))
        ));
        assert!(
            matches!(
                IdentityToken::parse("a.e30.c"),
                Err(TokenError::Malformed(_))
            ),
            "no iss/sub"
        );
    }
}
