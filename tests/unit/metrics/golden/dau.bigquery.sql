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
)
SELECT
  `t11`.`bucket`,
  IF(
    `t11`.`n` > 0,
    ieee_divide(CAST(`t11`.`total` AS FLOAT64), `t11`.`n`),
    CAST(NULL AS FLOAT64)
  ) AS `value`,
  `t11`.`entities`,
  CAST(NULL AS INT64) AS `excluded_immature`,
  CAST(`t11`.`n` AS FLOAT64) AS `n`,
  CAST(`t11`.`total` AS FLOAT64) AS `total`,
  CAST(`t11`.`total_sq` AS FLOAT64) AS `total_sq`,
  CAST(NULL AS INT64) AS `without_outcome`
FROM (
  SELECT
    `t10`.`bucket`,
    `t10`.`total`,
    `t10`.`total_sq`,
    `t10`.`entities`,
    GREATEST(
      CAST(ROUND(
        ieee_divide(
          UNIX_SECONDS(
            TIMESTAMP_TRUNC(
              LEAST(
                TIMESTAMP_ADD(`t10`.`bucket`, INTERVAL '7' DAY),
                DATETIME('2026-11-16T00:00:00'),
                DATETIME('2026-11-16T00:00:00')
              ),
              DAY
            )
          ) - UNIX_SECONDS(
            IF(
              TIMESTAMP_TRUNC(GREATEST(`t10`.`bucket`, DATETIME('2026-10-01T00:00:00')), DAY) = GREATEST(`t10`.`bucket`, DATETIME('2026-10-01T00:00:00')),
              GREATEST(`t10`.`bucket`, DATETIME('2026-10-01T00:00:00')),
              TIMESTAMP_ADD(
                TIMESTAMP_TRUNC(GREATEST(`t10`.`bucket`, DATETIME('2026-10-01T00:00:00')), DAY),
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
      `t9`.*
      EXCEPT (`ebucket`)
    FROM (
      SELECT
        `t8`.`bucket`,
        `t8`.`total`,
        `t8`.`total_sq`,
        `t6`.`ebucket`,
        `t6`.`entities`
      FROM (
        SELECT
          `t3`.`bucket`,
          SUM(`t3`.`c`) AS `total`,
          SUM(`t3`.`c` * `t3`.`c`) AS `total_sq`
        FROM (
          SELECT
            `t2`.`bucket`,
            `t2`.`period`,
            COUNT(DISTINCT `t2`.`user_id`) AS `c`
          FROM `t1` AS `t2`
          GROUP BY
            1,
            2
        ) AS `t3`
        GROUP BY
          1
      ) AS `t8`
      INNER JOIN (
        SELECT
          `t4`.`bucket` AS `ebucket`,
          `t4`.`entities`
        FROM (
          SELECT
            `t2`.`bucket`,
            COUNT(DISTINCT `t2`.`user_id`) AS `entities`
          FROM `t1` AS `t2`
          GROUP BY
            1
        ) AS `t4`
      ) AS `t6`
        ON `t8`.`bucket` = `t6`.`ebucket`
    ) AS `t9`
  ) AS `t10`
) AS `t11`
