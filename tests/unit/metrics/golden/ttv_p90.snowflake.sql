SELECT
  "t10"."bucket",
  "t10"."stat" AS "value",
  "t10"."entities",
  "t10"."excluded_immature",
  CAST("t10"."n" AS DOUBLE) AS "n",
  "t10"."total",
  "t10"."total_sq",
  "t10"."entities" - "t10"."n" AS "without_outcome"
FROM (
  SELECT
    "t9"."bucket",
    COUNT_IF("t9"."mature") AS "entities",
    COUNT_IF(NOT (
      "t9"."mature"
    )) AS "excluded_immature",
    COUNT("t9"."x") AS "n",
    SUM("t9"."x") AS "total",
    SUM("t9"."x" * "t9"."x") AS "total_sq",
    PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY
      "t9"."x") AS "stat"
  FROM (
    SELECT
      "t8"."user_id",
      "t8"."anchor",
      "t8"."first_outcome",
      DATE_TRUNC('WEEK', "t8"."anchor") AS "bucket",
      "t8"."anchor" <= TIMESTAMP_FROM_PARTS(2026, 11, 13, 0, 0, 0, 0) AS "mature",
      IFF(
        "t8"."anchor" <= TIMESTAMP_FROM_PARTS(2026, 11, 13, 0, 0, 0, 0),
        (
          CAST(DATE_PART('epoch', "t8"."first_outcome") AS DOUBLE) - CAST(DATE_PART('epoch', "t8"."anchor") AS DOUBLE)
        ) / 86400.0,
        CAST(NULL AS DOUBLE)
      ) AS "x"
    FROM (
      SELECT
        "t7"."user_id",
        "t7"."anchor",
        MIN("t7"."ots") AS "first_outcome"
      FROM (
        SELECT
          "t6"."user_id",
          "t6"."anchor",
          "t3"."oid",
          "t3"."ots"
        FROM (
          SELECT
            "t4"."user_id",
            "t4"."anchor"
          FROM (
            SELECT
              "t2"."user_id",
              MIN("t2"."timestamp") AS "anchor",
              MIN(IFF(COALESCE("t2"."plan" IN ('mid'), FALSE), "t2"."timestamp", NULL)) AS "anchor_seg"
            FROM (
              SELECT
                *
              FROM "events" AS "t0"
              WHERE
                "t0"."timestamp" < TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                AND "t0"."event" = 'signup'
                AND "t0"."user_id" IS NOT NULL
            ) AS "t2"
            GROUP BY
              1
          ) AS "t4"
          WHERE
            "t4"."anchor" >= TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
            AND "t4"."anchor" < TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
            AND "t4"."anchor_seg" = "t4"."anchor"
        ) AS "t6"
        LEFT OUTER JOIN (
          SELECT
            "t0"."user_id" AS "oid",
            "t0"."timestamp" AS "ots"
          FROM "events" AS "t0"
          WHERE
            "t0"."timestamp" < TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
            AND "t0"."event" = 'project'
            AND "t0"."user_id" IS NOT NULL
        ) AS "t3"
          ON "t6"."user_id" = "t3"."oid"
          AND "t3"."ots" >= "t6"."anchor"
          AND "t3"."ots" <= DATEADD(SECOND, '259200', "t6"."anchor")
      ) AS "t7"
      GROUP BY
        1,
        2
    ) AS "t8"
  ) AS "t9"
  GROUP BY
    1
) AS "t10"
