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
    CASE
      WHEN (
        NOT n.__raw_0 IS NULL AND TRIM(CAST(n.__raw_0 AS VARCHAR)) <> ''
      )
      AND n.tag__ltv IS NULL
      THEN 'ltv:number;'
      ELSE ''
    END || CASE
      WHEN (
        NOT n.__raw_1 IS NULL AND TRIM(CAST(n.__raw_1 AS VARCHAR)) <> ''
      )
      AND n.tag__last_order_at IS NULL
      THEN 'last_order_at:unix_time;'
      ELSE ''
    END,
    ''
  ) AS __invalid,
  MD5(
    CASE
      WHEN n.__external_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.__external_id) AS VARCHAR) || ':' || n.__external_id
    END || CASE
      WHEN n.alias__crm_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.alias__crm_id) AS VARCHAR) || ':' || n.alias__crm_id
    END || CASE
      WHEN n.sub__email IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.sub__email) AS VARCHAR) || ':' || n.sub__email
    END || CASE
      WHEN n.sub__sms IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.sub__sms) AS VARCHAR) || ':' || n.sub__sms
    END || CASE
      WHEN n.tag__first_name IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__first_name) AS VARCHAR) || ':' || n.tag__first_name
    END || CASE
      WHEN n.tag__plan IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__plan) AS VARCHAR) || ':' || n.tag__plan
    END || CASE
      WHEN n.tag__ltv IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__ltv) AS VARCHAR) || ':' || n.tag__ltv
    END || CASE
      WHEN n.tag__last_order_at IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__last_order_at) AS VARCHAR) || ':' || n.tag__last_order_at
    END
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.id AS VARCHAR) AS __key,
    CAST(m.id AS VARCHAR) AS __external_id,
    CAST(m.sf_id AS VARCHAR) AS alias__crm_id,
    CAST(m.email AS VARCHAR) AS sub__email,
    CAST(m.phone AS VARCHAR) AS sub__sms,
    CAST(m.first_name AS VARCHAR) AS tag__first_name,
    CAST(m.plan AS VARCHAR) AS tag__plan,
    CASE
      WHEN NOT REGEXP_LIKE(
        NULLIF(TRIM(CAST(m.ltv AS VARCHAR)), ''),
        '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$',
        's'
      )
      THEN NULL
      WHEN NULLIF(TRIM(CAST(m.ltv AS VARCHAR)), '') LIKE '%.%'
      AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS VARCHAR)), '')) LIKE '%e%'
      THEN COALESCE(
        NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS VARCHAR)), ''), '0'), '.'), ''),
        '0'
      )
      ELSE NULLIF(TRIM(CAST(m.ltv AS VARCHAR)), '')
    END AS tag__ltv,
    m.ltv AS __raw_0,
    CAST(CASE
      WHEN CASE
        WHEN REGEXP_LIKE(TRIM(CAST(m.last_order_at AS VARCHAR)), '^-?0*[0-9]{1,12}$', 's')
        THEN CAST(TRIM(CAST(m.last_order_at AS VARCHAR)) AS BIGINT)
        WHEN NOT REGEXP_LIKE(
          TRIM(CAST(m.last_order_at AS VARCHAR)),
          '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$',
          's'
        )
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 9, 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 6, 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 6, 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 1, 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 1, 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 1, 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 6, 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_LIKE(
          TRIM(CAST(m.last_order_at AS VARCHAR)),
          '.*[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$',
          's'
        )
        THEN CAST(DATEDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
          CAST(CONVERT_TIMEZONE('UTC', TRY_CAST(TRIM(CAST(m.last_order_at AS VARCHAR)) AS TIMESTAMP_TZ)) AS TIMESTAMP_NTZ)
        ) AS BIGINT)
        ELSE CAST(DATEDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
          TRY_CAST(TRIM(CAST(m.last_order_at AS VARCHAR)) AS TIMESTAMP_NTZ)
        ) AS BIGINT)
      END BETWEEN -62135596800 AND 253402300799
      THEN CASE
        WHEN REGEXP_LIKE(TRIM(CAST(m.last_order_at AS VARCHAR)), '^-?0*[0-9]{1,12}$', 's')
        THEN CAST(TRIM(CAST(m.last_order_at AS VARCHAR)) AS BIGINT)
        WHEN NOT REGEXP_LIKE(
          TRIM(CAST(m.last_order_at AS VARCHAR)),
          '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$',
          's'
        )
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 9, 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 6, 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 6, 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 1, 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 1, 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 1, 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS VARCHAR)), 6, 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_LIKE(
          TRIM(CAST(m.last_order_at AS VARCHAR)),
          '.*[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$',
          's'
        )
        THEN CAST(DATEDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
          CAST(CONVERT_TIMEZONE('UTC', TRY_CAST(TRIM(CAST(m.last_order_at AS VARCHAR)) AS TIMESTAMP_TZ)) AS TIMESTAMP_NTZ)
        ) AS BIGINT)
        ELSE CAST(DATEDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
          TRY_CAST(TRIM(CAST(m.last_order_at AS VARCHAR)) AS TIMESTAMP_NTZ)
        ) AS BIGINT)
      END
    END AS VARCHAR) AS tag__last_order_at,
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
    CASE
      WHEN n.__external_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.__external_id) AS VARCHAR) || ':' || n.__external_id
    END || CASE
      WHEN n.prop__order_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.prop__order_id) AS VARCHAR) || ':' || n.prop__order_id
    END || CASE
      WHEN n.var__first_name IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.var__first_name) AS VARCHAR) || ':' || n.var__first_name
    END || CASE
      WHEN n.var__order_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.var__order_id) AS VARCHAR) || ':' || n.var__order_id
    END
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.order_id AS VARCHAR) AS __key,
    CAST(m.customer_id AS VARCHAR) AS __external_id,
    CAST(m.order_id AS VARCHAR) AS prop__order_id,
    CAST(m.first_name AS VARCHAR) AS var__first_name,
    CAST(m.order_id AS VARCHAR) AS var__order_id
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
    CASE
      WHEN n.__external_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.__external_id) AS VARCHAR) || ':' || n.__external_id
    END || CASE
      WHEN n.prop__total IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.prop__total) AS VARCHAR) || ':' || n.prop__total
    END || CASE
      WHEN n.prop__currency IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.prop__currency) AS VARCHAR) || ':' || n.prop__currency
    END || CASE
      WHEN n.__timestamp IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.__timestamp) AS VARCHAR) || ':' || n.__timestamp
    END
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.order_id AS VARCHAR) AS __key,
    CAST(m.customer_id AS VARCHAR) AS __external_id,
    CAST(m.total AS VARCHAR) AS prop__total,
    CAST(m.currency AS VARCHAR) AS prop__currency,
    CASE
      WHEN CASE
        WHEN REGEXP_LIKE(TRIM(CAST(m.placed_at AS VARCHAR)), '^-?0*[0-9]{1,12}$', 's')
        THEN CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS BIGINT)
        WHEN NOT REGEXP_LIKE(
          TRIM(CAST(m.placed_at AS VARCHAR)),
          '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$',
          's'
        )
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 9, 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_LIKE(
          TRIM(CAST(m.placed_at AS VARCHAR)),
          '.*[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$',
          's'
        )
        THEN CAST(DATEDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
          CAST(CONVERT_TIMEZONE('UTC', TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_TZ)) AS TIMESTAMP_NTZ)
        ) AS BIGINT)
        ELSE CAST(DATEDIFF(
          SECOND,
          CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
          TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_NTZ)
        ) AS BIGINT)
      END BETWEEN -62135596800 AND 253402300799
      THEN LPAD(
        CAST(YEAR(
          DATEADD(
            SECOND,
            CAST(CASE
              WHEN REGEXP_LIKE(TRIM(CAST(m.placed_at AS VARCHAR)), '^-?0*[0-9]{1,12}$', 's')
              THEN CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS BIGINT)
              WHEN NOT REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$',
                's'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 9, 2) AS INT) <= CASE
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                AND (
                  (
                    CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 4 = 0
                    AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 100 = 0
                  )
                  OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '.*[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$',
                's'
              )
              THEN CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                CAST(CONVERT_TIMEZONE('UTC', TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_TZ)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
              ELSE CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
            END AS BIGINT),
            CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ)
          )
        ) AS VARCHAR),
        4,
        '0'
      ) || '-' || LPAD(
        CAST(MONTH(
          DATEADD(
            SECOND,
            CAST(CASE
              WHEN REGEXP_LIKE(TRIM(CAST(m.placed_at AS VARCHAR)), '^-?0*[0-9]{1,12}$', 's')
              THEN CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS BIGINT)
              WHEN NOT REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$',
                's'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 9, 2) AS INT) <= CASE
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                AND (
                  (
                    CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 4 = 0
                    AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 100 = 0
                  )
                  OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '.*[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$',
                's'
              )
              THEN CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                CAST(CONVERT_TIMEZONE('UTC', TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_TZ)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
              ELSE CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
            END AS BIGINT),
            CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ)
          )
        ) AS VARCHAR),
        2,
        '0'
      ) || '-' || LPAD(
        CAST(DAY(
          DATEADD(
            SECOND,
            CAST(CASE
              WHEN REGEXP_LIKE(TRIM(CAST(m.placed_at AS VARCHAR)), '^-?0*[0-9]{1,12}$', 's')
              THEN CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS BIGINT)
              WHEN NOT REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$',
                's'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 9, 2) AS INT) <= CASE
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                AND (
                  (
                    CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 4 = 0
                    AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 100 = 0
                  )
                  OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '.*[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$',
                's'
              )
              THEN CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                CAST(CONVERT_TIMEZONE('UTC', TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_TZ)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
              ELSE CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
            END AS BIGINT),
            CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ)
          )
        ) AS VARCHAR),
        2,
        '0'
      ) || 'T' || LPAD(
        CAST(HOUR(
          DATEADD(
            SECOND,
            CAST(CASE
              WHEN REGEXP_LIKE(TRIM(CAST(m.placed_at AS VARCHAR)), '^-?0*[0-9]{1,12}$', 's')
              THEN CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS BIGINT)
              WHEN NOT REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$',
                's'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 9, 2) AS INT) <= CASE
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                AND (
                  (
                    CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 4 = 0
                    AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 100 = 0
                  )
                  OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '.*[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$',
                's'
              )
              THEN CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                CAST(CONVERT_TIMEZONE('UTC', TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_TZ)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
              ELSE CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
            END AS BIGINT),
            CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ)
          )
        ) AS VARCHAR),
        2,
        '0'
      ) || ':' || LPAD(
        CAST(MINUTE(
          DATEADD(
            SECOND,
            CAST(CASE
              WHEN REGEXP_LIKE(TRIM(CAST(m.placed_at AS VARCHAR)), '^-?0*[0-9]{1,12}$', 's')
              THEN CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS BIGINT)
              WHEN NOT REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$',
                's'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 9, 2) AS INT) <= CASE
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                AND (
                  (
                    CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 4 = 0
                    AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 100 = 0
                  )
                  OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '.*[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$',
                's'
              )
              THEN CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                CAST(CONVERT_TIMEZONE('UTC', TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_TZ)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
              ELSE CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
            END AS BIGINT),
            CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ)
          )
        ) AS VARCHAR),
        2,
        '0'
      ) || ':' || LPAD(
        CAST(SECOND(
          DATEADD(
            SECOND,
            CAST(CASE
              WHEN REGEXP_LIKE(TRIM(CAST(m.placed_at AS VARCHAR)), '^-?0*[0-9]{1,12}$', 's')
              THEN CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS BIGINT)
              WHEN NOT REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$',
                's'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 9, 2) AS INT) <= CASE
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                AND (
                  (
                    CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 4 = 0
                    AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 100 = 0
                  )
                  OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 1, 4) AS INT) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS VARCHAR)), 6, 2) AS INT) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN REGEXP_LIKE(
                TRIM(CAST(m.placed_at AS VARCHAR)),
                '.*[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$',
                's'
              )
              THEN CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                CAST(CONVERT_TIMEZONE('UTC', TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_TZ)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
              ELSE CAST(DATEDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                TRY_CAST(TRIM(CAST(m.placed_at AS VARCHAR)) AS TIMESTAMP_NTZ)
              ) AS BIGINT)
            END AS BIGINT),
            CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ)
          )
        ) AS VARCHAR),
        2,
        '0'
      ) || 'Z'
    END AS __timestamp
  FROM (
    SELECT
      *
    FROM shop.orders
  ) AS m
) AS n;

