SELECT
  "t10"."bucket" AS "bucket",
  CASE
    WHEN "t10"."entities" > 0
    THEN CAST("t10"."total" AS Nullable(Float64)) / "t10"."entities"
    ELSE NULL
  END AS "value",
  "t10"."entities" AS "entities",
  "t10"."excluded_immature" AS "excluded_immature",
  CAST("t10"."entities" AS Nullable(Float64)) AS "n",
  CAST("t10"."total" AS Nullable(Float64)) AS "total",
  CAST("t10"."total" AS Nullable(Float64)) AS "total_sq",
  CAST(NULL AS Nullable(Int64)) AS "without_outcome"
FROM (
  SELECT
    "t9"."bucket" AS "bucket",
    countIf("t9"."mature") AS "entities",
    countIf(NOT (
      "t9"."mature"
    )) AS "excluded_immature",
    countIf("t9"."mature" AND isNotNull("t9"."first_outcome")) AS "total"
  FROM (
    SELECT
      "t8"."user_id" AS "user_id",
      "t8"."anchor" AS "anchor",
      "t8"."first_outcome" AS "first_outcome",
      CAST(dateTrunc('WEEK', "t8"."anchor") AS Nullable(DateTime)) AS "bucket",
      "t8"."anchor" <= parseDateTimeBestEffort('2026-11-14T00:00:00') AS "mature"
    FROM (
      SELECT
        "t7"."user_id" AS "user_id",
        "t7"."anchor" AS "anchor",
        MIN("t7"."ots") AS "first_outcome"
      FROM (
        SELECT
          "t6"."user_id" AS "user_id",
          "t6"."anchor" AS "anchor",
          "t3"."oid" AS "oid",
          "t3"."ots" AS "ots"
        FROM (
          SELECT
            "t4"."user_id" AS "user_id",
            "t4"."anchor" AS "anchor"
          FROM (
            SELECT
              "t2"."user_id" AS "user_id",
              MIN("t2"."timestamp") AS "anchor",
              minIf("t2"."timestamp", COALESCE("t2"."plan" IN ('mid'), FALSE)) AS "anchor_seg"
            FROM (
              SELECT
                *
              FROM "events" AS "t0"
              WHERE
                "t0"."timestamp" < parseDateTimeBestEffort('2026-11-16T00:00:00')
                AND "t0"."event" = 'signup'
                AND isNotNull("t0"."user_id")
            ) AS "t2"
            GROUP BY
              "t2"."user_id"
          ) AS "t4"
          WHERE
            "t4"."anchor" >= parseDateTimeBestEffort('2026-10-01T00:00:00')
            AND "t4"."anchor" < parseDateTimeBestEffort('2026-11-16T00:00:00')
            AND "t4"."anchor_seg" = "t4"."anchor"
        ) AS "t6"
        LEFT OUTER JOIN (
          SELECT
            "t0"."user_id" AS "oid",
            "t0"."timestamp" AS "ots"
          FROM "events" AS "t0"
          WHERE
            "t0"."timestamp" < parseDateTimeBestEffort('2026-11-16T00:00:00')
            AND "t0"."event" = 'session'
            AND isNotNull("t0"."user_id")
        ) AS "t3"
          ON "t6"."user_id" = "t3"."oid"
          AND "t3"."ots" >= (
            "t6"."anchor" + INTERVAL '86400' SECOND
          )
          AND "t3"."ots" < (
            "t6"."anchor" + INTERVAL '172800' SECOND
          )
      ) AS "t7"
      GROUP BY
        "t7"."user_id",
        "t7"."anchor"
    ) AS "t8"
  ) AS "t9"
  GROUP BY
    "t9"."bucket"
) AS "t10"
