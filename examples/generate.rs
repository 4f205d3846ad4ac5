//! Deterministic example data for vitals: GA4 export rows shaped like BigQuery's export.
//!
//! `cargo run --release --example generate -- ga4 --out DIR [--profile demo|bench]
//!   [--end YYYY-MM-DD] [--days N] [--format ndjson.gz|ndjson|parquet] [--single-file]`
//! `cargo run --release --example generate -- slo --out DIR`: metric CSVs for `vitals slo`.
//! `cargo run --release --example generate -- trace --out FILE`: an ECS CPU trace for `vitals autoscale`.
//! `cargo run --example generate -- repo DIR [--incidents FILE]`: a git repository with deploy
//! tags and its incidents CSV for `vitals four-keys` (see generate/repo.rs).
//!
//! The story it tells: Android 5.13.0 ships a crash regression, fixed by 5.13.1 a week later;
//! iOS stays healthy; weekends are quieter; a few WEB rows and consent-mode pings (no
//! `user_pseudo_id`) are mixed in, as in real exports. Same arguments, same bytes.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, Schema};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use flate2::write::GzEncoder;

#[path = "generate/repo.rs"]
mod repo;

/// splitmix64: tiny, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Release {
    version: &'static str,
    /// Day index (from the first day) it reaches users.
    day: i64,
    /// Probability that an active user crashes on a given day.
    crash_rate: f64,
}

struct PlatformSpec {
    name: &'static str,
    app_id: &'static str,
    store: &'static str,
    pool: usize,
    activity: f64,
    releases: Vec<Release>,
    brands: &'static [(&'static str, &'static str)],
    os: &'static str,
}

struct User {
    id: String,
    platform: usize,
    version: usize,
    activity: f64,
    first_touch: i64,
    device: usize,
}

struct Profile {
    scale: f64,
    events_per_day: u64,
    rich: bool,
}

fn platforms(days: i64) -> Vec<PlatformSpec> {
    let at = |back: i64| (days - back).max(0);
    vec![
        PlatformSpec {
            name: "ANDROID",
            app_id: "com.example.shop",
            store: "com.android.vending",
            pool: 5200,
            activity: 0.42,
            releases: vec![
                Release {
                    version: "5.11.2",
                    day: 0,
                    crash_rate: 0.00012,
                },
                Release {
                    version: "5.12.0",
                    day: at(48),
                    crash_rate: 0.00008,
                },
                Release {
                    version: "5.13.0",
                    day: at(19),
                    crash_rate: 0.0009,
                },
                Release {
                    version: "5.13.1",
                    day: at(12),
                    crash_rate: 0.00007,
                },
            ],
            brands: &[
                ("Samsung", "SM-S918B"),
                ("Google", "Pixel 8"),
                ("Xiaomi", "2201117TG"),
                ("Sony", "XQ-DQ72"),
            ],
            os: "Android",
        },
        PlatformSpec {
            name: "IOS",
            app_id: "com.example.shop.ios",
            store: "manual_install",
            pool: 4000,
            activity: 0.45,
            releases: vec![
                Release {
                    version: "5.11.1",
                    day: 0,
                    crash_rate: 0.00001,
                },
                Release {
                    version: "5.12.0",
                    day: at(44),
                    crash_rate: 0.000008,
                },
                Release {
                    version: "5.13.0",
                    day: at(16),
                    crash_rate: 0.00001,
                },
            ],
            brands: &[
                ("Apple", "iPhone15,2"),
                ("Apple", "iPhone14,5"),
                ("Apple", "iPhone16,1"),
            ],
            os: "iOS",
        },
    ]
}

const COUNTRIES: [(&str, &str, &str); 4] = [
    ("Asia", "Japan", "Tokyo"),
    ("Asia", "Japan", "Osaka"),
    ("Americas", "United States", "Seattle"),
    ("Europe", "Germany", "Berlin"),
];
const SCREENS: [&str; 4] = [
    "HomeActivity",
    "SearchActivity",
    "CartActivity",
    "CheckoutActivity",
];

fn hex_id(rng: &mut Rng) -> String {
    format!("{:016x}{:016x}", rng.next(), rng.next())
}

struct Event<'a> {
    date: NaiveDate,
    micros: i64,
    name: &'a str,
    user: Option<&'a User>,
    platform: &'a str,
    version: &'a str,
    fatal: Option<i64>,
    session: i64,
    screen: &'a str,
}

fn write_row(out: &mut String, e: &Event, spec: Option<&PlatformSpec>, rich: bool, rng: &mut Rng) {
    let date = e.date.format("%Y%m%d");
    let _ = write!(
        out,
        r#"{{"event_date":"{date}","event_timestamp":"{}","event_name":"{}","event_params":["#,
        e.micros, e.name
    );
    let _ = write!(
        out,
        r#"{{"key":"ga_session_id","value":{{"string_value":null,"int_value":"{}","float_value":null,"double_value":null}}}}"#,
        e.session
    );
    let _ = write!(
        out,
        r#",{{"key":"firebase_screen_class","value":{{"string_value":"{}","int_value":null,"float_value":null,"double_value":null}}}}"#,
        e.screen
    );
    if rich {
        let _ = write!(
            out,
            r#",{{"key":"engagement_time_msec","value":{{"string_value":null,"int_value":"{}","float_value":null,"double_value":null}}}}"#,
            100 + rng.below(60_000)
        );
    }
    if let Some(fatal) = e.fatal {
        let _ = write!(
            out,
            r#",{{"key":"fatal","value":{{"string_value":null,"int_value":"{fatal}","float_value":null,"double_value":null}}}}"#
        );
        let _ = write!(
            out,
            r#",{{"key":"timestamp","value":{{"string_value":null,"int_value":"{}","float_value":null,"double_value":null}}}}"#,
            e.micros / 1000
        );
    }
    out.push_str(r#"],"event_previous_timestamp":null,"event_value_in_usd":null,"event_bundle_sequence_id":""#);
    let _ = write!(out, "{}", 1 + rng.below(4000));
    out.push_str(r#"","event_server_timestamp_offset":null,"user_id":null,"#);
    match e.user {
        Some(u) => {
            let _ = write!(
                out,
                r#""user_pseudo_id":"{}","user_first_touch_timestamp":"{}","#,
                u.id, u.first_touch
            );
        }
        None => out.push_str(r#""user_pseudo_id":null,"user_first_touch_timestamp":null,"#),
    }
    out.push_str(r#""privacy_info":{"analytics_storage":"Yes","ads_storage":"No","uses_transient_token":"No"},"user_properties":[],"#);
    let device = e.user.map_or(0, |u| u.device);
    let (brand, model) = spec.map_or(("", ""), |s| s.brands[device % s.brands.len()]);
    let (continent, country, city) = COUNTRIES[device % COUNTRIES.len()];
    let os = spec.map_or("Web", |s| s.os);
    let _ = write!(
        out,
        r#""device":{{"category":"mobile","mobile_brand_name":"{brand}","mobile_model_name":"{model}","operating_system":"{os}","operating_system_version":"{os} {}","language":"ja-jp","is_limited_ad_tracking":"No","time_zone_offset_seconds":"32400"}},"#,
        14 + device % 4
    );
    let _ = write!(
        out,
        r#""geo":{{"continent":"{continent}","country":"{country}","region":"{city}","city":"{city}"}},"#
    );
    match spec {
        Some(s) => {
            let _ = write!(
                out,
                r#""app_info":{{"id":"{}","version":"{}","install_store":null,"firebase_app_id":"1:1234567890:{}:abcdef","install_source":"{}"}},"#,
                s.app_id,
                e.version,
                s.os.to_lowercase(),
                s.store
            );
        }
        None => out.push_str(r#""app_info":null,"#),
    }
    if rich {
        out.push_str(r#""traffic_source":{"name":"(direct)","medium":"(none)","source":"(direct)"},"stream_id":"1234567890","#);
    }
    let _ = write!(out, r#""platform":"{}","items":[]}}"#, e.platform);
    out.push('\n');
}

struct Args {
    out: PathBuf,
    end: NaiveDate,
    days: i64,
    format: String,
    single_file: bool,
    profile: Profile,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("ga4") {
        return Err("usage: generate ga4 --out DIR [--profile demo|bench] [--end YYYY-MM-DD] [--days N] [--format ndjson.gz|ndjson|parquet] [--single-file]".into());
    }
    let mut parsed = Args {
        out: PathBuf::from("examples/data/ga4"),
        end: NaiveDate::from_ymd_opt(2026, 11, 21).ok_or("bad date")?,
        days: 62,
        format: "ndjson.gz".into(),
        single_file: false,
        profile: Profile {
            scale: 0.6,
            events_per_day: 1,
            rich: false,
        },
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--out" => parsed.out = PathBuf::from(value()?),
            "--end" => {
                parsed.end =
                    NaiveDate::parse_from_str(&value()?, "%Y-%m-%d").map_err(|e| e.to_string())?
            }
            "--days" => parsed.days = value()?.parse().map_err(|_| "--days: not a number")?,
            "--format" => parsed.format = value()?,
            "--single-file" => parsed.single_file = true,
            "--profile" => {
                parsed.profile = match value()?.as_str() {
                    "demo" => Profile {
                        scale: 0.6,
                        events_per_day: 1,
                        rich: false,
                    },
                    // ≈ 5 M rows of ≈ 900 bytes over 62 days, like a mid-sized app's export.
                    "bench" => Profile {
                        scale: 10.0,
                        events_per_day: 4,
                        rich: true,
                    },
                    other => return Err(format!("unknown profile {other}")),
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(parsed)
}

enum Sink {
    Json(Box<dyn Write>),
    Parquet {
        writer: Box<parquet::arrow::ArrowWriter<File>>,
        decoder: arrow_json::reader::Decoder,
    },
}

fn ga4_schema() -> Arc<Schema> {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let i = |n: &str| Field::new(n, DataType::Int64, true);
    let f = |n: &str| Field::new(n, DataType::Float64, true);
    let record =
        |n: &str, fields: Vec<Field>| Field::new(n, DataType::Struct(Fields::from(fields)), true);
    let param_value = record(
        "value",
        vec![
            s("string_value"),
            i("int_value"),
            f("float_value"),
            f("double_value"),
        ],
    );
    let param = DataType::Struct(Fields::from(vec![s("key"), param_value]));
    Arc::new(Schema::new(vec![
        s("event_date"),
        i("event_timestamp"),
        s("event_name"),
        Field::new(
            "event_params",
            DataType::List(Arc::new(Field::new("element", param, true))),
            true,
        ),
        i("event_previous_timestamp"),
        f("event_value_in_usd"),
        i("event_bundle_sequence_id"),
        s("user_id"),
        s("user_pseudo_id"),
        i("user_first_touch_timestamp"),
        record(
            "device",
            vec![
                s("category"),
                s("mobile_brand_name"),
                s("mobile_model_name"),
                s("operating_system"),
                s("operating_system_version"),
                s("language"),
            ],
        ),
        record(
            "geo",
            vec![s("continent"), s("country"), s("region"), s("city")],
        ),
        record(
            "app_info",
            vec![
                s("id"),
                s("version"),
                s("install_store"),
                s("firebase_app_id"),
                s("install_source"),
            ],
        ),
        s("platform"),
    ]))
}

impl Sink {
    fn open(path: &Path, format: &str) -> Result<Sink, String> {
        let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(match format {
            "ndjson" => Sink::Json(Box::new(BufWriter::with_capacity(1 << 20, file))),
            "ndjson.gz" => Sink::Json(Box::new(GzEncoder::new(
                BufWriter::with_capacity(1 << 20, file),
                flate2::Compression::default(),
            ))),
            "parquet" => {
                let schema = ga4_schema();
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::SNAPPY)
                    .set_max_row_group_row_count(Some(256 * 1024))
                    .build();
                let writer =
                    parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(props))
                        .map_err(|e| e.to_string())?;
                let decoder = arrow_json::ReaderBuilder::new(schema)
                    .with_batch_size(16 * 1024)
                    .build_decoder()
                    .map_err(|e| e.to_string())?;
                Sink::Parquet {
                    writer: Box::new(writer),
                    decoder,
                }
            }
            other => return Err(format!("unknown format {other}")),
        })
    }

    fn write(&mut self, rows: &str) -> Result<(), String> {
        match self {
            Sink::Json(w) => w.write_all(rows.as_bytes()).map_err(|e| e.to_string()),
            Sink::Parquet { writer, decoder } => {
                let mut bytes = rows.as_bytes();
                while !bytes.is_empty() {
                    let n = decoder.decode(bytes).map_err(|e| e.to_string())?;
                    bytes = &bytes[n..];
                    if let Some(batch) = decoder.flush().map_err(|e| e.to_string())? {
                        writer.write(&batch).map_err(|e| e.to_string())?;
                    }
                }
                Ok(())
            }
        }
    }

    fn close(self) -> Result<(), String> {
        match self {
            Sink::Json(mut w) => w.flush().map_err(|e| e.to_string()),
            Sink::Parquet {
                mut writer,
                mut decoder,
            } => {
                if let Some(batch) = decoder.flush().map_err(|e| e.to_string())? {
                    writer.write(&batch).map_err(|e| e.to_string())?;
                }
                writer.close().map(|_| ()).map_err(|e| e.to_string())
            }
        }
    }
}

/// `generate slo --out DIR`: one-minute API metrics, hourly validations and daily crash-free
/// users ending at 2026-11-22T00:00:00Z, telling three stories: an API incident in progress
/// (at risk), a bad checkout deploy three days ago (violated), steady latency (healthy).
fn slo(out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let end = NaiveDate::from_ymd_opt(2026, 11, 22)
        .ok_or("date")?
        .and_hms_opt(0, 0, 0)
        .ok_or("time")?
        .and_utc();
    let start = end - chrono::Duration::days(29);
    let mut rng = Rng(0x510c_5eed);
    let mut api = String::from("timestamp,requests,errors_5xx,p95_ms\n");
    let minutes = (end - start).num_minutes();
    for m in 0..minutes {
        let t = start + chrono::Duration::minutes(m);
        let hour = (t.timestamp() / 3600 + 9) % 24; // Tokyo traffic
        let daily = 0.55
            + 0.45
                * ((hour as f64 - 4.0) / 24.0 * std::f64::consts::TAU)
                    .sin()
                    .abs();
        let requests = (600.0 * daily * (0.9 + 0.2 * rng.unit())) as u64;
        let to_end = minutes - m;
        // The incident: the last 45 minutes, 6 % of requests failing.
        let error_rate = if to_end <= 45 { 0.06 } else { 0.0003 };
        let errors = (0..requests).filter(|_| rng.unit() < error_rate).count();
        let spike = if rng.unit() < 0.0004 { 250.0 } else { 0.0 };
        let p95 = 120.0 + 90.0 * daily + 30.0 * rng.unit() + spike;
        let _ = writeln!(
            api,
            "{},{requests},{errors},{p95:.0}",
            t.format("%Y-%m-%dT%H:%M:%SZ")
        );
    }
    let mut validations = String::from("timestamp,submissions,passed\n");
    for h in 0..(minutes / 60) {
        let t = start + chrono::Duration::hours(h);
        let to_end = minutes / 60 - h;
        let submissions = 200 + rng.below(100);
        // A bad deploy between 72 and 24 hours ago: one submission in ten fails validation.
        let pass_rate = if (24..72).contains(&to_end) {
            0.90
        } else {
            0.995
        };
        let passed = (0..submissions).filter(|_| rng.unit() < pass_rate).count();
        let _ = writeln!(
            validations,
            "{},{submissions},{passed}",
            t.format("%Y-%m-%dT%H:%M:%SZ")
        );
    }
    let mut crash = String::from("timestamp,users,crash_free_users\n");
    for d in 0..29 {
        let t = start + chrono::Duration::days(d);
        let users = 40_000 + rng.below(5_000);
        let crashed = (users as f64 * (0.0015 + 0.001 * rng.unit())) as u64;
        let _ = writeln!(
            crash,
            "{},{users},{}",
            t.format("%Y-%m-%dT%H:%M:%SZ"),
            users - crashed
        );
    }
    for (name, text) in [
        ("api.csv", api),
        ("validations.csv", validations),
        ("crash_free.csv", crash),
    ] {
        std::fs::write(out.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    eprintln!("generate: SLO data in {}", out.display());
    Ok(())
}

/// `generate trace --out FILE`: two weeks of one-minute ECS service CPU and task counts ending
/// at 2026-11-22T00:00:00Z: a daily cycle (Tokyo), a weekend dip, and a few sudden spikes,
/// recorded under a target-tracking policy that lags behind them.
fn trace(out: &Path) -> Result<(), String> {
    let end = NaiveDate::from_ymd_opt(2026, 11, 22)
        .ok_or("date")?
        .and_hms_opt(0, 0, 0)
        .ok_or("time")?
        .and_utc();
    let start = end - chrono::Duration::days(14);
    let mut rng = Rng(0x7ace_5eed);
    // (start minute, length, extra demand in task-units)
    let spikes = [
        (2 * 1440 + 11 * 60 + 5, 18, 22.0),
        (5 * 1440 + 20 * 60 + 40, 12, 30.0),
        (9 * 1440 + 12 * 60 + 15, 25, 18.0),
        (12 * 1440 + 19 * 60, 15, 26.0),
    ];
    let mut text = String::from("timestamp,cpu_utilization,running_tasks\n");
    let mut tasks: f64 = 8.0;
    let mut history: Vec<f64> = Vec::new();
    for m in 0..14 * 1440i64 {
        let t = start + chrono::Duration::minutes(m);
        let local_hour = ((t.timestamp() / 60 + 9 * 60) % 1440) as f64 / 60.0;
        let weekday = (t + chrono::Duration::hours(9)).weekday();
        let weekend = matches!(weekday, Weekday::Sat | Weekday::Sun);
        let cycle = 0.5 - 0.5 * ((local_hour - 3.0) / 24.0 * std::f64::consts::TAU).cos();
        let mut demand =
            (3.0 + 17.0 * cycle) * if weekend { 0.6 } else { 1.0 } * (0.95 + 0.1 * rng.unit());
        for (at, len, extra) in spikes {
            if (at..at + len).contains(&m) {
                demand += extra;
            }
        }
        history.push(demand);
        // The recording policy: target tracking at 60 %, seeing demand 3 minutes late.
        let seen = history[history.len().saturating_sub(4)];
        let want = (seen / 0.6).ceil().clamp(5.0, 50.0);
        if want > tasks || (want < tasks && m % 15 == 0) {
            tasks = want;
        }
        let cpu = (100.0 * demand / tasks).min(100.0);
        let _ = writeln!(
            text,
            "{},{cpu:.1},{tasks:.0}",
            t.format("%Y-%m-%dT%H:%M:%SZ")
        );
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!("generate: trace in {}", out.display());
    Ok(())
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("repo") {
        let args: Vec<String> = std::env::args().skip(2).collect();
        let dir = args
            .first()
            .filter(|a| !a.starts_with("--"))
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("target/example-repo"));
        let incidents = args
            .iter()
            .position(|a| a == "--incidents")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("examples/four-keys/incidents.csv"));
        if let Err(e) = repo::repo(&dir, &incidents) {
            eprintln!("generate: {e}");
            std::process::exit(2);
        }
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("trace") {
        let out = std::env::args()
            .nth(3)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("examples/autoscale/api-cpu.csv"));
        if let Err(e) = trace(&out) {
            eprintln!("generate: {e}");
            std::process::exit(2);
        }
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("slo") {
        let out = std::env::args()
            .nth(3)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("examples/slo/data"));
        if let Err(e) = slo(&out) {
            eprintln!("generate: {e}");
            std::process::exit(2);
        }
        return;
    }
    if let Err(e) = run() {
        eprintln!("generate: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let first = args
        .end
        .checked_sub_days(Days::new(args.days as u64 - 1))
        .ok_or("bad range")?;
    let specs = platforms(args.days);
    let mut rng = Rng(0x5eed_0fc0_ffee);
    let mut users: Vec<User> = Vec::new();
    for (p, spec) in specs.iter().enumerate() {
        for _ in 0..(spec.pool as f64 * args.profile.scale) as usize {
            let activity = spec.activity * (0.3 + 1.4 * rng.unit());
            users.push(User {
                id: hex_id(&mut rng),
                platform: p,
                version: 0,
                activity: activity.min(1.0),
                first_touch: 1_700_000_000_000_000 + rng.below(60_000_000_000_000) as i64,
                device: rng.below(16) as usize,
            });
        }
    }
    let extension = args.format.as_str();
    let mut single = if args.single_file {
        Some(Sink::open(
            &args.out.join(format!("events.{extension}")),
            extension,
        )?)
    } else {
        None
    };
    let mut rows = 0u64;
    let mut buf = String::with_capacity(8 << 20);
    for d in 0..args.days {
        let date = first + Days::new(d as u64);
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let day_start = date
            .and_hms_opt(0, 0, 0)
            .ok_or("bad time")?
            .and_utc()
            .timestamp_micros()
            - 9 * 3600 * 1_000_000;
        for u in users.iter_mut() {
            let spec = &specs[u.platform];
            let factor = if weekend { 0.72 } else { 1.0 };
            if rng.unit() >= u.activity * factor {
                continue;
            }
            let newest = spec.releases.iter().rposition(|r| r.day <= d).unwrap_or(0);
            if u.version < newest && rng.unit() < 0.3 {
                u.version = newest;
            }
            let release = &spec.releases[u.version];
            let session = day_start / 1_000_000 + rng.below(86_400) as i64;
            let events = 1 + rng.below(args.profile.events_per_day);
            for k in 0..events {
                let event = Event {
                    date,
                    micros: session * 1_000_000
                        + k as i64 * 7_000_000
                        + rng.below(1_000_000) as i64,
                    name: if k == 0 {
                        "session_start"
                    } else {
                        "screen_view"
                    },
                    user: Some(u),
                    platform: spec.name,
                    version: release.version,
                    fatal: None,
                    session,
                    screen: SCREENS[(k as usize + u.device) % SCREENS.len()],
                };
                write_row(&mut buf, &event, Some(spec), args.profile.rich, &mut rng);
                rows += 1;
            }
            if rng.unit() < release.crash_rate {
                let fatal = if rng.unit() < 0.75 { 1 } else { 0 };
                let event = Event {
                    date,
                    micros: session * 1_000_000 + 90_000_000,
                    name: "app_exception",
                    user: Some(u),
                    platform: spec.name,
                    version: release.version,
                    fatal: Some(fatal),
                    session,
                    screen: SCREENS[2],
                };
                write_row(&mut buf, &event, Some(spec), args.profile.rich, &mut rng);
                rows += 1;
            }
        }
        // Consent-mode pings without a user id, and the web stream, as real exports have.
        for k in 0..3 {
            let spec = &specs[k % 2];
            let ping = Event {
                date,
                micros: day_start + 3_600_000_000 * (k as i64 + 1),
                name: "screen_view",
                user: None,
                platform: spec.name,
                version: spec.releases[0].version,
                fatal: None,
                session: 0,
                screen: SCREENS[0],
            };
            write_row(&mut buf, &ping, Some(spec), args.profile.rich, &mut rng);
            let web_user = User {
                id: format!("{}.{}", 1_000_000 + rng.below(9_000_000), 1_700_000_000 + d),
                platform: 0,
                version: 0,
                activity: 0.0,
                first_touch: 0,
                device: k,
            };
            let web = Event {
                date,
                micros: day_start + 7_200_000_000,
                name: "page_view",
                user: Some(&web_user),
                platform: "WEB",
                version: "",
                fatal: None,
                session: 0,
                screen: "/",
            };
            write_row(&mut buf, &web, None, args.profile.rich, &mut rng);
            rows += 2;
        }
        match &mut single {
            Some(sink) => sink.write(&buf)?,
            None => {
                let path = args
                    .out
                    .join(format!("events_{}.{extension}", date.format("%Y%m%d")));
                let mut sink = Sink::open(&path, extension)?;
                sink.write(&buf)?;
                sink.close()?;
            }
        }
        buf.clear();
    }
    if let Some(sink) = single {
        sink.close()?;
    }
    eprintln!(
        "generate: {rows} rows, {} → {} in {}",
        first,
        args.end,
        args.out.display()
    );
    Ok(())
}
