WITH "t1" AS (
  SELECT
    "t0"."event",
    "t0"."timestamp",
    "t0"."user_id",
    "t0"."account_id",
    "t0"."properties",
    DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket",
    DATE_TRUNC('MONTH', "t0"."timestamp") AS "period"
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
    AND "t0"."account_id" IS NOT NULL
    AND DATE_TRUNC('MONTH', "t0"."timestamp") >= GREATEST(DATE_TRUNC('WEEK', "t0"."timestamp"), CAST('2026-10-01T00:00:00' AS TIMESTAMP))
    AND (
      DATE_TRUNC('MONTH', "t0"."timestamp") + INTERVAL '1 MONTH'
    ) <= LEAST(
      DATE_TRUNC('WEEK', "t0"."timestamp") + INTERVAL '7 DAY',
      CAST('2026-11-16T00:00:00' AS TIMESTAMP),
      CAST('2026-11-16T00:00:00' AS TIMESTAMP)
    )
)
SELECT
  "t11"."bucket",
  CASE
    WHEN "t11"."n" > 0
    THEN CAST("t11"."total" AS DOUBLE PRECISION) / "t11"."n"
    ELSE CAST(NULL AS DOUBLE PRECISION)
  END AS "value",
  "t11"."entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  CAST("t11"."n" AS DOUBLE PRECISION) AS "n",
  CAST("t11"."total" AS DOUBLE PRECISION) AS "total",
  CAST("t11"."total_sq" AS DOUBLE PRECISION) AS "total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    "t10"."bucket",
    "t10"."total",
    "t10"."total_sq",
    "t10"."entities",
    GREATEST(
      (
        (
          EXTRACT(year FROM DATE_TRUNC(
            'MONTH',
            LEAST(
              "t10"."bucket" + INTERVAL '7 DAY',
              CAST('2026-11-16T00:00:00' AS TIMESTAMP),
              CAST('2026-11-16T00:00:00' AS TIMESTAMP)
            )
          )) * 12
        ) + EXTRACT(month FROM DATE_TRUNC(
          'MONTH',
          LEAST(
            "t10"."bucket" + INTERVAL '7 DAY',
            CAST('2026-11-16T00:00:00' AS TIMESTAMP),
            CAST('2026-11-16T00:00:00' AS TIMESTAMP)
          )
        ))
      ) - (
        (
          EXTRACT(year FROM CASE
            WHEN DATE_TRUNC('MONTH', GREATEST("t10"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))) = GREATEST("t10"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))
            THEN GREATEST("t10"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))
            ELSE DATE_TRUNC('MONTH', GREATEST("t10"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))) + INTERVAL '1 MONTH'
          END) * 12
        ) + EXTRACT(month FROM CASE
          WHEN DATE_TRUNC('MONTH', GREATEST("t10"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))) = GREATEST("t10"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))
          THEN GREATEST("t10"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))
          ELSE DATE_TRUNC('MONTH', GREATEST("t10"."bucket", CAST('2026-10-01T00:00:00' AS TIMESTAMP))) + INTERVAL '1 MONTH'
        END)
      ),
      0
    ) AS "n"
  FROM (
    SELECT
      "t9"."bucket",
      "t9"."total",
      "t9"."total_sq",
      "t9"."entities"
    FROM (
      SELECT
        "t8"."bucket",
        "t8"."total",
        "t8"."total_sq",
        "t6"."ebucket",
        "t6"."entities"
      FROM (
        SELECT
          "t3"."bucket",
          SUM("t3"."c") AS "total",
          SUM("t3"."c" * "t3"."c") AS "total_sq"
        FROM (
          SELECT
            "t2"."bucket",
            "t2"."period",
            COUNT(DISTINCT "t2"."account_id") AS "c"
          FROM "t1" AS "t2"
          GROUP BY
            1,
            2
        ) AS "t3"
        GROUP BY
          1
      ) AS "t8"
      INNER JOIN (
        SELECT
          "t4"."bucket" AS "ebucket",
          "t4"."entities"
        FROM (
          SELECT
            "t2"."bucket",
            COUNT(DISTINCT "t2"."account_id") AS "entities"
          FROM "t1" AS "t2"
          GROUP BY
            1
        ) AS "t4"
      ) AS "t6"
        ON "t8"."bucket" = "t6"."ebucket"
    ) AS "t9"
  ) AS "t10"
) AS "t11"
