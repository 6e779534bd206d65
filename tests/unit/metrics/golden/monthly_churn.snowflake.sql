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
      LEAD("t8"."ts") OVER (PARTITION BY "t8"."eid" ORDER BY "t8"."ts" ASC, "t8"."is_end" ASC) AS "next_ts"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t6"."eid",
          "t6"."ts",
          "t6"."is_end",
          "t6"."seg",
          LAG("t6"."is_end") OVER (PARTITION BY "t6"."eid" ORDER BY "t6"."ts" ASC, "t6"."is_end" ASC) AS "prev_end"
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
                MAX("t3"."meets") AS "seg"
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
                  COALESCE(COALESCE("t0"."plan" IN ('mid'), FALSE), FALSE) AS "meets"
                FROM "events" AS "t0"
                WHERE
                  "t0"."timestamp" < TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                  AND "t0"."event" = 'project'
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
                "t0"."timestamp" < TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
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
  IFF("t19"."n" > 0, CAST("t19"."total" AS DOUBLE) / "t19"."n", NULL) AS "value",
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
    COUNT_IF((
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
        DATEADD(MONTH, '1', "t15"."a") AS "b",
        DATE_TRUNC('WEEK', "t15"."a") AS "bucket"
      FROM (
        SELECT
          DATEADD(MONTH, "t14"."i", DATE_TRUNC('MONTH', TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0))) AS "a"
        FROM (
          SELECT
            CAST(NULLIF(IFF(_u.pos = _u_2.pos_2, _u_2."i", NULL), '') AS BIGINT) AS "i"
          FROM (
            SELECT
              COUNT(*) AS "rows"
            FROM "t10" AS "t11"
          ) AS "t13"
          CROSS JOIN TABLE(FLATTEN(INPUT => ARRAY_GENERATE_RANGE(
            0,
            (
              GREATEST(
                ARRAY_SIZE(
                  SPLIT(
                    ARRAY_TO_STRING(
                      NULLIF(
                        IFF(
                          1 <> 0,
                          ARRAY_GENERATE_RANGE(
                            0,
                            GREATEST(
                              (
                                (
                                  (
                                    DATE_PART(
                                      year,
                                      LEAST(
                                        TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                                        TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                                      )
                                    ) * 12
                                  ) + DATE_PART(
                                    month,
                                    LEAST(
                                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                                    )
                                  )
                                ) - (
                                  (
                                    DATE_PART(year, DATE_TRUNC('MONTH', TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0))) * 12
                                  ) + DATE_PART(month, DATE_TRUNC('MONTH', TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)))
                                )
                              ) + 1,
                              0
                            ),
                            1
                          ),
                          []
                        ),
                        []
                      ),
                      <generated>
                    ),
                    <generated>
                  )
                )
              ) - 1
            ) + 1
          ))) AS _u(seq, key, path, index, pos, this)
          CROSS JOIN TABLE(FLATTEN(INPUT => SPLIT(
            ARRAY_TO_STRING(
              NULLIF(
                IFF(
                  1 <> 0,
                  ARRAY_GENERATE_RANGE(
                    0,
                    GREATEST(
                      (
                        (
                          (
                            DATE_PART(
                              year,
                              LEAST(
                                TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                                TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                              )
                            ) * 12
                          ) + DATE_PART(
                            month,
                            LEAST(
                              TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                              TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                            )
                          )
                        ) - (
                          (
                            DATE_PART(year, DATE_TRUNC('MONTH', TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0))) * 12
                          ) + DATE_PART(month, DATE_TRUNC('MONTH', TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)))
                        )
                      ) + 1,
                      0
                    ),
                    1
                  ),
                  []
                ),
                []
              ),
              <generated>
            ),
            <generated>
          ))) AS _u_2(seq, key, path, pos_2, "i", this)
          WHERE
            _u.pos = _u_2.pos_2
            OR (
              _u.pos > (
                ARRAY_SIZE(
                  SPLIT(
                    ARRAY_TO_STRING(
                      NULLIF(
                        IFF(
                          1 <> 0,
                          ARRAY_GENERATE_RANGE(
                            0,
                            GREATEST(
                              (
                                (
                                  (
                                    DATE_PART(
                                      year,
                                      LEAST(
                                        TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                                        TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                                      )
                                    ) * 12
                                  ) + DATE_PART(
                                    month,
                                    LEAST(
                                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                                    )
                                  )
                                ) - (
                                  (
                                    DATE_PART(year, DATE_TRUNC('MONTH', TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0))) * 12
                                  ) + DATE_PART(month, DATE_TRUNC('MONTH', TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)))
                                )
                              ) + 1,
                              0
                            ),
                            1
                          ),
                          []
                        ),
                        []
                      ),
                      <generated>
                    ),
                    <generated>
                  )
                ) - 1
              )
              AND _u_2.pos_2 = (
                ARRAY_SIZE(
                  SPLIT(
                    ARRAY_TO_STRING(
                      NULLIF(
                        IFF(
                          1 <> 0,
                          ARRAY_GENERATE_RANGE(
                            0,
                            GREATEST(
                              (
                                (
                                  (
                                    DATE_PART(
                                      year,
                                      LEAST(
                                        TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                                        TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                                      )
                                    ) * 12
                                  ) + DATE_PART(
                                    month,
                                    LEAST(
                                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                                    )
                                  )
                                ) - (
                                  (
                                    DATE_PART(year, DATE_TRUNC('MONTH', TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0))) * 12
                                  ) + DATE_PART(month, DATE_TRUNC('MONTH', TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)))
                                )
                              ) + 1,
                              0
                            ),
                            1
                          ),
                          []
                        ),
                        []
                      ),
                      <generated>
                    ),
                    <generated>
                  )
                ) - 1
              )
            )
        ) AS "t14"
      ) AS "t15"
      WHERE
        "t15"."a" >= GREATEST(DATE_TRUNC('WEEK', "t15"."a"), TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0))
        AND DATEADD(MONTH, '1', "t15"."a") <= LEAST(
          DATEADD(DAY, '7', DATE_TRUNC('WEEK', "t15"."a")),
          TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
          TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
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
