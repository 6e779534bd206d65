SELECT
  "t2"."bucket",
  CAST("t2"."value" AS DOUBLE) AS "value",
  CAST(NULL AS BIGINT) AS "entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  CAST(NULL AS DOUBLE) AS "n",
  CAST("t2"."value" AS DOUBLE) AS "total",
  CAST(NULL AS DOUBLE) AS "total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    "t1"."bucket",
    COUNT(*) AS "value"
  FROM (
    SELECT
      "t0"."event",
      "t0"."timestamp",
      "t0"."user_id",
      "t0"."account_id",
      "t0"."properties",
      "t0"."plan",
      "t0"."flag",
      "t0"."tier",
      "t0"."amount",
      "t0"."score",
      "t0"."kind",
      DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket"
    FROM "events" AS "t0"
    WHERE
      "t0"."timestamp" < CAST(FROM_ISO8601_TIMESTAMP('2026-11-16T00:00:00') AS TIMESTAMP)
      AND "t0"."event" = 'ticket'
      AND COALESCE("t0"."plan" = 'mid', FALSE)
      AND "t0"."timestamp" >= CAST(FROM_ISO8601_TIMESTAMP('2026-10-01T00:00:00') AS TIMESTAMP)
      AND COALESCE("t0"."plan" IN ('mid'), FALSE)
  ) AS "t1"
  GROUP BY
    1
) AS "t2"
