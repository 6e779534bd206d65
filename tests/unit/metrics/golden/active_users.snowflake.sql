SELECT
  "t2"."bucket",
  CAST("t2"."value" AS DOUBLE) AS "value",
  "t2"."value" AS "entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  CAST(NULL AS DOUBLE) AS "n",
  CAST("t2"."value" AS DOUBLE) AS "total",
  CAST(NULL AS DOUBLE) AS "total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    "t1"."bucket",
    COUNT(DISTINCT "t1"."user_id") AS "value"
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
      "t0"."timestamp" < TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
      AND "t0"."event" = 'session'
      AND "t0"."timestamp" >= TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
      AND COALESCE("t0"."plan" IN ('mid'), FALSE)
      AND "t0"."user_id" IS NOT NULL
  ) AS "t1"
  GROUP BY
    1
) AS "t2"
