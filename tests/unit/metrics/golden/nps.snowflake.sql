SELECT
  "t4"."bucket",
  "t4"."total" / "t4"."n" AS "value",
  "t4"."n" AS "entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  CAST("t4"."n" AS DOUBLE) AS "n",
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
      "t2"."plan",
      "t2"."flag",
      "t2"."tier",
      "t2"."amount",
      "t2"."score",
      "t2"."kind",
      "t2"."bucket",
      "t2"."rank",
      CASE WHEN "t2"."score" >= 9 THEN 100.0 WHEN "t2"."score" <= 6 THEN -100.0 ELSE 0.0 END AS "x"
    FROM (
      SELECT
        "t1"."event",
        "t1"."timestamp",
        "t1"."user_id",
        "t1"."account_id",
        "t1"."properties",
        "t1"."plan",
        "t1"."flag",
        "t1"."tier",
        "t1"."amount",
        "t1"."score",
        "t1"."kind",
        "t1"."bucket",
        ROW_NUMBER() OVER (
          PARTITION BY "t1"."bucket", "t1"."user_id"
          ORDER BY "t1"."timestamp" DESC NULLS LAST, "t1"."score" DESC NULLS LAST
        ) - 1 AS "rank"
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
          AND "t0"."event" = 'survey'
          AND "t0"."timestamp" >= TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
          AND COALESCE("t0"."plan" IN ('mid'), FALSE)
          AND "t0"."user_id" IS NOT NULL
          AND "t0"."score" IS NOT NULL
      ) AS "t1"
    ) AS "t2"
    WHERE
      "t2"."rank" = 0
  ) AS "t3"
  GROUP BY
    1
) AS "t4"
