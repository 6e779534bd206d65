SELECT
  `t10`.`bucket`,
  IF(
    `t10`.`entities` > 0,
    ieee_divide(CAST(`t10`.`total` AS FLOAT64), `t10`.`entities`),
    NULL
  ) AS `value`,
  `t10`.`entities`,
  `t10`.`excluded_immature`,
  CAST(`t10`.`entities` AS FLOAT64) AS `n`,
  CAST(`t10`.`total` AS FLOAT64) AS `total`,
  CAST(`t10`.`total` AS FLOAT64) AS `total_sq`,
  CAST(NULL AS INT64) AS `without_outcome`
FROM (
  SELECT
    `t9`.`bucket`,
    COUNTIF(`t9`.`mature`) AS `entities`,
    COUNTIF(NOT (
      `t9`.`mature`
    )) AS `excluded_immature`,
    COUNTIF(`t9`.`mature` AND (
      `t9`.`first_outcome` IS NOT NULL
    )) AS `total`
  FROM (
    SELECT
      `t8`.`user_id`,
      `t8`.`anchor`,
      `t8`.`first_outcome`,
      TIMESTAMP_TRUNC(`t8`.`anchor`, WEEK(MONDAY)) AS `bucket`,
      `t8`.`anchor` <= DATETIME('2026-11-15T00:00:00') AS `mature`
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
          ON `t6`.`user_id` = `t3`.`oid`
          AND `t3`.`ots` >= `t6`.`anchor`
          AND `t3`.`ots` < TIMESTAMP_ADD(`t6`.`anchor`, INTERVAL '86400' SECOND)
      ) AS `t7`
      GROUP BY
        1,
        2
    ) AS `t8`
  ) AS `t9`
  GROUP BY
    1
) AS `t10`
