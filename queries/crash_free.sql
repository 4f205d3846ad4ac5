-- Crash-free users per platform and app version, from the GA4 BigQuery export.
--
-- vitals substitutes {events_table} (a validated `project.dataset.events_*` identifier: table
-- names cannot be query parameters); every value is a named query parameter:
--   first_day, last_day          the report's range, YYYYMMDD like event_date and _TABLE_SUFFIX
--   first_day_7d, first_day_30d  first day of the 7- and 30-day windows ending last_day
--   crash                        'any' (any app_exception) or 'fatal' (param fatal = 1)
-- (Comments name parameters without the at sign: bqemulator, which the tests run this on, binds
-- every at-sign-and-name in the text, comments included.)
--
-- Result rows: scope 'day' (one per platform and day), '7d' / '30d' (per platform, version NULL,
-- or per platform and version), and 'unknown_platform' (rows whose platform vitals cannot
-- classify; the local engine rejects those too).
WITH raw AS (
  SELECT
    e.event_date AS day,
    e.platform AS platform,
    IFNULL(e.app_info.version, '(not set)') AS version,
    e.user_pseudo_id AS user_id,
    e.event_name = 'app_exception'
      AND (@crash = 'any' OR EXISTS (
        SELECT 1 FROM UNNEST(e.event_params) AS p
        WHERE p.key = 'fatal' AND p.value.int_value = 1)) AS crashed
  FROM `{events_table}` AS e
  -- Prunes the scan to exactly the report's date shards (intraday_* sorts after digits).
  WHERE _TABLE_SUFFIX BETWEEN @first_day AND @last_day
    AND e.event_date BETWEEN @first_day AND @last_day
),
events AS (
  -- Consent-mode pings (no user_pseudo_id) and the web stream are skipped.
  SELECT * FROM raw WHERE platform IN ('ANDROID', 'IOS') AND user_id IS NOT NULL
)
SELECT 'day' AS scope, platform, CAST(NULL AS STRING) AS version, day,
       COUNT(DISTINCT user_id) AS users,
       COUNT(DISTINCT IF(crashed, user_id, NULL)) AS crashed_users
FROM events
GROUP BY platform, day
UNION ALL
SELECT '7d', platform, CAST(NULL AS STRING), CAST(NULL AS STRING),
       COUNT(DISTINCT user_id), COUNT(DISTINCT IF(crashed, user_id, NULL))
FROM events WHERE day >= @first_day_7d
GROUP BY platform
UNION ALL
SELECT '30d', platform, CAST(NULL AS STRING), CAST(NULL AS STRING),
       COUNT(DISTINCT user_id), COUNT(DISTINCT IF(crashed, user_id, NULL))
FROM events WHERE day >= @first_day_30d
GROUP BY platform
UNION ALL
SELECT '7d', platform, version, CAST(NULL AS STRING),
       COUNT(DISTINCT user_id), COUNT(DISTINCT IF(crashed, user_id, NULL))
FROM events WHERE day >= @first_day_7d
GROUP BY platform, version
UNION ALL
SELECT '30d', platform, version, CAST(NULL AS STRING),
       COUNT(DISTINCT user_id), COUNT(DISTINCT IF(crashed, user_id, NULL))
FROM events WHERE day >= @first_day_30d
GROUP BY platform, version
UNION ALL
SELECT 'unknown_platform', IFNULL(platform, '(null)'), CAST(NULL AS STRING), MIN(day),
       COUNT(*), 0
FROM raw WHERE platform IS NULL OR platform NOT IN ('ANDROID', 'IOS', 'WEB')
GROUP BY platform
