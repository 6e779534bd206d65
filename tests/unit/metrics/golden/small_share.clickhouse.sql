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
    CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) AS "period"
  FROM "events" AS "t0"
  WHERE
    "t0"."timestamp" < parseDateTimeBestEffort('2026-11-16T00:00:00')
    AND "t0"."event" = 'ticket'
    AND COALESCE("t0"."plan" = 'small', FALSE)
    AND "t0"."timestamp" >= parseDateTimeBestEffort('2026-10-01T00:00:00')
    AND COALESCE("t0"."plan" IN ('mid'), FALSE)
    AND isNotNull("t0"."account_id")
    AND CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) >= GREATEST(
      CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)),
      parseDateTimeBestEffort('2026-10-01T00:00:00')
    )
    AND (
      CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) + INTERVAL '7' DAY
    ) <= LEAST(
      CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) + INTERVAL '7' DAY,
      parseDateTimeBestEffort('2026-11-16T00:00:00'),
      parseDateTimeBestEffort('2026-11-16T00:00:00')
    )
), "t2" AS (
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
    CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) AS "period"
  FROM "events" AS "t0"
  WHERE
    "t0"."timestamp" < parseDateTimeBestEffort('2026-11-16T00:00:00')
    AND "t0"."event" = 'session'
    AND "t0"."timestamp" >= parseDateTimeBestEffort('2026-10-01T00:00:00')
    AND COALESCE("t0"."plan" IN ('mid'), FALSE)
    AND isNotNull("t0"."user_id")
    AND CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) >= GREATEST(
      CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)),
      parseDateTimeBestEffort('2026-10-01T00:00:00')
    )
    AND (
      CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) + INTERVAL '7' DAY
    ) <= LEAST(
      CAST(dateTrunc('WEEK', "t0"."timestamp") AS Nullable(DateTime)) + INTERVAL '7' DAY,
      parseDateTimeBestEffort('2026-11-16T00:00:00'),
      parseDateTimeBestEffort('2026-11-16T00:00:00')
    )
)
SELECT
  "t27"."bucket" AS "bucket",
  "t27"."value" AS "value",
  CAST(NULL AS Nullable(Int64)) AS "entities",
  CAST(NULL AS Nullable(Int64)) AS "excluded_immature",
  "t27"."n" AS "n",
  "t27"."total" AS "total",
  CAST(NULL AS Nullable(Float64)) AS "total_sq",
  CAST(NULL AS Nullable(Int64)) AS "without_outcome"
FROM (
  SELECT
    COALESCE("t25"."bucket", "t26"."dbucket") AS "bucket",
    CASE
      WHEN CASE
        WHEN isNull("t26"."dbucket")
        THEN CASE
          WHEN GREATEST(
            CAST(ROUND(
              (
                toRelativeSecondNum(
                  CAST(dateTrunc(
                    'WEEK',
                    LEAST(
                      COALESCE("t25"."bucket", "t26"."dbucket") + INTERVAL '7' DAY,
                      parseDateTimeBestEffort('2026-11-16T00:00:00'),
                      parseDateTimeBestEffort('2026-11-16T00:00:00')
                    )
                  ) AS Nullable(DateTime))
                ) - toRelativeSecondNum(
                  CASE
                    WHEN CAST(dateTrunc(
                      'WEEK',
                      GREATEST(
                        COALESCE("t25"."bucket", "t26"."dbucket"),
                        parseDateTimeBestEffort('2026-10-01T00:00:00')
                      )
                    ) AS Nullable(DateTime)) = GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      parseDateTimeBestEffort('2026-10-01T00:00:00')
                    )
                    THEN GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      parseDateTimeBestEffort('2026-10-01T00:00:00')
                    )
                    ELSE CAST(dateTrunc(
                      'WEEK',
                      GREATEST(
                        COALESCE("t25"."bucket", "t26"."dbucket"),
                        parseDateTimeBestEffort('2026-10-01T00:00:00')
                      )
                    ) AS Nullable(DateTime)) + INTERVAL '7' DAY
                  END
                )
              ) / 604800,
              0
            ) AS Nullable(Int64)),
            0
          ) > 0
          THEN 0.0
          ELSE CAST(NULL AS Nullable(Float64))
        END
        ELSE "t26"."dv"
      END = 0
      THEN CAST(NULL AS Nullable(Float64))
      ELSE CASE
        WHEN isNull("t25"."bucket")
        THEN CASE
          WHEN GREATEST(
            CAST(ROUND(
              (
                toRelativeSecondNum(
                  CAST(dateTrunc(
                    'WEEK',
                    LEAST(
                      COALESCE("t25"."bucket", "t26"."dbucket") + INTERVAL '7' DAY,
                      parseDateTimeBestEffort('2026-11-16T00:00:00'),
                      parseDateTimeBestEffort('2026-11-16T00:00:00')
                    )
                  ) AS Nullable(DateTime))
                ) - toRelativeSecondNum(
                  CASE
                    WHEN CAST(dateTrunc(
                      'WEEK',
                      GREATEST(
                        COALESCE("t25"."bucket", "t26"."dbucket"),
                        parseDateTimeBestEffort('2026-10-01T00:00:00')
                      )
                    ) AS Nullable(DateTime)) = GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      parseDateTimeBestEffort('2026-10-01T00:00:00')
                    )
                    THEN GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      parseDateTimeBestEffort('2026-10-01T00:00:00')
                    )
                    ELSE CAST(dateTrunc(
                      'WEEK',
                      GREATEST(
                        COALESCE("t25"."bucket", "t26"."dbucket"),
                        parseDateTimeBestEffort('2026-10-01T00:00:00')
                      )
                    ) AS Nullable(DateTime)) + INTERVAL '7' DAY
                  END
                )
              ) / 604800,
              0
            ) AS Nullable(Int64)),
            0
          ) > 0
          THEN 0.0
          ELSE CAST(NULL AS Nullable(Float64))
        END
        ELSE "t25"."nv"
      END / CASE
        WHEN isNull("t26"."dbucket")
        THEN CASE
          WHEN GREATEST(
            CAST(ROUND(
              (
                toRelativeSecondNum(
                  CAST(dateTrunc(
                    'WEEK',
                    LEAST(
                      COALESCE("t25"."bucket", "t26"."dbucket") + INTERVAL '7' DAY,
                      parseDateTimeBestEffort('2026-11-16T00:00:00'),
                      parseDateTimeBestEffort('2026-11-16T00:00:00')
                    )
                  ) AS Nullable(DateTime))
                ) - toRelativeSecondNum(
                  CASE
                    WHEN CAST(dateTrunc(
                      'WEEK',
                      GREATEST(
                        COALESCE("t25"."bucket", "t26"."dbucket"),
                        parseDateTimeBestEffort('2026-10-01T00:00:00')
                      )
                    ) AS Nullable(DateTime)) = GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      parseDateTimeBestEffort('2026-10-01T00:00:00')
                    )
                    THEN GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      parseDateTimeBestEffort('2026-10-01T00:00:00')
                    )
                    ELSE CAST(dateTrunc(
                      'WEEK',
                      GREATEST(
                        COALESCE("t25"."bucket", "t26"."dbucket"),
                        parseDateTimeBestEffort('2026-10-01T00:00:00')
                      )
                    ) AS Nullable(DateTime)) + INTERVAL '7' DAY
                  END
                )
              ) / 604800,
              0
            ) AS Nullable(Int64)),
            0
          ) > 0
          THEN 0.0
          ELSE CAST(NULL AS Nullable(Float64))
        END
        ELSE "t26"."dv"
      END
    END AS "value",
    CASE
      WHEN isNull("t26"."dbucket")
      THEN CASE
        WHEN GREATEST(
          CAST(ROUND(
            (
              toRelativeSecondNum(
                CAST(dateTrunc(
                  'WEEK',
                  LEAST(
                    COALESCE("t25"."bucket", "t26"."dbucket") + INTERVAL '7' DAY,
                    parseDateTimeBestEffort('2026-11-16T00:00:00'),
                    parseDateTimeBestEffort('2026-11-16T00:00:00')
                  )
                ) AS Nullable(DateTime))
              ) - toRelativeSecondNum(
                CASE
                  WHEN CAST(dateTrunc(
                    'WEEK',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      parseDateTimeBestEffort('2026-10-01T00:00:00')
                    )
                  ) AS Nullable(DateTime)) = GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    parseDateTimeBestEffort('2026-10-01T00:00:00')
                  )
                  THEN GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    parseDateTimeBestEffort('2026-10-01T00:00:00')
                  )
                  ELSE CAST(dateTrunc(
                    'WEEK',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      parseDateTimeBestEffort('2026-10-01T00:00:00')
                    )
                  ) AS Nullable(DateTime)) + INTERVAL '7' DAY
                END
              )
            ) / 604800,
            0
          ) AS Nullable(Int64)),
          0
        ) > 0
        THEN 0.0
        ELSE CAST(NULL AS Nullable(Float64))
      END
      ELSE "t26"."dv"
    END AS "n",
    CASE
      WHEN isNull("t25"."bucket")
      THEN CASE
        WHEN GREATEST(
          CAST(ROUND(
            (
              toRelativeSecondNum(
                CAST(dateTrunc(
                  'WEEK',
                  LEAST(
                    COALESCE("t25"."bucket", "t26"."dbucket") + INTERVAL '7' DAY,
                    parseDateTimeBestEffort('2026-11-16T00:00:00'),
                    parseDateTimeBestEffort('2026-11-16T00:00:00')
                  )
                ) AS Nullable(DateTime))
              ) - toRelativeSecondNum(
                CASE
                  WHEN CAST(dateTrunc(
                    'WEEK',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      parseDateTimeBestEffort('2026-10-01T00:00:00')
                    )
                  ) AS Nullable(DateTime)) = GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    parseDateTimeBestEffort('2026-10-01T00:00:00')
                  )
                  THEN GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    parseDateTimeBestEffort('2026-10-01T00:00:00')
                  )
                  ELSE CAST(dateTrunc(
                    'WEEK',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      parseDateTimeBestEffort('2026-10-01T00:00:00')
                    )
                  ) AS Nullable(DateTime)) + INTERVAL '7' DAY
                END
              )
            ) / 604800,
            0
          ) AS Nullable(Int64)),
          0
        ) > 0
        THEN 0.0
        ELSE CAST(NULL AS Nullable(Float64))
      END
      ELSE "t25"."nv"
    END AS "total"
  FROM (
    SELECT
      "t21"."bucket" AS "bucket",
      CASE
        WHEN "t21"."n" > 0
        THEN CAST("t21"."total" AS Nullable(Float64)) / "t21"."n"
        ELSE CAST(NULL AS Nullable(Float64))
      END AS "nv"
    FROM (
      SELECT
        "t19"."bucket" AS "bucket",
        "t19"."total" AS "total",
        "t19"."total_sq" AS "total_sq",
        "t19"."entities" AS "entities",
        GREATEST(
          CAST(ROUND(
            (
              toRelativeSecondNum(
                CAST(dateTrunc(
                  'WEEK',
                  LEAST(
                    "t19"."bucket" + INTERVAL '7' DAY,
                    parseDateTimeBestEffort('2026-11-16T00:00:00'),
                    parseDateTimeBestEffort('2026-11-16T00:00:00')
                  )
                ) AS Nullable(DateTime))
              ) - toRelativeSecondNum(
                CASE
                  WHEN CAST(dateTrunc('WEEK', GREATEST("t19"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))) AS Nullable(DateTime)) = GREATEST("t19"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))
                  THEN GREATEST("t19"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))
                  ELSE CAST(dateTrunc('WEEK', GREATEST("t19"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))) AS Nullable(DateTime)) + INTERVAL '7' DAY
                END
              )
            ) / 604800,
            0
          ) AS Nullable(Int64)),
          0
        ) AS "n"
      FROM (
        SELECT
          "t17".*
          EXCEPT ("ebucket")
        FROM (
          SELECT
            "t15"."bucket" AS "bucket",
            "t15"."total" AS "total",
            "t15"."total_sq" AS "total_sq",
            "t11"."ebucket" AS "ebucket",
            "t11"."entities" AS "entities"
          FROM (
            SELECT
              "t5"."bucket" AS "bucket",
              SUM("t5"."c") AS "total",
              SUM("t5"."c" * "t5"."c") AS "total_sq"
            FROM (
              SELECT
                "t3"."bucket" AS "bucket",
                "t3"."period" AS "period",
                uniq("t3"."account_id") AS "c"
              FROM "t1" AS "t3"
              GROUP BY
                "t3"."bucket",
                "t3"."period"
            ) AS "t5"
            GROUP BY
              "t5"."bucket"
          ) AS "t15"
          INNER JOIN (
            SELECT
              "t6"."bucket" AS "ebucket",
              "t6"."entities" AS "entities"
            FROM (
              SELECT
                "t3"."bucket" AS "bucket",
                uniq("t3"."account_id") AS "entities"
              FROM "t1" AS "t3"
              GROUP BY
                "t3"."bucket"
            ) AS "t6"
          ) AS "t11"
            ON "t15"."bucket" = "t11"."ebucket"
        ) AS "t17"
      ) AS "t19"
    ) AS "t21"
  ) AS "t25"
  FULL OUTER JOIN (
    SELECT
      "t22"."bucket" AS "dbucket",
      CASE
        WHEN "t22"."n" > 0
        THEN CAST("t22"."total" AS Nullable(Float64)) / "t22"."n"
        ELSE CAST(NULL AS Nullable(Float64))
      END AS "dv"
    FROM (
      SELECT
        "t20"."bucket" AS "bucket",
        "t20"."total" AS "total",
        "t20"."total_sq" AS "total_sq",
        "t20"."entities" AS "entities",
        GREATEST(
          CAST(ROUND(
            (
              toRelativeSecondNum(
                CAST(dateTrunc(
                  'WEEK',
                  LEAST(
                    "t20"."bucket" + INTERVAL '7' DAY,
                    parseDateTimeBestEffort('2026-11-16T00:00:00'),
                    parseDateTimeBestEffort('2026-11-16T00:00:00')
                  )
                ) AS Nullable(DateTime))
              ) - toRelativeSecondNum(
                CASE
                  WHEN CAST(dateTrunc('WEEK', GREATEST("t20"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))) AS Nullable(DateTime)) = GREATEST("t20"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))
                  THEN GREATEST("t20"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))
                  ELSE CAST(dateTrunc('WEEK', GREATEST("t20"."bucket", parseDateTimeBestEffort('2026-10-01T00:00:00'))) AS Nullable(DateTime)) + INTERVAL '7' DAY
                END
              )
            ) / 604800,
            0
          ) AS Nullable(Int64)),
          0
        ) AS "n"
      FROM (
        SELECT
          "t18".*
          EXCEPT ("ebucket")
        FROM (
          SELECT
            "t16"."bucket" AS "bucket",
            "t16"."total" AS "total",
            "t16"."total_sq" AS "total_sq",
            "t12"."ebucket" AS "ebucket",
            "t12"."entities" AS "entities"
          FROM (
            SELECT
              "t7"."bucket" AS "bucket",
              SUM("t7"."c") AS "total",
              SUM("t7"."c" * "t7"."c") AS "total_sq"
            FROM (
              SELECT
                "t4"."bucket" AS "bucket",
                "t4"."period" AS "period",
                uniq("t4"."user_id") AS "c"
              FROM "t2" AS "t4"
              GROUP BY
                "t4"."bucket",
                "t4"."period"
            ) AS "t7"
            GROUP BY
              "t7"."bucket"
          ) AS "t16"
          INNER JOIN (
            SELECT
              "t8"."bucket" AS "ebucket",
              "t8"."entities" AS "entities"
            FROM (
              SELECT
                "t4"."bucket" AS "bucket",
                uniq("t4"."user_id") AS "entities"
              FROM "t2" AS "t4"
              GROUP BY
                "t4"."bucket"
            ) AS "t8"
          ) AS "t12"
            ON "t16"."bucket" = "t12"."ebucket"
        ) AS "t18"
      ) AS "t20"
    ) AS "t22"
  ) AS "t26"
    ON "t25"."bucket" = "t26"."dbucket"
) AS "t27"
