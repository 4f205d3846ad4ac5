//! Which deployment an incident belongs to, and which deployment restored service.
//!
//! `caused_by` is tried as a deployment id first (tag names are exact and case-sensitive),
//! then, when it is 7+ hex digits, as a commit (case-insensitive prefix). A commit names the
//! deployment that first shipped it: the one whose change set holds it, else the earliest
//! deployment of that commit (a rollback or re-deploy of it ships nothing new). A name that
//! matches nothing, or a short SHA that matches several commits, falls back to the last
//! deployment before the incident opened, and the caller warns about it.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};

use super::model::Deployment;

/// Git's default abbreviation; shorter hex strings are too ambiguous to be commits.
pub const MIN_SHA_PREFIX: usize = 7;

/// Why `caused_by` named no deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Miss {
    /// Neither a deployment id nor a deployed or shipped commit.
    Unknown,
    /// A SHA prefix shared by this many different commits.
    Ambiguous(usize),
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Miss::Unknown => f.write_str("names no deployment or shipped commit"),
            Miss::Ambiguous(n) => write!(f, "is a SHA prefix of {n} commits"),
        }
    }
}

/// Lookups over deployments sorted by time (ties in input order); results are indices into
/// that order.
pub struct Index<'a> {
    times: Vec<DateTime<Utc>>,
    ids: HashMap<&'a str, usize>,
    /// (lowercase SHA, 0 for a shipped change or 1 for a deployed commit, deployment index),
    /// sorted, so a prefix is a contiguous run whose first entry is the first shipper.
    shas: Vec<(String, u8, usize)>,
}

impl<'a> Index<'a> {
    pub fn new(sorted: &[&'a Deployment]) -> Index<'a> {
        let mut ids = HashMap::with_capacity(sorted.len());
        let mut shas = Vec::new();
        for (i, d) in sorted.iter().enumerate() {
            ids.entry(d.id.as_str()).or_insert(i);
            shas.push((d.commit.to_ascii_lowercase(), 1, i));
            shas.extend(d.changes.iter().map(|c| (c.sha.to_ascii_lowercase(), 0, i)));
        }
        shas.sort_unstable();
        Index {
            times: sorted.iter().map(|d| d.deployed_at).collect(),
            ids,
            shas,
        }
    }

    /// The deployment `caused_by` names.
    pub fn resolve(&self, caused_by: &str) -> Result<usize, Miss> {
        let name = caused_by.trim();
        if let Some(&i) = self.ids.get(name) {
            return Ok(i);
        }
        if name.len() < MIN_SHA_PREFIX || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Miss::Unknown);
        }
        let prefix = name.to_ascii_lowercase();
        let start = self.shas.partition_point(|(sha, ..)| *sha < prefix);
        let run = self.shas[start..]
            .iter()
            .take_while(|(sha, ..)| sha.starts_with(&prefix));
        let mut first = None;
        let mut commits = 0;
        for (sha, _, i) in run {
            if first.is_none_or(|(s, _)| s != sha) {
                commits += 1;
            }
            first = first.or(Some((sha, *i)));
        }
        match (first, commits) {
            (Some((_, i)), 1) => Ok(i),
            (None, _) => Err(Miss::Unknown),
            (_, n) => Err(Miss::Ambiguous(n)),
        }
    }

    /// The last deployment strictly before `t`: the contract's fallback cause.
    pub fn last_before(&self, t: DateTime<Utc>) -> Option<usize> {
        self.times.partition_point(|d| *d < t).checked_sub(1)
    }

    /// The first deployment strictly after `opened` and at or before `resolved`: the one that
    /// restored service, for the rework rate.
    pub fn fix(&self, opened: DateTime<Utc>, resolved: DateTime<Utc>) -> Option<usize> {
        let i = self.times.partition_point(|d| *d <= opened);
        self.times
            .get(i)
            .is_some_and(|d| *d <= resolved)
            .then_some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::four_keys::fixtures::{change, deploy, t};

    fn deployments() -> Vec<Deployment> {
        vec![
            deploy(
                "deploy/1",
                "aaaaaaa111111111111111111111111111111111",
                "2026-03-02T10:00:00Z",
                vec![
                    change(
                        "c0ffee0000000000000000000000000000000001",
                        "2026-03-01T10:00:00Z",
                    ),
                    change(
                        "aaaaaaa111111111111111111111111111111111",
                        "2026-03-01T11:00:00Z",
                    ),
                ],
            ),
            deploy(
                "deploy/2",
                "bbbbbbb222222222222222222222222222222222",
                "2026-03-04T10:00:00Z",
                vec![
                    change(
                        "c0ffee1000000000000000000000000000000002",
                        "2026-03-03T10:00:00Z",
                    ),
                    change(
                        "bbbbbbb222222222222222222222222222222222",
                        "2026-03-03T11:00:00Z",
                    ),
                ],
            ),
            // A rollback to deploy/1's commit: ships nothing.
            deploy(
                "deploy/3",
                "aaaaaaa111111111111111111111111111111111",
                "2026-03-05T10:00:00Z",
                vec![],
            ),
        ]
    }

    fn index(ds: &[Deployment]) -> Index<'_> {
        let sorted: Vec<&Deployment> = ds.iter().collect();
        Index::new(&sorted)
    }

    #[test]
    fn caused_by_a_tag_names_that_deployment() {
        let ds = deployments();
        assert_eq!(index(&ds).resolve("deploy/2"), Ok(1));
        assert_eq!(index(&ds).resolve(" deploy/3 "), Ok(2), "trimmed");
        assert_eq!(
            index(&ds).resolve("DEPLOY/2"),
            Err(Miss::Unknown),
            "tags are exact"
        );
    }

    #[test]
    fn caused_by_a_full_sha_names_the_deployment_that_shipped_it() {
        let ds = deployments();
        let idx = index(&ds);
        assert_eq!(
            idx.resolve("c0ffee1000000000000000000000000000000002"),
            Ok(1)
        );
        assert_eq!(
            idx.resolve("C0FFEE1000000000000000000000000000000002"),
            Ok(1)
        );
        assert_eq!(
            idx.resolve("aaaaaaa111111111111111111111111111111111"),
            Ok(0),
            "first shipped by deploy/1, not the rollback that re-deployed it"
        );
    }

    #[test]
    fn caused_by_a_short_sha_matches_by_prefix() {
        let ds = deployments();
        let idx = index(&ds);
        assert_eq!(idx.resolve("bbbbbbb"), Ok(1), "a deployed commit");
        assert_eq!(idx.resolve("c0ffee1"), Ok(1), "a shipped change");
        assert_eq!(
            idx.resolve("c0ffee"),
            Err(Miss::Unknown),
            "6 digits is too short"
        );
        assert_eq!(idx.resolve("c0ffee0"), Ok(0));
    }

    #[test]
    fn a_short_sha_of_several_commits_is_ambiguous() {
        let ds = deployments();
        assert_eq!(index(&ds).resolve("c0ffee00"), Ok(0));
        let mut ds = ds;
        ds[1].changes[0].sha = "c0ffee0000000000000000000000000000000099".into();
        assert_eq!(index(&ds).resolve("c0ffee0"), Err(Miss::Ambiguous(2)));
    }

    #[test]
    fn a_deployed_commit_without_a_change_set_names_its_earliest_deployment() {
        let ds = vec![
            deploy("a", "ddddddd", "2026-03-02T10:00:00Z", vec![]),
            deploy("b", "ddddddd", "2026-03-03T10:00:00Z", vec![]),
        ];
        assert_eq!(index(&ds).resolve("ddddddd"), Ok(0));
    }

    #[test]
    fn an_unknown_name_is_a_miss() {
        let ds = deployments();
        let idx = index(&ds);
        assert_eq!(idx.resolve("deploy/9"), Err(Miss::Unknown));
        assert_eq!(idx.resolve("1234567"), Err(Miss::Unknown));
        assert_eq!(
            Miss::Ambiguous(2).to_string(),
            "is a SHA prefix of 2 commits"
        );
    }

    #[test]
    fn the_fallback_is_the_last_deployment_strictly_before_opening() {
        let ds = deployments();
        let idx = index(&ds);
        assert_eq!(idx.last_before(t("2026-03-04T10:00:01Z")), Some(1));
        assert_eq!(
            idx.last_before(t("2026-03-04T10:00:00Z")),
            Some(0),
            "same instant"
        );
        assert_eq!(
            idx.last_before(t("2026-03-02T10:00:00Z")),
            None,
            "before any"
        );
    }

    #[test]
    fn the_fix_is_the_first_deployment_after_opening_until_resolution() {
        let ds = deployments();
        let idx = index(&ds);
        let opened = t("2026-03-04T09:00:00Z");
        assert_eq!(
            idx.fix(opened, t("2026-03-04T10:00:00Z")),
            Some(1),
            "at resolution"
        );
        assert_eq!(
            idx.fix(opened, t("2026-03-04T09:59:59Z")),
            None,
            "resolved first"
        );
        assert_eq!(
            idx.fix(t("2026-03-04T10:00:00Z"), t("2026-03-06T00:00:00Z")),
            Some(2),
            "not the deployment at the opening instant"
        );
        assert_eq!(
            idx.fix(t("2026-03-06T00:00:00Z"), t("2026-03-07T00:00:00Z")),
            None
        );
    }
}
