SELECT
  `t10`.`bucket`,
  `t10`.`stat` AS `value`,
  `t10`.`entities`,
  `t10`.`excluded_immature`,
  CAST(`t10`.`n` AS FLOAT64) AS `n`,
  `t10`.`total`,
  `t10`.`total_sq`,
  `t10`.`entities` - `t10`.`n` AS `without_outcome`
FROM (
  SELECT
    `t9`.`bucket`,
    COUNTIF(`t9`.`mature`) AS `entities`,
    COUNTIF(NOT (
      `t9`.`mature`
    )) AS `excluded_immature`,
    COUNT(`t9`.`x`) AS `n`,
    SUM(`t9`.`x`) AS `total`,
    SUM(`t9`.`x` * `t9`.`x`) AS `total_sq`,
    AVG(`t9`.`x`) AS `stat`
  FROM (
    SELECT
      `t8`.`user_id`,
      `t8`.`anchor`,
      `t8`.`first_outcome`,
      TIMESTAMP_TRUNC(`t8`.`anchor`, WEEK(MONDAY)) AS `bucket`,
      TRUE AS `mature`,
      IF(
        TRUE,
        ieee_divide(
          CAST(UNIX_SECONDS(`t8`.`first_outcome`) AS FLOAT64) - CAST(UNIX_SECONDS(`t8`.`anchor`) AS FLOAT64),
          60.0
        ),
        CAST(NULL AS FLOAT64)
      ) AS `x`
    FROM (
      SELECT
        `t7`.`user_id`,
        `t7`.`anchor`,
        MIN(`t7`.`ots`) AS `first_outcome`
      FROM (
        SELECT
          `t6`.`user_id`,
          `t6`.`anchor`,
          `t3`.`oid`,
          `t3`.`ots`
        FROM (
          SELECT
            `t4`.`user_id`,
            `t4`.`anchor`
          FROM (
            SELECT
              `t2`.`user_id`,
              MIN(`t2`.`timestamp`) AS `anchor`,
              MIN(IF(COALESCE(`t2`.`plan` IN ('mid'), FALSE), `t2`.`timestamp`, NULL)) AS `anchor_seg`
            FROM (
              SELECT
                *
              FROM `events` AS `t0`
              WHERE
                `t0`.`timestamp` < DATETIME('2026-11-16T00:00:00')
                AND `t0`.`event` = 'signup'
                AND `t0`.`user_id` IS NOT NULL
            ) AS `t2`
            GROUP BY
              1
          ) AS `t4`
          WHERE
            `t4`.`anchor` >= DATETIME('2026-10-01T00:00:00')
            AND `t4`.`anchor` < DATETIME('2026-11-16T00:00:00')
            AND `t4`.`anchor_seg` = `t4`.`anchor`
        ) AS `t6`
        LEFT OUTER JOIN (
          SELECT
            `t0`.`user_id` AS `oid`,
            `t0`.`timestamp` AS `ots`
          FROM `events` AS `t0`
          WHERE
            `t0`.`timestamp` < DATETIME('2026-11-16T00:00:00')
            AND `t0`.`event` = 'session'
            AND `t0`.`user_id` IS NOT NULL
        ) AS `t3`
          ON `t6`.`user_id` = `t3`.`oid` AND `t3`.`ots` >= `t6`.`anchor`
      ) AS `t7`
      GROUP BY
        1,
        2
    ) AS `t8`
  ) AS `t9`
  GROUP BY
    1
) AS `t10`
