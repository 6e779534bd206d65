SELECT
  "t2"."bucket",
  CAST("t2"."value" AS DOUBLE) AS "value",
  CAST(NULL AS BIGINT) AS "entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  CAST(NULL AS DOUBLE) AS "n",
  CAST("t2"."value" AS DOUBLE) AS "total",
  CAST(NULL AS DOUBLE) AS "total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    "t1"."bucket",
    COUNT(*) AS "value"
  FROM (
    SELECT
      "t0"."event",
      "t0"."timestamp",
      "t0"."user_id",
      "t0"."account_id",
      "t0"."properties",
      DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket"
    FROM "events" AS "t0"
    WHERE
      "t0"."timestamp" < MAKE_TIMESTAMP(2026, 11, 16, 0, 0, 0.0)
      AND "t0"."event" = 'ticket'
      AND COALESCE(
        CASE
          WHEN JSON_TYPE("t0"."properties" -> '$.plan') = 'VARCHAR'
          THEN (
            "t0"."properties" -> '$.plan'
          ) ->> '$'
          ELSE NULL
        END = 'mid',
        FALSE
      )
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
  ) AS "t1"
  GROUP BY
    1
) AS "t2"
