//! The sections the digest runs and `config check` checks, in report order: the one place a
//! new subcommand joins them (its `Digestible` impl, then one entry here). Nothing in
//! `digest.rs` names a section.

use crate::commands::autoscale::Simulate;
use crate::commands::crash_free::CrashFree;
use crate::commands::four_keys::FourKeys;
use crate::commands::freshness::Freshness;
use crate::commands::slo::Slo;
use crate::commands::Entry;

/// The digest's sections, in report order.
pub const SECTIONS: &[&dyn Entry] = &[&CrashFree, &Slo, &Freshness, &Simulate, &FourKeys];
