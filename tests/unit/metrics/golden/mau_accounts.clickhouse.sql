WITH "t1" AS (
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
    CAST(dateTrunc('MONTH', "t0"."timestamp") AS Nullable(DateTime)) AS "period"
  FROM "events" AS "t0"
  WHERE
    "t0"."timestamp" < parseDateTimeBestEffort('2026-11-16T00:00:00')
    AND "t0"."event" = 'session'
    AND "t0"."timestamp" >= parseDateTimeBestEffort('2026-10-01T00:00:00')
    AND COALESCE("t0"."plan" IN ('mid'), FALSE)
    AND isNotNull("t0"."account_id")
    AND CAST(dateTrunc('MONTH', "t0"."timestamp") AS Nullable(DateTime)) >= GREATEST(
      CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)),
      parseDateTimeBestEffort('2026-10-01T00:00:00')
    )
    AND (
      CAST(dateTrunc('MONTH', "t0"."timestamp") AS Nullable(DateTime)) + INTERVAL '1' MONTH
    ) <= LEAST(
      CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) + INTERVAL '7' DAY,
      parseDateTimeBestEffort('2026-11-16T00:00:00'),
      parseDateTimeBestEffort('2026-11-16T00:00:00')
    )
)
SELECT
  "t11"."bucket" AS "bucket",
  CASE
    WHEN "t11"."n" > 0
    THEN CAST("t11"."total" AS Nullable(Float64)) / "t11"."n"
    ELSE CAST(NULL AS Nullable(Float64))
  END AS "value",
  "t11"."entities" AS "entities",
  CAST(NULL AS Nullable(Int64)) AS "excluded_immature",
  CAST("t11"."n" AS Nullable(Float64)) AS "n",
  CAST("t11"."total" AS Nullable(Float64)) AS "total",
  CAST("t11"."total_sq" AS Nullable(Float64)) AS "total_sq",
  CAST(NULL AS Nullable(Int64)) AS "without_outcome"
FROM (
  SELECT
    "t10"."bucket" AS "bucket",
    "t10"."total" AS "total",
    "t10"."total_sq" AS "total_sq",
    "t10"."entities" AS "entities",
    GREATEST(
      (
        (
          toYear(
            CAST(dateTrunc(
              'MONTH',
              LEAST(
                "t10"."bucket" + INTERVAL '7' DAY,
                parseDateTimeBestEffort('2026-11-16T00:00:00'),
                parseDateTimeBestEffort('2026-11-16T00:00:00')
              )
            ) AS Nullable(DateTime))
          ) * 12
        ) + toMonth(
          CAST(dateTrunc(
            'MONTH',
            LEAST(
              "t10"."bucket" + INTERVAL '7' DAY,
              parseDateTimeBestEffort('2026-11-16T00:00:00'),
              parseDateTimeBestEffort('2026-11-16T00:00:00')
            )
          ) AS Nullable(DateTime))
        )
      ) - (
        (
          toYear(
            CASE
              WHEN CAST(dateTrunc('MONTH', GREATEST("t10"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))) AS Nullable(DateTime)) = GREATEST("t10"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))
              THEN GREATEST("t10"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))
              ELSE CAST(dateTrunc('MONTH', GREATEST("t10"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))) AS Nullable(DateTime)) + INTERVAL '1' MONTH
            END
          ) * 12
        ) + toMonth(
          CASE
            WHEN CAST(dateTrunc('MONTH', GREATEST("t10"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))) AS Nullable(DateTime)) = GREATEST("t10"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))
            THEN GREATEST("t10"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))
            ELSE CAST(dateTrunc('MONTH', GREATEST("t10"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))) AS Nullable(DateTime)) + INTERVAL '1' MONTH
          END
        )
      ),
      0
    ) AS "n"
  FROM (
    SELECT
      "t9".*
      EXCEPT ("ebucket")
    FROM (
      SELECT
        "t8"."bucket" AS "bucket",
        "t8"."total" AS "total",
        "t8"."total_sq" AS "total_sq",
        "t6"."ebucket" AS "ebucket",
        "t6"."entities" AS "entities"
      FROM (
        SELECT
          "t3"."bucket" AS "bucket",
          SUM("t3"."c") AS "total",
          SUM("t3"."c" * "t3"."c") AS "total_sq"
        FROM (
          SELECT
            "t2"."bucket" AS "bucket",
            "t2"."period" AS "period",
            uniq("t2"."account_id") AS "c"
          FROM "t1" AS "t2"
          GROUP BY
            "t2"."bucket",
            "t2"."period"
        ) AS "t3"
        GROUP BY
          "t3"."bucket"
      ) AS "t8"
      INNER JOIN (
        SELECT
          "t4"."bucket" AS "ebucket",
          "t4"."entities" AS "entities"
        FROM (
          SELECT
            "t2"."bucket" AS "bucket",
            uniq("t2"."account_id") AS "entities"
          FROM "t1" AS "t2"
          GROUP BY
            "t2"."bucket"
        ) AS "t4"
      ) AS "t6"
        ON "t8"."bucket" = "t6"."ebucket"
    ) AS "t9"
  ) AS "t10"
) AS "t11"
