WITH "t10" AS (
  SELECT
    "t9"."eid" AS "eid",
    "t9"."ts" AS "s0",
    "t9"."next_ts" AS "s1"
  FROM (
    SELECT
      "t8"."eid" AS "eid",
      "t8"."ts" AS "ts",
      "t8"."is_end" AS "is_end",
      "t8"."seg" AS "seg",
      "t8"."prev_end" AS "prev_end",
      leadInFrame("t8"."ts") OVER (
        PARTITION BY "t8"."eid"
        ORDER BY "t8"."ts" ASC, "t8"."is_end" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) AS "next_ts"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t6"."eid" AS "eid",
          "t6"."ts" AS "ts",
          "t6"."is_end" AS "is_end",
          "t6"."seg" AS "seg",
          lagInFrame("t6"."is_end") OVER (
            PARTITION BY "t6"."eid"
            ORDER BY "t6"."ts" ASC, "t6"."is_end" ASC
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          ) AS "prev_end"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t4"."account_id" AS "eid",
              "t4"."timestamp" AS "ts",
              FALSE AS "is_end",
              "t4"."seg" AS "seg"
            FROM (
              SELECT
                "t3"."account_id" AS "account_id",
                "t3"."timestamp" AS "timestamp",
                MAX("t3"."meets") AS "seg"
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
                  COALESCE(COALESCE("t0"."plan" IN ('mid'), FALSE), FALSE) AS "meets"
                FROM "events" AS "t0"
                WHERE
                  "t0"."timestamp" < parseDateTimeBestEffort('2026-11-16T00:00:00')
                  AND "t0"."event" = 'signup'
                  AND isNotNull("t0"."account_id")
              ) AS "t3"
              GROUP BY
                "t3"."account_id",
                "t3"."timestamp"
            ) AS "t4"
          ) AS "t5"
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              "t1"."eid" AS "eid",
              "t1"."ts" AS "ts",
              TRUE AS "is_end",
              FALSE AS "seg"
            FROM (
              SELECT DISTINCT
                "t0"."account_id" AS "eid",
                "t0"."timestamp" AS "ts"
              FROM "events" AS "t0"
              WHERE
                "t0"."timestamp" < parseDateTimeBestEffort('2026-11-16T00:00:00')
                AND "t0"."event" = 'noise'
                AND isNotNull("t0"."account_id")
            ) AS "t1"
          ) AS "t2"
        ) AS "t6"
      ) AS "t7"
      WHERE
        isNull("t7"."prev_end") OR (
          "t7"."prev_end" <> "t7"."is_end"
        )
    ) AS "t8"
  ) AS "t9"
  WHERE
    NOT (
      "t9"."is_end"
    ) AND "t9"."seg"
)
SELECT
  "t19"."bucket" AS "bucket",
  CASE
    WHEN "t19"."n" > 0
    THEN CAST("t19"."total" AS Nullable(Float64)) / "t19"."n"
    ELSE NULL
  END AS "value",
  "t19"."entities" AS "entities",
  CAST(NULL AS Nullable(Int64)) AS "excluded_immature",
  CAST("t19"."n" AS Nullable(Float64)) AS "n",
  CAST("t19"."total" AS Nullable(Float64)) AS "total",
  CAST("t19"."total" AS Nullable(Float64)) AS "total_sq",
  CAST(NULL AS Nullable(Int64)) AS "without_outcome"
FROM (
  SELECT
    "t18"."bucket" AS "bucket",
    COUNT(*) AS "n",
    countIf(isNotNull("t18"."s1") AND (
      "t18"."s1" < "t18"."b"
    )) AS "total",
    uniq("t18"."eid") AS "entities"
  FROM (
    SELECT
      "t12"."eid" AS "eid",
      "t12"."s0" AS "s0",
      "t12"."s1" AS "s1",
      "t17"."a" AS "a",
      "t17"."b" AS "b",
      "t17"."bucket" AS "bucket"
    FROM "t10" AS "t12"
    INNER JOIN (
      SELECT
        "t15"."a" AS "a",
        "t15"."a" + INTERVAL '7' DAY AS "b",
        CAST(dateTrunc('WEEK', "t15"."a") AS Nullable(DateTime)) AS "bucket"
      FROM (
        SELECT
          CAST(dateTrunc('WEEK', parseDateTimeBestEffort('2026-10-01T00:00:00')) AS Nullable(DateTime)) + INTERVAL ("t14"."i" * 7) DAY AS "a"
        FROM (
          SELECT
            arrayJoin(
              range(
                0,
                GREATEST(
                  CAST(CEIL(
                    (
                      toRelativeSecondNum(
                        LEAST(
                          parseDateTimeBestEffort('2026-11-16T00:00:00'),
                          parseDateTimeBestEffort('2026-11-16T00:00:00')
                        )
                      ) - toRelativeSecondNum(
                        CAST(dateTrunc('WEEK', parseDateTimeBestEffort('2026-10-01T00:00:00')) AS Nullable(DateTime))
                      )
                    ) / 604800
                  ) AS Nullable(Int64)) + 1,
                  0
                ),
                1
              )
            ) AS "i"
          FROM (
            SELECT
              COUNT(*) AS "rows"
            FROM "t10" AS "t11"
          ) AS "t13"
        ) AS "t14"
      ) AS "t15"
      WHERE
        "t15"."a" >= GREATEST(
          CAST(dateTrunc('WEEK', "t15"."a") AS Nullable(DateTime)),
          parseDateTimeBestEffort('2026-10-01T00:00:00')
        )
        AND (
          "t15"."a" + INTERVAL '7' DAY
        ) <= LEAST(
          CAST(dateTrunc('WEEK', "t15"."a") AS Nullable(DateTime)) + INTERVAL '7' DAY,
          parseDateTimeBestEffort('2026-11-16T00:00:00'),
          parseDateTimeBestEffort('2026-11-16T00:00:00')
        )
    ) AS "t17"
      ON "t12"."s0" < "t17"."a"
      AND (
        isNull("t12"."s1") OR (
          "t12"."s1" >= "t17"."a"
        )
      )
  ) AS "t18"
  GROUP BY
    "t18"."bucket"
) AS "t19"
