SELECT
  "t2"."bucket",
  "t2"."stat" AS "value",
  CAST(NULL AS BIGINT) AS "entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  CAST("t2"."n" AS DOUBLE PRECISION) AS "n",
  "t2"."total",
  "t2"."total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    "t1"."bucket",
    COUNT(*) AS "n",
    SUM("t1"."x") AS "total",
    SUM("t1"."x" * "t1"."x") AS "total_sq",
    PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY
      "t1"."x") AS "stat"
  FROM (
    SELECT
      "t0"."event",
      "t0"."timestamp",
      "t0"."user_id",
      "t0"."account_id",
      "t0"."properties",
      DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket",
      CASE
        WHEN JSON_TYPEOF(JSON_EXTRACT_PATH("t0"."properties", 'amount')) = 'number'
        THEN CAST(JSON_EXTRACT_PATH_TEXT(JSON_EXTRACT_PATH("t0"."properties", 'amount'), VARIADIC ARRAY[]::TEXT[]) AS DOUBLE PRECISION)
        ELSE NULL
      END AS "x"
    FROM "events" AS "t0"
    WHERE
      "t0"."timestamp" < CAST('2026-11-16T00:00:00' AS TIMESTAMP)
      AND "t0"."event" = 'invoice'
      AND "t0"."timestamp" >= CAST('2026-10-01T00:00:00' AS TIMESTAMP)
      AND COALESCE(
        CASE
          WHEN JSON_TYPEOF(JSON_EXTRACT_PATH("t0"."properties", 'plan')) = 'string'
          THEN JSON_EXTRACT_PATH_TEXT(JSON_EXTRACT_PATH("t0"."properties", 'plan'), VARIADIC ARRAY[]::TEXT[])
          ELSE NULL
        END IN ('mid'),
        FALSE
      )
      AND CASE
        WHEN JSON_TYPEOF(JSON_EXTRACT_PATH("t0"."properties", 'amount')) = 'number'
        THEN CAST(JSON_EXTRACT_PATH_TEXT(JSON_EXTRACT_PATH("t0"."properties", 'amount'), VARIADIC ARRAY[]::TEXT[]) AS DOUBLE PRECISION)
        ELSE NULL
      END IS NOT NULL
  ) AS "t1"
  GROUP BY
    1
) AS "t2"
