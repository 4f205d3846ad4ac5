//! CloudWatch alarm evaluation, as far as the simulator needs it: one datapoint a minute, and
//! alarms that go to `ALARM` when each of their last N datapoints breaches ("N out of N").
//!
//! CloudWatch: an alarm with equal "datapoints to alarm" and "evaluation periods" goes to
//! `ALARM` only when that many consecutive periods breach (Amazon CloudWatch User Guide,
//! "Recommended alarms" / "Evaluating an alarm",
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html>).
//! So a breaching run counter answers the same question in O(1) a minute. Missing datapoints
//! (before the trace starts) never breach: the alarm stays out of `ALARM`, and Application Auto
//! Scaling does not scale on insufficient data ("Use a target metric to scale Amazon ECS
//! services", <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-targettracking.html>).
//!
//! While an alarm stays in `ALARM` its policy is invoked again each period: step adjustments
//! "can continue for additional alarm breaches until the alarm state returns to OK" ("How step
//! scaling for Application Auto Scaling works",
//! <https://docs.aws.amazon.com/autoscaling/application/userguide/step-scaling-policy-overview.html>).

/// The length of the current run of breaching datapoints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BreachRun(usize);

impl BreachRun {
    /// Records the next datapoint, in time order.
    pub fn push(&mut self, breaching: bool) {
        self.0 = if breaching { self.0 + 1 } else { 0 };
    }

    /// `ALARM` for an alarm needing `datapoints` of the last `datapoints` to breach.
    pub fn in_alarm(self, datapoints: usize) -> bool {
        datapoints > 0 && self.0 >= datapoints
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_n_of_n_alarm_needs_n_consecutive_breaches() {
        let mut run = BreachRun::default();
        for breaching in [true, true, false, true, true] {
            run.push(breaching);
            assert!(!run.in_alarm(3));
        }
        run.push(true);
        assert!(run.in_alarm(3), "three in a row");
        run.push(true);
        assert!(run.in_alarm(3), "stays in ALARM while breaching");
        run.push(false);
        assert!(!run.in_alarm(3), "one datapoint back to OK");
    }

    #[test]
    fn no_datapoints_is_never_alarm() {
        assert!(!BreachRun::default().in_alarm(1));
    }
}
