-- customer_profile
SELECT
  n.__key,
  n.__external_id,
  n.alias__crm_id,
  n.sub__email,
  n.sub__sms,
  n.tag__first_name,
  n.tag__plan,
  n.tag__ltv,
  n.tag__last_order_at,
  NULLIF(
    CONCAT(
      CASE
        WHEN (
          NOT n.__raw_0 IS NULL AND TRIM(CAST(n.__raw_0 AS CHAR)) <> ''
        )
        AND n.tag__ltv IS NULL
        THEN 'ltv:number;'
        ELSE ''
      END,
      CASE
        WHEN (
          NOT n.__raw_1 IS NULL AND TRIM(CAST(n.__raw_1 AS CHAR)) <> ''
        )
        AND n.tag__last_order_at IS NULL
        THEN 'last_order_at:unix_time;'
        ELSE ''
      END
    ),
    ''
  ) AS __invalid,
  MD5(
    CONCAT(
      CASE
        WHEN n.__external_id IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.__external_id) AS CHAR), ':', n.__external_id)
      END,
      CASE
        WHEN n.alias__crm_id IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.alias__crm_id) AS CHAR), ':', n.alias__crm_id)
      END,
      CASE
        WHEN n.sub__email IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.sub__email) AS CHAR), ':', n.sub__email)
      END,
      CASE
        WHEN n.sub__sms IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.sub__sms) AS CHAR), ':', n.sub__sms)
      END,
      CASE
        WHEN n.tag__first_name IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.tag__first_name) AS CHAR), ':', n.tag__first_name)
      END,
      CASE
        WHEN n.tag__plan IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.tag__plan) AS CHAR), ':', n.tag__plan)
      END,
      CASE
        WHEN n.tag__ltv IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.tag__ltv) AS CHAR), ':', n.tag__ltv)
      END,
      CASE
        WHEN n.tag__last_order_at IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.tag__last_order_at) AS CHAR), ':', n.tag__last_order_at)
      END
    )
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.id AS CHAR) AS __key,
    CAST(m.id AS CHAR) AS __external_id,
    CAST(m.sf_id AS CHAR) AS alias__crm_id,
    CAST(m.email AS CHAR) AS sub__email,
    CAST(m.phone AS CHAR) AS sub__sms,
    CAST(m.first_name AS CHAR) AS tag__first_name,
    CAST(m.plan AS CHAR) AS tag__plan,
    CASE
      WHEN NOT REGEXP_INSTR(
        NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''),
        '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
      ) > 0
      THEN NULL
      WHEN NULLIF(TRIM(CAST(m.ltv AS CHAR)), '') LIKE '%.%'
      AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')) LIKE '%e%'
      THEN COALESCE(
        NULLIF(
          TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''))),
          ''
        ),
        '0'
      )
      ELSE NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')
    END AS tag__ltv,
    m.ltv AS __raw_0,
    CAST(CASE
      WHEN CASE
        WHEN REGEXP_INSTR(TRIM(CAST(m.last_order_at AS CHAR)), '^-?0*[0-9]{1,12}$') > 0
        THEN CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS SIGNED)
        WHEN NOT REGEXP_INSTR(
          TRIM(CAST(m.last_order_at AS CHAR)),
          '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
        ) > 0
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_INSTR(
          TRIM(CAST(m.last_order_at AS CHAR)),
          '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
        ) > 0
        THEN TIMESTAMPDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS DATETIME),
          CAST(LEFT(
            TRIM(CAST(m.last_order_at AS CHAR)),
            CHAR_LENGTH(TRIM(CAST(m.last_order_at AS CHAR))) - CHAR_LENGTH(
              REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$')
            )
          ) AS DATETIME(6))
        ) - (
          CASE
            WHEN REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$') = 'Z'
            THEN 0
            ELSE (
              CAST(SUBSTRING(
                REPLACE(
                  REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                  ':',
                  ''
                ),
                2,
                2
              ) AS SIGNED) * 3600 + CASE
                WHEN CHAR_LENGTH(
                  REPLACE(
                    REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                    ':',
                    ''
                  )
                ) = 5
                THEN CAST(SUBSTRING(
                  REPLACE(
                    REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                    ':',
                    ''
                  ),
                  4,
                  2
                ) AS SIGNED) * 60
                ELSE 0
              END
            ) * CASE
              WHEN LEFT(
                REPLACE(
                  REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                  ':',
                  ''
                ),
                1
              ) = '-'
              THEN -1
              ELSE 1
            END
          END
        )
        ELSE TIMESTAMPDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS DATETIME),
          CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS DATETIME(6))
        )
      END BETWEEN -62135596800 AND 253402300799
      THEN CASE
        WHEN REGEXP_INSTR(TRIM(CAST(m.last_order_at AS CHAR)), '^-?0*[0-9]{1,12}$') > 0
        THEN CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS SIGNED)
        WHEN NOT REGEXP_INSTR(
          TRIM(CAST(m.last_order_at AS CHAR)),
          '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
        ) > 0
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_INSTR(
          TRIM(CAST(m.last_order_at AS CHAR)),
          '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
        ) > 0
        THEN TIMESTAMPDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS DATETIME),
          CAST(LEFT(
            TRIM(CAST(m.last_order_at AS CHAR)),
            CHAR_LENGTH(TRIM(CAST(m.last_order_at AS CHAR))) - CHAR_LENGTH(
              REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$')
            )
          ) AS DATETIME(6))
        ) - (
          CASE
            WHEN REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$') = 'Z'
            THEN 0
            ELSE (
              CAST(SUBSTRING(
                REPLACE(
                  REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                  ':',
                  ''
                ),
                2,
                2
              ) AS SIGNED) * 3600 + CASE
                WHEN CHAR_LENGTH(
                  REPLACE(
                    REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                    ':',
                    ''
                  )
                ) = 5
                THEN CAST(SUBSTRING(
                  REPLACE(
                    REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                    ':',
                    ''
                  ),
                  4,
                  2
                ) AS SIGNED) * 60
                ELSE 0
              END
            ) * CASE
              WHEN LEFT(
                REPLACE(
                  REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                  ':',
                  ''
                ),
                1
              ) = '-'
              THEN -1
              ELSE 1
            END
          END
        )
        ELSE TIMESTAMPDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS DATETIME),
          CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS DATETIME(6))
        )
      END
    END AS CHAR) AS tag__last_order_at,
    m.last_order_at AS __raw_1
  FROM (
    SELECT
      id,
      sf_id,
      email,
      phone,
      first_name,
      plan,
      ltv,
      last_order_at
    FROM crm.customers
    WHERE
      deleted_at IS NULL
  ) AS m
) AS n;

-- order_receipt
SELECT
  n.__key,
  n.__external_id,
  n.prop__order_id,
  n.var__first_name,
  n.var__order_id,
  MD5(
    CONCAT(
      CASE
        WHEN n.__external_id IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.__external_id) AS CHAR), ':', n.__external_id)
      END,
      CASE
        WHEN n.prop__order_id IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.prop__order_id) AS CHAR), ':', n.prop__order_id)
      END,
      CASE
        WHEN n.var__first_name IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.var__first_name) AS CHAR), ':', n.var__first_name)
      END,
      CASE
        WHEN n.var__order_id IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.var__order_id) AS CHAR), ':', n.var__order_id)
      END
    )
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.order_id AS CHAR) AS __key,
    CAST(m.customer_id AS CHAR) AS __external_id,
    CAST(m.order_id AS CHAR) AS prop__order_id,
    CAST(m.first_name AS CHAR) AS var__first_name,
    CAST(m.order_id AS CHAR) AS var__order_id
  FROM (
    SELECT
      o.order_id,
      o.customer_id,
      c.first_name,
      o.total
    FROM shop.orders AS o
    JOIN crm.customers AS c
      ON c.id = o.customer_id
  ) AS m
) AS n;

-- orders_placed
SELECT
  n.__key,
  n.__external_id,
  n.prop__total,
  n.prop__currency,
  n.__timestamp,
  MD5(
    CONCAT(
      CASE
        WHEN n.__external_id IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.__external_id) AS CHAR), ':', n.__external_id)
      END,
      CASE
        WHEN n.prop__total IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.prop__total) AS CHAR), ':', n.prop__total)
      END,
      CASE
        WHEN n.prop__currency IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.prop__currency) AS CHAR), ':', n.prop__currency)
      END,
      CASE
        WHEN n.__timestamp IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(n.__timestamp) AS CHAR), ':', n.__timestamp)
      END
    )
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.order_id AS CHAR) AS __key,
    CAST(m.customer_id AS CHAR) AS __external_id,
    CAST(m.total AS CHAR) AS prop__total,
    CAST(m.currency AS CHAR) AS prop__currency,
    CASE
      WHEN CASE
        WHEN REGEXP_INSTR(TRIM(CAST(m.placed_at AS CHAR)), '^-?0*[0-9]{1,12}$') > 0
        THEN CAST(TRIM(CAST(m.placed_at AS CHAR)) AS SIGNED)
        WHEN NOT REGEXP_INSTR(
          TRIM(CAST(m.placed_at AS CHAR)),
          '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
        ) > 0
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_INSTR(
          TRIM(CAST(m.placed_at AS CHAR)),
          '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
        ) > 0
        THEN TIMESTAMPDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS DATETIME),
          CAST(LEFT(
            TRIM(CAST(m.placed_at AS CHAR)),
            CHAR_LENGTH(TRIM(CAST(m.placed_at AS CHAR))) - CHAR_LENGTH(
              REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$')
            )
          ) AS DATETIME(6))
        ) - (
          CASE
            WHEN REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$') = 'Z'
            THEN 0
            ELSE (
              CAST(SUBSTRING(
                REPLACE(
                  REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                  ':',
                  ''
                ),
                2,
                2
              ) AS SIGNED) * 3600 + CASE
                WHEN CHAR_LENGTH(
                  REPLACE(
                    REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                    ':',
                    ''
                  )
                ) = 5
                THEN CAST(SUBSTRING(
                  REPLACE(
                    REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                    ':',
                    ''
                  ),
                  4,
                  2
                ) AS SIGNED) * 60
                ELSE 0
              END
            ) * CASE
              WHEN LEFT(
                REPLACE(
                  REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                  ':',
                  ''
                ),
                1
              ) = '-'
              THEN -1
              ELSE 1
            END
          END
        )
        ELSE TIMESTAMPDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS DATETIME),
          CAST(TRIM(CAST(m.placed_at AS CHAR)) AS DATETIME(6))
        )
      END BETWEEN -62135596800 AND 253402300799
      THEN DATE_FORMAT(
        DATE_ADD(
          CAST('1970-01-01 00:00:00' AS DATETIME),
          INTERVAL (CASE
            WHEN REGEXP_INSTR(TRIM(CAST(m.placed_at AS CHAR)), '^-?0*[0-9]{1,12}$') > 0
            THEN CAST(TRIM(CAST(m.placed_at AS CHAR)) AS SIGNED)
            WHEN NOT REGEXP_INSTR(
              TRIM(CAST(m.placed_at AS CHAR)),
              '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
            ) > 0
            THEN NULL
            WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
              THEN 30
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
              AND (
                (
                  CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                  AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                )
                OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
              )
              THEN 29
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
              THEN 28
              ELSE 31
            END
            THEN NULL
            WHEN REGEXP_INSTR(
              TRIM(CAST(m.placed_at AS CHAR)),
              '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
            ) > 0
            THEN TIMESTAMPDIFF(
              SECOND,
              CAST('1970-01-01 00:00:00' AS DATETIME),
              CAST(LEFT(
                TRIM(CAST(m.placed_at AS CHAR)),
                CHAR_LENGTH(TRIM(CAST(m.placed_at AS CHAR))) - CHAR_LENGTH(
                  REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$')
                )
              ) AS DATETIME(6))
            ) - (
              CASE
                WHEN REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$') = 'Z'
                THEN 0
                ELSE (
                  CAST(SUBSTRING(
                    REPLACE(
                      REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                      ':',
                      ''
                    ),
                    2,
                    2
                  ) AS SIGNED) * 3600 + CASE
                    WHEN CHAR_LENGTH(
                      REPLACE(
                        REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                        ':',
                        ''
                      )
                    ) = 5
                    THEN CAST(SUBSTRING(
                      REPLACE(
                        REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                        ':',
                        ''
                      ),
                      4,
                      2
                    ) AS SIGNED) * 60
                    ELSE 0
                  END
                ) * CASE
                  WHEN LEFT(
                    REPLACE(
                      REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'),
                      ':',
                      ''
                    ),
                    1
                  ) = '-'
                  THEN -1
                  ELSE 1
                END
              END
            )
            ELSE TIMESTAMPDIFF(
              SECOND,
              CAST('1970-01-01 00:00:00' AS DATETIME),
              CAST(TRIM(CAST(m.placed_at AS CHAR)) AS DATETIME(6))
            )
          END) SECOND
        ),
        '%Y-%m-%dT%H:%i:%sZ'
      )
    END AS __timestamp
  FROM (
    SELECT
      *
    FROM shop.orders
  ) AS m
) AS n;

