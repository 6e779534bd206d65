WITH "t2" AS (
  SELECT
    "t1"."user_id" AS "user_id",
    "t1"."period" AS "period",
    MAX("t1"."meets") AS "seg"
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
      CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) AS "period",
      COALESCE(COALESCE("t0"."plan" IN ('mid'), FALSE), FALSE) AS "meets"
    FROM "events" AS "t0"
    WHERE
      "t0"."timestamp" < parseDateTimeBestEffort('2026-11-16T00:00:00')
      AND "t0"."event" = 'session'
      AND isNotNull("t0"."user_id")
  ) AS "t1"
  GROUP BY
    "t1"."user_id",
    "t1"."period"
)
SELECT
  "t10"."bucket" AS "bucket",
  CASE
    WHEN "t10"."n" > 0
    THEN CAST("t10"."total" AS Nullable(Float64)) / "t10"."n"
    ELSE NULL
  END AS "value",
  "t10"."entities" AS "entities",
  CAST(NULL AS Nullable(Int64)) AS "excluded_immature",
  CAST("t10"."n" AS Nullable(Float64)) AS "n",
  CAST("t10"."total" AS Nullable(Float64)) AS "total",
  CAST("t10"."total" AS Nullable(Float64)) AS "total_sq",
  CAST(NULL AS Nullable(Int64)) AS "without_outcome"
FROM (
  SELECT
    "t9"."bucket" AS "bucket",
    COUNT(*) AS "n",
    countIf("t9"."lost") AS "total",
    uniq("t9"."eid") AS "entities"
  FROM (
    SELECT
      "t8"."eid" AS "eid",
      "t8"."a" AS "a",
      "t8"."aid" AS "aid",
      "t8"."again" AS "again",
      CAST(dateTrunc('WEEK', "t8"."a") AS Nullable(DateTime)) AS "bucket",
      isNull("t8"."aid") AS "lost"
    FROM (
      SELECT
        "t7"."eid" AS "eid",
        "t7"."a" AS "a",
        "t6"."aid" AS "aid",
        "t6"."again" AS "again"
      FROM (
        SELECT
          "t3"."user_id" AS "eid",
          "t3"."period" + INTERVAL '7' DAY AS "a"
        FROM "t2" AS "t3"
        WHERE
          "t3"."seg"
      ) AS "t7"
      LEFT OUTER JOIN (
        SELECT
          "t3"."user_id" AS "aid",
          "t3"."period" AS "again"
        FROM "t2" AS "t3"
      ) AS "t6"
        ON "t7"."eid" = "t6"."aid" AND "t7"."a" = "t6"."again"
    ) AS "t8"
    WHERE
      "t8"."a" >= GREATEST(
        CAST(dateTrunc('WEEK', "t8"."a") AS Nullable(DateTime)),
        parseDateTimeBestEffort('2026-10-01T00:00:00')
      )
      AND (
        "t8"."a" + INTERVAL '7' DAY
      ) <= LEAST(
        CAST(dateTrunc('WEEK', "t8"."a") AS Nullable(DateTime)) + INTERVAL '7' DAY,
        parseDateTimeBestEffort('2026-11-16T00:00:00'),
        parseDateTimeBestEffort('2026-11-16T00:00:00')
      )
  ) AS "t9"
  GROUP BY
    "t9"."bucket"
) AS "t10"
