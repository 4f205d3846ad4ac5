//! Service level objectives: the contract's rules for `vitals slo`, on plain data.
//!
//! An adapter turns an OpenSLO objective into an [`Objective`] and its metric into a
//! time-sorted [`Series`]; [`evaluate`] gives the [`SloResult`] at `now`: the window (rolling,
//! or the current calendar period in the spec's time zone), the error budget, burn rates,
//! the multiwindow alerts that fire and the status. No YAML, CSV, I/O or clock in here.

mod budget;
mod burn;
mod duration;
mod evaluate;
mod report;
pub mod rules;
mod series;
mod spec;
mod spend;
mod status;
mod units;
mod window;

pub use budget::{complement, reaches, ErrorBudget, Tally};
pub use burn::{burn_rate, AlertPair, BurnRates, BurnWindow};
pub use duration::{DurationUnit, SloDuration};
pub use evaluate::evaluate;
pub use report::{exit_code, SloReport, SloResult};
pub use series::{
    counter_increases, ratio_counter_increases, validate_order, RatioRow, Series, ValueRow,
};
pub use spec::{BudgetingMethod, Objective, Op, Threshold};
pub use spend::SpendLedger;
pub use status::Status;
pub use window::{parse_start_time, Period, TimeWindow};
