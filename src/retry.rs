//! One retry policy for every upstream call (HTTP through [`crate::http`], BigQuery's client
//! calls and job polling; the AWS SDK gets the same limits through its own timeout config):
//! exponential backoff with jitter, a server's `Retry-After` honoured, each attempt bounded by
//! a timeout and all of them together by the run's network budget. Callers classify each
//! attempt's outcome ([`Attempt`]); this module decides when to try again.
//!
//! The budget (`--timeout`, `[network] timeout`, default 10 minutes) bounds the run twice:
//! every call made while fetching ends within it of the run's start, and every Slack call
//! within it of the delivery's start. So no run waits on networks longer than twice the
//! budget, whatever a server does (stall, reset, answer slowly forever).

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Time limits on upstream calls, as plain values: `--timeout` (or `[network] timeout`) sets
/// them through [`set_deadlines`] before any call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    /// One attempt: connecting, sending and reading the whole reply.
    pub attempt: Duration,
    /// The run's network budget: every call made while fetching ends within this of the run's
    /// start, and every call made while delivering within this of the delivery's start. One
    /// call (its attempts and waits, or every poll of a BigQuery job) is bounded by it too.
    pub overall: Duration,
}

/// The longest one attempt may take, whatever the budget.
pub const MAX_ATTEMPT: Duration = Duration::from_secs(60);

/// The run's network budget when neither `--timeout` nor `[network] timeout` sets it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines::from_timeout(DEFAULT_TIMEOUT)
    }
}

impl Deadlines {
    /// The deadlines of a run whose network budget is `timeout`: attempts of at most
    /// [`MAX_ATTEMPT`] (or the whole budget, when shorter).
    pub fn from_timeout(timeout: Duration) -> Deadlines {
        Deadlines {
            attempt: timeout.min(MAX_ATTEMPT),
            overall: timeout,
        }
    }
}

/// The run's clock: its deadlines, when fetching started, and when delivering started.
struct RunClock {
    deadlines: Deadlines,
    fetch_started: Instant,
    delivery_started: OnceLock<Instant>,
}

static RUN: OnceLock<RunClock> = OnceLock::new();

fn clock() -> &'static RunClock {
    RUN.get_or_init(|| RunClock {
        deadlines: Deadlines::default(),
        fetch_started: Instant::now(),
        delivery_started: OnceLock::new(),
    })
}

/// Sets the run's deadlines, once, before any call (later calls keep the first value), and
/// starts the fetching clock.
pub fn set_deadlines(deadlines: Deadlines) {
    let _ = RUN.set(RunClock {
        deadlines,
        fetch_started: Instant::now(),
        delivery_started: OnceLock::new(),
    });
}

/// The run's deadlines: what [`set_deadlines`] set, else the defaults.
pub fn deadlines() -> Deadlines {
    clock().deadlines
}

/// Starts the delivery's own budget (Slack posts and uploads): fetching may have spent the
/// first, and a report that was computed deserves its chance to be delivered.
pub fn start_delivery() {
    let _ = clock().delivery_started.set(Instant::now());
}

/// When the current phase's network budget runs out.
pub fn phase_deadline() -> Instant {
    let clock = clock();
    let started = clock
        .delivery_started
        .get()
        .copied()
        .unwrap_or(clock.fetch_started);
    started + clock.deadlines.overall
}

/// What is left of the current phase's network budget.
pub fn remaining() -> Duration {
    phase_deadline().saturating_duration_since(Instant::now())
}

/// Why a call stopped waiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expired {
    /// One attempt took longer than its limit.
    Attempt(Duration),
    /// The network budget (`--timeout`) is spent.
    Budget(Duration),
}

impl std::fmt::Display for Expired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expired::Attempt(limit) => write!(f, "no reply within {} s", limit.as_secs_f64()),
            Expired::Budget(budget) => write!(
                f,
                "gave up: the run's network time (--timeout {} s) is spent",
                budget.as_secs()
            ),
        }
    }
}

/// How often and how patiently a call is retried.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    /// First backoff; doubles with each attempt, up to `max_delay`, then jittered.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this fails the call instead of stalling the job.
    pub max_retry_after: Duration,
    pub deadlines: Deadlines,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            deadlines: deadlines(),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1`: `base × 2^(attempt−1)`, capped, then between half
    /// of that and all of it ("equal jitter"), so clients that failed together do not retry in
    /// step.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponential = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_delay);
        let half = exponential / 2;
        half + half.mul_f64(jitter())
    }
}

/// A number in [0, 1), different on every call (std's randomly keyed hasher: no RNG crate for
/// one number per retry).
fn jitter() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// What one attempt came to.
pub enum Attempt<T, E> {
    Done(T),
    /// Worth another try: after the server's `Retry-After` when it gave one, else after the
    /// policy's backoff.
    Retry {
        error: E,
        after: Option<Duration>,
    },
    /// Not worth another try.
    Fail(E),
}

/// Runs `attempt` (given its 1-based number) until it is done or fails for good, within the
/// policy's attempts and deadlines and the run's network budget ([`phase_deadline`]). An
/// attempt still running at its time limit is abandoned and becomes `timed_out(why)`; a
/// budget spent before an attempt ends the call with `timed_out`'s error.
pub async fn run<T, E, Fut>(
    policy: &RetryPolicy,
    what: &str,
    mut attempt: impl FnMut(u32) -> Fut,
    timed_out: impl Fn(Expired) -> Attempt<T, E>,
) -> Result<T, E>
where
    Fut: Future<Output = Attempt<T, E>>,
{
    let started = Instant::now();
    let until = (started + policy.deadlines.overall).min(phase_deadline());
    let budget = Expired::Budget(policy.deadlines.overall);
    let mut n = 0;
    loop {
        n += 1;
        let remaining = until.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return match timed_out(budget) {
                Attempt::Done(value) => Ok(value),
                Attempt::Retry { error, .. } | Attempt::Fail(error) => Err(error),
            };
        }
        let limit = policy.deadlines.attempt.min(remaining);
        let outcome = match tokio::time::timeout(limit, attempt(n)).await {
            Ok(outcome) => outcome,
            Err(_) if limit == remaining => timed_out(budget),
            Err(_) => timed_out(Expired::Attempt(limit)),
        };
        let (error, after) = match outcome {
            Attempt::Done(value) => return Ok(value),
            Attempt::Fail(error) => return Err(error),
            Attempt::Retry { error, after } => (error, after),
        };
        let wait = after.unwrap_or_else(|| policy.backoff(n));
        if n >= policy.max_attempts || Instant::now() + wait >= until {
            return Err(error);
        }
        tracing::debug!("{what}: retrying in {} ms", wait.as_millis());
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn quick(max_attempts: u32, overall: Duration) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
            max_retry_after: Duration::from_secs(1),
            deadlines: Deadlines {
                attempt: Duration::from_millis(50),
                overall,
            },
        }
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_and_jitters_within_the_upper_half() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for (attempt, full) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (9, 1000)] {
            let wait = policy.backoff(attempt).as_millis();
            assert!(
                (full / 2..=full).contains(&wait),
                "attempt {attempt}: {wait} ms of {full}"
            );
        }
    }

    #[tokio::test]
    async fn a_retriable_failure_is_tried_again_until_the_attempts_run_out() {
        let calls = Cell::new(0);
        let result: Result<(), u32> = run(
            &quick(3, Duration::from_secs(5)),
            "test",
            |n| {
                calls.set(n);
                async move {
                    Attempt::Retry {
                        error: n,
                        after: None,
                    }
                }
            },
            |_| Attempt::Fail(0),
        )
        .await;
        assert_eq!(result, Err(3), "the last attempt's error");
        assert_eq!(calls.get(), 3);
    }

    #[tokio::test]
    async fn success_and_final_failures_end_the_call_at_once() {
        let ok: Result<u32, ()> = run(
            &quick(5, Duration::from_secs(5)),
            "test",
            |n| async move {
                if n < 2 {
                    Attempt::Retry {
                        error: (),
                        after: Some(Duration::from_millis(1)),
                    }
                } else {
                    Attempt::Done(n)
                }
            },
            |_| Attempt::Fail(()),
        )
        .await;
        assert_eq!(ok, Ok(2));
        let failed: Result<(), &str> = run(
            &quick(5, Duration::from_secs(5)),
            "test",
            |_| async { Attempt::Fail("bad request") },
            |_| Attempt::Fail("timeout"),
        )
        .await;
        assert_eq!(failed, Err("bad request"));
    }

    #[tokio::test]
    async fn a_slow_attempt_is_cut_at_its_timeout_and_the_deadline_bounds_them_all() {
        let calls = Cell::new(0);
        let result: Result<(), String> = run(
            &quick(100, Duration::from_millis(200)),
            "test",
            |n| {
                calls.set(n);
                async {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    Attempt::Done(())
                }
            },
            |why| Attempt::Retry {
                error: why.to_string(),
                after: None,
            },
        )
        .await;
        let error = result.unwrap_err();
        assert!(
            error == "no reply within 0.05 s" || error.starts_with("gave up: "),
            "{error}"
        );
        // 50 ms attempts within a 200 ms deadline: a handful, not the 100 allowed.
        assert!(calls.get() <= 5, "{} attempts", calls.get());
    }

    #[test]
    fn deadlines_default_to_a_minute_an_attempt_and_ten_minutes_a_run() {
        assert_eq!(
            Deadlines::default(),
            Deadlines {
                attempt: Duration::from_secs(60),
                overall: Duration::from_secs(600)
            }
        );
        assert_eq!(
            Deadlines::from_timeout(Duration::from_secs(5)),
            Deadlines {
                attempt: Duration::from_secs(5),
                overall: Duration::from_secs(5)
            },
            "a short budget bounds each attempt too"
        );
    }

    #[tokio::test]
    async fn a_spent_budget_ends_the_call_with_its_own_error() {
        let policy = quick(100, Duration::ZERO);
        let result: Result<(), String> = run(
            &policy,
            "test",
            |_| async { Attempt::Done(()) },
            |why| Attempt::Fail(why.to_string()),
        )
        .await;
        assert_eq!(
            result.unwrap_err(),
            "gave up: the run's network time (--timeout 0 s) is spent"
        );
    }
}
