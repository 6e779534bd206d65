WITH "t1" AS (
  SELECT
    "t0"."event",
    "t0"."timestamp",
    "t0"."user_id",
    "t0"."account_id",
    "t0"."properties",
    DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket",
    DATE_TRUNC('DAY', "t0"."timestamp") AS "period"
  FROM "events" AS "t0"
  WHERE
    "t0"."timestamp" < CAST('2026-11-16T00:00:00' AS TIMESTAMP)
    AND "t0"."event" = 'session'
    AND "t0"."timestamp" >= CAST('2026-10-01T00:00:00' AS TIMESTAMP)
    AND COALESCE(
      CASE
        WHEN JSON_TYPEOF(JSON_EXTRACT_PATH("t0"."properties", 'plan')) = 'string'
        THEN JSON_EXTRACT_PATH_TEXT(JSON_EXTRACT_PATH("t0"."properties", 'plan'), VARIADIC ARRAY[]::TEXT[])
        ELSE NULL
      END IN ('mid'),
      FALSE
    )
    AND "t0"."user_id" IS NOT NULL
    AND DATE_TRUNC('DAY', "t0"."timestamp") >= GREATEST(DATE_TRUNC('WEEK', "t0"."timestamp"), CAST('2026-10-01T00:00:00' AS TIMESTAMP))
    AND (
      DATE_TRUNC('DAY', "t0"."timestamp") + INTERVAL '1 DAY'
    ) <= LEAST(
      DATE_TRUNC('WEEK', "t0"."timestamp") + INTERVAL '7 DAY',
      CAST('2026-11-16T00:00:00' AS TIMESTAMP),
      CAST('2026-11-16T00:00:00' AS TIMESTAMP)
    )
), "t2" AS (
  SELECT
    "t0"."event",
    "t0"."timestamp",
    "t0"."user_id",
    "t0"."account_id",
    "t0"."properties",
    DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket",
    DATE_TRUNC('WEEK', "t0"."timestamp") AS "period"
  FROM "events" AS "t0"
  WHERE
    "t0"."timestamp" < CAST('2026-11-16T00:00:00' AS TIMESTAMP)
    AND "t0"."event" = 'session'
    AND "t0"."timestamp" >= CAST('2026-10-01T00:00:00' AS TIMESTAMP)
    AND COALESCE(
      CASE
        WHEN JSON_TYPEOF(JSON_EXTRACT_PATH("t0"."properties", 'plan')) = 'string'
        THEN JSON_EXTRACT_PATH_TEXT(JSON_EXTRACT_PATH("t0"."properties", 'plan'), VARIADIC ARRAY[]::TEXT[])
        ELSE NULL
      END IN ('mid'),
      FALSE
    )
    AND "t0"."user_id" IS NOT NULL
    AND DATE_TRUNC('WEEK', "t0"."timestamp") >= GREATEST(DATE_TRUNC('WEEK', "t0"."timestamp"), CAST('2026-10-01T00:00:00' AS TIMESTAMP))
    AND (
      DATE_TRUNC('WEEK', "t0"."timestamp") + INTERVAL '7 DAY'
    ) <= LEAST(
      DATE_TRUNC('WEEK', "t0"."timestamp") + INTERVAL '7 DAY',
      CAST('2026-11-16T00:00:00' AS TIMESTAMP),
      CAST('2026-11-16T00:00:00' AS TIMESTAMP)
    )
)
SELECT
  "t27"."bucket",
  "t27"."value",
  CAST(NULL AS BIGINT) AS "entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  "t27"."n",
  "t27"."total",
  CAST(NULL AS DOUBLE PRECISION) AS "total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    COALESCE("t25"."bucket", "t26"."dbucket") AS "bucket",
    CASE
      WHEN CASE
        WHEN "t26"."dbucket" IS NULL
        THEN CASE
          WHEN GREATEST(
            CAST(ROUND(
              CAST((
                EXTRACT('epoch' FROM DATE_TRUNC(
                  'WEEK',
                  LEAST(
                    COALESCE("t25"."bucket", "t26"."dbucket") + INTERVAL '7 DAY',
                    CAST('2026-11-16T00:00:00' AS TIMESTAMP),
                    CAST('2026-11-16T00:00:00' AS TIMESTAMP)
                  )
                )) - EXTRACT('epoch' FROM CASE
                  WHEN DATE_TRUNC(
                    'WEEK',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                    )
                  ) = GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                  )
                  THEN GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                  )
                  ELSE DATE_TRUNC(
                    'WEEK',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                    )
                  ) + INTERVAL '7 DAY'
                END)
              ) AS DOUBLE PRECISION) / 604800
            ) AS BIGINT),
            0
          ) > 0
          THEN 0.0
          ELSE CAST(NULL AS DOUBLE PRECISION)
        END
        ELSE "t26"."dv"
      END = 0
      THEN CAST(NULL AS DOUBLE PRECISION)
      ELSE CAST(CASE
        WHEN "t25"."bucket" IS NULL
        THEN CASE
          WHEN GREATEST(
            CAST(ROUND(
              CAST((
                EXTRACT('epoch' FROM DATE_TRUNC(
                  'DAY',
                  LEAST(
                    COALESCE("t25"."bucket", "t26"."dbucket") + INTERVAL '7 DAY',
                    CAST('2026-11-16T00:00:00' AS TIMESTAMP),
                    CAST('2026-11-16T00:00:00' AS TIMESTAMP)
                  )
                )) - EXTRACT('epoch' FROM CASE
                  WHEN DATE_TRUNC(
                    'DAY',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                    )
                  ) = GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                  )
                  THEN GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                  )
                  ELSE DATE_TRUNC(
                    'DAY',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                    )
                  ) + INTERVAL '1 DAY'
                END)
              ) AS DOUBLE PRECISION) / 86400
            ) AS BIGINT),
            0
          ) > 0
          THEN 0.0
          ELSE CAST(NULL AS DOUBLE PRECISION)
        END
        ELSE "t25"."nv"
      END AS DOUBLE PRECISION) / CASE
        WHEN "t26"."dbucket" IS NULL
        THEN CASE
          WHEN GREATEST(
            CAST(ROUND(
              CAST((
                EXTRACT('epoch' FROM DATE_TRUNC(
                  'WEEK',
                  LEAST(
                    COALESCE("t25"."bucket", "t26"."dbucket") + INTERVAL '7 DAY',
                    CAST('2026-11-16T00:00:00' AS TIMESTAMP),
                    CAST('2026-11-16T00:00:00' AS TIMESTAMP)
                  )
                )) - EXTRACT('epoch' FROM CASE
                  WHEN DATE_TRUNC(
                    'WEEK',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                    )
                  ) = GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                  )
                  THEN GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                  )
                  ELSE DATE_TRUNC(
                    'WEEK',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                    )
                  ) + INTERVAL '7 DAY'
                END)
              ) AS DOUBLE PRECISION) / 604800
            ) AS BIGINT),
            0
          ) > 0
          THEN 0.0
          ELSE CAST(NULL AS DOUBLE PRECISION)
        END
        ELSE "t26"."dv"
      END
    END AS "value",
    CASE
      WHEN "t26"."dbucket" IS NULL
      THEN CASE
        WHEN GREATEST(
          CAST(ROUND(
            CAST((
              EXTRACT('epoch' FROM DATE_TRUNC(
                'WEEK',
                LEAST(
                  COALESCE("t25"."bucket", "t26"."dbucket") + INTERVAL '7 DAY',
                  CAST('2026-11-16T00:00:00' AS TIMESTAMP),
                  CAST('2026-11-16T00:00:00' AS TIMESTAMP)
                )
              )) - EXTRACT('epoch' FROM CASE
                WHEN DATE_TRUNC(
                  'WEEK',
                  GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                  )
                ) = GREATEST(
                  COALESCE("t25"."bucket", "t26"."dbucket"),
                  CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                )
                THEN GREATEST(
                  COALESCE("t25"."bucket", "t26"."dbucket"),
                  CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                )
                ELSE DATE_TRUNC(
                  'WEEK',
                  GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                  )
                ) + INTERVAL '7 DAY'
              END)
            ) AS DOUBLE PRECISION) / 604800
          ) AS BIGINT),
          0
        ) > 0
        THEN 0.0
        ELSE CAST(NULL AS DOUBLE PRECISION)
      END
      ELSE "t26"."dv"
    END AS "n",
    CASE
      WHEN "t25"."bucket" IS NULL
      THEN CASE
        WHEN GREATEST(
          CAST(ROUND(
            CAST((
              EXTRACT('epoch' FROM DATE_TRUNC(
                'DAY',
                LEAST(
                  COALESCE("t25"."bucket", "t26"."dbucket") + INTERVAL '7 DAY',
                  CAST('2026-11-16T00:00:00' AS TIMESTAMP),
                  CAST('2026-11-16T00:00:00' AS TIMESTAMP)
                )
              )) - EXTRACT('epoch' FROM CASE
                WHEN DATE_TRUNC(
                  'DAY',
                  GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                  )
                ) = GREATEST(
                  COALESCE("t25"."bucket", "t26"."dbucket"),
                  CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                )
                THEN GREATEST(
                  COALESCE("t25"."bucket", "t26"."dbucket"),
                  CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                )
                ELSE DATE_TRUNC(
                  'DAY',
                  GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    CAST('2026-10-01T00:00:00' AS TIMESTAMP)
                  )
                ) + INTERVAL '1 DAY'
              END)
            ) AS DOUBLE PRECISION) / 86400
          ) AS BIGINT),
          0
        ) > 0
        THEN 0.0
        ELSE CAST(NULL AS DOUBLE PRECISION)
      END
      ELSE "t25"."nv"
    END AS "total"
  FROM (
    SELECT
      "t21"."bucket",
      CASE
        WHEN "t21"."n" > 0
        THEN CAST("t21"."total" AS DOUBLE PRECISION) / "t21"."n"
        ELSE CAST(NULL AS DOUBLE PRECISION)
      END AS "nv"
    FROM (
      SELECT
        "t19"."bucket",
        "t19"."total",
        "t19"."total_sq",
        "t19"."entities",
        GREATEST(
          CAST(ROUND(
            CAST((
              EXTRACT('epoch' FROM DATE_TRUNC(
                'DAY',
                LEAST(
                  "t19"."bucket" + INTERVAL '7 DAY',
                  CAST('2026-11-16T00:00:00' AS TIMESTAMP),
                  CAST('2026-11-16T00:00:00' AS TIMESTAMP)
                )
              )) - EXTRACT('epoch' FROM CASE
                WHEN DATE_TRUNC('DAY', GREATEST("t19"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))) = GREATEST("t19"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))
                THEN GREATEST("t19"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))
                ELSE DATE_TRUNC('DAY', GREATEST("t19"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))) + INTERVAL '1 DAY'
              END)
            ) AS DOUBLE PRECISION) / 86400
          ) AS BIGINT),
          0
        ) AS "n"
      FROM (
        SELECT
          "t17"."bucket",
          "t17"."total",
          "t17"."total_sq",
          "t17"."entities"
        FROM (
          SELECT
            "t15"."bucket",
            "t15"."total",
            "t15"."total_sq",
            "t11"."ebucket",
            "t11"."entities"
          FROM (
            SELECT
              "t5"."bucket",
              SUM("t5"."c") AS "total",
              SUM("t5"."c" * "t5"."c") AS "total_sq"
            FROM (
              SELECT
                "t3"."bucket",
                "t3"."period",
                COUNT(DISTINCT "t3"."user_id") AS "c"
              FROM "t1" AS "t3"
              GROUP BY
                1,
                2
            ) AS "t5"
            GROUP BY
              1
          ) AS "t15"
          INNER JOIN (
            SELECT
              "t6"."bucket" AS "ebucket",
              "t6"."entities"
            FROM (
              SELECT
                "t3"."bucket",
                COUNT(DISTINCT "t3"."user_id") AS "entities"
              FROM "t1" AS "t3"
              GROUP BY
                1
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
        THEN CAST("t22"."total" AS DOUBLE PRECISION) / "t22"."n"
        ELSE CAST(NULL AS DOUBLE PRECISION)
      END AS "dv"
    FROM (
      SELECT
        "t20"."bucket",
        "t20"."total",
        "t20"."total_sq",
        "t20"."entities",
        GREATEST(
          CAST(ROUND(
            CAST((
              EXTRACT('epoch' FROM DATE_TRUNC(
                'WEEK',
                LEAST(
                  "t20"."bucket" + INTERVAL '7 DAY',
                  CAST('2026-11-16T00:00:00' AS TIMESTAMP),
                  CAST('2026-11-16T00:00:00' AS TIMESTAMP)
                )
              )) - EXTRACT('epoch' FROM CASE
                WHEN DATE_TRUNC('WEEK', GREATEST("t20"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))) = GREATEST("t20"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))
                THEN GREATEST("t20"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))
                ELSE DATE_TRUNC('WEEK', GREATEST("t20"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))) + INTERVAL '7 DAY'
              END)
            ) AS DOUBLE PRECISION) / 604800
          ) AS BIGINT),
          0
        ) AS "n"
      FROM (
        SELECT
          "t18"."bucket",
          "t18"."total",
          "t18"."total_sq",
          "t18"."entities"
        FROM (
          SELECT
            "t16"."bucket",
            "t16"."total",
            "t16"."total_sq",
            "t12"."ebucket",
            "t12"."entities"
          FROM (
            SELECT
              "t7"."bucket",
              SUM("t7"."c") AS "total",
              SUM("t7"."c" * "t7"."c") AS "total_sq"
            FROM (
              SELECT
                "t4"."bucket",
                "t4"."period",
                COUNT(DISTINCT "t4"."user_id") AS "c"
              FROM "t2" AS "t4"
              GROUP BY
                1,
                2
            ) AS "t7"
            GROUP BY
              1
          ) AS "t16"
          INNER JOIN (
            SELECT
              "t8"."bucket" AS "ebucket",
              "t8"."entities"
            FROM (
              SELECT
                "t4"."bucket",
                COUNT(DISTINCT "t4"."user_id") AS "entities"
              FROM "t2" AS "t4"
              GROUP BY
                1
            ) AS "t8"
          ) AS "t12"
            ON "t16"."bucket" = "t12"."ebucket"
        ) AS "t18"
      ) AS "t20"
    ) AS "t22"
  ) AS "t26"
    ON "t25"."bucket" = "t26"."dbucket"
) AS "t27"
