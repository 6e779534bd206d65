SELECT
  "t9"."bucket" AS "bucket",
  "t9"."value" AS "value",
  CAST(NULL AS Nullable(Int64)) AS "entities",
  CAST(NULL AS Nullable(Int64)) AS "excluded_immature",
  "t9"."n" AS "n",
  "t9"."total" AS "total",
  CAST(NULL AS Nullable(Float64)) AS "total_sq",
  CAST(NULL AS Nullable(Int64)) AS "without_outcome"
FROM (
  SELECT
    COALESCE("t6"."bucket", "t8"."dbucket") AS "bucket",
    CASE
      WHEN COALESCE("t8"."dv", 0.0) = 0
      THEN CAST(NULL AS Nullable(Float64))
      ELSE COALESCE("t6"."nv", 0.0) / COALESCE("t8"."dv", 0.0)
    END AS "value",
    COALESCE("t8"."dv", 0.0) AS "n",
    COALESCE("t6"."nv", 0.0) AS "total"
  FROM (
    SELECT
      "t3"."bucket" AS "bucket",
      CAST("t3"."value" AS Nullable(Float64)) AS "nv"
    FROM (
      SELECT
        "t1"."bucket" AS "bucket",
        COUNT(*) AS "value"
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
          AND "t0"."event" = 'ticket'
          AND COALESCE("t0"."plan" = 'mid', FALSE)
          AND "t0"."timestamp" >= parseDateTimeBestEffort('2026-10-01T00:00:00')
          AND COALESCE("t0"."plan" IN ('mid'), FALSE)
      ) AS "t1"
      GROUP BY
        "t1"."bucket"
    ) AS "t3"
  ) AS "t6"
  FULL OUTER JOIN (
    SELECT
      "t4"."bucket" AS "dbucket",
      CAST("t4"."value" AS Nullable(Float64)) AS "dv"
    FROM (
      SELECT
        "t2"."bucket" AS "bucket",
        uniq("t2"."account_id") AS "value"
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
          AND "t0"."event" = 'session'
          AND "t0"."timestamp" >= parseDateTimeBestEffort('2026-10-01T00:00:00')
          AND COALESCE("t0"."plan" IN ('mid'), FALSE)
          AND isNotNull("t0"."account_id")
      ) AS "t2"
      GROUP BY
        "t2"."bucket"
    ) AS "t4"
  ) AS "t8"
    ON "t6"."bucket" = "t8"."dbucket"
) AS "t9"
