//! One retry policy for every upstream call (HTTP through [`crate::http`], BigQuery's client
//! calls and job polling): exponential backoff with jitter, a server's `Retry-After`
//! honoured, each attempt bounded by a timeout and all of them together by a deadline. Callers
//! classify each attempt's outcome ([`Attempt`]); this module decides when to try again.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Time limits on upstream calls, as plain values (issue #13 wires `--timeout` and
/// `[network] timeout` here through [`set_deadlines`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    /// One attempt: connecting, sending and reading the whole reply.
    pub attempt: Duration,
    /// One operation: every attempt and wait of a call, or every poll of a BigQuery job.
    pub overall: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            attempt: Duration::from_secs(60),
            overall: Duration::from_secs(600),
        }
    }
}

static DEADLINES: OnceLock<Deadlines> = OnceLock::new();

/// Sets the run's deadlines, once, before any call (later calls keep the first value).
pub fn set_deadlines(deadlines: Deadlines) {
    let _ = DEADLINES.set(deadlines);
}

/// The run's deadlines: what [`set_deadlines`] set, else the defaults.
pub fn deadlines() -> Deadlines {
    DEADLINES.get().copied().unwrap_or_default()
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
/// policy's attempts and deadlines. An attempt still running at its time limit is abandoned
/// and becomes `timed_out(limit)`.
pub async fn run<T, E, Fut>(
    policy: &RetryPolicy,
    what: &str,
    mut attempt: impl FnMut(u32) -> Fut,
    timed_out: impl Fn(Duration) -> Attempt<T, E>,
) -> Result<T, E>
where
    Fut: Future<Output = Attempt<T, E>>,
{
    let started = Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        let remaining = policy.deadlines.overall.saturating_sub(started.elapsed());
        let limit = policy.deadlines.attempt.min(remaining);
        let outcome = match tokio::time::timeout(limit, attempt(n)).await {
            Ok(outcome) => outcome,
            Err(_) => timed_out(limit),
        };
        let (error, after) = match outcome {
            Attempt::Done(value) => return Ok(value),
            Attempt::Fail(error) => return Err(error),
            Attempt::Retry { error, after } => (error, after),
        };
        let wait = after.unwrap_or_else(|| policy.backoff(n));
        if n >= policy.max_attempts || started.elapsed() + wait >= policy.deadlines.overall {
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
            |limit| Attempt::Retry {
                error: format!("timed out after {} ms", limit.as_millis()),
                after: None,
            },
        )
        .await;
        assert!(result.unwrap_err().starts_with("timed out after"));
        // 50 ms attempts within a 200 ms deadline: a handful, not the 100 allowed.
        assert!(calls.get() <= 5, "{} attempts", calls.get());
    }

    #[test]
    fn deadlines_default_to_a_minute_an_attempt_and_ten_minutes_a_call() {
        assert_eq!(
            Deadlines::default(),
            Deadlines {
                attempt: Duration::from_secs(60),
                overall: Duration::from_secs(600)
            }
        );
    }
}
