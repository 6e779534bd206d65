WITH "t10" AS (
  SELECT
    "t9"."eid",
    "t9"."ts" AS "s0",
    "t9"."next_ts" AS "s1"
  FROM (
    SELECT
      "t8"."eid",
      "t8"."ts",
      "t8"."is_end",
      "t8"."seg",
      "t8"."prev_end",
      LEAD("t8"."ts") OVER (
        PARTITION BY "t8"."eid"
        ORDER BY "t8"."ts" ASC, "t8"."is_end" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) AS "next_ts"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t6"."eid",
          "t6"."ts",
          "t6"."is_end",
          "t6"."seg",
          LAG("t6"."is_end") OVER (
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
              "t4"."seg"
            FROM (
              SELECT
                "t3"."account_id",
                "t3"."timestamp",
                BOOL_OR(CAST("t3"."meets" AS BOOLEAN)) AS "seg"
              FROM (
                SELECT
                  "t0"."event",
                  "t0"."timestamp",
                  "t0"."user_id",
                  "t0"."account_id",
                  "t0"."properties",
                  COALESCE(
                    COALESCE(
                      CASE
                        WHEN JSON_TYPE("t0"."properties" -> '$.plan') = 'VARCHAR'
                        THEN (
                          "t0"."properties" -> '$.plan'
                        ) ->> '$'
                        ELSE NULL
                      END IN ('mid'),
                      FALSE
                    ),
                    FALSE
                  ) AS "meets"
                FROM "events" AS "t0"
                WHERE
                  "t0"."timestamp" < MAKE_TIMESTAMP(2026, 11, 16, 0, 0, 0.0)
                  AND "t0"."event" = 'signup'
                  AND "t0"."account_id" IS NOT NULL
              ) AS "t3"
              GROUP BY
                1,
                2
            ) AS "t4"
          ) AS "t5"
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              "t1"."eid",
              "t1"."ts",
              TRUE AS "is_end",
              FALSE AS "seg"
            FROM (
              SELECT DISTINCT
                "t0"."account_id" AS "eid",
                "t0"."timestamp" AS "ts"
              FROM "events" AS "t0"
              WHERE
                "t0"."timestamp" < MAKE_TIMESTAMP(2026, 11, 16, 0, 0, 0.0)
                AND "t0"."event" = 'noise'
                AND "t0"."account_id" IS NOT NULL
            ) AS "t1"
          ) AS "t2"
        ) AS "t6"
      ) AS "t7"
      WHERE
        (
          "t7"."prev_end" IS NULL
        ) OR (
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
  "t19"."bucket",
  CASE WHEN "t19"."n" > 0 THEN CAST("t19"."total" AS DOUBLE) / "t19"."n" ELSE NULL END AS "value",
  "t19"."entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  CAST("t19"."n" AS DOUBLE) AS "n",
  CAST("t19"."total" AS DOUBLE) AS "total",
  CAST("t19"."total" AS DOUBLE) AS "total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    "t18"."bucket",
    COUNT(*) AS "n",
    COUNT(*) FILTER(WHERE
      (
        "t18"."s1" IS NOT NULL
      ) AND (
        "t18"."s1" < "t18"."b"
      )) AS "total",
    COUNT(DISTINCT "t18"."eid") AS "entities"
  FROM (
    SELECT
      "t12"."eid",
      "t12"."s0",
      "t12"."s1",
      "t17"."a",
      "t17"."b",
      "t17"."bucket"
    FROM "t10" AS "t12"
    INNER JOIN (
      SELECT
        "t15"."a",
        "t15"."a" + INTERVAL '7' DAY AS "b",
        DATE_TRUNC('WEEK', "t15"."a") AS "bucket"
      FROM (
        SELECT
          DATE_TRUNC('WEEK', MAKE_TIMESTAMP(2026, 10, 1, 0, 0, 0.0)) + TO_DAYS("t14"."i" * 7) AS "a"
        FROM (
          SELECT
            UNNEST(
              RANGE(
                0,
                GREATEST(
                  CAST(CEIL(
                    (
                      EPOCH(
                        CAST(LEAST(MAKE_TIMESTAMP(2026, 11, 16, 0, 0, 0.0), MAKE_TIMESTAMP(2026, 11, 16, 0, 0, 0.0)) AS TIMESTAMP)
                      ) - EPOCH(CAST(DATE_TRUNC('WEEK', MAKE_TIMESTAMP(2026, 10, 1, 0, 0, 0.0)) AS TIMESTAMP))
                    ) / 604800
                  ) AS BIGINT) + 1,
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
        "t15"."a" >= GREATEST(DATE_TRUNC('WEEK', "t15"."a"), MAKE_TIMESTAMP(2026, 10, 1, 0, 0, 0.0))
        AND (
          "t15"."a" + INTERVAL '7' DAY
        ) <= LEAST(
          DATE_TRUNC('WEEK', "t15"."a") + INTERVAL '7' DAY,
          MAKE_TIMESTAMP(2026, 11, 16, 0, 0, 0.0),
          MAKE_TIMESTAMP(2026, 11, 16, 0, 0, 0.0)
        )
    ) AS "t17"
      ON "t12"."s0" < "t17"."a"
      AND (
        (
          "t12"."s1" IS NULL
        ) OR (
          "t12"."s1" >= "t17"."a"
        )
      )
  ) AS "t18"
  GROUP BY
    1
) AS "t19"
