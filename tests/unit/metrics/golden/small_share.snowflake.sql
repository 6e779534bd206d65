WITH "t1" AS (
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
    DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket",
    DATE_TRUNC('WEEK', "t0"."timestamp") AS "period"
  FROM "events" AS "t0"
  WHERE
    "t0"."timestamp" < TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
    AND "t0"."event" = 'ticket'
    AND COALESCE("t0"."plan" = 'small', FALSE)
    AND "t0"."timestamp" >= TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
    AND COALESCE("t0"."plan" IN ('mid'), FALSE)
    AND "t0"."account_id" IS NOT NULL
    AND DATE_TRUNC('WEEK', "t0"."timestamp") >= GREATEST(
      DATE_TRUNC('WEEK', "t0"."timestamp"),
      TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
    )
    AND DATEADD(DAY, '7', DATE_TRUNC('WEEK', "t0"."timestamp")) <= LEAST(
      DATEADD(DAY, '7', DATE_TRUNC('WEEK', "t0"."timestamp")),
      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
    )
), "t2" AS (
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
    DATE_TRUNC('WEEK', "t0"."timestamp") AS "bucket",
    DATE_TRUNC('WEEK', "t0"."timestamp") AS "period"
  FROM "events" AS "t0"
  WHERE
    "t0"."timestamp" < TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
    AND "t0"."event" = 'session'
    AND "t0"."timestamp" >= TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
    AND COALESCE("t0"."plan" IN ('mid'), FALSE)
    AND "t0"."user_id" IS NOT NULL
    AND DATE_TRUNC('WEEK', "t0"."timestamp") >= GREATEST(
      DATE_TRUNC('WEEK', "t0"."timestamp"),
      TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
    )
    AND DATEADD(DAY, '7', DATE_TRUNC('WEEK', "t0"."timestamp")) <= LEAST(
      DATEADD(DAY, '7', DATE_TRUNC('WEEK', "t0"."timestamp")),
      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
    )
)
SELECT
  "t27"."bucket",
  "t27"."value",
  CAST(NULL AS BIGINT) AS "entities",
  CAST(NULL AS BIGINT) AS "excluded_immature",
  "t27"."n",
  "t27"."total",
  CAST(NULL AS DOUBLE) AS "total_sq",
  CAST(NULL AS BIGINT) AS "without_outcome"
FROM (
  SELECT
    COALESCE("t25"."bucket", "t26"."dbucket") AS "bucket",
    IFF(
      IFF(
        "t26"."dbucket" IS NULL,
        IFF(
          GREATEST(
            CAST(ROUND(
              (
                DATE_PART(
                  'epoch',
                  DATE_TRUNC(
                    'WEEK',
                    LEAST(
                      DATEADD(DAY, '7', COALESCE("t25"."bucket", "t26"."dbucket")),
                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                    )
                  )
                ) - DATE_PART(
                  'epoch',
                  IFF(
                    DATE_TRUNC(
                      'WEEK',
                      GREATEST(
                        COALESCE("t25"."bucket", "t26"."dbucket"),
                        TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                      )
                    ) = GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                    ),
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                    ),
                    DATEADD(
                      DAY,
                      '7',
                      DATE_TRUNC(
                        'WEEK',
                        GREATEST(
                          COALESCE("t25"."bucket", "t26"."dbucket"),
                          TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                        )
                      )
                    )
                  )
                )
              ) / 604800,
              0
            ) AS BIGINT),
            0
          ) > 0,
          0.0,
          CAST(NULL AS DOUBLE)
        ),
        "t26"."dv"
      ) = 0,
      CAST(NULL AS DOUBLE),
      IFF(
        "t25"."bucket" IS NULL,
        IFF(
          GREATEST(
            CAST(ROUND(
              (
                DATE_PART(
                  'epoch',
                  DATE_TRUNC(
                    'WEEK',
                    LEAST(
                      DATEADD(DAY, '7', COALESCE("t25"."bucket", "t26"."dbucket")),
                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                    )
                  )
                ) - DATE_PART(
                  'epoch',
                  IFF(
                    DATE_TRUNC(
                      'WEEK',
                      GREATEST(
                        COALESCE("t25"."bucket", "t26"."dbucket"),
                        TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                      )
                    ) = GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                    ),
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                    ),
                    DATEADD(
                      DAY,
                      '7',
                      DATE_TRUNC(
                        'WEEK',
                        GREATEST(
                          COALESCE("t25"."bucket", "t26"."dbucket"),
                          TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                        )
                      )
                    )
                  )
                )
              ) / 604800,
              0
            ) AS BIGINT),
            0
          ) > 0,
          0.0,
          CAST(NULL AS DOUBLE)
        ),
        "t25"."nv"
      ) / IFF(
        "t26"."dbucket" IS NULL,
        IFF(
          GREATEST(
            CAST(ROUND(
              (
                DATE_PART(
                  'epoch',
                  DATE_TRUNC(
                    'WEEK',
                    LEAST(
                      DATEADD(DAY, '7', COALESCE("t25"."bucket", "t26"."dbucket")),
                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                      TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                    )
                  )
                ) - DATE_PART(
                  'epoch',
                  IFF(
                    DATE_TRUNC(
                      'WEEK',
                      GREATEST(
                        COALESCE("t25"."bucket", "t26"."dbucket"),
                        TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                      )
                    ) = GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                    ),
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                    ),
                    DATEADD(
                      DAY,
                      '7',
                      DATE_TRUNC(
                        'WEEK',
                        GREATEST(
                          COALESCE("t25"."bucket", "t26"."dbucket"),
                          TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                        )
                      )
                    )
                  )
                )
              ) / 604800,
              0
            ) AS BIGINT),
            0
          ) > 0,
          0.0,
          CAST(NULL AS DOUBLE)
        ),
        "t26"."dv"
      )
    ) AS "value",
    IFF(
      "t26"."dbucket" IS NULL,
      IFF(
        GREATEST(
          CAST(ROUND(
            (
              DATE_PART(
                'epoch',
                DATE_TRUNC(
                  'WEEK',
                  LEAST(
                    DATEADD(DAY, '7', COALESCE("t25"."bucket", "t26"."dbucket")),
                    TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                    TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                  )
                )
              ) - DATE_PART(
                'epoch',
                IFF(
                  DATE_TRUNC(
                    'WEEK',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                    )
                  ) = GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                  ),
                  GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                  ),
                  DATEADD(
                    DAY,
                    '7',
                    DATE_TRUNC(
                      'WEEK',
                      GREATEST(
                        COALESCE("t25"."bucket", "t26"."dbucket"),
                        TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                      )
                    )
                  )
                )
              )
            ) / 604800,
            0
          ) AS BIGINT),
          0
        ) > 0,
        0.0,
        CAST(NULL AS DOUBLE)
      ),
      "t26"."dv"
    ) AS "n",
    IFF(
      "t25"."bucket" IS NULL,
      IFF(
        GREATEST(
          CAST(ROUND(
            (
              DATE_PART(
                'epoch',
                DATE_TRUNC(
                  'WEEK',
                  LEAST(
                    DATEADD(DAY, '7', COALESCE("t25"."bucket", "t26"."dbucket")),
                    TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                    TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                  )
                )
              ) - DATE_PART(
                'epoch',
                IFF(
                  DATE_TRUNC(
                    'WEEK',
                    GREATEST(
                      COALESCE("t25"."bucket", "t26"."dbucket"),
                      TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                    )
                  ) = GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                  ),
                  GREATEST(
                    COALESCE("t25"."bucket", "t26"."dbucket"),
                    TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                  ),
                  DATEADD(
                    DAY,
                    '7',
                    DATE_TRUNC(
                      'WEEK',
                      GREATEST(
                        COALESCE("t25"."bucket", "t26"."dbucket"),
                        TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)
                      )
                    )
                  )
                )
              )
            ) / 604800,
            0
          ) AS BIGINT),
          0
        ) > 0,
        0.0,
        CAST(NULL AS DOUBLE)
      ),
      "t25"."nv"
    ) AS "total"
  FROM (
    SELECT
      "t21"."bucket",
      IFF("t21"."n" > 0, CAST("t21"."total" AS DOUBLE) / "t21"."n", CAST(NULL AS DOUBLE)) AS "nv"
    FROM (
      SELECT
        "t19"."bucket",
        "t19"."total",
        "t19"."total_sq",
        "t19"."entities",
        GREATEST(
          CAST(ROUND(
            (
              DATE_PART(
                'epoch',
                DATE_TRUNC(
                  'WEEK',
                  LEAST(
                    DATEADD(DAY, '7', "t19"."bucket"),
                    TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                    TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                  )
                )
              ) - DATE_PART(
                'epoch',
                IFF(
                  DATE_TRUNC('WEEK', GREATEST("t19"."bucket", TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0))) = GREATEST("t19"."bucket", TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)),
                  GREATEST("t19"."bucket", TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)),
                  DATEADD(
                    DAY,
                    '7',
                    DATE_TRUNC('WEEK', GREATEST("t19"."bucket", TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)))
                  )
                )
              )
            ) / 604800,
            0
          ) AS BIGINT),
          0
        ) AS "n"
      FROM (
        SELECT
          "t17".*
          EXCLUDE ("ebucket")
        FROM (
          SELECT
            "t15"."bucket",
            "t15"."total",
            "t15"."total_sq",
            "t11"."ebucket",
            "t11"."entities"
          FROM (
            SELECT
              "t5"."bucket",
              SUM("t5"."c") AS "total",
              SUM("t5"."c" * "t5"."c") AS "total_sq"
            FROM (
              SELECT
                "t3"."bucket",
                "t3"."period",
                COUNT(DISTINCT "t3"."account_id") AS "c"
              FROM "t1" AS "t3"
              GROUP BY
                1,
                2
            ) AS "t5"
            GROUP BY
              1
          ) AS "t15"
          INNER JOIN (
            SELECT
              "t6"."bucket" AS "ebucket",
              "t6"."entities"
            FROM (
              SELECT
                "t3"."bucket",
                COUNT(DISTINCT "t3"."account_id") AS "entities"
              FROM "t1" AS "t3"
              GROUP BY
                1
            ) AS "t6"
          ) AS "t11"
            ON "t15"."bucket" = "t11"."ebucket"
        ) AS "t17"
      ) AS "t19"
    ) AS "t21"
  ) AS "t25"
  FULL OUTER JOIN (
    SELECT
      "t22"."bucket" AS "dbucket",
      IFF("t22"."n" > 0, CAST("t22"."total" AS DOUBLE) / "t22"."n", CAST(NULL AS DOUBLE)) AS "dv"
    FROM (
      SELECT
        "t20"."bucket",
        "t20"."total",
        "t20"."total_sq",
        "t20"."entities",
        GREATEST(
          CAST(ROUND(
            (
              DATE_PART(
                'epoch',
                DATE_TRUNC(
                  'WEEK',
                  LEAST(
                    DATEADD(DAY, '7', "t20"."bucket"),
                    TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0),
                    TIMESTAMP_FROM_PARTS(2026, 11, 16, 0, 0, 0, 0)
                  )
                )
              ) - DATE_PART(
                'epoch',
                IFF(
                  DATE_TRUNC('WEEK', GREATEST("t20"."bucket", TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0))) = GREATEST("t20"."bucket", TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)),
                  GREATEST("t20"."bucket", TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)),
                  DATEADD(
                    DAY,
                    '7',
                    DATE_TRUNC('WEEK', GREATEST("t20"."bucket", TIMESTAMP_FROM_PARTS(2026, 10, 1, 0, 0, 0, 0)))
                  )
                )
              )
            ) / 604800,
            0
          ) AS BIGINT),
          0
        ) AS "n"
      FROM (
        SELECT
          "t18".*
          EXCLUDE ("ebucket")
        FROM (
          SELECT
            "t16"."bucket",
            "t16"."total",
            "t16"."total_sq",
            "t12"."ebucket",
            "t12"."entities"
          FROM (
            SELECT
              "t7"."bucket",
              SUM("t7"."c") AS "total",
              SUM("t7"."c" * "t7"."c") AS "total_sq"
            FROM (
              SELECT
                "t4"."bucket",
                "t4"."period",
                COUNT(DISTINCT "t4"."user_id") AS "c"
              FROM "t2" AS "t4"
              GROUP BY
                1,
                2
            ) AS "t7"
            GROUP BY
              1
          ) AS "t16"
          INNER JOIN (
            SELECT
              "t8"."bucket" AS "ebucket",
              "t8"."entities"
            FROM (
              SELECT
                "t4"."bucket",
                COUNT(DISTINCT "t4"."user_id") AS "entities"
              FROM "t2" AS "t4"
              GROUP BY
                1
            ) AS "t8"
          ) AS "t12"
            ON "t16"."bucket" = "t12"."ebucket"
        ) AS "t18"
      ) AS "t20"
    ) AS "t22"
  ) AS "t26"
    ON "t25"."bucket" = "t26"."dbucket"
) AS "t27"
