//! JSON over HTTP to Sigstore services, with bounded retries.
//!
//! Timeouts and 5xx answers are retried (3 attempts, 0.5 s then 1 s back-off); 4xx answers are
//! final and reported with the service's own message.

use serde_json::Value;
use std::time::Duration;

/// Why a service call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// The service could not be reached, or kept failing.
    #[error("{service}: {message}")]
    Unreachable {
        /// Which service.
        service: &'static str,
        /// What happened on the last attempt.
        message: String,
    },
    /// The service refused the request.
    #[error("{service} refused the request (HTTP {status}): {message}")]
    Rejected {
        /// Which service.
        service: &'static str,
        /// HTTP status.
        status: u16,
        /// The service's message.
        message: String,
    },
    /// The answer is not what the protocol says.
    #[error("{service} answered something unexpected: {message}")]
    BadResponse {
        /// Which service.
        service: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

/// An HTTP client for one service.
pub(crate) struct HttpClient {
    service: &'static str,
    agent: ureq::Agent,
}

const ATTEMPTS: u32 = 3;

impl HttpClient {
    /// A client for `service` (its name is used in error messages).
    pub(crate) fn new(service: &'static str) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .user_agent(concat!("cargo-cra/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpClient { service, agent }
    }

    /// An error about an unexpected answer from this service.
    pub(crate) fn bad_response(&self, message: impl Into<String>) -> ServiceError {
        ServiceError::BadResponse {
            service: self.service,
            message: message.into(),
        }
    }

    /// POSTs `body` as JSON and returns the JSON answer of a 2xx response.
    pub(crate) fn post_json(&self, url: &str, body: &Value) -> Result<Value, ServiceError> {
        let bytes = self.post_json_for_bytes(url, body, cra_model::media::JSON)?;
        serde_json::from_slice(&bytes).map_err(|e| {
            self.bad_response(format!(
                "not JSON ({})",
                cra_model::input::printable(&e.to_string())
            ))
        })
    }

    /// POSTs `body` as JSON and returns the raw body of a 2xx response.
    pub(crate) fn post_json_for_bytes(
        &self,
        url: &str,
        body: &Value,
        accept: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(500 << (attempt - 1)));
            }
            let mut response = match self
                .agent
                .post(url)
                .header("accept", accept)
                .send_json(body)
            {
                Ok(r) => r,
                Err(e) => {
                    last = e.to_string();
                    continue;
                }
            };
            let status = response.status().as_u16();
            let raw = response.body_mut().read_to_vec().unwrap_or_default();
            let text = String::from_utf8_lossy(&raw);
            match status {
                200..=299 => return Ok(raw),
                500..=599 => last = format!("HTTP {status}: {}", service_message(&text)),
                _ => {
                    return Err(ServiceError::Rejected {
                        service: self.service,
                        status,
                        message: service_message(&text),
                    });
                }
            }
        }
        Err(ServiceError::Unreachable {
            service: self.service,
            message: format!("{last} (after {ATTEMPTS} attempts)"),
        })
    }
}

/// The `message` (or `detail`) field of a JSON error answer, else its first line.
fn service_message(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| {
            ["message", "detail", "error"]
                .iter()
                .find_map(|k| v[k].as_str().map(str::to_string))
        })
        .unwrap_or_else(|| {
            text.lines()
                .next()
                .unwrap_or("no message")
                .chars()
                .take(300)
                .collect()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A one-connection-per-answer HTTP server on loopback that replies with `answers` in turn.
    fn server(answers: Vec<(u16, &'static str)>) -> (String, std::thread::JoinHandle<usize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let mut served = 0;
            for (status, body) in answers {
                let (mut s, _) = listener.accept().unwrap();
                let mut buf = [0u8; 65536];
                let _ = s.read(&mut buf);
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                s.write_all(reply.as_bytes()).unwrap();
                served += 1;
            }
            served
        });
        (url, handle)
    }

    #[test]
    fn retries_5xx_then_succeeds() {
        let (url, h) = server(vec![
            (503, r#"{"message":"busy"}"#),
            (200, r#"{"ok":true}"#),
        ]);
        let v = HttpClient::new("Test")
            .post_json(&url, &serde_json::json!({}))
            .unwrap();
        assert_eq!(v["ok"], true);
        assert_eq!(h.join().unwrap(), 2);
    }

    #[test]
    fn reports_4xx_with_the_service_message_without_retrying() {
        let (url, h) = server(vec![(400, r#"{"code":400,"message":"invalid signature"}"#)]);
        let err = HttpClient::new("Rekor")
            .post_json(&url, &serde_json::json!({}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Rekor refused the request (HTTP 400): invalid signature"
        );
        assert_eq!(h.join().unwrap(), 1);
    }

    #[test]
    fn gives_up_after_bounded_attempts() {
        let (url, h) = server(vec![(500, "oops"), (502, "oops"), (500, "still")]);
        let err = HttpClient::new("Fulcio")
            .post_json(&url, &serde_json::json!({}))
            .unwrap_err();
        assert!(matches!(err, ServiceError::Unreachable { .. }), "{err}");
        assert!(err.to_string().contains("after 3 attempts"), "{err}");
        assert_eq!(h.join().unwrap(), 3);
        let err = HttpClient::new("Fulcio")
            .post_json("http://127.0.0.1:9", &serde_json::json!({}))
            .unwrap_err();
        assert!(matches!(err, ServiceError::Unreachable { .. }), "{err}");
    }
}
