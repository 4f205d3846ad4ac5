//! Crash-free counts from the GA4 export in BigQuery (`queries/crash_free.sql`): the same
//! [`CrashCounts`] the local engine computes, so both paths render identical reports.

use chrono::NaiveDate;
use gcp_bigquery_client::model::table_row::TableRow;

use super::{BigQuery, Cells, Columns, DatasetId, Param};
use crate::domain::crash_free::{
    parse_event_date, Counts, CrashCounts, CrashKind, DayRange, Platform, ReleaseWindow, Window,
};
use crate::sources::SourceError;

const SQL: &str = include_str!("../../../queries/crash_free.sql");
const RELEASE_SQL: &str = include_str!("../../../queries/crash_free_release.sql");

fn suffix(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// The SQL and its parameters for `range`.
pub fn query(dataset: &DatasetId, range: DayRange, crash: CrashKind) -> (String, Vec<Param>) {
    let sql = SQL.replace("{events_table}", &dataset.events_wildcard());
    let params = vec![
        Param::string("first_day", suffix(range.first())),
        Param::string("last_day", suffix(range.last())),
        Param::string("first_day_7d", suffix(range.window_start(Window::Days7))),
        Param::string("first_day_30d", suffix(range.window_start(Window::Days30))),
        Param::string("crash", crash.as_str()),
    ];
    (sql, params)
}

pub async fn dry_run(
    bq: &BigQuery,
    dataset: &DatasetId,
    range: DayRange,
    crash: CrashKind,
) -> Result<u64, SourceError> {
    let (sql, params) = query(dataset, range, crash);
    bq.dry_run(&dataset.project, &sql, &params).await
}

/// The counts, built page by page as the result streams in: memory follows the counts (days ×
/// platforms × versions), not the rows.
pub async fn fetch(
    bq: &BigQuery,
    dataset: &DatasetId,
    range: DayRange,
    crash: CrashKind,
) -> Result<CrashCounts, SourceError> {
    let (sql, params) = query(dataset, range, crash);
    let mut counts = CrashCounts::default();
    bq.query_pages(&dataset.project, &sql, &params, |columns, page| {
        each_row(columns, page, |row| add_row(dataset, &mut counts, row))
    })
    .await?;
    Ok(counts)
}

/// The SQL and its parameters for one release window.
pub fn release_query(
    dataset: &DatasetId,
    window: &ReleaseWindow,
    crash: CrashKind,
) -> (String, Vec<Param>) {
    let sql = RELEASE_SQL.replace("{events_table}", &dataset.events_wildcard());
    let params = vec![
        Param::string("first_day", suffix(window.first)),
        Param::string("last_day", suffix(window.last)),
        Param::string("version", window.version.clone()),
        Param::string("crash", crash.as_str()),
    ];
    (sql, params)
}

/// One release window's users per platform (platforms without users are absent).
pub async fn fetch_release(
    bq: &BigQuery,
    dataset: &DatasetId,
    window: &ReleaseWindow,
    crash: CrashKind,
) -> Result<Vec<(Platform, Counts)>, SourceError> {
    let (sql, params) = release_query(dataset, window, crash);
    let mut release = Vec::new();
    bq.query_pages(&dataset.project, &sql, &params, |columns, page| {
        each_row(columns, page, |row| {
            let platform = match Platform::from_export(row.field("platform").unwrap_or_default()) {
                Some(Ok(p)) => p,
                _ => {
                    return Err(SourceError::Upstream(
                        "BigQuery: unexpected platform in the release result".into(),
                    ))
                }
            };
            release.push((platform, row.counts()?));
            Ok(())
        })
    })
    .await?;
    Ok(release)
}

/// Runs `add` over one page's rows, each with where its columns are.
fn each_row(
    columns: &Columns,
    page: Vec<TableRow>,
    mut add: impl FnMut(&Row) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    for row in page {
        add(&Row {
            columns,
            cells: columns.cells(row)?,
        })?;
    }
    Ok(())
}

/// One result row and where its columns are.
struct Row<'c> {
    columns: &'c Columns,
    cells: Cells,
}

impl Row<'_> {
    fn field(&self, name: &str) -> Option<&str> {
        self.cells.get(self.columns, name)
    }

    fn number(&self, name: &str) -> Result<u64, SourceError> {
        self.field(name)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                SourceError::Upstream(format!("BigQuery: result column `{name}` is not a count"))
            })
    }

    /// The row's users and crashed users.
    fn counts(&self) -> Result<Counts, SourceError> {
        Ok(Counts {
            users: self.number("users")?,
            crashed_users: self.number("crashed_users")?,
        })
    }
}

/// Adds one of the query's rows to the counts; rows with platforms vitals cannot classify are
/// bad input, as in the local engine.
fn add_row(dataset: &DatasetId, counts: &mut CrashCounts, row: &Row) -> Result<(), SourceError> {
    let scope = row.field("scope").unwrap_or_default();
    let platform_text = row.field("platform").unwrap_or_default();
    if scope == "unknown_platform" {
        return Err(SourceError::Input(format!(
            "BigQuery {dataset}: field `platform`: unknown value {platform_text:?} in {} rows (first on {}; expected ANDROID, IOS or WEB)",
            row.number("users")?,
            row.field("day").unwrap_or("?"),
        )));
    }
    let platform = match Platform::from_export(platform_text) {
        Some(Ok(p)) => p,
        _ => {
            return Err(SourceError::Upstream(format!(
                "BigQuery: unexpected platform {:?} in the result",
                crate::redact::excerpt(platform_text, 60)
            )))
        }
    };
    let c = row.counts()?;
    let window = match scope {
        "day" => {
            let day = row
                .field("day")
                .and_then(|d| parse_event_date(d.as_bytes()))
                .ok_or_else(|| {
                    SourceError::Input(format!(
                        "BigQuery {dataset}: field `event_date`: not a YYYYMMDD date"
                    ))
                })?;
            counts.daily.insert((platform, day), c);
            return Ok(());
        }
        "7d" => Window::Days7,
        "30d" => Window::Days30,
        other => {
            return Err(SourceError::Upstream(format!(
                "BigQuery: unexpected scope {:?} in the result",
                crate::redact::excerpt(other, 60)
            )))
        }
    };
    match row.field("version") {
        Some(version) => counts
            .versions
            .insert((platform, version.to_string(), window), c),
        None => counts.windows.insert((platform, window), c),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_cover_exactly_the_report_range() {
        let range = DayRange::ending(NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(), 60);
        let (sql, params) = query(
            &DatasetId::parse("p.analytics_1").unwrap(),
            range,
            CrashKind::Fatal,
        );
        assert!(sql.contains("`p.analytics_1.events_*`"));
        assert!(!sql.contains("{events_table}"));
        let values: Vec<(&str, &str)> = params.iter().map(|p| (p.name, p.value.as_str())).collect();
        assert_eq!(
            values,
            [
                ("first_day", "20260923"),
                ("last_day", "20261121"),
                ("first_day_7d", "20261115"),
                ("first_day_30d", "20261023"),
                ("crash", "fatal")
            ]
        );
    }

    #[test]
    fn release_parameters_are_the_window_and_the_version() {
        let window = ReleaseWindow {
            version: "5.13.0".into(),
            first: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            last: NaiveDate::from_ymd_opt(2026, 11, 9).unwrap(),
        };
        let (sql, params) = release_query(
            &DatasetId::parse("p.analytics_1").unwrap(),
            &window,
            CrashKind::Any,
        );
        assert!(sql.contains("`p.analytics_1.events_*`"));
        let values: Vec<(&str, &str)> = params.iter().map(|p| (p.name, p.value.as_str())).collect();
        assert_eq!(
            values,
            [
                ("first_day", "20261103"),
                ("last_day", "20261109"),
                ("version", "5.13.0"),
                ("crash", "any")
            ]
        );
    }

    #[test]
    fn sql_comments_never_name_parameters_with_an_at_sign() {
        // bqemulator binds every `@name` in the text, comments included.
        for line in SQL
            .lines()
            .chain(RELEASE_SQL.lines())
            .filter(|l| l.trim_start().starts_with("--"))
        {
            assert!(!line.contains('@'), "{line}");
        }
    }
}
