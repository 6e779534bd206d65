WITH `t1` AS (
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
    TIMESTAMP_TRUNC(`t0`.`timestamp`, WEEK(MONDAY)) AS `bucket`,
    TIMESTAMP_TRUNC(`t0`.`timestamp`, DAY) AS `period`
  FROM `events` AS `t0`
  WHERE
    `t0`.`timestamp` < DATETIME('2026-11-16T00:00:00')
    AND `t0`.`event` = 'session'
    AND `t0`.`timestamp` >= DATETIME('2026-10-01T00:00:00')
    AND COALESCE(`t0`.`plan` IN ('mid'), FALSE)
    AND `t0`.`user_id` IS NOT NULL
    AND TIMESTAMP_TRUNC(`t0`.`timestamp`, DAY) >= GREATEST(TIMESTAMP_TRUNC(`t0`.`timestamp`, WEEK(MONDAY)), DATETIME('2026-10-01T00:00:00'))
    AND TIMESTAMP_ADD(TIMESTAMP_TRUNC(`t0`.`timestamp`, DAY), INTERVAL '1' DAY) <= LEAST(
      TIMESTAMP_ADD(TIMESTAMP_TRUNC(`t0`.`timestamp`, WEEK(MONDAY)), INTERVAL '7' DAY),
      DATETIME('2026-11-16T00:00:00'),
      DATETIME('2026-11-16T00:00:00')
    )
), `t2` AS (
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
    TIMESTAMP_TRUNC(`t0`.`timestamp`, WEEK(MONDAY)) AS `bucket`,
    TIMESTAMP_TRUNC(`t0`.`timestamp`, WEEK(MONDAY)) AS `period`
  FROM `events` AS `t0`
  WHERE
    `t0`.`timestamp` < DATETIME('2026-11-16T00:00:00')
    AND `t0`.`event` = 'session'
    AND `t0`.`timestamp` >= DATETIME('2026-10-01T00:00:00')
    AND COALESCE(`t0`.`plan` IN ('mid'), FALSE)
    AND `t0`.`user_id` IS NOT NULL
    AND TIMESTAMP_TRUNC(`t0`.`timestamp`, WEEK(MONDAY)) >= GREATEST(TIMESTAMP_TRUNC(`t0`.`timestamp`, WEEK(MONDAY)), DATETIME('2026-10-01T00:00:00'))
    AND TIMESTAMP_ADD(TIMESTAMP_TRUNC(`t0`.`timestamp`, WEEK(MONDAY)), INTERVAL '7' DAY) <= LEAST(
      TIMESTAMP_ADD(TIMESTAMP_TRUNC(`t0`.`timestamp`, WEEK(MONDAY)), INTERVAL '7' DAY),
      DATETIME('2026-11-16T00:00:00'),
      DATETIME('2026-11-16T00:00:00')
    )
)
SELECT
  `t27`.`bucket`,
  `t27`.`value`,
  CAST(NULL AS INT64) AS `entities`,
  CAST(NULL AS INT64) AS `excluded_immature`,
  `t27`.`n`,
  `t27`.`total`,
  CAST(NULL AS FLOAT64) AS `total_sq`,
  CAST(NULL AS INT64) AS `without_outcome`
FROM (
  SELECT
    COALESCE(`t25`.`bucket`, `t26`.`dbucket`) AS `bucket`,
    IF(
      IF(
        `t26`.`dbucket` IS NULL,
        IF(
          GREATEST(
            CAST(ROUND(
              ieee_divide(
                UNIX_SECONDS(
                  TIMESTAMP_TRUNC(
                    LEAST(
                      TIMESTAMP_ADD(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), INTERVAL '7' DAY),
                      DATETIME('2026-11-16T00:00:00'),
                      DATETIME('2026-11-16T00:00:00')
                    ),
                    WEEK(MONDAY)
                  )
                ) - UNIX_SECONDS(
                  IF(
                    TIMESTAMP_TRUNC(
                      GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                      WEEK(MONDAY)
                    ) = GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                    GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                    TIMESTAMP_ADD(
                      TIMESTAMP_TRUNC(
                        GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                        WEEK(MONDAY)
                      ),
                      INTERVAL '7' DAY
                    )
                  )
                ),
                604800
              ),
              0
            ) AS INT64),
            0
          ) > 0,
          0.0,
          CAST(NULL AS FLOAT64)
        ),
        `t26`.`dv`
      ) = 0,
      CAST(NULL AS FLOAT64),
      ieee_divide(
        IF(
          `t25`.`bucket` IS NULL,
          IF(
            GREATEST(
              CAST(ROUND(
                ieee_divide(
                  UNIX_SECONDS(
                    TIMESTAMP_TRUNC(
                      LEAST(
                        TIMESTAMP_ADD(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), INTERVAL '7' DAY),
                        DATETIME('2026-11-16T00:00:00'),
                        DATETIME('2026-11-16T00:00:00')
                      ),
                      DAY
                    )
                  ) - UNIX_SECONDS(
                    IF(
                      TIMESTAMP_TRUNC(
                        GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                        DAY
                      ) = GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                      GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                      TIMESTAMP_ADD(
                        TIMESTAMP_TRUNC(
                          GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                          DAY
                        ),
                        INTERVAL '1' DAY
                      )
                    )
                  ),
                  86400
                ),
                0
              ) AS INT64),
              0
            ) > 0,
            0.0,
            CAST(NULL AS FLOAT64)
          ),
          `t25`.`nv`
        ),
        IF(
          `t26`.`dbucket` IS NULL,
          IF(
            GREATEST(
              CAST(ROUND(
                ieee_divide(
                  UNIX_SECONDS(
                    TIMESTAMP_TRUNC(
                      LEAST(
                        TIMESTAMP_ADD(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), INTERVAL '7' DAY),
                        DATETIME('2026-11-16T00:00:00'),
                        DATETIME('2026-11-16T00:00:00')
                      ),
                      WEEK(MONDAY)
                    )
                  ) - UNIX_SECONDS(
                    IF(
                      TIMESTAMP_TRUNC(
                        GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                        WEEK(MONDAY)
                      ) = GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                      GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                      TIMESTAMP_ADD(
                        TIMESTAMP_TRUNC(
                          GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                          WEEK(MONDAY)
                        ),
                        INTERVAL '7' DAY
                      )
                    )
                  ),
                  604800
                ),
                0
              ) AS INT64),
              0
            ) > 0,
            0.0,
            CAST(NULL AS FLOAT64)
          ),
          `t26`.`dv`
        )
      )
    ) AS `value`,
    IF(
      `t26`.`dbucket` IS NULL,
      IF(
        GREATEST(
          CAST(ROUND(
            ieee_divide(
              UNIX_SECONDS(
                TIMESTAMP_TRUNC(
                  LEAST(
                    TIMESTAMP_ADD(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), INTERVAL '7' DAY),
                    DATETIME('2026-11-16T00:00:00'),
                    DATETIME('2026-11-16T00:00:00')
                  ),
                  WEEK(MONDAY)
                )
              ) - UNIX_SECONDS(
                IF(
                  TIMESTAMP_TRUNC(
                    GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                    WEEK(MONDAY)
                  ) = GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                  GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                  TIMESTAMP_ADD(
                    TIMESTAMP_TRUNC(
                      GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                      WEEK(MONDAY)
                    ),
                    INTERVAL '7' DAY
                  )
                )
              ),
              604800
            ),
            0
          ) AS INT64),
          0
        ) > 0,
        0.0,
        CAST(NULL AS FLOAT64)
      ),
      `t26`.`dv`
    ) AS `n`,
    IF(
      `t25`.`bucket` IS NULL,
      IF(
        GREATEST(
          CAST(ROUND(
            ieee_divide(
              UNIX_SECONDS(
                TIMESTAMP_TRUNC(
                  LEAST(
                    TIMESTAMP_ADD(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), INTERVAL '7' DAY),
                    DATETIME('2026-11-16T00:00:00'),
                    DATETIME('2026-11-16T00:00:00')
                  ),
                  DAY
                )
              ) - UNIX_SECONDS(
                IF(
                  TIMESTAMP_TRUNC(
                    GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                    DAY
                  ) = GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                  GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                  TIMESTAMP_ADD(
                    TIMESTAMP_TRUNC(
                      GREATEST(COALESCE(`t25`.`bucket`, `t26`.`dbucket`), DATETIME('2026-10-01T00:00:00')),
                      DAY
                    ),
                    INTERVAL '1' DAY
                  )
                )
              ),
              86400
            ),
            0
          ) AS INT64),
          0
        ) > 0,
        0.0,
        CAST(NULL AS FLOAT64)
      ),
      `t25`.`nv`
    ) AS `total`
  FROM (
    SELECT
      `t21`.`bucket`,
      IF(
        `t21`.`n` > 0,
        ieee_divide(CAST(`t21`.`total` AS FLOAT64), `t21`.`n`),
        CAST(NULL AS FLOAT64)
      ) AS `nv`
    FROM (
      SELECT
        `t19`.`bucket`,
        `t19`.`total`,
        `t19`.`total_sq`,
        `t19`.`entities`,
        GREATEST(
          CAST(ROUND(
            ieee_divide(
              UNIX_SECONDS(
                TIMESTAMP_TRUNC(
                  LEAST(
                    TIMESTAMP_ADD(`t19`.`bucket`, INTERVAL '7' DAY),
                    DATETIME('2026-11-16T00:00:00'),
                    DATETIME('2026-11-16T00:00:00')
                  ),
                  DAY
                )
              ) - UNIX_SECONDS(
                IF(
                  TIMESTAMP_TRUNC(GREATEST(`t19`.`bucket`, DATETIME('2026-10-01T00:00:00')), DAY) = GREATEST(`t19`.`bucket`, DATETIME('2026-10-01T00:00:00')),
                  GREATEST(`t19`.`bucket`, DATETIME('2026-10-01T00:00:00')),
                  TIMESTAMP_ADD(
                    TIMESTAMP_TRUNC(GREATEST(`t19`.`bucket`, DATETIME('2026-10-01T00:00:00')), DAY),
                    INTERVAL '1' DAY
                  )
                )
              ),
              86400
            ),
            0
          ) AS INT64),
          0
        ) AS `n`
      FROM (
        SELECT
          `t17`.*
          EXCEPT (`ebucket`)
        FROM (
          SELECT
            `t15`.`bucket`,
            `t15`.`total`,
            `t15`.`total_sq`,
            `t11`.`ebucket`,
            `t11`.`entities`
          FROM (
            SELECT
              `t5`.`bucket`,
              SUM(`t5`.`c`) AS `total`,
              SUM(`t5`.`c` * `t5`.`c`) AS `total_sq`
            FROM (
              SELECT
                `t3`.`bucket`,
                `t3`.`period`,
                COUNT(DISTINCT `t3`.`user_id`) AS `c`
              FROM `t1` AS `t3`
              GROUP BY
                1,
                2
            ) AS `t5`
            GROUP BY
              1
          ) AS `t15`
          INNER JOIN (
            SELECT
              `t6`.`bucket` AS `ebucket`,
              `t6`.`entities`
            FROM (
              SELECT
                `t3`.`bucket`,
                COUNT(DISTINCT `t3`.`user_id`) AS `entities`
              FROM `t1` AS `t3`
              GROUP BY
                1
            ) AS `t6`
          ) AS `t11`
            ON `t15`.`bucket` = `t11`.`ebucket`
        ) AS `t17`
      ) AS `t19`
    ) AS `t21`
  ) AS `t25`
  FULL OUTER JOIN (
    SELECT
      `t22`.`bucket` AS `dbucket`,
      IF(
        `t22`.`n` > 0,
        ieee_divide(CAST(`t22`.`total` AS FLOAT64), `t22`.`n`),
        CAST(NULL AS FLOAT64)
      ) AS `dv`
    FROM (
      SELECT
        `t20`.`bucket`,
        `t20`.`total`,
        `t20`.`total_sq`,
        `t20`.`entities`,
        GREATEST(
          CAST(ROUND(
            ieee_divide(
              UNIX_SECONDS(
                TIMESTAMP_TRUNC(
                  LEAST(
                    TIMESTAMP_ADD(`t20`.`bucket`, INTERVAL '7' DAY),
                    DATETIME('2026-11-16T00:00:00'),
                    DATETIME('2026-11-16T00:00:00')
                  ),
                  WEEK(MONDAY)
                )
              ) - UNIX_SECONDS(
                IF(
                  TIMESTAMP_TRUNC(GREATEST(`t20`.`bucket`, DATETIME('2026-10-01T00:00:00')), WEEK(MONDAY)) = GREATEST(`t20`.`bucket`, DATETIME('2026-10-01T00:00:00')),
                  GREATEST(`t20`.`bucket`, DATETIME('2026-10-01T00:00:00')),
                  TIMESTAMP_ADD(
                    TIMESTAMP_TRUNC(GREATEST(`t20`.`bucket`, DATETIME('2026-10-01T00:00:00')), WEEK(MONDAY)),
                    INTERVAL '7' DAY
                  )
                )
              ),
              604800
            ),
            0
          ) AS INT64),
          0
        ) AS `n`
      FROM (
        SELECT
          `t18`.*
          EXCEPT (`ebucket`)
        FROM (
          SELECT
            `t16`.`bucket`,
            `t16`.`total`,
            `t16`.`total_sq`,
            `t12`.`ebucket`,
            `t12`.`entities`
          FROM (
            SELECT
              `t7`.`bucket`,
              SUM(`t7`.`c`) AS `total`,
              SUM(`t7`.`c` * `t7`.`c`) AS `total_sq`
            FROM (
              SELECT
                `t4`.`bucket`,
                `t4`.`period`,
                COUNT(DISTINCT `t4`.`user_id`) AS `c`
              FROM `t2` AS `t4`
              GROUP BY
                1,
                2
            ) AS `t7`
            GROUP BY
              1
          ) AS `t16`
          INNER JOIN (
            SELECT
              `t8`.`bucket` AS `ebucket`,
              `t8`.`entities`
            FROM (
              SELECT
                `t4`.`bucket`,
                COUNT(DISTINCT `t4`.`user_id`) AS `entities`
              FROM `t2` AS `t4`
              GROUP BY
                1
            ) AS `t8`
          ) AS `t12`
            ON `t16`.`bucket` = `t12`.`ebucket`
        ) AS `t18`
      ) AS `t20`
    ) AS `t22`
  ) AS `t26`
    ON `t25`.`bucket` = `t26`.`dbucket`
) AS `t27`
