WITH `t10` AS (
  SELECT
    `t9`.`eid`,
    `t9`.`ts` AS `s0`,
    `t9`.`next_ts` AS `s1`
  FROM (
    SELECT
      `t8`.`eid`,
      `t8`.`ts`,
      `t8`.`is_end`,
      `t8`.`seg`,
      `t8`.`prev_end`,
      LEAD(`t8`.`ts`) OVER (PARTITION BY `t8`.`eid` ORDER BY `t8`.`ts` ASC, `t8`.`is_end` ASC) AS `next_ts`
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t6`.`eid`,
          `t6`.`ts`,
          `t6`.`is_end`,
          `t6`.`seg`,
          LAG(`t6`.`is_end`) OVER (PARTITION BY `t6`.`eid` ORDER BY `t6`.`ts` ASC, `t6`.`is_end` ASC) AS `prev_end`
        FROM (
          SELECT
            *
          FROM (
            SELECT
              `t4`.`account_id` AS `eid`,
              `t4`.`timestamp` AS `ts`,
              FALSE AS `is_end`,
              `t4`.`seg`
            FROM (
              SELECT
                `t3`.`account_id`,
                `t3`.`timestamp`,
                LOGICAL_OR(`t3`.`meets`) AS `seg`
              FROM (
                SELECT
                  `t0`.`event`,
                  `t0`.`timestamp`,
                  `t0`.`user_id`,
                  `t0`.`account_id`,
                  `t0`.`properties`,
                  `t0`.`plan`,
                  `t0`.`flag`,
                  `t0`.`tier`,
                  `t0`.`amount`,
                  `t0`.`score`,
                  `t0`.`kind`,
                  COALESCE(COALESCE(`t0`.`plan` IN ('mid'), FALSE), FALSE) AS `meets`
                FROM `events` AS `t0`
                WHERE
                  `t0`.`timestamp` < DATETIME('2026-11-16T00:00:00')
                  AND `t0`.`event` = 'signup'
                  AND `t0`.`account_id` IS NOT NULL
              ) AS `t3`
              GROUP BY
                1,
                2
            ) AS `t4`
          ) AS `t5`
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              `t1`.`eid`,
              `t1`.`ts`,
              TRUE AS `is_end`,
              FALSE AS `seg`
            FROM (
              SELECT DISTINCT
                `t0`.`account_id` AS `eid`,
                `t0`.`timestamp` AS `ts`
              FROM `events` AS `t0`
              WHERE
                `t0`.`timestamp` < DATETIME('2026-11-16T00:00:00')
                AND `t0`.`event` = 'noise'
                AND `t0`.`account_id` IS NOT NULL
            ) AS `t1`
          ) AS `t2`
        ) AS `t6`
      ) AS `t7`
      WHERE
        (
          `t7`.`prev_end` IS NULL
        ) OR (
          `t7`.`prev_end` <> `t7`.`is_end`
        )
    ) AS `t8`
  ) AS `t9`
  WHERE
    NOT (
      `t9`.`is_end`
    ) AND `t9`.`seg`
)
SELECT
  `t19`.`bucket`,
  IF(`t19`.`n` > 0, ieee_divide(CAST(`t19`.`total` AS FLOAT64), `t19`.`n`), NULL) AS `value`,
  `t19`.`entities`,
  CAST(NULL AS INT64) AS `excluded_immature`,
  CAST(`t19`.`n` AS FLOAT64) AS `n`,
  CAST(`t19`.`total` AS FLOAT64) AS `total`,
  CAST(`t19`.`total` AS FLOAT64) AS `total_sq`,
  CAST(NULL AS INT64) AS `without_outcome`
FROM (
  SELECT
    `t18`.`bucket`,
    COUNT(*) AS `n`,
    COUNTIF((
      `t18`.`s1` IS NOT NULL
    ) AND (
      `t18`.`s1` < `t18`.`b`
    )) AS `total`,
    COUNT(DISTINCT `t18`.`eid`) AS `entities`
  FROM (
    SELECT
      `t12`.`eid`,
      `t12`.`s0`,
      `t12`.`s1`,
      `t17`.`a`,
      `t17`.`b`,
      `t17`.`bucket`
    FROM `t10` AS `t12`
    INNER JOIN (
      SELECT
        `t15`.`a`,
        TIMESTAMP_ADD(`t15`.`a`, INTERVAL '7' DAY) AS `b`,
        TIMESTAMP_TRUNC(`t15`.`a`, WEEK(MONDAY)) AS `bucket`
      FROM (
        SELECT
          TIMESTAMP_ADD(
            TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY)),
            INTERVAL (`t14`.`i` * 7) DAY
          ) AS `a`
        FROM (
          SELECT
            IF(pos = pos_2, `i`, NULL) AS `i`
          FROM (
            SELECT
              COUNT(*) AS `rows`
            FROM `t10` AS `t11`
          ) AS `t13`
          CROSS JOIN UNNEST(GENERATE_ARRAY(
            0,
            GREATEST(
              ARRAY_LENGTH(
                IF(
                  NOT NULLIF(1, 0) IS NULL
                  AND SIGN(1) = SIGN(
                    GREATEST(
                      CAST(CEIL(
                        ieee_divide(
                          UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                          604800
                        )
                      ) AS INT64) + 1,
                      0
                    ) - 0
                  ),
                  ARRAY(
                    SELECT
                      <generated>
                    FROM UNNEST(GENERATE_ARRAY(
                      0,
                      GREATEST(
                        CAST(CEIL(
                          ieee_divide(
                            UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                            604800
                          )
                        ) AS INT64) + 1,
                        0
                      ),
                      1
                    )) AS <generated>
                    WHERE
                      <generated> <> GREATEST(
                        CAST(CEIL(
                          ieee_divide(
                            UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                            604800
                          )
                        ) AS INT64) + 1,
                        0
                      )
                  ),
                  []
                )
              )
            ) - 1
          )) AS pos
          CROSS JOIN UNNEST(IF(
            NOT NULLIF(1, 0) IS NULL
            AND SIGN(1) = SIGN(
              GREATEST(
                CAST(CEIL(
                  ieee_divide(
                    UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                    604800
                  )
                ) AS INT64) + 1,
                0
              ) - 0
            ),
            ARRAY(
              SELECT
                <generated>
              FROM UNNEST(GENERATE_ARRAY(
                0,
                GREATEST(
                  CAST(CEIL(
                    ieee_divide(
                      UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                      604800
                    )
                  ) AS INT64) + 1,
                  0
                ),
                1
              )) AS <generated>
              WHERE
                <generated> <> GREATEST(
                  CAST(CEIL(
                    ieee_divide(
                      UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                      604800
                    )
                  ) AS INT64) + 1,
                  0
                )
            ),
            []
          )) AS `i` WITH OFFSET AS pos_2
          WHERE
            pos = pos_2
            OR (
              pos > (
                ARRAY_LENGTH(
                  IF(
                    NOT NULLIF(1, 0) IS NULL
                    AND SIGN(1) = SIGN(
                      GREATEST(
                        CAST(CEIL(
                          ieee_divide(
                            UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                            604800
                          )
                        ) AS INT64) + 1,
                        0
                      ) - 0
                    ),
                    ARRAY(
                      SELECT
                        <generated>
                      FROM UNNEST(GENERATE_ARRAY(
                        0,
                        GREATEST(
                          CAST(CEIL(
                            ieee_divide(
                              UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                              604800
                            )
                          ) AS INT64) + 1,
                          0
                        ),
                        1
                      )) AS <generated>
                      WHERE
                        <generated> <> GREATEST(
                          CAST(CEIL(
                            ieee_divide(
                              UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                              604800
                            )
                          ) AS INT64) + 1,
                          0
                        )
                    ),
                    []
                  )
                ) - 1
              )
              AND pos_2 = (
                ARRAY_LENGTH(
                  IF(
                    NOT NULLIF(1, 0) IS NULL
                    AND SIGN(1) = SIGN(
                      GREATEST(
                        CAST(CEIL(
                          ieee_divide(
                            UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                            604800
                          )
                        ) AS INT64) + 1,
                        0
                      ) - 0
                    ),
                    ARRAY(
                      SELECT
                        <generated>
                      FROM UNNEST(GENERATE_ARRAY(
                        0,
                        GREATEST(
                          CAST(CEIL(
                            ieee_divide(
                              UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                              604800
                            )
                          ) AS INT64) + 1,
                          0
                        ),
                        1
                      )) AS <generated>
                      WHERE
                        <generated> <> GREATEST(
                          CAST(CEIL(
                            ieee_divide(
                              UNIX_SECONDS(LEAST(DATETIME('2026-11-16T00:00:00'), DATETIME('2026-11-16T00:00:00'))) - UNIX_SECONDS(TIMESTAMP_TRUNC(DATETIME('2026-10-01T00:00:00'), WEEK(MONDAY))),
                              604800
                            )
                          ) AS INT64) + 1,
                          0
                        )
                    ),
                    []
                  )
                ) - 1
              )
            )
        ) AS `t14`
      ) AS `t15`
      WHERE
        `t15`.`a` >= GREATEST(TIMESTAMP_TRUNC(`t15`.`a`, WEEK(MONDAY)), DATETIME('2026-10-01T00:00:00'))
        AND TIMESTAMP_ADD(`t15`.`a`, INTERVAL '7' DAY) <= LEAST(
          TIMESTAMP_ADD(TIMESTAMP_TRUNC(`t15`.`a`, WEEK(MONDAY)), INTERVAL '7' DAY),
          DATETIME('2026-11-16T00:00:00'),
          DATETIME('2026-11-16T00:00:00')
        )
    ) AS `t17`
      ON `t12`.`s0` < `t17`.`a`
      AND (
        (
          `t12`.`s1` IS NULL
        ) OR (
          `t12`.`s1` >= `t17`.`a`
        )
      )
  ) AS `t18`
  GROUP BY
    1
) AS `t19`
