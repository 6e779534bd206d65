SELECT
  "t2"."bucket" AS "bucket",
  "t2"."stat" AS "value",
  CAST(NULL AS Nullable(Int64)) AS "entities",
  CAST(NULL AS Nullable(Int64)) AS "excluded_immature",
  CAST("t2"."n" AS Nullable(Float64)) AS "n",
  "t2"."total" AS "total",
  "t2"."total_sq" AS "total_sq",
  CAST(NULL AS Nullable(Int64)) AS "without_outcome"
FROM (
  SELECT
    "t1"."bucket" AS "bucket",
    COUNT(*) AS "n",
    SUM("t1"."x") AS "total",
    SUM("t1"."x" * "t1"."x") AS "total_sq",
    quantile(0.5)("t1"."x") AS "stat"
  FROM (
    SELECT
      "t0"."event" AS "event",
      "t0"."timestamp" AS "timestamp",
      "t0"."user_id" AS "user_id",
      "t0"."account_id" AS "account_id",
      "t0"."properties" AS "properties",
      "t0"."plan" AS "plan",
      "t0"."flag" AS "flag",
      "t0"."tier" AS "tier",
      "t0"."amount" AS "amount",
      "t0"."score" AS "score",
      "t0"."kind" AS "kind",
      CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) AS "bucket",
      "t0"."amount" AS "x"
    FROM "events" AS "t0"
    WHERE
      "t0"."timestamp" < parseDateTimeBestEffort('2026-11-16T00:00:00')
      AND "t0"."event" = 'invoice'
      AND "t0"."timestamp" >= parseDateTimeBestEffort('2026-10-01T00:00:00')
      AND COALESCE("t0"."plan" IN ('mid'), FALSE)
      AND isNotNull("t0"."amount")
  ) AS "t1"
  GROUP BY
    "t1"."bucket"
) AS "t2"
