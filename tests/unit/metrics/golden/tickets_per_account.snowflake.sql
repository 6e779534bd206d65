SELECT
  "t9"."bucket",
  "t9"."value",
  CAST(NULL AS BIGINT) AS "entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  "t9"."n",
  "t9"."total",
  CAST(NULL AS DOUBLE) AS "total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    COALESCE("t6"."bucket", "t8"."dbucket") AS "bucket",
    IFF(
      COALESCE("t8"."dv", 0.0) = 0,
      CAST(NULL AS DOUBLE),
      COALESCE("t6"."nv", 0.0) / COALESCE("t8"."dv", 0.0)
    ) AS "value",
    COALESCE("t8"."dv", 0.0) AS "n",
    COALESCE("t6"."nv", 0.0) AS "total"
  FROM (
    SELECT
      "t3"."bucket",
      CAST("t3"."value" AS DOUBLE) AS "nv"
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
          "t0"."plan",
          "t0"."flag",
          "t0"."tier",
          "t0"."amount",
          "t0"."score",
          "t0"."kind",
          DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket"
        FROM "events" AS "t0"
        WHERE
          "t0"."timestamp" < TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
          AND "t0"."event" = 'ticket'
          AND COALESCE("t0"."plan" = 'mid', FALSE)
          AND "t0"."timestamp" >= TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
          AND COALESCE("t0"."plan" IN ('mid'), FALSE)
      ) AS "t1"
      GROUP BY
        1
    ) AS "t3"
  ) AS "t6"
  FULL OUTER JOIN (
    SELECT
      "t4"."bucket" AS "dbucket",
      CAST("t4"."value" AS DOUBLE) AS "dv"
    FROM (
      SELECT
        "t2"."bucket",
        COUNT(DISTINCT "t2"."account_id") AS "value"
      FROM (
        SELECT
          "t0"."event",
          "t0"."timestamp",
          "t0"."user_id",
          "t0"."account_id",
          "t0"."properties",
          "t0"."plan",
          "t0"."flag",
          "t0"."tier",
          "t0"."amount",
          "t0"."score",
          "t0"."kind",
          DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket"
        FROM "events" AS "t0"
        WHERE
          "t0"."timestamp" < TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
          AND "t0"."event" = 'session'
          AND "t0"."timestamp" >= TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
          AND COALESCE("t0"."plan" IN ('mid'), FALSE)
          AND "t0"."account_id" IS NOT NULL
      ) AS "t2"
      GROUP BY
        1
    ) AS "t4"
  ) AS "t8"
    ON "t6"."bucket" = "t8"."dbucket"
) AS "t9"
