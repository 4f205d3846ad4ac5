-- One app version's crash-free users over the days after its release, per platform, from the
-- GA4 BigQuery export: what `four-keys --impact` shows for a deployment whose tag names a
-- version. The same rules as crash_free.sql's version windows: distinct users who logged any
-- event under the version on those days, and among them those who logged a crash under it.
--
-- vitals substitutes {events_table} (a validated `project.dataset.events_*` identifier); every
-- value is a named query parameter:
--   first_day, last_day   the release window, YYYYMMDD like event_date and _TABLE_SUFFIX
--   version               app_info.version, or '(not set)' for rows without one
--   crash                 'any' (any app_exception) or 'fatal' (param fatal = 1)
-- (Comments name parameters without the at sign: bqemulator binds every at-sign-and-name in the
-- text, comments included.)
WITH events AS (
  SELECT
    e.platform AS platform,
    e.user_pseudo_id AS user_id,
    e.event_name = 'app_exception'
      AND (@crash = 'any' OR EXISTS (
        SELECT 1 FROM UNNEST(e.event_params) AS p
        WHERE p.key = 'fatal' AND p.value.int_value = 1)) AS crashed
  FROM `{events_table}` AS e
  WHERE _TABLE_SUFFIX BETWEEN @first_day AND @last_day
    AND e.event_date BETWEEN @first_day AND @last_day
    AND IFNULL(e.app_info.version, '(not set)') = @version
    AND e.platform IN ('ANDROID', 'IOS')
    AND e.user_pseudo_id IS NOT NULL
)
SELECT platform,
       COUNT(DISTINCT user_id) AS users,
       COUNT(DISTINCT IF(crashed, user_id, NULL)) AS crashed_users
FROM events
GROUP BY platform
