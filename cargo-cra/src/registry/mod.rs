//! A client for the OCI distribution API, as much of it as pushing and pulling an image needs:
//! blobs (skipped when the registry has them; streamed to disk and checked against their digest
//! when read), manifests under tags, referrers, and the registries' auth (Basic, and the
//! bearer-token flow of the distribution spec).
//!
//! Built on the HTTP stack the workspace already has (ureq, blocking, rustls) rather than an
//! async client and its runtime: pushing is a few sequential requests per blob.
//!
//! TLS verifies against the CA given, else the system's CA bundle, else the bundled Mozilla
//! roots; plain HTTP only for a host the caller names as insecure. Credentials are sent only to the registry's host (and its
//! token realm), and never appear in an error.

mod credentials;
mod reference;
mod tls;

pub use credentials::{Credentials, CredentialsError};
pub use reference::{Reference, ReferenceError, valid_tag};

use cra_composer::progress::Progress;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// How often a request is sent while the registry is unreachable or failing (5xx).
const ATTEMPTS: u32 = 3;

/// Blobs larger than this go by the resumable upload (a `PATCH` naming its range, resumed
/// where the registry stands when cut off); smaller ones in one `PUT`.
pub const CHUNKED_FROM: u64 = 64 << 20;

/// How much one `PATCH` carries: the rest of the blob. Smaller chunks cost a request each
/// (32 MiB chunks made a 581 MB push 1.4× slower than skopeo's single stream); resuming
/// needs only the range.
const CHUNK: u64 = u64::MAX;

/// How often one blob's upload is resumed before giving up.
const RESUMES: u32 = 5;

/// How long a request without a blob may take, unless the connection says otherwise.
const REQUEST_TIME: Duration = Duration::from_secs(60);

/// The slowest transfer of a blob that is waited for (64 KiB/s), besides [`REQUEST_TIME`]
/// for the request itself: a registry that trickles is given up on in bounded time.
const BLOB_BYTES_PER_SECOND: u64 = 64 << 10;

/// Manifests and token answers larger than this are refused (registries cap manifests at 4 MiB).
pub const MANIFEST_MAX: u64 = 4 << 20;

/// Why talking to the registry failed; each one line, without credentials.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry could not be reached.
    #[error("{registry}: {message}")]
    Unreachable {
        /// The registry's host.
        registry: String,
        /// What happened.
        message: String,
    },
    /// The registry refused a request.
    #[error("{registry} refused {what} (HTTP {status}){detail}")]
    Refused {
        /// The registry's host.
        registry: String,
        /// What was asked.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The registry's own message, when it gave one (`: …`).
        detail: String,
    },
    /// The registry asked for credentials and none were given, or they were refused.
    #[error(
        "{registry}: authentication required or refused; give --username and --password-stdin, or log in with docker or podman"
    )]
    Unauthorized {
        /// The registry's host.
        registry: String,
    },
    /// The registry's answer is not what the protocol says.
    #[error("{registry} answered something unexpected: {message}")]
    Protocol {
        /// The registry's host.
        registry: String,
        /// What is wrong.
        message: String,
    },
    /// A blob read back is not what its digest names.
    #[error(
        "blob {digest} of {registry}/{repository} is not what its digest names: changed in the registry or on the way"
    )]
    Tampered {
        /// The registry's host.
        registry: String,
        /// The repository.
        repository: String,
        /// The digest asked for.
        digest: String,
    },
    /// The CA file is unusable.
    #[error("{path}: not a PEM certificate file ({message})")]
    CaFile {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// A local file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// How to reach a registry.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// Extra CA certificates (PEM) to trust, besides the bundled roots.
    pub ca_file: Option<std::path::PathBuf>,
    /// Hosts reached over plain HTTP (never implied).
    pub insecure: Vec<String>,
    /// The credentials to offer when asked.
    pub credentials: Option<Credentials>,
    /// How long one request may take (without a blob's transfer); default one minute.
    pub timeout: Option<Duration>,
}

impl Connection {
    /// This connection, with the credentials docker and podman keep for `host` when none were
    /// given.
    pub fn with_stored_credentials(mut self, host: &str) -> Result<Connection, CredentialsError> {
        if self.credentials.is_none() {
            self.credentials = Credentials::stored_from_env(host)?;
        }
        Ok(self)
    }
}

/// A client for one repository of one registry.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    host: String,
    repository: String,
    credentials: Option<Credentials>,
    /// The `Authorization` header the registry accepted (or asked for).
    authorization: std::cell::RefCell<Option<String>>,
    /// How long a request without a blob may take.
    timeout: Duration,
}

/// What a blob's upload took, besides its bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushedBlob {
    /// Chunks sent (0: one request).
    pub chunks: u32,
    /// Times a cut-off chunk was resumed (or its upload started again).
    pub resumed: u32,
}

/// An answer: status, headers kept, body.
struct Answer {
    status: u16,
    location: Option<String>,
    digest: Option<String>,
    /// `Range` (an upload's status).
    range: Option<String>,
    /// `OCI-Chunk-Min-Length` (an upload session's start).
    min_chunk: Option<u64>,
    body: Vec<u8>,
    /// The body was longer than [`MANIFEST_MAX`] (and cut there).
    truncated: bool,
}

/// Where the body of a successful answer goes.
#[derive(Clone, Copy)]
enum Sink<'a> {
    /// Into memory, up to [`MANIFEST_MAX`].
    Memory,
    /// Into memory, up to [`MANIFEST_MAX`]: a blob of the size given (it sets the time limit).
    Sized(u64),
    /// Into the file, checked to be the blob `digest` of `size` bytes as it streams, counted
    /// on `progress`.
    Blob {
        path: &'a Path,
        digest: &'a str,
        size: u64,
        progress: &'a dyn Progress,
    },
}

impl Client {
    /// A client for the repository `reference` names.
    pub fn new(reference: &Reference, connection: &Connection) -> Result<Client, RegistryError> {
        let insecure = connection.insecure.contains(&reference.host);
        let scheme = if insecure { "http" } else { "https" };
        let mut config = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(15)))
            .http_status_as_error(false)
            .max_redirects(5)
            .user_agent(concat!("cargo-cra/", env!("CARGO_PKG_VERSION")));
        config = config.tls_config(tls::config(connection.ca_file.as_deref())?);
        Ok(Client {
            agent: config.build().into(),
            base: format!("{scheme}://{}", reference.host),
            host: reference.host.clone(),
            repository: reference.repository.clone(),
            credentials: connection.credentials.clone(),
            authorization: Default::default(),
            timeout: connection.timeout.unwrap_or(REQUEST_TIME),
        })
    }

    /// Whether the repository has the blob `digest`.
    pub fn has_blob(&self, digest: &str) -> Result<bool, RegistryError> {
        let url = format!("{}/v2/{}/blobs/{digest}", self.base, self.repository);
        let a = self.send("HEAD", &url, &[], Body::Empty)?;
        match a.status {
            200 => Ok(true),
            404 => Ok(false),
            s => Err(self.refused("checking a blob", s, &a.body)),
        }
    }

    /// Uploads the blob `digest` of `size` bytes from `path`, counted on `progress`: in one
    /// request up to [`CHUNKED_FROM`], else by the distribution spec's chunked upload (one
    /// chunk: the rest of the blob), resumed from where the registry says it stands when it is
    /// cut off.
    pub fn push_blob(
        &self,
        digest: &str,
        size: u64,
        path: &Path,
        progress: &dyn Progress,
    ) -> Result<PushedBlob, RegistryError> {
        let file = std::fs::File::open(path).map_err(|source| RegistryError::Io {
            path: path.display().to_string(),
            source,
        })?;
        if size <= CHUNKED_FROM {
            let length = ("content-length", size.to_string());
            let body = Body::File {
                file: &file,
                offset: 0,
                len: size,
                progress,
            };
            self.upload(digest, &[length], body)?;
            return Ok(PushedBlob::default());
        }
        self.upload_chunked(digest, size, &file, CHUNK, progress)
    }

    /// A chunked upload: `PATCH`es of `chunk` bytes (or the registry's minimum), each
    /// naming its range; a cut-off chunk is resumed from the offset the upload's status
    /// reports (or, when the registry dropped the session, from the start of a new one),
    /// [`RESUMES`] times at most; then the `PUT` naming the digest.
    fn upload_chunked(
        &self,
        digest: &str,
        size: u64,
        file: &std::fs::File,
        chunk: u64,
        progress: &dyn Progress,
    ) -> Result<PushedBlob, RegistryError> {
        let (mut url, min_chunk) = self.start_upload()?;
        let chunk = chunk.max(min_chunk.unwrap_or(0));
        let (mut offset, mut out) = (0u64, PushedBlob::default());
        while offset < size {
            let len = chunk.min(size - offset);
            let headers = [
                ("content-type", cra_model::media::OCTET_STREAM.to_string()),
                ("content-range", format!("{offset}-{}", offset + len - 1)),
                ("content-length", len.to_string()),
            ];
            let body = Body::File {
                file,
                offset,
                len,
                progress,
            };
            let answer = match self.send("PATCH", &url, &headers, body) {
                Ok(a) => Some(a),
                Err(RegistryError::Unreachable { .. }) if out.resumed < RESUMES => None,
                Err(e) => return Err(e),
            };
            match answer {
                Some(a) if a.status == 202 => {
                    url = self.resolve(a.location.as_deref().unwrap_or(&url))?;
                    offset += len;
                    out.chunks += 1;
                }
                Some(a) if !matches!(a.status, 416 | 500..=599) || out.resumed == RESUMES => {
                    return Err(self.refused("uploading a chunk", a.status, &a.body));
                }
                _ => {
                    out.resumed += 1;
                    (url, offset) = self.resume_upload(&url)?;
                }
            }
        }
        self.finish_upload(&url, digest)?;
        Ok(out)
    }

    /// Where to go on after a chunk was cut off: where the upload stands, or — when the
    /// registry dropped the session (distribution does, when a chunk broke off part-way) — the
    /// start of a new one.
    fn resume_upload(&self, url: &str) -> Result<(String, u64), RegistryError> {
        match self.upload_status(url) {
            Ok(at) => Ok(at),
            Err(RegistryError::Refused { status: 404, .. }) => Ok((self.start_upload()?.0, 0)),
            Err(e) => Err(e),
        }
    }

    /// Starts an upload session: its URL, and the registry's minimum chunk size, if it says.
    fn start_upload(&self) -> Result<(String, Option<u64>), RegistryError> {
        let start = format!("{}/v2/{}/blobs/uploads/", self.base, self.repository);
        let a = self.send("POST", &start, &[], Body::Empty)?;
        if a.status != 202 {
            return Err(self.refused("starting an upload", a.status, &a.body));
        }
        let location = a
            .location
            .ok_or_else(|| self.protocol("an upload without a Location"))?;
        Ok((self.resolve(&location)?, a.min_chunk))
    }

    /// Where an upload stands: its URL now, and how many bytes the registry has (its `Range`,
    /// `0-<last>`, inclusive).
    fn upload_status(&self, url: &str) -> Result<(String, u64), RegistryError> {
        let a = self.send("GET", url, &[], Body::Empty)?;
        if a.status != 204 {
            return Err(self.refused("asking how far an upload got", a.status, &a.body));
        }
        let received = match a.range.as_deref().and_then(|r| r.split_once('-')) {
            Some((_, last)) => last.parse::<i64>().map_or(0, |l| (l + 1).max(0) as u64),
            None => 0,
        };
        let url = self.resolve(a.location.as_deref().unwrap_or(url))?;
        Ok((url, received))
    }

    /// Closes an upload with the `PUT` naming the digest the registry checks it against.
    fn finish_upload(&self, url: &str, digest: &str) -> Result<(), RegistryError> {
        let mut url = url.to_string();
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&format!("digest={digest}"));
        let headers = [("content-length", "0".to_string())];
        let a = self.send("PUT", &url, &headers, Body::Empty)?;
        match a.status {
            201 => Ok(()),
            s => Err(self.refused("closing an upload", s, &a.body)),
        }
    }

    /// Uploads `bytes` as the blob `digest` unless the repository has it.
    pub fn push_bytes(&self, digest: &str, bytes: &[u8]) -> Result<bool, RegistryError> {
        if self.has_blob(digest)? {
            return Ok(false);
        }
        self.upload(digest, &[], Body::Bytes(bytes))?;
        Ok(true)
    }

    /// One monolithic upload of the blob `digest`: a session, then a PUT naming the digest the
    /// registry checks the content against.
    fn upload(
        &self,
        digest: &str,
        extra: &[(&str, String)],
        body: Body<'_>,
    ) -> Result<(), RegistryError> {
        let (mut url, _) = self.start_upload()?;
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&format!("digest={digest}"));
        let mut headers = vec![("content-type", cra_model::media::OCTET_STREAM.to_string())];
        headers.extend(extra.iter().cloned());
        let a = self.send("PUT", &url, &headers, body)?;
        match a.status {
            201 => Ok(()),
            s => Err(self.refused("uploading a blob", s, &a.body)),
        }
    }

    /// Puts the manifest `bytes` (of `media_type`) under `reference` (a tag or its digest);
    /// returns the digest the registry reports.
    pub fn put_manifest(
        &self,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Option<String>, RegistryError> {
        let url = format!("{}/v2/{}/manifests/{reference}", self.base, self.repository);
        let headers = [("content-type", media_type.to_string())];
        let a = self.send("PUT", &url, &headers, Body::Bytes(bytes))?;
        match a.status {
            201 => Ok(a.digest),
            s => Err(self.refused("storing a manifest", s, &a.body)),
        }
    }

    /// The manifest or index under `reference` (a tag, or a digest it must match), accepting
    /// `media_type`; `None` when the repository has none.
    pub fn get_manifest(
        &self,
        reference: &str,
        media_type: &str,
    ) -> Result<Option<Vec<u8>>, RegistryError> {
        let url = format!("{}/v2/{}/manifests/{reference}", self.base, self.repository);
        let headers = [("accept", media_type.to_string())];
        let a = self.send("GET", &url, &headers, Body::Empty)?;
        match a.status {
            200 => {}
            404 => return Ok(None),
            s => return Err(self.refused("reading a manifest", s, &a.body)),
        }
        if a.truncated {
            return Err(self.protocol(&format!(
                "a manifest for {reference} over {} MiB, the cap registries set",
                MANIFEST_MAX >> 20
            )));
        }
        if let Some(hex) = reference.strip_prefix("sha256:") {
            let got = cra_attest::digest::Digests::of_bytes(&a.body).sha256_hex();
            if got != hex {
                return Err(self.protocol(&format!(
                    "a manifest whose digest is sha256:{got}, not the {reference} asked for"
                )));
            }
        }
        Ok(Some(a.body))
    }

    /// The OCI 1.1 referrers API's index of what refers to `digest`; `None` when the registry
    /// has no such API (then the referrers tag schema stands in).
    pub fn referrers(&self, digest: &str) -> Result<Option<Vec<u8>>, RegistryError> {
        let url = format!("{}/v2/{}/referrers/{digest}", self.base, self.repository);
        let headers = [("accept", cra_model::media::OCI_INDEX.to_string())];
        let a = self.send("GET", &url, &headers, Body::Empty)?;
        match (a.status, a.truncated) {
            (200, false) => Ok(Some(a.body)),
            (200, true) => Err(self.protocol("a referrers index over the manifest cap")),
            (404 | 405 | 400, _) => Ok(None),
            (s, _) => Err(self.refused("listing referrers", s, &a.body)),
        }
    }

    /// Downloads the blob `digest` of `size` bytes into `path`, checking both as it streams:
    /// a blob that is not what its digest names is an error naming it, never a file.
    pub fn get_blob(
        &self,
        digest: &str,
        size: u64,
        path: &Path,
        progress: &dyn Progress,
    ) -> Result<(), RegistryError> {
        let url = format!("{}/v2/{}/blobs/{digest}", self.base, self.repository);
        let sink = Sink::Blob {
            path,
            digest,
            size,
            progress,
        };
        let a = self.send_into("GET", &url, &[], Body::Empty, sink)?;
        match a.status {
            200 => Ok(()),
            s => Err(self.refused(&format!("reading blob {digest}"), s, &a.body)),
        }
    }

    /// The blob `digest` of `size` bytes (at most [`MANIFEST_MAX`]) in memory, checked.
    pub fn get_small_blob(&self, digest: &str, size: u64) -> Result<Vec<u8>, RegistryError> {
        if size > MANIFEST_MAX {
            return Err(self.protocol(&format!(
                "blob {digest} is said to be {size} bytes, over the {} MiB cap for documents",
                MANIFEST_MAX >> 20
            )));
        }
        let url = format!("{}/v2/{}/blobs/{digest}", self.base, self.repository);
        let a = self.send_into("GET", &url, &[], Body::Empty, Sink::Sized(size))?;
        if a.status != 200 {
            return Err(self.refused(&format!("reading blob {digest}"), a.status, &a.body));
        }
        let got = format!(
            "sha256:{}",
            cra_attest::digest::Digests::of_bytes(&a.body).sha256_hex()
        );
        match got == digest && a.body.len() as u64 == size {
            true => Ok(a.body),
            false => Err(self.tampered(digest)),
        }
    }

    /// Sends a request; on 401, authenticates as the registry asks and sends it once more.
    fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: Body<'_>,
    ) -> Result<Answer, RegistryError> {
        self.send_into(method, url, headers, body, Sink::Memory)
    }

    /// [`Client::send`], the body of a successful answer going to `sink`.
    fn send_into(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: Body<'_>,
        sink: Sink<'_>,
    ) -> Result<Answer, RegistryError> {
        let first = self.send_retrying(method, url, headers, &body, sink)?;
        if first.0.status != 401 {
            return Ok(first.0);
        }
        let challenge = first.1.ok_or_else(|| self.unauthorized())?;
        *self.authorization.borrow_mut() = Some(self.authorize(&challenge)?);
        let (again, _) = self.send_retrying(method, url, headers, &body, sink)?;
        match again.status {
            401 | 403 => Err(self.unauthorized()),
            _ => Ok(again),
        }
    }

    /// One request, sent again (after 0.5 s, then 1 s) while the registry is unreachable or
    /// answers 5xx; the last answer or error stands.
    fn send_retrying(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: &Body<'_>,
        sink: Sink<'_>,
    ) -> Result<(Answer, Option<String>), RegistryError> {
        let mut attempt = 0;
        loop {
            let result = self.send_once(method, url, headers, body, sink);
            let transient = match &result {
                Ok((a, _)) => (500..=599).contains(&a.status),
                Err(RegistryError::Unreachable { .. }) => true,
                Err(_) => false,
            };
            attempt += 1;
            if !transient || attempt == ATTEMPTS {
                return result;
            }
            std::thread::sleep(Duration::from_millis(500 << (attempt - 1)));
        }
    }

    /// One request; returns the answer and the `WWW-Authenticate` challenge of a 401.
    fn send_once(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: &Body<'_>,
        sink: Sink<'_>,
    ) -> Result<(Answer, Option<String>), RegistryError> {
        let mut request = ureq::http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            request = request.header(*k, v);
        }
        if let Some(auth) = self.authorization.borrow().as_ref() {
            request = request.header("authorization", auth);
        }
        let limit = self.time_limit(body, sink);
        let result = match body {
            Body::Empty => self.run(
                request
                    .body(())
                    .map_err(|e| self.protocol(&e.to_string()))?,
                limit,
            ),
            Body::Bytes(b) => self.run(
                request
                    .body(b.to_vec())
                    .map_err(|e| self.protocol(&e.to_string()))?,
                limit,
            ),
            Body::File {
                file,
                offset,
                len,
                progress,
            } => {
                // From its start on every attempt (a retry after a 401 sends it again).
                let io = |source| RegistryError::Io {
                    path: "blob".into(),
                    source,
                };
                let mut file = file.try_clone().map_err(io)?;
                std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(*offset)).map_err(io)?;
                // Large reads: the upload is bounded by the network, not by system calls.
                let mut reader = Counted {
                    inner: std::io::BufReader::with_capacity(1 << 20, file).take(*len),
                    progress: *progress,
                };
                self.run(
                    request
                        .body(ureq::SendBody::from_reader(&mut reader))
                        .map_err(|e| self.protocol(&e.to_string()))?,
                    limit,
                )
            }
        };
        let mut response = result.map_err(|e| RegistryError::Unreachable {
            registry: self.host.clone(),
            message: e.to_string(),
        })?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (location, digest, challenge, range) = (
            header("location"),
            header("docker-content-digest"),
            header("www-authenticate"),
            header("range"),
        );
        let min_chunk = header("oci-chunk-min-length").and_then(|v| v.parse().ok());
        let status = response.status().as_u16();
        let reader = response.body_mut().as_reader();
        let (body, truncated) = match (method, sink, status) {
            ("HEAD", _, _) => (Vec::new(), false),
            (
                _,
                Sink::Blob {
                    path,
                    digest,
                    size,
                    progress,
                },
                200,
            ) => {
                let reader = Counted {
                    inner: reader,
                    progress,
                };
                self.stream_blob(reader, path, digest, size)?;
                (Vec::new(), false)
            }
            _ => {
                let mut body = bounded(reader, MANIFEST_MAX + 1);
                let truncated = body.len() as u64 > MANIFEST_MAX;
                body.truncate(MANIFEST_MAX as usize);
                (body, truncated)
            }
        };
        Ok((
            Answer {
                status,
                location,
                digest,
                range,
                min_chunk,
                body,
                truncated,
            },
            challenge.filter(|_| status == 401),
        ))
    }

    /// Runs `request`, given up after `limit`.
    fn run<S: ureq::AsSendBody>(
        &self,
        request: ureq::http::Request<S>,
        limit: Duration,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(limit))
            .build();
        self.agent.run(request)
    }

    /// How long a request may take: [`Client::timeout`], and the slowest transfer waited for
    /// of the blob it sends or receives.
    fn time_limit(&self, body: &Body<'_>, sink: Sink<'_>) -> Duration {
        let bytes = match (body, sink) {
            (Body::File { len, .. }, _) => *len,
            (_, Sink::Blob { size, .. } | Sink::Sized(size)) => size,
            _ => 0,
        };
        self.timeout + Duration::from_secs(bytes / BLOB_BYTES_PER_SECOND)
    }

    /// Writes the blob `digest` of `size` bytes from `reader` into `path` (created afresh),
    /// hashing as it goes; a longer, shorter or different blob is an error naming it. A broken
    /// connection is [`RegistryError::Unreachable`], so that the request is sent again.
    fn stream_blob(
        &self,
        reader: impl Read,
        path: &Path,
        digest: &str,
        size: u64,
    ) -> Result<(), RegistryError> {
        use sha2::Digest as _;
        use std::io::Write as _;
        let io = |source| RegistryError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file =
            std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).map_err(io)?);
        let mut hasher = sha2::Sha256::new();
        let mut reader = reader.take(size.saturating_add(1));
        let mut buf = vec![0u8; 1 << 16];
        let mut written = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(RegistryError::Unreachable {
                        registry: self.host.clone(),
                        message: format!("reading blob {digest}: {e}"),
                    });
                }
            };
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n]).map_err(io)?;
            written += n as u64;
        }
        file.flush().map_err(io)?;
        let got = format!("sha256:{}", cra_attest::digest::to_hex(&hasher.finalize()));
        match written == size && got == digest {
            true => Ok(()),
            false => Err(self.tampered(digest)),
        }
    }

    /// The `Authorization` header for the registry's `challenge`.
    fn authorize(&self, challenge: &str) -> Result<String, RegistryError> {
        let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
        let basic = self.credentials.as_ref().map(Credentials::basic);
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => basic.ok_or_else(|| self.unauthorized()),
            "bearer" => self.token(&parse_params(params), basic.as_deref()),
            _ => Err(self.protocol("an authentication scheme other than Basic or Bearer")),
        }
    }

    /// A bearer token from the realm the challenge names (the distribution spec's token flow).
    fn token(
        &self,
        params: &[(String, String)],
        basic: Option<&str>,
    ) -> Result<String, RegistryError> {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let realm =
            get("realm").ok_or_else(|| self.protocol("a Bearer challenge without a realm"))?;
        if !realm.starts_with("https://") && !same_origin(realm, &self.base) {
            return Err(self.protocol("a token realm over plain HTTP on another host"));
        }
        let mut request = self.agent.get(realm);
        for key in ["service", "scope"] {
            if let Some(v) = get(key) {
                request = request.query(key, v);
            }
        }
        if let Some(b) = basic {
            request = request.header("authorization", b);
        }
        let request = request.config().timeout_global(Some(self.timeout)).build();
        let mut response = request.call().map_err(|e| RegistryError::Unreachable {
            registry: self.host.clone(),
            message: e.to_string(),
        })?;
        if response.status().as_u16() != 200 {
            return Err(self.unauthorized());
        }
        let body = bounded(response.body_mut().as_reader(), MANIFEST_MAX);
        let json: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|_| self.protocol("a token answer that is not JSON"))?;
        let token = json["token"]
            .as_str()
            .or_else(|| json["access_token"].as_str())
            .ok_or_else(|| self.protocol("a token answer without a token"))?;
        Ok(format!("Bearer {token}"))
    }

    /// An upload `Location`, absolute (a registry may answer with a path).
    fn resolve(&self, location: &str) -> Result<String, RegistryError> {
        if location.starts_with('/') {
            return Ok(format!("{}{location}", self.base));
        }
        match same_origin(location, &self.base) {
            true => Ok(location.to_string()),
            false => Err(self.protocol("an upload location on another host")),
        }
    }

    fn refused(&self, what: &str, status: u16, body: &[u8]) -> RegistryError {
        if status == 401 || status == 403 {
            return self.unauthorized();
        }
        RegistryError::Refused {
            registry: self.host.clone(),
            what: what.into(),
            status,
            detail: registry_message(body)
                .map(|m| format!(": {m}"))
                .unwrap_or_default(),
        }
    }

    fn tampered(&self, digest: &str) -> RegistryError {
        RegistryError::Tampered {
            registry: self.host.clone(),
            repository: self.repository.clone(),
            digest: digest.into(),
        }
    }

    fn unauthorized(&self) -> RegistryError {
        RegistryError::Unauthorized {
            registry: self.host.clone(),
        }
    }

    fn protocol(&self, message: &str) -> RegistryError {
        RegistryError::Protocol {
            registry: self.host.clone(),
            message: message.into(),
        }
    }
}

/// Whether `url` has the scheme, host and port of `base` (a prefix test would take
/// `http://host:5000.evil/` for `http://host:5000`).
fn same_origin(url: &str, base: &str) -> bool {
    let origin = |u: &str| {
        let uri: ureq::http::Uri = u.parse().ok()?;
        Some((
            uri.scheme_str()?.to_string(),
            uri.authority()?.as_str().to_ascii_lowercase(),
        ))
    };
    matches!((origin(url), origin(base)), (Some(a), Some(b)) if a == b)
}

/// A request body.
enum Body<'a> {
    Empty,
    Bytes(&'a [u8]),
    /// `len` bytes of a file from `offset`, each counted on `progress` as it is sent.
    File {
        file: &'a std::fs::File,
        offset: u64,
        len: u64,
        progress: &'a dyn Progress,
    },
}

/// A reader that counts what it reads on a progress bar.
struct Counted<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// At most `max` bytes of `reader` (the rest is not read).
fn bounded(reader: impl Read, max: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = reader.take(max).read_to_end(&mut out);
    out
}

/// The first message of a distribution-spec error body (`{"errors":[{"message":…}]}`),
/// printable.
fn registry_message(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let m = json["errors"][0]["message"].as_str()?;
    Some(cra_model::input::printable(m))
}

/// The `key="value"` parameters of a `WWW-Authenticate` challenge.
fn parse_params(params: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = params.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let (value, tail) = match after.strip_prefix('"') {
            Some(quoted) => match quoted.split_once('"') {
                Some((v, t)) => (v.to_string(), t),
                None => (quoted.to_string(), ""),
            },
            None => match after.split_once(',') {
                Some((v, t)) => (v.trim().to_string(), t),
                None => (after.trim().to_string(), ""),
            },
        };
        out.push((key, value));
        rest = tail.trim_start_matches(',').trim();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, Write};

    /// A registry stand-in on 127.0.0.1 answering each request with the next of `answers` (a
    /// real registry cannot be made to fail on demand); returns its host.
    fn scripted(answers: Vec<impl AsRef<[u8]> + Send + 'static>) -> String {
        recording(answers).0
    }

    /// [`scripted`], also telling each request's method and `Content-Range` (reading the body
    /// its `Content-Length` announces).
    fn recording(
        answers: Vec<impl AsRef<[u8]> + Send + 'static>,
    ) -> (String, std::sync::mpsc::Receiver<String>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for answer in answers {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                let (mut line, mut method, mut range, mut length) =
                    (String::new(), String::new(), String::new(), 0usize);
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    let lower = line.trim().to_ascii_lowercase();
                    if method.is_empty() {
                        method = lower.split(' ').next().unwrap_or_default().to_uppercase();
                    } else if let Some(v) = lower.strip_prefix("content-range:") {
                        range = v.trim().to_string();
                    } else if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0u8; length];
                let _ = std::io::Read::read_exact(&mut reader, &mut body);
                let _ = tx.send(format!("{method} {range}").trim().to_string());
                let mut stream = stream;
                let _ = stream.write_all(answer.as_ref());
            }
        });
        (host, rx)
    }

    #[test]
    fn a_chunk_cut_off_resumes_where_the_registry_says_the_upload_stands() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob");
        std::fs::write(&path, b"0123456789abcdefghijklmno").unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let to = |status: &str, headers: &str| {
            format!("HTTP/1.1 {status}\r\n{headers}content-length: 0\r\nconnection: close\r\n\r\n")
        };
        let at = "location: /v2/x/y/blobs/uploads/u1\r\n";
        let answers = vec![
            to("202 Accepted", at),
            to("202 Accepted", at),
            to("503 Service Unavailable", ""),
            to("503 Service Unavailable", ""),
            to("503 Service Unavailable", ""),
            // The registry got 14 bytes of the second chunk's 10, as far as it says.
            to("204 No Content", &format!("{at}range: 0-13\r\n")),
            to("202 Accepted", at),
            to("202 Accepted", at),
            to("201 Created", ""),
        ];
        let (host, requests) = recording(answers);
        let digest = format!("sha256:{}", "0".repeat(64));
        let pushed = impatient(&host)
            .upload_chunked(&digest, 25, &file, 10, &cra_composer::progress::Silent)
            .unwrap();
        assert_eq!(
            pushed,
            PushedBlob {
                chunks: 3,
                resumed: 1
            }
        );
        let seen: Vec<String> = requests.try_iter().collect();
        assert_eq!(
            seen,
            [
                "POST",
                "PATCH 0-9",
                "PATCH 10-19",
                "PATCH 10-19",
                "PATCH 10-19",
                "GET",
                "PATCH 14-23",
                "PATCH 24-24",
                "PUT"
            ]
        );
    }

    #[test]
    fn a_failing_registry_is_asked_again_and_a_lasting_failure_is_one_line() {
        let ok = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let busy =
            "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let digest = format!("sha256:{}", "0".repeat(64));
        let host = scripted(vec![busy, busy, ok]);
        assert!(
            impatient(&host).has_blob(&digest).unwrap(),
            "third time lucky"
        );
        let host = scripted(vec![busy, busy, busy]);
        let e = impatient(&host).has_blob(&digest).unwrap_err().to_string();
        assert!(e.contains("503") && !e.contains('\n'), "{e}");
    }

    /// A client of `x/y` on the stand-in at `host`, giving up on a request after a second.
    fn impatient(host: &str) -> Client {
        let reference: Reference = format!("{host}/x/y").parse().unwrap();
        let connection = Connection {
            insecure: vec![host.to_string()],
            timeout: Some(Duration::from_secs(1)),
            ..Default::default()
        };
        Client::new(&reference, &connection).unwrap()
    }

    fn answer(status: &str, body: &[u8]) -> Vec<u8> {
        let mut a = format!(
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        a.extend_from_slice(body);
        a
    }

    #[test]
    fn a_registry_that_never_answers_is_given_up_on() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept() {
                held.push(stream);
            }
        });
        let digest = format!("sha256:{}", "0".repeat(64));
        let e = impatient(&host).has_blob(&digest).unwrap_err();
        assert!(matches!(e, RegistryError::Unreachable { .. }), "{e}");
        assert!(e.to_string().contains("timeout"), "{e}");
    }

    #[test]
    fn hostile_answers_are_refused_by_size_and_digest() {
        // A manifest over the cap registries set.
        let huge = vec![b' '; (MANIFEST_MAX + 10) as usize];
        let host = scripted(vec![answer("200 OK", &huge)]);
        let e = impatient(&host)
            .get_manifest("1.0", cra_model::media::OCI_MANIFEST)
            .unwrap_err();
        assert!(e.to_string().contains("over 4 MiB"), "{e}");
        // A blob that is not what its digest names: an error naming it, sent once only.
        let digest = format!(
            "sha256:{}",
            cra_attest::digest::Digests::of_bytes(b"layer").sha256_hex()
        );
        let host = scripted(vec![answer("200 OK", b"LAYER")]);
        let dir = tempfile::tempdir().unwrap();
        let e = impatient(&host)
            .get_blob(
                &digest,
                5,
                &dir.path().join("b"),
                &cra_composer::progress::Silent,
            )
            .unwrap_err();
        assert!(matches!(e, RegistryError::Tampered { .. }), "{e}");
        assert!(e.to_string().contains(&digest), "{e}");
        // Longer than said: cut at one byte more, and refused.
        let host = scripted(vec![answer("200 OK", b"layer and more")]);
        let e = impatient(&host)
            .get_blob(
                &digest,
                5,
                &dir.path().join("b"),
                &cra_composer::progress::Silent,
            )
            .unwrap_err();
        assert!(matches!(e, RegistryError::Tampered { .. }), "{e}");
        let host = scripted(vec![answer("200 OK", b"layer")]);
        impatient(&host)
            .get_blob(
                &digest,
                5,
                &dir.path().join("b"),
                &cra_composer::progress::Silent,
            )
            .unwrap();
        assert_eq!(std::fs::read(dir.path().join("b")).unwrap(), b"layer");
    }

    /// The referrers API, answered as the OCI distribution spec 1.1 ("Listing Referrers")
    /// specifies (a stand-in: no registry that runs here has the API), and a registry without
    /// it (404).
    #[test]
    fn the_referrers_api_is_used_where_the_registry_has_it() {
        let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        let host = scripted(vec![answer("200 OK", index)]);
        let digest = format!("sha256:{}", "0".repeat(64));
        assert_eq!(
            impatient(&host).referrers(&digest).unwrap().as_deref(),
            Some(&index[..])
        );
        let host = scripted(vec![answer("404 Not Found", b"")]);
        assert_eq!(impatient(&host).referrers(&digest).unwrap(), None);
    }

    #[test]
    fn locations_and_realms_are_compared_by_origin_not_by_prefix() {
        assert!(same_origin("http://h:5000/v2/x", "http://h:5000"));
        assert!(same_origin("HTTP://H:5000/v2/x", "http://h:5000"));
        for other in [
            "http://h:5000.evil/v2/x",
            "http://h:50001/v2/x",
            "https://h:5000/v2/x",
            "http://h:5000@evil/v2/x",
            "/v2/x",
        ] {
            assert!(!same_origin(other, "http://h:5000"), "{other}");
        }
    }

    #[test]
    fn bearer_challenges_are_parsed_as_the_distribution_spec_writes_them() {
        let p = parse_params(
            r#"realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(
            p,
            [
                (
                    "realm".to_string(),
                    "https://auth.example/token".to_string()
                ),
                ("service".to_string(), "registry.example".to_string()),
                ("scope".to_string(), "repository:a/b:pull,push".to_string()),
            ]
        );
        assert_eq!(
            registry_message(br#"{"errors":[{"code":"DENIED","message":"no\u001b"}]}"#),
            Some("no\\u{1b}".to_string())
        );
    }
}
