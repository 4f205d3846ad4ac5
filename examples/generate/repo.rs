//! `generate repo DIR`: a small git repository for the `vitals four-keys` demo, with real
//! commits at fixed dates over the twelve weeks before the example config's `now`
//! (2026-11-22T09:00:00+09:00): work on `services/api` and `web`, feature branches merged with
//! merge commits, deploy tags on Tuesdays (lightweight) and Thursdays (annotated), one hotfix,
//! a Saturday-night deploy just before the API incident of `examples/slo` (no incident filed
//! yet: only the SLOs know), and the incidents CSV that goes with it. Built with the `git`
//! command; same git, same SHAs.

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};

/// Marks a directory this generator made, so a rerun may replace it.
const MARKER: &str = "vitals-example";

struct Repo<'a> {
    dir: &'a Path,
}

impl Repo<'_> {
    fn git(&self, args: &[&str], at: DateTime<Utc>) -> Result<String, String> {
        let date = at.to_rfc3339();
        let out = Command::new("git")
            .args(args)
            .current_dir(self.dir)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env("GIT_AUTHOR_NAME", "Demo Dev")
            .env("GIT_AUTHOR_EMAIL", "dev@example.test")
            .env("GIT_COMMITTER_NAME", "Demo Dev")
            .env("GIT_COMMITTER_EMAIL", "dev@example.test")
            // The user's own git config (signing, hooks, default branch) must not change the
            // repository.
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .map_err(|e| format!("git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn commit(&self, file: &str, message: &str, at: DateTime<Utc>) -> Result<(), String> {
        let path = self.dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push_str(message);
        text.push('\n');
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        self.git(&["add", file], at)?;
        self.git(&["commit", "-q", "-m", message], at)?;
        Ok(())
    }

    fn head(&self) -> Result<String, String> {
        self.git(&["rev-parse", "HEAD"], Utc::now())
    }
}

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

pub fn repo(dir: &Path, incidents: &Path) -> Result<(), String> {
    if dir.exists() {
        if !dir.join(".git").join(MARKER).exists() {
            return Err(format!(
                "{} exists and was not made by this generator: remove it or pick another",
                dir.display()
            ));
        }
        std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let r = Repo { dir };
    let start = utc(2026, 8, 31, 0); // a Monday, 12 weeks before now
    r.git(&["init", "-q", "-b", "main"], start)?;
    std::fs::write(dir.join(".git").join(MARKER), "").map_err(|e| e.to_string())?;
    r.commit("README.md", "shop: first commit", start)?;
    let mut tags: Vec<(String, String)> = Vec::new(); // (tag, commit)
    for day in 0..82 {
        let date = start + Duration::days(day);
        let weekday = date.weekday();
        if matches!(weekday, Weekday::Sat | Weekday::Sun) {
            continue;
        }
        let week = day / 7;
        let n = day + 1;
        // Morning API work every weekday, web work every other day (JST office hours).
        r.commit(
            &format!("services/api/src/handler_{}.rs", n % 5),
            &format!("api: change {n}"),
            date + Duration::hours(1),
        )?;
        if day % 2 == 0 {
            r.commit(
                &format!("web/src/page_{}.ts", n % 3),
                &format!("web: change {n}"),
                date + Duration::hours(5),
            )?;
        }
        // A feature branch merged on Wednesdays of even weeks, its work dated two days earlier.
        if weekday == Weekday::Wed && week % 2 == 0 {
            let branch = format!("feature/search-{week}");
            r.git(&["checkout", "-q", "-b", &branch], date)?;
            r.commit(
                "services/api/src/search.rs",
                &format!("search: index v{week}"),
                date - Duration::days(2) + Duration::hours(2),
            )?;
            r.commit(
                "web/src/search.ts",
                &format!("search: results page v{week}"),
                date - Duration::days(1) + Duration::hours(2),
            )?;
            r.git(&["checkout", "-q", "main"], date)?;
            r.git(
                &[
                    "merge",
                    "-q",
                    "--no-ff",
                    "-m",
                    &format!("Merge {branch}"),
                    &branch,
                ],
                date + Duration::hours(3),
            )?;
        }
        // The hotfix for INC-1: fixed and deployed the morning after.
        if date == utc(2026, 10, 14, 0) {
            r.commit(
                "services/api/src/checkout.rs",
                "fix: checkout crash on empty cart",
                date + Duration::hours(3),
            )?;
            let tag = "deploy/2026-10-14-hotfix";
            r.git(
                &["tag", "-a", tag, "-m", "hotfix: checkout crash"],
                date + Duration::hours(4),
            )?;
            tags.push((tag.into(), r.head()?));
        }
        let tag = format!("deploy/{}", date.format("%Y-%m-%d"));
        match weekday {
            Weekday::Tue => r.git(&["tag", &tag], date)?,
            Weekday::Thu => r.git(
                &[
                    "tag",
                    "-a",
                    &tag,
                    "-m",
                    &format!("release {}", date.format("%Y-%m-%d")),
                ],
                date + Duration::hours(8),
            )?,
            _ => continue,
        };
        tags.push((tag, r.head()?));
    }
    // Saturday night: a connection-pool change goes out at 23:10 UTC; five minutes later 6 %
    // of API requests start failing (examples/slo/data/api.csv), 50 minutes before `now`.
    let saturday = utc(2026, 11, 21, 0);
    r.commit(
        "services/api/src/pool.rs",
        "api: one connection pool per upstream host",
        saturday + Duration::hours(22) + Duration::minutes(20),
    )?;
    r.commit(
        "services/api/src/pool.rs",
        "api: pool size from API_POOL_SIZE",
        saturday + Duration::hours(22) + Duration::minutes(45),
    )?;
    let tag = "deploy/2026-11-21";
    r.git(
        &[
            "tag",
            "-a",
            tag,
            "-m",
            "release 2026-11-21: connection pooling",
        ],
        saturday + Duration::hours(23) + Duration::minutes(10),
    )?;
    tags.push((tag.into(), r.head()?));
    let commit_of = |tag: &str| {
        tags.iter()
            .find(|(t, _)| t == tag)
            .map(|(_, c)| c[..12].to_string())
            .ok_or_else(|| format!("no tag {tag}"))
    };
    let csv = format!(
        "id,opened_at,resolved_at,caused_by\n\
         INC-1,2026-10-13T09:00:00Z,2026-10-14T04:30:00Z,deploy/2026-10-13\n\
         INC-2,2026-09-17T12:00:00Z,2026-09-17T14:00:00Z,\n\
         INC-3,2026-11-05T10:00:00Z,2026-11-05T11:30:00Z,{}\n\
         INC-4,2026-11-19T20:00:00Z,,\n",
        commit_of("deploy/2026-11-05")?
    );
    if let Some(parent) = incidents.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::write(incidents, csv).map_err(|e| format!("{}: {e}", incidents.display()))?;
    eprintln!(
        "generate: repository in {} ({} deploy tags), incidents in {}",
        dir.display(),
        tags.len(),
        incidents.display()
    );
    Ok(())
}
