SELECT
  "t2"."bucket",
  "t2"."stat" AS "value",
  CAST(NULL AS BIGINT) AS "entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  CAST("t2"."n" AS DOUBLE) AS "n",
  "t2"."total",
  "t2"."total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    "t1"."bucket",
    COUNT(*) AS "n",
    SUM("t1"."x") AS "total",
    SUM("t1"."x" * "t1"."x") AS "total_sq",
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY
      "t1"."x") AS "stat"
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
      DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket",
      "t0"."amount" AS "x"
    FROM "events" AS "t0"
    WHERE
      "t0"."timestamp" < TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
      AND "t0"."event" = 'invoice'
      AND "t0"."timestamp" >= TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
      AND COALESCE("t0"."plan" IN ('mid'), FALSE)
      AND "t0"."amount" IS NOT NULL
  ) AS "t1"
  GROUP BY
    1
) AS "t2"
