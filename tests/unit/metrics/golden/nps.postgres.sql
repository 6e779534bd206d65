SELECT
  "t4"."bucket",
  CAST("t4"."total" AS DOUBLE PRECISION) / "t4"."n" AS "value",
  "t4"."n" AS "entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  CAST("t4"."n" AS DOUBLE PRECISION) AS "n",
  "t4"."total",
  "t4"."total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    "t3"."bucket",
    COUNT(*) AS "n",
    SUM("t3"."x") AS "total",
    SUM("t3"."x" * "t3"."x") AS "total_sq"
  FROM (
    SELECT
      "t2"."event",
      "t2"."timestamp",
      "t2"."user_id",
      "t2"."account_id",
      "t2"."properties",
      "t2"."bucket",
      "t2"."score",
      "t2"."rank",
      CASE WHEN "t2"."score" >= 9 THEN 100.0 WHEN "t2"."score" <= 6 THEN -100.0 ELSE 0.0 END AS "x"
    FROM (
      SELECT
        "t1"."event",
        "t1"."timestamp",
        "t1"."user_id",
        "t1"."account_id",
        "t1"."properties",
        "t1"."bucket",
        "t1"."score",
        ROW_NUMBER() OVER (
          PARTITION BY "t1"."bucket", "t1"."user_id"
          ORDER BY "t1"."timestamp" DESC NULLS LAST, "t1"."score" DESC NULLS LAST
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) - 1 AS "rank"
      FROM (
        SELECT
          "t0"."event",
          "t0"."timestamp",
          "t0"."user_id",
          "t0"."account_id",
          "t0"."properties",
          DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket",
          CASE
            WHEN JSON_TYPEOF(JSON_EXTRACT_PATH("t0"."properties", 'score')) = 'number'
            THEN CAST(JSON_EXTRACT_PATH_TEXT(JSON_EXTRACT_PATH("t0"."properties", 'score'), VARIADIC ARRAY[]::TEXT[]) AS DOUBLE PRECISION)
            ELSE NULL
          END AS "score"
        FROM "events" AS "t0"
        WHERE
          "t0"."timestamp" < CAST('2026-11-16T00:00:00' AS TIMESTAMP)
          AND "t0"."event" = 'survey'
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
          AND CASE
            WHEN JSON_TYPEOF(JSON_EXTRACT_PATH("t0"."properties", 'score')) = 'number'
            THEN CAST(JSON_EXTRACT_PATH_TEXT(JSON_EXTRACT_PATH("t0"."properties", 'score'), VARIADIC ARRAY[]::TEXT[]) AS DOUBLE PRECISION)
            ELSE NULL
          END IS NOT NULL
      ) AS "t1"
    ) AS "t2"
    WHERE
      "t2"."rank" = 0
  ) AS "t3"
  GROUP BY
    1
) AS "t4"
