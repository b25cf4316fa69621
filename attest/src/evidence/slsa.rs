//! SLSA Provenance v1 (<https://slsa.dev/spec/v1.0/provenance>), the predicate cargo-cra puts in
//! in-toto statements about what it built, and where the build ran.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `predicateType` of SLSA Provenance v1.
pub const PREDICATE_TYPE: &str = cra_model::fileset::PROVENANCE_PREDICATE_TYPE;

/// The provenance predicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Provenance {
    /// What was built, from what, and how.
    pub build_definition: BuildDefinition,
    /// Who built it, and when.
    pub(crate) run_details: RunDetails,
}

impl Provenance {
    /// The provenance of a build of type `build_type` (the URI documenting its parameters).
    pub fn new(
        build_type: &str,
        external_parameters: serde_json::Value,
        internal_parameters: serde_json::Value,
        resolved_dependencies: Vec<ResourceDescriptor>,
        run_details: RunDetails,
    ) -> Self {
        Provenance {
            build_definition: BuildDefinition {
                build_type: build_type.into(),
                external_parameters,
                internal_parameters,
                resolved_dependencies,
            },
            run_details,
        }
    }
}

/// The inputs of the build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuildDefinition {
    /// URI of the document that says what the parameters mean.
    pub(crate) build_type: String,
    /// What the user asked for.
    pub(crate) external_parameters: serde_json::Value,
    /// What the builder added on its own.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub internal_parameters: serde_json::Value,
    /// Every artefact the build read: sources, lock file, toolchain, dependencies.
    #[serde(default)]
    pub resolved_dependencies: Vec<ResourceDescriptor>,
}

/// An artefact, by URI, name and digests (in-toto ResourceDescriptor).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceDescriptor {
    /// Where the artefact comes from (purl, git URL, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Algorithm (`sha256`, `gitCommit`, ...) → digest.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digest: BTreeMap<String, String>,
    /// A name for the artefact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Further facts about the artefact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<serde_json::Value>,
}

/// The build's execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunDetails {
    /// The build platform.
    pub(crate) builder: Builder,
    /// Invocation id and times.
    pub metadata: BuildMetadata,
}

/// The build platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Builder {
    /// URI identifying the builder (a CI workflow, or cargo-cra on a local machine).
    pub id: String,
    /// Versions of the builder's components.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub version: BTreeMap<String, String>,
}

/// When and as what the build ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuildMetadata {
    /// Unique id of this invocation (a CI run URL, or a random UUID).
    pub(crate) invocation_id: String,
    /// RFC 3339 start time.
    pub(crate) started_on: String,
    /// RFC 3339 end time.
    pub(crate) finished_on: String,
}

impl RunDetails {
    /// Run details of cargo-cra on `platform`: the builder id, cargo-cra's version, the CI run
    /// (or `local_invocation_id` outside CI) and the start and end times.
    pub fn new(
        platform: &BuildPlatform,
        local_invocation_id: &str,
        started_on: &str,
        finished_on: &str,
    ) -> Self {
        RunDetails {
            builder: Builder {
                id: platform.builder_id.clone(),
                version: BTreeMap::from([(
                    "cargo-cra".to_string(),
                    env!("CARGO_PKG_VERSION").to_string(),
                )]),
            },
            metadata: BuildMetadata {
                invocation_id: platform
                    .invocation_id
                    .clone()
                    .unwrap_or_else(|| local_invocation_id.to_string()),
                started_on: started_on.into(),
                finished_on: finished_on.into(),
            },
        }
    }
}

/// RFC 3339 UTC form of `secs` since the epoch (such as `2024-05-01T12:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a valid timestamp always formats")
}

/// The current time in RFC 3339 UTC form.
pub fn now_rfc3339() -> String {
    rfc3339(time::OffsetDateTime::now_utc().unix_timestamp())
}

/// Where a build is running: GitHub Actions, GitLab CI, or a local machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildPlatform {
    /// `runDetails.builder.id`.
    pub(crate) builder_id: String,
    /// A CI run's URL, when in CI.
    pub(crate) invocation_id: Option<String>,
}

/// Builder id of cargo-cra run on a developer's or factory's own machine.
pub const LOCAL_BUILDER_ID: &str = cra_model::media::LOCAL_BUILDER_ID;

impl BuildPlatform {
    /// Detects the platform from `env` (a lookup of environment variables): GitHub Actions
    /// (`GITHUB_ACTIONS`), GitLab CI (`GITLAB_CI`), else local.
    pub fn detect(env: impl Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| env(k).filter(|v| !v.is_empty());
        if get("GITHUB_ACTIONS").as_deref() == Some("true") {
            let server = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
            let builder_id = match get("GITHUB_WORKFLOW_REF") {
                Some(wf) => format!("{server}/{wf}"),
                None => format!("{server}/{}", get("GITHUB_REPOSITORY").unwrap_or_default()),
            };
            let invocation_id = match (get("GITHUB_REPOSITORY"), get("GITHUB_RUN_ID")) {
                (Some(repo), Some(run)) => Some(format!(
                    "{server}/{repo}/actions/runs/{run}/attempts/{}",
                    get("GITHUB_RUN_ATTEMPT").unwrap_or_else(|| "1".into())
                )),
                _ => None,
            };
            return BuildPlatform {
                builder_id,
                invocation_id,
            };
        }
        if get("GITLAB_CI").as_deref() == Some("true") {
            let server = get("CI_SERVER_URL").unwrap_or_else(|| "https://gitlab.com".into());
            let project = get("CI_PROJECT_PATH").unwrap_or_default();
            let builder_id = match get("CI_RUNNER_ID") {
                Some(r) => format!("{server}/{project}/-/runners/{r}"),
                None => format!("{server}/{project}"),
            };
            return BuildPlatform {
                builder_id,
                invocation_id: get("CI_JOB_URL"),
            };
        }
        BuildPlatform {
            builder_id: LOCAL_BUILDER_ID.into(),
            invocation_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn detects_github_gitlab_and_local() {
        let gh = BuildPlatform::detect(env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "acme/gw"),
            (
                "GITHUB_WORKFLOW_REF",
                "acme/gw/.github/workflows/release.yml@refs/tags/v1",
            ),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_RUN_ATTEMPT", "2"),
        ]));
        assert_eq!(
            gh.builder_id,
            "https://github.com/acme/gw/.github/workflows/release.yml@refs/tags/v1"
        );
        assert_eq!(
            gh.invocation_id.as_deref(),
            Some("https://github.com/acme/gw/actions/runs/42/attempts/2")
        );
        let gl = BuildPlatform::detect(env(&[
            ("GITLAB_CI", "true"),
            ("CI_SERVER_URL", "https://gitlab.example.com"),
            ("CI_PROJECT_PATH", "acme/gw"),
            ("CI_RUNNER_ID", "7"),
            ("CI_JOB_URL", "https://gitlab.example.com/acme/gw/-/jobs/9"),
        ]));
        assert_eq!(
            gl.builder_id,
            "https://gitlab.example.com/acme/gw/-/runners/7"
        );
        assert_eq!(
            gl.invocation_id.as_deref(),
            Some("https://gitlab.example.com/acme/gw/-/jobs/9")
        );
        let local = BuildPlatform::detect(env(&[]));
        assert_eq!(local.builder_id, LOCAL_BUILDER_ID);
        assert_eq!(local.invocation_id, None);
    }
}
