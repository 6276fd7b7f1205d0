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
        NOT n.__raw_0 IS NULL AND TRIM(CAST(n.__raw_0 AS TEXT)) <> ''
      )
      AND n.tag__ltv IS NULL
      THEN 'ltv:number;'
      ELSE ''
    END || CASE
      WHEN (
        NOT n.__raw_1 IS NULL AND TRIM(CAST(n.__raw_1 AS TEXT)) <> ''
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
      ELSE CAST(LENGTH(n.__external_id) AS TEXT) || ':' || n.__external_id
    END || CASE
      WHEN n.alias__crm_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.alias__crm_id) AS TEXT) || ':' || n.alias__crm_id
    END || CASE
      WHEN n.sub__email IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.sub__email) AS TEXT) || ':' || n.sub__email
    END || CASE
      WHEN n.sub__sms IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.sub__sms) AS TEXT) || ':' || n.sub__sms
    END || CASE
      WHEN n.tag__first_name IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__first_name) AS TEXT) || ':' || n.tag__first_name
    END || CASE
      WHEN n.tag__plan IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__plan) AS TEXT) || ':' || n.tag__plan
    END || CASE
      WHEN n.tag__ltv IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__ltv) AS TEXT) || ':' || n.tag__ltv
    END || CASE
      WHEN n.tag__last_order_at IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__last_order_at) AS TEXT) || ':' || n.tag__last_order_at
    END
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.id AS TEXT) AS __key,
    CAST(m.id AS TEXT) AS __external_id,
    CAST(m.sf_id AS TEXT) AS alias__crm_id,
    CAST(m.email AS TEXT) AS sub__email,
    CAST(m.phone AS TEXT) AS sub__sms,
    CAST(m.first_name AS TEXT) AS tag__first_name,
    CAST(m.plan AS TEXT) AS tag__plan,
    CASE
      WHEN NOT NULLIF(TRIM(CAST(m.ltv AS TEXT)), '') ~ '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
      THEN NULL
      WHEN NULLIF(TRIM(CAST(m.ltv AS TEXT)), '') LIKE '%.%'
      AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')) LIKE '%e%'
      THEN COALESCE(
        NULLIF(
          TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''))),
          ''
        ),
        '0'
      )
      ELSE NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')
    END AS tag__ltv,
    m.ltv AS __raw_0,
    CAST(CASE
      WHEN CASE
        WHEN TRIM(CAST(m.last_order_at AS TEXT)) ~ '^-?0*[0-9]{1,12}$'
        THEN CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS BIGINT)
        WHEN NOT TRIM(CAST(m.last_order_at AS TEXT)) ~ '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 9 FOR 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 6 FOR 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 6 FOR 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 1 FOR 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 1 FOR 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 1 FOR 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 6 FOR 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN TRIM(CAST(m.last_order_at AS TEXT)) ~ '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
        THEN CAST(FLOOR(EXTRACT(EPOCH FROM CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
        ELSE CAST(FLOOR(
          EXTRACT(EPOCH FROM CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMP) AT TIME ZONE 'UTC')
        ) AS BIGINT)
      END BETWEEN -62135596800 AND 253402300799
      THEN CASE
        WHEN TRIM(CAST(m.last_order_at AS TEXT)) ~ '^-?0*[0-9]{1,12}$'
        THEN CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS BIGINT)
        WHEN NOT TRIM(CAST(m.last_order_at AS TEXT)) ~ '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 9 FOR 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 6 FOR 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 6 FOR 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 1 FOR 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 1 FOR 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 1 FOR 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)) FROM 6 FOR 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN TRIM(CAST(m.last_order_at AS TEXT)) ~ '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
        THEN CAST(FLOOR(EXTRACT(EPOCH FROM CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
        ELSE CAST(FLOOR(
          EXTRACT(EPOCH FROM CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMP) AT TIME ZONE 'UTC')
        ) AS BIGINT)
      END
    END AS TEXT) AS tag__last_order_at,
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
      ELSE CAST(LENGTH(n.__external_id) AS TEXT) || ':' || n.__external_id
    END || CASE
      WHEN n.prop__order_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.prop__order_id) AS TEXT) || ':' || n.prop__order_id
    END || CASE
      WHEN n.var__first_name IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.var__first_name) AS TEXT) || ':' || n.var__first_name
    END || CASE
      WHEN n.var__order_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.var__order_id) AS TEXT) || ':' || n.var__order_id
    END
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.order_id AS TEXT) AS __key,
    CAST(m.customer_id AS TEXT) AS __external_id,
    CAST(m.order_id AS TEXT) AS prop__order_id,
    CAST(m.first_name AS TEXT) AS var__first_name,
    CAST(m.order_id AS TEXT) AS var__order_id
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
      ELSE CAST(LENGTH(n.__external_id) AS TEXT) || ':' || n.__external_id
    END || CASE
      WHEN n.prop__total IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.prop__total) AS TEXT) || ':' || n.prop__total
    END || CASE
      WHEN n.prop__currency IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.prop__currency) AS TEXT) || ':' || n.prop__currency
    END || CASE
      WHEN n.__timestamp IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.__timestamp) AS TEXT) || ':' || n.__timestamp
    END
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.order_id AS TEXT) AS __key,
    CAST(m.customer_id AS TEXT) AS __external_id,
    CAST(m.total AS TEXT) AS prop__total,
    CAST(m.currency AS TEXT) AS prop__currency,
    CASE
      WHEN CASE
        WHEN TRIM(CAST(m.placed_at AS TEXT)) ~ '^-?0*[0-9]{1,12}$'
        THEN CAST(TRIM(CAST(m.placed_at AS TEXT)) AS BIGINT)
        WHEN NOT TRIM(CAST(m.placed_at AS TEXT)) ~ '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 9 FOR 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 6 FOR 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 6 FOR 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 1 FOR 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 1 FOR 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 1 FOR 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 6 FOR 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN TRIM(CAST(m.placed_at AS TEXT)) ~ '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
        THEN CAST(FLOOR(EXTRACT(EPOCH FROM CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
        ELSE CAST(FLOOR(
          EXTRACT(EPOCH FROM CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMP) AT TIME ZONE 'UTC')
        ) AS BIGINT)
      END BETWEEN -62135596800 AND 253402300799
      THEN TO_CHAR(
        TO_TIMESTAMP(
          CASE
            WHEN TRIM(CAST(m.placed_at AS TEXT)) ~ '^-?0*[0-9]{1,12}$'
            THEN CAST(TRIM(CAST(m.placed_at AS TEXT)) AS BIGINT)
            WHEN NOT TRIM(CAST(m.placed_at AS TEXT)) ~ '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
            THEN NULL
            WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 9 FOR 2) AS INT) <= CASE
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 6 FOR 2) AS INT) IN (4, 6, 9, 11)
              THEN 30
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 6 FOR 2) AS INT) = 2
              AND (
                (
                  CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 1 FOR 4) AS INT) % 4 = 0
                  AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 1 FOR 4) AS INT) % 100 = 0
                )
                OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 1 FOR 4) AS INT) % 400 = 0
              )
              THEN 29
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)) FROM 6 FOR 2) AS INT) = 2
              THEN 28
              ELSE 31
            END
            THEN NULL
            WHEN TRIM(CAST(m.placed_at AS TEXT)) ~ '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
            THEN CAST(FLOOR(EXTRACT(EPOCH FROM CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
            ELSE CAST(FLOOR(
              EXTRACT(EPOCH FROM CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMP) AT TIME ZONE 'UTC')
            ) AS BIGINT)
          END
        ) AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS"Z"'
      )
    END AS __timestamp
  FROM (
    SELECT
      *
    FROM shop.orders
  ) AS m
) AS n;

