WITH `t2` AS (
  SELECT
    `t1`.`user_id`,
    `t1`.`period`,
    LOGICAL_OR(`t1`.`meets`) AS `seg`
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
      TIMESTAMP_TRUNC(`t0`.`timestamp`, WEEK(MONDAY)) AS `period`,
      COALESCE(COALESCE(`t0`.`plan` IN ('mid'), FALSE), FALSE) AS `meets`
    FROM `events` AS `t0`
    WHERE
      `t0`.`timestamp` < DATETIME('2026-11-16T00:00:00')
      AND `t0`.`event` = 'session'
      AND `t0`.`user_id` IS NOT NULL
  ) AS `t1`
  GROUP BY
    1,
    2
)
SELECT
  `t10`.`bucket`,
  IF(`t10`.`n` > 0, ieee_divide(CAST(`t10`.`total` AS FLOAT64), `t10`.`n`), NULL) AS `value`,
  `t10`.`entities`,
  CAST(NULL AS INT64) AS `excluded_immature`,
  CAST(`t10`.`n` AS FLOAT64) AS `n`,
  CAST(`t10`.`total` AS FLOAT64) AS `total`,
  CAST(`t10`.`total` AS FLOAT64) AS `total_sq`,
  CAST(NULL AS INT64) AS `without_outcome`
FROM (
  SELECT
    `t9`.`bucket`,
    COUNT(*) AS `n`,
    COUNTIF(`t9`.`lost`) AS `total`,
    COUNT(DISTINCT `t9`.`eid`) AS `entities`
  FROM (
    SELECT
      `t8`.`eid`,
      `t8`.`a`,
      `t8`.`aid`,
      `t8`.`again`,
      TIMESTAMP_TRUNC(`t8`.`a`, WEEK(MONDAY)) AS `bucket`,
      `t8`.`aid` IS NULL AS `lost`
    FROM (
      SELECT
        `t7`.`eid`,
        `t7`.`a`,
        `t6`.`aid`,
        `t6`.`again`
      FROM (
        SELECT
          `t3`.`user_id` AS `eid`,
          TIMESTAMP_ADD(`t3`.`period`, INTERVAL '7' DAY) AS `a`
        FROM `t2` AS `t3`
        WHERE
          `t3`.`seg`
      ) AS `t7`
      LEFT OUTER JOIN (
        SELECT
          `t3`.`user_id` AS `aid`,
          `t3`.`period` AS `again`
        FROM `t2` AS `t3`
      ) AS `t6`
        ON `t7`.`eid` = `t6`.`aid` AND `t7`.`a` = `t6`.`again`
    ) AS `t8`
    WHERE
      `t8`.`a` >= GREATEST(TIMESTAMP_TRUNC(`t8`.`a`, WEEK(MONDAY)), DATETIME('2026-10-01T00:00:00'))
      AND TIMESTAMP_ADD(`t8`.`a`, INTERVAL '7' DAY) <= LEAST(
        TIMESTAMP_ADD(TIMESTAMP_TRUNC(`t8`.`a`, WEEK(MONDAY)), INTERVAL '7' DAY),
        DATETIME('2026-11-16T00:00:00'),
        DATETIME('2026-11-16T00:00:00')
      )
  ) AS `t9`
  GROUP BY
    1
) AS `t10`
