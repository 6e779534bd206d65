SELECT
  "t4"."bucket" AS "bucket",
  "t4"."total" / "t4"."n" AS "value",
  "t4"."n" AS "entities",
  CAST(NULL AS Nullable(Int64)) AS "excluded_immature",
  CAST("t4"."n" AS Nullable(Float64)) AS "n",
  "t4"."total" AS "total",
  "t4"."total_sq" AS "total_sq",
  CAST(NULL AS Nullable(Int64)) AS "without_outcome"
FROM (
  SELECT
    "t3"."bucket" AS "bucket",
    COUNT(*) AS "n",
    SUM("t3"."x") AS "total",
    SUM("t3"."x" * "t3"."x") AS "total_sq"
  FROM (
    SELECT
      "t2"."event" AS "event",
      "t2"."timestamp" AS "timestamp",
      "t2"."user_id" AS "user_id",
      "t2"."account_id" AS "account_id",
      "t2"."properties" AS "properties",
      "t2"."plan" AS "plan",
      "t2"."flag" AS "flag",
      "t2"."tier" AS "tier",
      "t2"."amount" AS "amount",
      "t2"."score" AS "score",
      "t2"."kind" AS "kind",
      "t2"."bucket" AS "bucket",
      "t2"."rank" AS "rank",
      CASE WHEN "t2"."score" >= 9 THEN 100.0 WHEN "t2"."score" <= 6 THEN -100.0 ELSE 0.0 END AS "x"
    FROM (
      SELECT
        "t1"."event" AS "event",
        "t1"."timestamp" AS "timestamp",
        "t1"."user_id" AS "user_id",
        "t1"."account_id" AS "account_id",
        "t1"."properties" AS "properties",
        "t1"."plan" AS "plan",
        "t1"."flag" AS "flag",
        "t1"."tier" AS "tier",
        "t1"."amount" AS "amount",
        "t1"."score" AS "score",
        "t1"."kind" AS "kind",
        "t1"."bucket" AS "bucket",
        ROW_NUMBER() OVER (
          PARTITION BY "t1"."bucket", "t1"."account_id"
          ORDER BY "t1"."timestamp" DESC, "t1"."score" DESC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) - 1 AS "rank"
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
          CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) AS "bucket"
        FROM "events" AS "t0"
        WHERE
          "t0"."timestamp" < parseDateTimeBestEffort('2026-11-16T00:00:00')
          AND "t0"."event" = 'survey'
          AND COALESCE("t0"."plan" IN ('mid', 'small'), FALSE)
          AND "t0"."timestamp" >= parseDateTimeBestEffort('2026-10-01T00:00:00')
          AND COALESCE("t0"."plan" IN ('mid'), FALSE)
          AND isNotNull("t0"."account_id")
          AND isNotNull("t0"."score")
      ) AS "t1"
    ) AS "t2"
    WHERE
      "t2"."rank" = 0
  ) AS "t3"
  GROUP BY
    "t3"."bucket"
) AS "t4"
