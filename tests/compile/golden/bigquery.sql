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
        NOT n.__raw_0 IS NULL AND TRIM(CAST(n.__raw_0 AS STRING)) <> ''
      )
      AND n.tag__ltv IS NULL
      THEN 'ltv:number;'
      ELSE ''
    END || CASE
      WHEN (
        NOT n.__raw_1 IS NULL AND TRIM(CAST(n.__raw_1 AS STRING)) <> ''
      )
      AND n.tag__last_order_at IS NULL
      THEN 'last_order_at:unix_time;'
      ELSE ''
    END,
    ''
  ) AS __invalid,
  TO_HEX(
    MD5(
      CASE
        WHEN n.__external_id IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.__external_id) AS STRING) || ':' || n.__external_id
      END || CASE
        WHEN n.alias__crm_id IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.alias__crm_id) AS STRING) || ':' || n.alias__crm_id
      END || CASE
        WHEN n.sub__email IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.sub__email) AS STRING) || ':' || n.sub__email
      END || CASE
        WHEN n.sub__sms IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.sub__sms) AS STRING) || ':' || n.sub__sms
      END || CASE
        WHEN n.tag__first_name IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.tag__first_name) AS STRING) || ':' || n.tag__first_name
      END || CASE
        WHEN n.tag__plan IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.tag__plan) AS STRING) || ':' || n.tag__plan
      END || CASE
        WHEN n.tag__ltv IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.tag__ltv) AS STRING) || ':' || n.tag__ltv
      END || CASE
        WHEN n.tag__last_order_at IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.tag__last_order_at) AS STRING) || ':' || n.tag__last_order_at
      END
    )
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.id AS STRING) AS __key,
    CAST(m.id AS STRING) AS __external_id,
    CAST(m.sf_id AS STRING) AS alias__crm_id,
    CAST(m.email AS STRING) AS sub__email,
    CAST(m.phone AS STRING) AS sub__sms,
    CAST(m.first_name AS STRING) AS tag__first_name,
    CAST(m.plan AS STRING) AS tag__plan,
    CASE
      WHEN NOT REGEXP_CONTAINS(
        NULLIF(TRIM(CAST(m.ltv AS STRING)), ''),
        '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
      )
      THEN NULL
      WHEN NULLIF(TRIM(CAST(m.ltv AS STRING)), '') LIKE '%.%'
      AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS STRING)), '')) LIKE '%e%'
      THEN COALESCE(
        NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS STRING)), ''), '0'), '.'), ''),
        '0'
      )
      ELSE NULLIF(TRIM(CAST(m.ltv AS STRING)), '')
    END AS tag__ltv,
    m.ltv AS __raw_0,
    CAST(CASE
      WHEN CASE
        WHEN REGEXP_CONTAINS(TRIM(CAST(m.last_order_at AS STRING)), '^-?0*[0-9]{1,12}$')
        THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS INT64)
        WHEN NOT REGEXP_CONTAINS(
          TRIM(CAST(m.last_order_at AS STRING)),
          '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
        )
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 9, 2) AS INT64) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT64) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT64) = 2
          AND (
            (
              MOD(CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT64), 4) = 0
              AND NOT MOD(CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT64), 100) = 0
            )
            OR MOD(CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT64), 400) = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT64) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_CONTAINS(
          TRIM(CAST(m.last_order_at AS STRING)),
          '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
        )
        THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))) AS INT64)
        ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS DATETIME))) AS INT64)
      END BETWEEN -62135596800 AND 253402300799
      THEN CASE
        WHEN REGEXP_CONTAINS(TRIM(CAST(m.last_order_at AS STRING)), '^-?0*[0-9]{1,12}$')
        THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS INT64)
        WHEN NOT REGEXP_CONTAINS(
          TRIM(CAST(m.last_order_at AS STRING)),
          '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
        )
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 9, 2) AS INT64) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT64) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT64) = 2
          AND (
            (
              MOD(CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT64), 4) = 0
              AND NOT MOD(CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT64), 100) = 0
            )
            OR MOD(CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT64), 400) = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT64) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_CONTAINS(
          TRIM(CAST(m.last_order_at AS STRING)),
          '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
        )
        THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))) AS INT64)
        ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS DATETIME))) AS INT64)
      END
    END AS STRING) AS tag__last_order_at,
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
  TO_HEX(
    MD5(
      CASE
        WHEN n.__external_id IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.__external_id) AS STRING) || ':' || n.__external_id
      END || CASE
        WHEN n.prop__order_id IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.prop__order_id) AS STRING) || ':' || n.prop__order_id
      END || CASE
        WHEN n.var__first_name IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.var__first_name) AS STRING) || ':' || n.var__first_name
      END || CASE
        WHEN n.var__order_id IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.var__order_id) AS STRING) || ':' || n.var__order_id
      END
    )
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.order_id AS STRING) AS __key,
    CAST(m.customer_id AS STRING) AS __external_id,
    CAST(m.order_id AS STRING) AS prop__order_id,
    CAST(m.first_name AS STRING) AS var__first_name,
    CAST(m.order_id AS STRING) AS var__order_id
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
  TO_HEX(
    MD5(
      CASE
        WHEN n.__external_id IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.__external_id) AS STRING) || ':' || n.__external_id
      END || CASE
        WHEN n.prop__total IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.prop__total) AS STRING) || ':' || n.prop__total
      END || CASE
        WHEN n.prop__currency IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.prop__currency) AS STRING) || ':' || n.prop__currency
      END || CASE
        WHEN n.__timestamp IS NULL
        THEN '~'
        ELSE CAST(LENGTH(n.__timestamp) AS STRING) || ':' || n.__timestamp
      END
    )
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.order_id AS STRING) AS __key,
    CAST(m.customer_id AS STRING) AS __external_id,
    CAST(m.total AS STRING) AS prop__total,
    CAST(m.currency AS STRING) AS prop__currency,
    CASE
      WHEN CASE
        WHEN REGEXP_CONTAINS(TRIM(CAST(m.placed_at AS STRING)), '^-?0*[0-9]{1,12}$')
        THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS INT64)
        WHEN NOT REGEXP_CONTAINS(
          TRIM(CAST(m.placed_at AS STRING)),
          '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
        )
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 9, 2) AS INT64) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT64) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT64) = 2
          AND (
            (
              MOD(CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT64), 4) = 0
              AND NOT MOD(CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT64), 100) = 0
            )
            OR MOD(CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT64), 400) = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT64) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_CONTAINS(
          TRIM(CAST(m.placed_at AS STRING)),
          '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
        )
        THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))) AS INT64)
        ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS DATETIME))) AS INT64)
      END BETWEEN -62135596800 AND 253402300799
      THEN FORMAT_DATE(
        '%FT%TZ',
        TIMESTAMP_SECONDS(
          CASE
            WHEN REGEXP_CONTAINS(TRIM(CAST(m.placed_at AS STRING)), '^-?0*[0-9]{1,12}$')
            THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS INT64)
            WHEN NOT REGEXP_CONTAINS(
              TRIM(CAST(m.placed_at AS STRING)),
              '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
            )
            THEN NULL
            WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 9, 2) AS INT64) <= CASE
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT64) IN (4, 6, 9, 11)
              THEN 30
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT64) = 2
              AND (
                (
                  MOD(CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT64), 4) = 0
                  AND NOT MOD(CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT64), 100) = 0
                )
                OR MOD(CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT64), 400) = 0
              )
              THEN 29
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT64) = 2
              THEN 28
              ELSE 31
            END
            THEN NULL
            WHEN REGEXP_CONTAINS(
              TRIM(CAST(m.placed_at AS STRING)),
              '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
            )
            THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))) AS INT64)
            ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS DATETIME))) AS INT64)
          END
        )
      )
    END AS __timestamp
  FROM (
    SELECT
      *
    FROM shop.orders
  ) AS m
) AS n;

