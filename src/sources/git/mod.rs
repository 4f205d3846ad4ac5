//! Deployments from a local git repository (libgit2): tags matching a glob are deployments,
//! at the tag time (an annotated tag's tagger date, a lightweight tag's committer date); a
//! deployment's changes are the commits reachable from it and from no deployment before it in
//! time, however far back, so tags re-created late and rollbacks ship nothing again.
//! Deployments may also come from records kept elsewhere (a deployments CSV), with change sets
//! still from the repository.
//!
//! Tag globs are matched as `git tag -l` and `git describe --match` match them (wildmatch
//! without pathname rules): `*` also matches `/`, so `deploy/*` takes `deploy/eu/42` too.

use std::path::Path;

use chrono::{DateTime, Utc};

mod walk;

use super::SourceError;
use crate::domain::four_keys::{Change, Deployment};

/// Which commit time a change's lead time starts at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CommitTime {
    #[default]
    Committer,
    Author,
}

fn time(t: git2::Time) -> DateTime<Utc> {
    DateTime::from_timestamp(t.seconds(), 0).unwrap_or(DateTime::UNIX_EPOCH)
}

fn git_error(path: &Path, e: git2::Error) -> SourceError {
    SourceError::Input(format!("{}: git: {}", path.display(), e.message()))
}

/// A tag glob as `git tag -l` reads it (wildmatch), checked: an unclosed `[` or a trailing
/// `\` makes libgit2 match nothing at all, which would look like a repository without
/// deployments instead of a typo.
pub fn tag_glob(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("an empty pattern matches no tag".into());
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 == bytes.len() => {
                return Err(format!("{text:?}: a `\\` at the end escapes nothing"))
            }
            b'\\' => i += 2,
            b'[' => {
                // `]` right after `[` (or `[!`, `[^`) is a member, not the end.
                let mut j = i + 1;
                if matches!(bytes.get(j), Some(b'!' | b'^')) {
                    j += 1;
                }
                if bytes.get(j) == Some(&b']') {
                    j += 1;
                }
                while j < bytes.len() && bytes[j] != b']' {
                    // A class such as `[:alpha:]` holds a `]` of its own.
                    if bytes[j] == b'[' && bytes.get(j + 1) == Some(&b':') {
                        if let Some(end) = text[j + 2..].find(":]") {
                            j += end + 4;
                            continue;
                        }
                    }
                    j += 1;
                }
                if j >= bytes.len() {
                    return Err(format!(
                        "{text:?}: the `[` at character {} is never closed (write `\\[` for a literal one)",
                        i + 1
                    ));
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    Ok(text.to_string())
}

/// What to read.
pub struct GitQuery<'a> {
    pub tag_glob: &'a str,
    pub hotfix: Option<&'a glob::Pattern>,
    pub commit_time: CommitTime,
    /// Changes are listed only for deployments at or after this; older ones still bound them
    /// (a commit any earlier deployment shipped is never a change), so no figure depends on
    /// how far back this reaches.
    pub changes_since: DateTime<Utc>,
    /// Also list each change's paths (for `--path`).
    pub with_paths: bool,
}

fn open(path: &Path) -> Result<git2::Repository, SourceError> {
    // Objects come from the repository the user trusts; `git log` does not re-hash them
    // either, and hashing was a tenth of a large run. The walk reads each commit once and
    // keeps what it needs, so libgit2's object cache would only hold copies.
    git2::opts::strict_hash_verification(false);
    git2::opts::enable_caching(false);
    // From a subdirectory of a clone too, as git finds its repository: upwards.
    let repo = git2::Repository::discover(path).map_err(|e| {
        SourceError::Input(format!(
            "{}: not a git repository ({})",
            path.display(),
            e.message()
        ))
    })?;
    if repo.is_shallow() {
        return Err(SourceError::Input(format!(
            "{}: a shallow clone lacks the history lead times need: run `git fetch --unshallow` (actions/checkout: fetch-depth: 0)",
            path.display()
        )));
    }
    Ok(repo)
}

/// A deployment before its change set is known.
struct Deployed {
    at: DateTime<Utc>,
    id: String,
    commit: git2::Oid,
    /// The commit's committer date (seconds): where the walk files it.
    committed: i64,
    /// Tag message or commit summary: what `--hotfix-pattern` is tried on besides the id.
    message: String,
}

/// Deployments from the tags matching `q.tag_glob`.
pub fn deployments(path: &Path, q: &GitQuery<'_>) -> Result<Vec<Deployment>, SourceError> {
    let repo = open(path)?;
    let names = repo
        .tag_names(Some(q.tag_glob))
        .map_err(|e| git_error(path, e))?;
    let mut deployed = Vec::new();
    for name in names.iter().flatten().flatten() {
        let object = repo
            .revparse_single(&format!("refs/tags/{name}"))
            .map_err(|e| git_error(path, e))?;
        let commit = object.peel_to_commit().map_err(|e| git_error(path, e))?;
        let (at, message) = match object.as_tag() {
            Some(tag) => (
                tag.tagger()
                    .map(|s| time(s.when()))
                    .unwrap_or_else(|| time(commit.committer().when())),
                tag.message_bytes()
                    .map(|m| String::from_utf8_lossy(m).into_owned())
                    .unwrap_or_default(),
            ),
            None => (time(commit.committer().when()), summary(&commit)),
        };
        deployed.push(Deployed {
            at,
            id: name.to_string(),
            commit: commit.id(),
            committed: commit.committer().when().seconds(),
            message,
        });
    }
    change_sets(&repo, path, deployed, q)
}

fn summary(commit: &git2::Commit<'_>) -> String {
    commit
        .summary_bytes()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .unwrap_or_default()
}

/// A deployment recorded outside git (a deployments CSV row): its commit is a SHA or any
/// revision the repository resolves (a tag, a branch).
pub struct DeployRecord {
    pub id: String,
    pub deployed_at: DateTime<Utc>,
    pub commit: String,
    /// `file:line`, for errors.
    pub origin: String,
}

/// Deployments as recorded elsewhere, with change sets from the repository at `path`.
pub fn recorded_deployments(
    path: &Path,
    records: &[DeployRecord],
    q: &GitQuery<'_>,
) -> Result<Vec<Deployment>, SourceError> {
    let repo = open(path)?;
    let mut deployed = Vec::with_capacity(records.len());
    for r in records {
        let commit = repo
            .revparse_single(&r.commit)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| {
                SourceError::Input(format!(
                    "{}: column `commit`: {:?} is not a commit of {} ({})",
                    r.origin,
                    r.commit,
                    path.display(),
                    e.message()
                ))
            })?;
        deployed.push(Deployed {
            at: r.deployed_at,
            id: r.id.clone(),
            commit: commit.id(),
            committed: commit.committer().when().seconds(),
            message: summary(&commit),
        });
    }
    change_sets(&repo, path, deployed, q)
}

/// Each deployment's changes: commits reachable from it and from no deployment before it in
/// time.
fn change_sets(
    repo: &git2::Repository,
    path: &Path,
    mut deployed: Vec<Deployed>,
    q: &GitQuery<'_>,
) -> Result<Vec<Deployment>, SourceError> {
    // Two deployments at one instant (or on one commit) keep a stable order: by id.
    deployed.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    let mut graph = walk::Graph::new(repo);
    let mut out = Vec::with_capacity(deployed.len());
    for d in &deployed {
        let mut changes = Vec::new();
        if d.at < q.changes_since {
            graph.take_unlisted(d.commit, d.committed);
        } else {
            for shipped in graph.take(d.commit).map_err(|e| git_error(path, e))? {
                let seconds = match q.commit_time {
                    CommitTime::Committer => shipped.committer,
                    CommitTime::Author => shipped.author,
                };
                let paths = if q.with_paths {
                    let commit = repo
                        .find_commit(shipped.id)
                        .map_err(|e| git_error(path, e))?;
                    changed_paths(repo, &commit).map_err(|e| git_error(path, e))?
                } else {
                    Vec::new()
                };
                changes.push(Change {
                    sha: shipped.id.to_string(),
                    committed_at: DateTime::from_timestamp(seconds, 0)
                        .unwrap_or(DateTime::UNIX_EPOCH),
                    paths,
                });
            }
        }
        let is_hotfix = q
            .hotfix
            .is_some_and(|p| p.matches(&d.id) || p.matches(d.message.lines().next().unwrap_or("")));
        out.push(Deployment {
            id: d.id.clone(),
            commit: d.commit.to_string(),
            deployed_at: d.at,
            is_hotfix,
            changes,
        });
    }
    Ok(out)
}

/// The `--path` prefixes under which no deployment's tree holds a file: a typo or a directory
/// that never existed, which would otherwise filter out every change in silence.
pub fn paths_in_no_tree(
    path: &Path,
    deployments: &[Deployment],
    prefixes: &[String],
) -> Result<Vec<String>, SourceError> {
    let wanted: Vec<(&String, &str)> = prefixes
        .iter()
        .map(|prefix| (prefix, crate::domain::four_keys::normalize_prefix(prefix)))
        .filter(|(_, p)| !p.is_empty())
        .collect();
    // No `--path` (the usual run): nothing to open or load.
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let repo = open(path)?;
    let tree_of = |commit: &str| -> Result<git2::Tree<'_>, SourceError> {
        let id = git2::Oid::from_str(commit).map_err(|e| git_error(path, e))?;
        let commit = repo.find_commit(id).map_err(|e| git_error(path, e))?;
        commit.tree().map_err(|e| git_error(path, e))
    };
    // Newest first, loaded only as far as needed: a path that exists at all usually exists now.
    let mut seen = std::collections::HashSet::new();
    let mut commits = deployments
        .iter()
        .rev()
        .map(|d| d.commit.as_str())
        .filter(|c| seen.insert(*c));
    let mut trees = Vec::new();
    let mut missing = Vec::new();
    for (prefix, p) in wanted {
        let p = Path::new(p);
        let mut found = trees.iter().any(|t: &git2::Tree| t.get_path(p).is_ok());
        while !found {
            let Some(commit) = commits.next() else { break };
            let tree = tree_of(commit)?;
            found = tree.get_path(p).is_ok();
            trees.push(tree);
        }
        if !found {
            missing.push(prefix.clone());
        }
    }
    Ok(missing)
}

/// Paths a commit changed against its first parent (all its files for a root commit).
fn changed_paths(
    repo: &git2::Repository,
    commit: &git2::Commit<'_>,
) -> Result<Vec<String>, git2::Error> {
    let tree = commit.tree()?;
    let parent = commit.parents().next().map(|p| p.tree()).transpose()?;
    let diff = repo.diff_tree_to_tree(parent.as_ref(), Some(&tree), None)?;
    Ok(diff
        .deltas()
        .filter_map(|d| {
            d.new_file()
                .path()
                .or_else(|| d.old_file().path())
                .map(|p| p.to_string_lossy().into_owned())
        })
        .collect())
}

/// Deployment records from `id,deployed_at,commit` (RFC 3339 times).
pub fn deploy_records(path: &Path) -> Result<Vec<DeployRecord>, SourceError> {
    use super::time::parse_timestamp;
    let (mut reader, [id, deployed, commit]) =
        super::files::csv_columns(path, ["id", "deployed_at", "commit"])?;
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let fallback = i as u64 + 2;
        let record = record.map_err(|e| super::files::csv_error(path, fallback, &e))?;
        let line = super::files::record_line(&record, fallback);
        let origin = format!("{}:{line}", path.display());
        let cell = |c: usize, name: &str| -> Result<String, SourceError> {
            let text = record.get(c).unwrap_or("").trim();
            if text.is_empty() {
                return Err(SourceError::Input(format!(
                    "{origin}: column `{name}`: missing"
                )));
            }
            Ok(text.to_string())
        };
        let at = cell(deployed, "deployed_at")?;
        let deployed_at = parse_timestamp(&at).ok_or_else(|| {
            SourceError::Input(format!(
                "{origin}: column `deployed_at`: {at:?} is not an RFC 3339 time"
            ))
        })?;
        out.push(DeployRecord {
            id: cell(id, "id")?,
            deployed_at,
            commit: cell(commit, "commit")?,
            origin,
        });
    }
    Ok(out)
}

/// Incidents from `id,opened_at,resolved_at,caused_by` (times RFC 3339; the last two may be
/// empty).
pub fn incidents(path: &Path) -> Result<Vec<crate::domain::four_keys::Incident>, SourceError> {
    use super::time::parse_timestamp;
    let (mut reader, [id, opened, resolved, caused]) =
        super::files::csv_columns(path, ["id", "opened_at", "resolved_at", "caused_by"])?;
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let fallback = i as u64 + 2;
        let record = record.map_err(|e| super::files::csv_error(path, fallback, &e))?;
        let line = super::files::record_line(&record, fallback);
        let cell = |c: usize| record.get(c).unwrap_or("").trim().to_string();
        let when = |c: usize, name: &str| -> Result<Option<DateTime<Utc>>, SourceError> {
            let text = cell(c);
            if text.is_empty() {
                return Ok(None);
            }
            parse_timestamp(&text).map(Some).ok_or_else(|| {
                SourceError::Input(format!(
                    "{}:{line}: column `{name}`: {text:?} is not an RFC 3339 time",
                    path.display()
                ))
            })
        };
        let opened_at = when(opened, "opened_at")?.ok_or_else(|| {
            SourceError::Input(format!(
                "{}:{line}: column `opened_at`: missing",
                path.display()
            ))
        })?;
        let caused_by = Some(cell(caused)).filter(|c| !c.is_empty());
        out.push(crate::domain::four_keys::Incident {
            id: cell(id),
            opened_at,
            resolved_at: when(resolved, "resolved_at")?,
            caused_by,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tag_glob_tests {
    use super::tag_glob;

    #[test]
    fn an_unclosed_bracket_or_a_dangling_escape_is_refused() {
        for bad in ["[", "deploy/[", "deploy/[abc", "deploy\\", "", "[]"] {
            assert!(tag_glob(bad).is_err(), "{bad:?}");
        }
        for good in [
            "deploy/*",
            "v[0-9]*",
            "[]]x",
            "[!a]*",
            "\\[literal",
            "[[:digit:]]*",
            "**",
        ] {
            assert_eq!(tag_glob(good).as_deref(), Ok(good), "{good:?}");
        }
    }
}
