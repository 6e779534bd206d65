SELECT
  "t2"."bucket",
  "t2"."stat" AS "value",
  CAST(NULL AS BIGINT) AS "entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  CAST("t2"."n" AS DOUBLE) AS "n",
  "t2"."total",
  "t2"."total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    "t1"."bucket",
    COUNT(*) AS "n",
    SUM("t1"."x") AS "total",
    SUM("t1"."x" * "t1"."x") AS "total_sq",
    QUANTILE_CONT("t1"."x", 0.9) AS "stat"
  FROM (
    SELECT
      "t0"."event",
      "t0"."timestamp",
      "t0"."user_id",
      "t0"."account_id",
      "t0"."properties",
      DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket",
      CASE
        WHEN JSON_TYPE("t0"."properties" -> '$.amount') IN ('UBIGINT', 'BIGINT', 'DOUBLE')
        THEN CAST("t0"."properties" -> '$.amount' AS DOUBLE)
        ELSE NULL
      END AS "x"
    FROM "events" AS "t0"
    WHERE
      "t0"."timestamp" < MAKE_TIMESTAMP(2026, 11, 16, 0, 0, 0.0)
      AND "t0"."event" = 'invoice'
      AND "t0"."timestamp" >= MAKE_TIMESTAMP(2026, 10, 1, 0, 0, 0.0)
      AND COALESCE(
        CASE
          WHEN JSON_TYPE("t0"."properties" -> '$.plan') = 'VARCHAR'
          THEN (
            "t0"."properties" -> '$.plan'
          ) ->> '$'
          ELSE NULL
        END IN ('mid'),
        FALSE
      )
      AND CASE
        WHEN JSON_TYPE("t0"."properties" -> '$.amount') IN ('UBIGINT', 'BIGINT', 'DOUBLE')
        THEN CAST("t0"."properties" -> '$.amount' AS DOUBLE)
        ELSE NULL
      END IS NOT NULL
  ) AS "t1"
  GROUP BY
    1
) AS "t2"
