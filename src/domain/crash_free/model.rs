//! Plain data shared by both engines and the report builder.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A mobile platform as the GA4 export spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Platform {
    Android,
    Ios,
}

impl Platform {
    pub const ALL: [Platform; 2] = [Platform::Android, Platform::Ios];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "ANDROID",
            Platform::Ios => "IOS",
        }
    }

    /// The export's platform value: `Some(Ok)` for a mobile platform, `None` for `WEB` (which
    /// the contract skips), `Some(Err)` for anything else.
    pub fn from_export(value: &str) -> Option<Result<Platform, ()>> {
        match value {
            "ANDROID" => Some(Ok(Platform::Android)),
            "IOS" => Some(Ok(Platform::Ios)),
            "WEB" => None,
            _ => Some(Err(())),
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The users' default SLOs (iOS ≥ 99.95 %, Android ≥ 99.60 %).
    pub fn default_slo(self) -> f64 {
        match self {
            Platform::Android => 0.996,
            Platform::Ios => 0.9995,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which platforms a report covers (`--platform`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PlatformFilter {
    #[default]
    Both,
    Only(Platform),
}

impl PlatformFilter {
    pub fn includes(self, platform: Platform) -> bool {
        match self {
            PlatformFilter::Both => true,
            PlatformFilter::Only(p) => p == platform,
        }
    }
}

/// What counts as a crash (`--crash`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CrashKind {
    /// Any `app_exception` event.
    #[default]
    Any,
    /// Only `app_exception` events whose `fatal` param has `int_value` 1.
    Fatal,
}

impl CrashKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CrashKind::Any => "any",
            CrashKind::Fatal => "fatal",
        }
    }
}

/// The two summary windows, in calendar days ending on the report's last day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Window {
    Days7,
    Days30,
}

impl Window {
    pub const ALL: [Window; 2] = [Window::Days7, Window::Days30];

    pub fn days(self) -> u32 {
        match self {
            Window::Days7 => 7,
            Window::Days30 => 30,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Window::Days7 => "7d",
            Window::Days30 => "30d",
        }
    }
}

/// Distinct users, and distinct users among them who crashed at least once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub users: u64,
    pub crashed_users: u64,
}

/// Everything the report needs, as either engine computes it. Days with no data are absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrashCounts {
    pub daily: BTreeMap<(Platform, NaiveDate), Counts>,
    pub windows: BTreeMap<(Platform, Window), Counts>,
    pub versions: BTreeMap<(Platform, String, Window), Counts>,
    /// Per requested [`ReleaseWindow`](super::ReleaseWindow) (by its index) and platform:
    /// the version's users on the window's days. Only the local engine fills it.
    pub releases: BTreeMap<(usize, Platform), Counts>,
}

/// Crash-free SLO per platform, as a ratio in (0, 1].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SloTargets {
    pub android: f64,
    pub ios: f64,
}

impl Default for SloTargets {
    fn default() -> Self {
        SloTargets {
            android: Platform::Android.default_slo(),
            ios: Platform::Ios.default_slo(),
        }
    }
}

impl SloTargets {
    pub fn get(&self, platform: Platform) -> f64 {
        match platform {
            Platform::Android => self.android,
            Platform::Ios => self.ios,
        }
    }
}
