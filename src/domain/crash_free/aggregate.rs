//! The local engine: folds GA4 export rows into [`CrashCounts`], one row at a time.
//!
//! Memory grows with distinct users, not rows: each user id is interned once to a dense
//! integer, and "who was seen / who crashed" per day, platform and version are bitsets over
//! those integers. Windows are then unions and popcounts. Sources may run one aggregator per
//! thread and [`Aggregator::merge`] them at the end.

use std::fmt;

use rustc_hash::FxHashMap;

use super::model::{Counts, CrashCounts, CrashKind, Platform, Window};
use super::range::{parse_event_date, DayRange};
use super::release::ReleaseWindow;

/// The fields of one export row the report needs, borrowed from the source's buffer.
/// `None` means the field is missing or JSON `null`.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawRow<'a> {
    pub event_date: Option<&'a [u8]>,
    pub event_name: Option<&'a [u8]>,
    pub user_pseudo_id: Option<&'a [u8]>,
    pub platform: Option<&'a [u8]>,
    pub app_version: Option<&'a [u8]>,
    /// `int_value` of the event's `fatal` param, when it has one.
    pub fatal: Option<i64>,
}

/// Why a row is bad input (the source adds file and line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowError {
    MissingEventDate,
    BadEventDate(String),
    MissingPlatform,
    UnknownPlatform(String),
    /// Users are numbered with 32 bits: a run sees at most `u32::MAX` distinct ids.
    TooManyUsers,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowError::MissingEventDate => write!(f, "field `event_date`: missing"),
            RowError::BadEventDate(v) => {
                write!(
                    f,
                    "field `event_date`: {v:?} is not a date in YYYYMMDD form"
                )
            }
            RowError::MissingPlatform => write!(f, "field `platform`: missing"),
            RowError::UnknownPlatform(v) => {
                write!(
                    f,
                    "field `platform`: unknown value {v:?} (expected ANDROID, IOS or WEB)"
                )
            }
            RowError::TooManyUsers => write!(
                f,
                "field `user_pseudo_id`: more than {} distinct users, the most one run can count",
                u32::MAX
            ),
        }
    }
}

/// What happened to a valid row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowOutcome {
    Counted,
    /// A `WEB` row or a consent-mode ping without `user_pseudo_id`.
    Skipped,
    OutsideRange,
}

/// The version recorded when a row has no `app_info.version`.
pub const VERSION_NOT_SET: &str = "(not set)";

/// A user id as interned: app instance ids (32 lowercase hex digits) packed losslessly into
/// 128 bits, anything else kept as bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UserKey {
    Hex(u128),
    Other(Box<[u8]>),
}

impl UserKey {
    /// Lowercase hex digits' values; 0xff marks every other byte.
    const HEX_DIGITS: [u8; 256] = {
        let mut table = [0xff; 256];
        let mut c = 0;
        while c < 10 {
            table[b'0' as usize + c] = c as u8;
            c += 1;
        }
        let mut c = 0;
        while c < 6 {
            table[b'a' as usize + c] = 10 + c as u8;
            c += 1;
        }
        table
    };

    /// Branch-free over the 32 digits: this runs once per row.
    #[inline]
    fn hex(id: &[u8]) -> Option<u128> {
        let id: &[u8; 32] = id.try_into().ok()?;
        let (mut value, mut invalid) = (0u128, 0u8);
        for &c in id {
            let digit = Self::HEX_DIGITS[usize::from(c)];
            invalid |= digit;
            value = (value << 4) | u128::from(digit & 0x0f);
        }
        (invalid & 0xf0 == 0).then_some(value)
    }
}

#[derive(Default)]
struct Interner {
    hex: FxHashMap<u128, u32>,
    other: FxHashMap<Box<[u8]>, u32>,
    keys: Vec<UserKey>,
}

impl Interner {
    /// The id the next new user gets; ids are `u32` so bitsets stay small.
    fn next_id(&self) -> Result<u32, RowError> {
        u32::try_from(self.keys.len()).map_err(|_| RowError::TooManyUsers)
    }

    fn intern(&mut self, id: &[u8]) -> Result<u32, RowError> {
        if let Some(hex) = UserKey::hex(id) {
            return self.intern_hex(hex);
        }
        if let Some(&id) = self.other.get(id) {
            return Ok(id);
        }
        let next = self.next_id()?;
        self.other.insert(id.into(), next);
        self.keys.push(UserKey::Other(id.into()));
        Ok(next)
    }

    #[inline]
    fn intern_hex(&mut self, hex: u128) -> Result<u32, RowError> {
        if let Some(&id) = self.hex.get(&hex) {
            return Ok(id);
        }
        let next = self.next_id()?;
        self.hex.insert(hex, next);
        self.keys.push(UserKey::Hex(hex));
        Ok(next)
    }

    fn intern_key(&mut self, key: &UserKey) -> Result<u32, RowError> {
        match key {
            UserKey::Hex(hex) => self.intern_hex(*hex),
            UserKey::Other(bytes) => self.intern(bytes),
        }
    }
}

/// A growable set of dense user ids.
#[derive(Clone, Default)]
struct Bitset(Vec<u64>);

impl Bitset {
    #[inline]
    fn insert(&mut self, id: u32) {
        let word = (id / 64) as usize;
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (id % 64);
    }

    fn len(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    fn union_with(&mut self, other: &Bitset) {
        if other.0.len() > self.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }

    fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| {
            let mut bits = bits;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros();
                bits &= bits - 1;
                Some(w as u32 * 64 + bit)
            })
        })
    }

    fn insert_mapped(&mut self, other: &Bitset, map: &[u32]) {
        for id in other.ids() {
            self.insert(map[id as usize]);
        }
    }
}

/// Who was seen and who crashed, over one scope (a day, or a window of one version).
#[derive(Clone, Default)]
struct Seen {
    users: Bitset,
    crashed: Bitset,
}

impl Seen {
    #[inline]
    fn add(&mut self, user: u32, crashed: bool) {
        self.users.insert(user);
        if crashed {
            self.crashed.insert(user);
        }
    }

    fn counts(&self) -> Counts {
        Counts {
            users: self.users.len(),
            crashed_users: self.crashed.len(),
        }
    }

    fn merge_mapped(&mut self, other: &Seen, map: &[u32]) {
        self.users.insert_mapped(&other.users, map);
        self.crashed.insert_mapped(&other.crashed, map);
    }
}

struct VersionEntry {
    platform: Platform,
    name: String,
    /// Indexed like [`Window::ALL`].
    windows: [Seen; 2],
    /// The release windows of this version (indices into [`Aggregator::releases`]).
    releases: Vec<usize>,
}

/// A requested release window, as day indices of the range (`None` when it lies outside).
struct ReleaseSlot {
    window: ReleaseWindow,
    days: Option<(usize, usize)>,
    /// Indexed like [`Platform::index`].
    seen: [Seen; 2],
}

/// Folds rows of one report range into counts.
pub struct Aggregator {
    range: DayRange,
    crash: CrashKind,
    window_starts: [usize; 2],
    users: Interner,
    /// `[platform][day]`, flattened.
    days: Vec<Seen>,
    version_index: [FxHashMap<Box<[u8]>, usize>; 2],
    versions: Vec<VersionEntry>,
    releases: Vec<ReleaseSlot>,
    last_date: ([u8; 8], Option<usize>),
    /// The last user and version seen, to skip a lookup when the next row repeats them.
    last_user: Vec<u8>,
    last_user_id: Option<u32>,
    last_version: Option<(Platform, usize)>,
    rows_counted: u64,
}

impl Aggregator {
    pub fn new(range: DayRange, crash: CrashKind) -> Aggregator {
        Aggregator {
            range,
            crash,
            window_starts: Window::ALL.map(|w| range.window_start_index(w)),
            users: Interner::default(),
            days: vec![Seen::default(); Platform::ALL.len() * range.len()],
            version_index: Default::default(),
            versions: Vec::new(),
            releases: Vec::new(),
            last_date: ([0; 8], None),
            last_user: Vec::new(),
            last_user_id: None,
            last_version: None,
            rows_counted: 0,
        }
    }

    /// Also counts each version's users over these windows (`CrashCounts::releases`, by
    /// index). Called on a new aggregator, before any row.
    pub fn with_releases(mut self, windows: Vec<ReleaseWindow>) -> Aggregator {
        debug_assert!(
            self.versions.is_empty(),
            "releases are linked as versions appear"
        );
        let range = self.range;
        self.releases = windows
            .into_iter()
            .map(|window| {
                let first = window.first.max(range.first());
                let last = window.last.min(range.last());
                let days = range
                    .index_of(first)
                    .zip(range.index_of(last))
                    .filter(|(a, b)| a <= b);
                ReleaseSlot {
                    window,
                    days,
                    seen: Default::default(),
                }
            })
            .collect();
        self
    }

    /// The report's days: rows dated outside them are ignored.
    pub fn range(&self) -> DayRange {
        self.range
    }

    /// Rows that fell in the range and were counted.
    pub fn rows_counted(&self) -> u64 {
        self.rows_counted
    }

    /// Validates and counts one row, per the contract's skip and bad-input rules.
    pub fn add(&mut self, row: &RawRow<'_>) -> Result<RowOutcome, RowError> {
        let day = self.day_index(row.event_date.ok_or(RowError::MissingEventDate)?)?;
        // Rows outside the range are ignored (their date must still be a date).
        let Some(day) = day else {
            return Ok(RowOutcome::OutsideRange);
        };
        let platform = match row.platform {
            None => return Err(RowError::MissingPlatform),
            Some(b"ANDROID") => Platform::Android,
            Some(b"IOS") => Platform::Ios,
            Some(b"WEB") => return Ok(RowOutcome::Skipped),
            Some(other) => {
                return Err(RowError::UnknownPlatform(
                    String::from_utf8_lossy(other).into(),
                ))
            }
        };
        let Some(user_id) = row.user_pseudo_id else {
            return Ok(RowOutcome::Skipped);
        };
        let crashed = self.is_crash(row);
        // Export rows come grouped by user more often than not.
        let user = match self.last_user_id {
            Some(id) if self.last_user == user_id => id,
            _ => {
                let id = self.users.intern(user_id)?;
                self.last_user.clear();
                self.last_user.extend_from_slice(user_id);
                self.last_user_id = Some(id);
                id
            }
        };
        self.days[platform.index() * self.range.len() + day].add(user, crashed);
        let version = self.version_entry(
            platform,
            row.app_version.unwrap_or(VERSION_NOT_SET.as_bytes()),
        );
        for (w, &start) in self.window_starts.iter().enumerate() {
            if day >= start {
                self.versions[version].windows[w].add(user, crashed);
            }
        }
        for &r in &self.versions[version].releases {
            let slot = &mut self.releases[r];
            if slot.days.is_some_and(|(a, b)| (a..=b).contains(&day)) {
                slot.seen[platform.index()].add(user, crashed);
            }
        }
        self.rows_counted += 1;
        Ok(RowOutcome::Counted)
    }

    fn is_crash(&self, row: &RawRow<'_>) -> bool {
        row.event_name == Some(b"app_exception".as_slice())
            && match self.crash {
                CrashKind::Any => true,
                CrashKind::Fatal => row.fatal == Some(1),
            }
    }

    /// Day index in the range; rows come grouped by day, so the last answer is cached.
    fn day_index(&mut self, text: &[u8]) -> Result<Option<usize>, RowError> {
        if text.len() == 8 && text == self.last_date.0 {
            return Ok(self.last_date.1);
        }
        let date = parse_event_date(text)
            .ok_or_else(|| RowError::BadEventDate(String::from_utf8_lossy(text).into()))?;
        let index = self.range.index_of(date);
        self.last_date = (text.try_into().unwrap_or([0; 8]), index);
        Ok(index)
    }

    fn version_entry(&mut self, platform: Platform, name: &[u8]) -> usize {
        if let Some((p, i)) = self.last_version {
            let entry = &self.versions[i];
            if p == platform && entry.name.as_bytes() == name {
                return i;
            }
        }
        let i = match self.version_index[platform.index()].get(name) {
            Some(&i) => i,
            None => self.add_version(platform, &String::from_utf8_lossy(name), name),
        };
        self.last_version = Some((platform, i));
        i
    }

    fn add_version(&mut self, platform: Platform, name: &str, key: &[u8]) -> usize {
        let i = self.versions.len();
        let releases = (self.releases.iter().enumerate())
            .filter(|(_, slot)| slot.window.version == name)
            .map(|(r, _)| r)
            .collect();
        self.versions.push(VersionEntry {
            platform,
            name: name.to_owned(),
            windows: Default::default(),
            releases,
        });
        self.version_index[platform.index()].insert(key.into(), i);
        i
    }

    /// Adds another aggregator's rows (same range and crash kind) into this one.
    pub fn merge(&mut self, other: Aggregator) -> Result<(), RowError> {
        debug_assert_eq!(self.range, other.range);
        let map: Vec<u32> = other
            .users
            .keys
            .iter()
            .map(|k| self.users.intern_key(k))
            .collect::<Result<_, _>>()?;
        for (mine, theirs) in self.days.iter_mut().zip(&other.days) {
            mine.merge_mapped(theirs, &map);
        }
        for entry in &other.versions {
            let i = self.version_entry(entry.platform, entry.name.as_bytes());
            for (mine, theirs) in self.versions[i].windows.iter_mut().zip(&entry.windows) {
                mine.merge_mapped(theirs, &map);
            }
        }
        for (mine, theirs) in self.releases.iter_mut().zip(&other.releases) {
            for (mine, theirs) in mine.seen.iter_mut().zip(&theirs.seen) {
                mine.merge_mapped(theirs, &map);
            }
        }
        self.rows_counted += other.rows_counted;
        Ok(())
    }

    /// The counts both engines agree on.
    pub fn finish(&self) -> CrashCounts {
        let mut counts = CrashCounts::default();
        let len = self.range.len();
        for platform in Platform::ALL {
            let days = &self.days[platform.index() * len..(platform.index() + 1) * len];
            for (i, seen) in days.iter().enumerate() {
                let c = seen.counts();
                if c.users > 0 {
                    counts.daily.insert((platform, self.range.date_at(i)), c);
                }
            }
            for (w, window) in Window::ALL.into_iter().enumerate() {
                let mut union = Seen::default();
                for seen in &days[self.window_starts[w]..] {
                    union.users.union_with(&seen.users);
                    union.crashed.union_with(&seen.crashed);
                }
                let c = union.counts();
                if c.users > 0 {
                    counts.windows.insert((platform, window), c);
                }
            }
        }
        for entry in &self.versions {
            for (w, window) in Window::ALL.into_iter().enumerate() {
                let c = entry.windows[w].counts();
                if c.users > 0 {
                    counts
                        .versions
                        .insert((entry.platform, entry.name.clone(), window), c);
                }
            }
        }
        for (r, slot) in self.releases.iter().enumerate() {
            for platform in Platform::ALL {
                let c = slot.seen[platform.index()].counts();
                if c.users > 0 {
                    counts.releases.insert((r, platform), c);
                }
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn range() -> DayRange {
        DayRange::ending(NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(), 60)
    }

    fn row<'a>(
        date: &'a str,
        platform: &'a str,
        user: &'a str,
        version: &'a str,
        event: &'a str,
    ) -> RawRow<'a> {
        RawRow {
            event_date: Some(date.as_bytes()),
            event_name: Some(event.as_bytes()),
            user_pseudo_id: Some(user.as_bytes()),
            platform: Some(platform.as_bytes()),
            app_version: Some(version.as_bytes()),
            fatal: None,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn a_user_seen_twice_a_day_counts_once() {
        let mut agg = Aggregator::new(range(), CrashKind::Any);
        agg.add(&row("20261121", "IOS", "u1", "1.0", "screen_view"))
            .unwrap();
        agg.add(&row("20261121", "IOS", "u1", "1.0", "app_exception"))
            .unwrap();
        agg.add(&row("20261121", "IOS", "u2", "1.0", "screen_view"))
            .unwrap();
        let c = agg.finish();
        assert_eq!(
            c.daily[&(Platform::Ios, day(21))],
            Counts {
                users: 2,
                crashed_users: 1
            }
        );
    }

    #[test]
    fn a_user_on_both_platforms_counts_in_each() {
        let mut agg = Aggregator::new(range(), CrashKind::Any);
        agg.add(&row("20261121", "IOS", "u1", "1.0", "app_exception"))
            .unwrap();
        agg.add(&row("20261121", "ANDROID", "u1", "2.0", "screen_view"))
            .unwrap();
        let c = agg.finish();
        assert_eq!(
            c.windows[&(Platform::Ios, Window::Days7)],
            Counts {
                users: 1,
                crashed_users: 1
            }
        );
        assert_eq!(
            c.windows[&(Platform::Android, Window::Days7)],
            Counts {
                users: 1,
                crashed_users: 0
            }
        );
    }

    #[test]
    fn windows_count_distinct_users_across_days() {
        let mut agg = Aggregator::new(range(), CrashKind::Any);
        for d in ["20261115", "20261118", "20261121"] {
            agg.add(&row(d, "IOS", "u1", "1.0", "screen_view")).unwrap();
        }
        agg.add(&row("20261114", "IOS", "u2", "1.0", "app_exception"))
            .unwrap(); // 8 days back
        let c = agg.finish();
        assert_eq!(
            c.windows[&(Platform::Ios, Window::Days7)],
            Counts {
                users: 1,
                crashed_users: 0
            }
        );
        assert_eq!(
            c.windows[&(Platform::Ios, Window::Days30)],
            Counts {
                users: 2,
                crashed_users: 1
            }
        );
    }

    #[test]
    fn a_version_upgrade_mid_window_counts_the_user_under_both_versions() {
        let mut agg = Aggregator::new(range(), CrashKind::Any);
        agg.add(&row("20261116", "ANDROID", "u1", "5.12.0", "app_exception"))
            .unwrap();
        agg.add(&row("20261119", "ANDROID", "u1", "5.13.0", "screen_view"))
            .unwrap();
        let c = agg.finish();
        let v = |name: &str| c.versions[&(Platform::Android, name.to_string(), Window::Days7)];
        assert_eq!(
            v("5.12.0"),
            Counts {
                users: 1,
                crashed_users: 1
            }
        );
        // The crash was logged under 5.12.0, so 5.13.0 has the user but not the crash.
        assert_eq!(
            v("5.13.0"),
            Counts {
                users: 1,
                crashed_users: 0
            }
        );
        assert_eq!(
            c.windows[&(Platform::Android, Window::Days7)],
            Counts {
                users: 1,
                crashed_users: 1
            }
        );
    }

    #[test]
    fn fatal_counts_only_exceptions_with_fatal_one() {
        let mut any = Aggregator::new(range(), CrashKind::Any);
        let mut fatal = Aggregator::new(range(), CrashKind::Fatal);
        let mut nonfatal = row("20261121", "IOS", "u1", "1.0", "app_exception");
        nonfatal.fatal = Some(0);
        let mut crash = row("20261121", "IOS", "u2", "1.0", "app_exception");
        crash.fatal = Some(1);
        let mut fatal_on_other_event = row("20261121", "IOS", "u3", "1.0", "screen_view");
        fatal_on_other_event.fatal = Some(1);
        for r in [nonfatal, crash, fatal_on_other_event] {
            any.add(&r).unwrap();
            fatal.add(&r).unwrap();
        }
        assert_eq!(
            any.finish().daily[&(Platform::Ios, day(21))].crashed_users,
            2
        );
        assert_eq!(
            fatal.finish().daily[&(Platform::Ios, day(21))].crashed_users,
            1
        );
    }

    #[test]
    fn skip_and_bad_input_rules() {
        let mut agg = Aggregator::new(range(), CrashKind::Any);
        assert_eq!(
            agg.add(&row("20261121", "WEB", "u1", "1.0", "page_view")),
            Ok(RowOutcome::Skipped)
        );
        let mut ping = row("20261121", "IOS", "", "1.0", "screen_view");
        ping.user_pseudo_id = None;
        assert_eq!(agg.add(&ping), Ok(RowOutcome::Skipped));
        assert_eq!(
            agg.add(&row("20260101", "IOS", "u1", "1.0", "x")),
            Ok(RowOutcome::OutsideRange)
        );
        assert_eq!(
            agg.add(&row("20261121", "WINDOWS", "u1", "1.0", "x")),
            Err(RowError::UnknownPlatform("WINDOWS".into()))
        );
        assert_eq!(
            agg.add(&row("20261131", "IOS", "u1", "1.0", "x")),
            Err(RowError::BadEventDate("20261131".into()))
        );
        let mut undated = row("", "IOS", "u1", "1.0", "x");
        undated.event_date = None;
        assert_eq!(agg.add(&undated), Err(RowError::MissingEventDate));
        assert_eq!(agg.rows_counted(), 0);
    }

    #[test]
    fn rows_without_version_count_as_not_set() {
        let mut agg = Aggregator::new(range(), CrashKind::Any);
        let mut r = row("20261121", "IOS", "u1", "", "x");
        r.app_version = None;
        agg.add(&r).unwrap();
        assert!(agg.finish().versions.contains_key(&(
            Platform::Ios,
            VERSION_NOT_SET.to_string(),
            Window::Days30
        )));
    }

    #[test]
    fn hex_ids_intern_losslessly_beside_other_shapes() {
        let hex = "0123456789abcdef0123456789abcdef";
        let upper = "0123456789ABCDEF0123456789ABCDEF";
        let mut agg = Aggregator::new(range(), CrashKind::Any);
        for user in [hex, upper, "short", hex] {
            agg.add(&row("20261121", "IOS", user, "1.0", "x")).unwrap();
        }
        assert_eq!(agg.finish().daily[&(Platform::Ios, day(21))].users, 3);
    }

    fn release(version: &str, first: u32, last: u32) -> ReleaseWindow {
        ReleaseWindow {
            version: version.into(),
            first: day(first),
            last: day(last),
        }
    }

    #[test]
    fn a_release_window_counts_its_versions_users_on_its_days_only() {
        let mut agg = Aggregator::new(range(), CrashKind::Any)
            .with_releases(vec![release("5.13.0", 3, 9), release("5.13.1", 10, 16)]);
        for r in [
            row("20261102", "ANDROID", "early", "5.13.0", "app_exception"), // before its days
            row("20261103", "ANDROID", "u1", "5.13.0", "screen_view"),
            row("20261105", "ANDROID", "u1", "5.13.0", "app_exception"),
            row("20261109", "ANDROID", "u2", "5.13.0", "screen_view"),
            row("20261110", "ANDROID", "late", "5.13.0", "app_exception"), // after them
            row("20261104", "ANDROID", "old", "5.12.0", "app_exception"),  // another version
            row("20261104", "IOS", "u3", "5.13.0", "screen_view"),
            row("20261111", "ANDROID", "u1", "5.13.1", "screen_view"),
        ] {
            agg.add(&r).unwrap();
        }
        let c = agg.finish();
        assert_eq!(
            c.releases[&(0, Platform::Android)],
            Counts {
                users: 2,
                crashed_users: 1
            }
        );
        assert_eq!(c.releases[&(0, Platform::Ios)].users, 1);
        assert_eq!(c.releases[&(1, Platform::Android)].users, 1);
        assert!(
            !c.releases.contains_key(&(1, Platform::Ios)),
            "no users: absent"
        );
    }

    #[test]
    fn a_release_window_outside_the_range_counts_nothing() {
        let outside = ReleaseWindow {
            version: "1.0".into(),
            first: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            last: NaiveDate::from_ymd_opt(2025, 1, 7).unwrap(),
        };
        let mut agg = Aggregator::new(range(), CrashKind::Any).with_releases(vec![outside]);
        agg.add(&row("20261121", "IOS", "u1", "1.0", "x")).unwrap();
        assert!(agg.finish().releases.is_empty());
    }

    #[test]
    fn merged_aggregators_equal_one_over_all_rows() {
        let rows = [
            row("20261120", "IOS", "a", "1.0", "x"),
            row("20261121", "IOS", "b", "1.1", "app_exception"),
            row("20261121", "ANDROID", "a", "2.0", "app_exception"),
            row("20261101", "IOS", "c", "1.0", "x"),
            row("20261121", "IOS", "a", "1.1", "x"),
        ];
        let releases = || vec![release("1.1", 20, 21), release("1.0", 1, 20)];
        let mut whole = Aggregator::new(range(), CrashKind::Any).with_releases(releases());
        let mut left = Aggregator::new(range(), CrashKind::Any).with_releases(releases());
        let mut right = Aggregator::new(range(), CrashKind::Any).with_releases(releases());
        for (i, r) in rows.iter().enumerate() {
            whole.add(r).unwrap();
            if i % 2 == 0 {
                left.add(r).unwrap();
            } else {
                right.add(r).unwrap();
            }
        }
        left.merge(right).unwrap();
        let merged = left.finish();
        assert_eq!(merged, whole.finish());
        assert_eq!(merged.releases[&(0, Platform::Ios)].users, 2);
        assert_eq!(left.rows_counted(), 5);
    }
}
