SELECT
  `t2`.`bucket`,
  `t2`.`total` AS `value`,
  CAST(NULL AS INT64) AS `entities`,
  CAST(NULL AS INT64) AS `excluded_immature`,
  CAST(`t2`.`n` AS FLOAT64) AS `n`,
  `t2`.`total`,
  `t2`.`total_sq`,
  CAST(NULL AS INT64) AS `without_outcome`
FROM (
  SELECT
    `t1`.`bucket`,
    COUNT(*) AS `n`,
    SUM(`t1`.`x`) AS `total`,
    SUM(`t1`.`x` * `t1`.`x`) AS `total_sq`
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
      TIMESTAMP_TRUNC(`t0`.`timestamp`, WEEK(MONDAY)) AS `bucket`,
      `t0`.`amount` AS `x`
    FROM `events` AS `t0`
    WHERE
      `t0`.`timestamp` < DATETIME('2026-11-16T00:00:00')
      AND `t0`.`event` = 'invoice'
      AND `t0`.`timestamp` >= DATETIME('2026-10-01T00:00:00')
      AND COALESCE(`t0`.`plan` IN ('mid'), FALSE)
      AND `t0`.`amount` IS NOT NULL
  ) AS `t1`
  GROUP BY
    1
) AS `t2`
