SELECT
  "t10"."bucket",
  IF("t10"."entities" > 0, CAST("t10"."total" AS DOUBLE) / "t10"."entities", NULL) AS "value",
  "t10"."entities",
  "t10"."excluded_immature",
  CAST("t10"."entities" AS DOUBLE) AS "n",
  CAST("t10"."total" AS DOUBLE) AS "total",
  CAST("t10"."total" AS DOUBLE) AS "total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    "t9"."bucket",
    COUNT(*) FILTER(WHERE
      "t9"."mature") AS "entities",
    COUNT(*) FILTER(WHERE
      NOT (
        "t9"."mature"
      )) AS "excluded_immature",
    COUNT(*) FILTER(WHERE
      "t9"."mature" AND (
        "t9"."first_outcome" IS NOT NULL
      )) AS "total"
  FROM (
    SELECT
      "t8"."account_id",
      "t8"."anchor",
      "t8"."first_outcome",
      DATE_TRUNC('WEEK', "t8"."anchor") AS "bucket",
      "t8"."anchor" <= CAST(FROM_ISO8601_TIMESTAMP('2026-11-14T00:00:00') AS TIMESTAMP) AS "mature"
    FROM (
      SELECT
        "t7"."account_id",
        "t7"."anchor",
        MIN("t7"."ots") AS "first_outcome"
      FROM (
        SELECT
          "t6"."account_id",
          "t6"."anchor",
          "t3"."oid",
          "t3"."ots"
        FROM (
          SELECT
            "t4"."account_id",
            "t4"."anchor"
          FROM (
            SELECT
              "t2"."account_id",
              MIN("t2"."timestamp") AS "anchor",
              MIN("t2"."timestamp") FILTER(WHERE
                COALESCE("t2"."plan" IN ('mid'), FALSE)) AS "anchor_seg"
            FROM (
              SELECT
                *
              FROM "events" AS "t0"
              WHERE
                "t0"."timestamp" < CAST(FROM_ISO8601_TIMESTAMP('2026-11-16T00:00:00') AS TIMESTAMP)
                AND "t0"."event" = 'signup'
                AND "t0"."account_id" IS NOT NULL
            ) AS "t2"
            GROUP BY
              1
          ) AS "t4"
          WHERE
            "t4"."anchor" >= CAST(FROM_ISO8601_TIMESTAMP('2026-10-01T00:00:00') AS TIMESTAMP)
            AND "t4"."anchor" < CAST(FROM_ISO8601_TIMESTAMP('2026-11-16T00:00:00') AS TIMESTAMP)
            AND "t4"."anchor_seg" = "t4"."anchor"
        ) AS "t6"
        LEFT OUTER JOIN (
          SELECT
            "t0"."account_id" AS "oid",
            "t0"."timestamp" AS "ots"
          FROM "events" AS "t0"
          WHERE
            "t0"."timestamp" < CAST(FROM_ISO8601_TIMESTAMP('2026-11-16T00:00:00') AS TIMESTAMP)
            AND "t0"."event" = 'project'
            AND "t0"."account_id" IS NOT NULL
        ) AS "t3"
          ON "t6"."account_id" = "t3"."oid"
          AND "t3"."ots" >= "t6"."anchor"
          AND "t3"."ots" <= (
            "t6"."anchor" + INTERVAL '172800' SECOND
          )
      ) AS "t7"
      GROUP BY
        1,
        2
    ) AS "t8"
  ) AS "t9"
  GROUP BY
    1
) AS "t10"
