-- customer_profile
SELECT
  CAST(m.id AS TEXT) AS __key,
  CAST(m.id AS TEXT) AS __external_id,
  CAST(m.sf_id AS TEXT) AS alias__crm_id,
  CAST(m.email AS TEXT) AS sub__email,
  CAST(m.phone AS TEXT) AS sub__sms,
  CAST(m.first_name AS TEXT) AS tag__first_name,
  CAST(m.plan AS TEXT) AS tag__plan,
  CASE
    WHEN NOT REGEXP_MATCHES(
      NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''),
      '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
    )
    THEN NULL
    WHEN NULLIF(TRIM(CAST(m.ltv AS TEXT)), '') LIKE '%.%'
    AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')) LIKE '%e%'
    THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''), '0'), '.'), ''), '0')
    ELSE NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')
  END AS tag__ltv,
  CAST(CASE
    WHEN REGEXP_MATCHES(TRIM(CAST(m.last_order_at AS TEXT)), '^-?[0-9]+$')
    THEN CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS BIGINT)
    WHEN NOT REGEXP_MATCHES(
      TRIM(CAST(m.last_order_at AS TEXT)),
      '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
    )
    THEN NULL
    WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 9, 2) AS INT) <= CASE
      WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
      THEN 30
      WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
      AND (
        (
          CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 4 = 0
          AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 100 = 0
        )
        OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 400 = 0
      )
      THEN 29
      WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
      THEN 28
      ELSE 31
    END
    THEN NULL
    WHEN REGEXP_MATCHES(
      TRIM(CAST(m.last_order_at AS TEXT)),
      '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
    )
    THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
    ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
  END AS TEXT) AS tag__last_order_at,
  NULLIF(
    CASE
      WHEN (
        NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS TEXT)) <> ''
      )
      AND CASE
        WHEN NOT REGEXP_MATCHES(
          NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''),
          '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
        )
        THEN NULL
        WHEN NULLIF(TRIM(CAST(m.ltv AS TEXT)), '') LIKE '%.%'
        AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')) LIKE '%e%'
        THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''), '0'), '.'), ''), '0')
        ELSE NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')
      END IS NULL
      THEN 'ltv:number;'
      ELSE ''
    END || CASE
      WHEN (
        NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS TEXT)) <> ''
      )
      AND CAST(CASE
        WHEN REGEXP_MATCHES(TRIM(CAST(m.last_order_at AS TEXT)), '^-?[0-9]+$')
        THEN CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS BIGINT)
        WHEN NOT REGEXP_MATCHES(
          TRIM(CAST(m.last_order_at AS TEXT)),
          '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
        )
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 9, 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_MATCHES(
          TRIM(CAST(m.last_order_at AS TEXT)),
          '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
        )
        THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
        ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
      END AS TEXT) IS NULL
      THEN 'last_order_at:unix_time;'
      ELSE ''
    END,
    ''
  ) AS __invalid,
  MD5(
    CASE
      WHEN CAST(m.id AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.id AS TEXT)) AS TEXT) || ':' || CAST(m.id AS TEXT)
    END || CASE
      WHEN CAST(m.sf_id AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.sf_id AS TEXT)) AS TEXT) || ':' || CAST(m.sf_id AS TEXT)
    END || CASE
      WHEN CAST(m.email AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.email AS TEXT)) AS TEXT) || ':' || CAST(m.email AS TEXT)
    END || CASE
      WHEN CAST(m.phone AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.phone AS TEXT)) AS TEXT) || ':' || CAST(m.phone AS TEXT)
    END || CASE
      WHEN CAST(m.first_name AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.first_name AS TEXT)) AS TEXT) || ':' || CAST(m.first_name AS TEXT)
    END || CASE
      WHEN CAST(m.plan AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.plan AS TEXT)) AS TEXT) || ':' || CAST(m.plan AS TEXT)
    END || CASE
      WHEN CASE
        WHEN NOT REGEXP_MATCHES(
          NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''),
          '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
        )
        THEN NULL
        WHEN NULLIF(TRIM(CAST(m.ltv AS TEXT)), '') LIKE '%.%'
        AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')) LIKE '%e%'
        THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''), '0'), '.'), ''), '0')
        ELSE NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')
      END IS NULL
      THEN '~'
      ELSE CAST(LENGTH(
        CASE
          WHEN NOT REGEXP_MATCHES(
            NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''),
            '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
          )
          THEN NULL
          WHEN NULLIF(TRIM(CAST(m.ltv AS TEXT)), '') LIKE '%.%'
          AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')) LIKE '%e%'
          THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''), '0'), '.'), ''), '0')
          ELSE NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')
        END
      ) AS TEXT) || ':' || CASE
        WHEN NOT REGEXP_MATCHES(
          NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''),
          '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
        )
        THEN NULL
        WHEN NULLIF(TRIM(CAST(m.ltv AS TEXT)), '') LIKE '%.%'
        AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')) LIKE '%e%'
        THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''), '0'), '.'), ''), '0')
        ELSE NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')
      END
    END || CASE
      WHEN CAST(CASE
        WHEN REGEXP_MATCHES(TRIM(CAST(m.last_order_at AS TEXT)), '^-?[0-9]+$')
        THEN CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS BIGINT)
        WHEN NOT REGEXP_MATCHES(
          TRIM(CAST(m.last_order_at AS TEXT)),
          '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
        )
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 9, 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_MATCHES(
          TRIM(CAST(m.last_order_at AS TEXT)),
          '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
        )
        THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
        ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
      END AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(
        CAST(CASE
          WHEN REGEXP_MATCHES(TRIM(CAST(m.last_order_at AS TEXT)), '^-?[0-9]+$')
          THEN CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS BIGINT)
          WHEN NOT REGEXP_MATCHES(
            TRIM(CAST(m.last_order_at AS TEXT)),
            '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
          )
          THEN NULL
          WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 9, 2) AS INT) <= CASE
            WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
            THEN 30
            WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
            AND (
              (
                CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 4 = 0
                AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 100 = 0
              )
              OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 400 = 0
            )
            THEN 29
            WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
            THEN 28
            ELSE 31
          END
          THEN NULL
          WHEN REGEXP_MATCHES(
            TRIM(CAST(m.last_order_at AS TEXT)),
            '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
          )
          THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
          ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
        END AS TEXT)
      ) AS TEXT) || ':' || CAST(CASE
        WHEN REGEXP_MATCHES(TRIM(CAST(m.last_order_at AS TEXT)), '^-?[0-9]+$')
        THEN CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS BIGINT)
        WHEN NOT REGEXP_MATCHES(
          TRIM(CAST(m.last_order_at AS TEXT)),
          '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
        )
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 9, 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN REGEXP_MATCHES(
          TRIM(CAST(m.last_order_at AS TEXT)),
          '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
        )
        THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
        ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
      END AS TEXT)
    END || CASE
      WHEN NULLIF(
        CASE
          WHEN (
            NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS TEXT)) <> ''
          )
          AND CASE
            WHEN NOT REGEXP_MATCHES(
              NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''),
              '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
            )
            THEN NULL
            WHEN NULLIF(TRIM(CAST(m.ltv AS TEXT)), '') LIKE '%.%'
            AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')) LIKE '%e%'
            THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''), '0'), '.'), ''), '0')
            ELSE NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')
          END IS NULL
          THEN 'ltv:number;'
          ELSE ''
        END || CASE
          WHEN (
            NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS TEXT)) <> ''
          )
          AND CAST(CASE
            WHEN REGEXP_MATCHES(TRIM(CAST(m.last_order_at AS TEXT)), '^-?[0-9]+$')
            THEN CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS BIGINT)
            WHEN NOT REGEXP_MATCHES(
              TRIM(CAST(m.last_order_at AS TEXT)),
              '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
            )
            THEN NULL
            WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 9, 2) AS INT) <= CASE
              WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
              THEN 30
              WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
              AND (
                (
                  CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 4 = 0
                  AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 100 = 0
                )
                OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 400 = 0
              )
              THEN 29
              WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
              THEN 28
              ELSE 31
            END
            THEN NULL
            WHEN REGEXP_MATCHES(
              TRIM(CAST(m.last_order_at AS TEXT)),
              '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
            )
            THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
            ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
          END AS TEXT) IS NULL
          THEN 'last_order_at:unix_time;'
          ELSE ''
        END,
        ''
      ) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(
        NULLIF(
          CASE
            WHEN (
              NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS TEXT)) <> ''
            )
            AND CASE
              WHEN NOT REGEXP_MATCHES(
                NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''),
                '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
              )
              THEN NULL
              WHEN NULLIF(TRIM(CAST(m.ltv AS TEXT)), '') LIKE '%.%'
              AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')) LIKE '%e%'
              THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''), '0'), '.'), ''), '0')
              ELSE NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')
            END IS NULL
            THEN 'ltv:number;'
            ELSE ''
          END || CASE
            WHEN (
              NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS TEXT)) <> ''
            )
            AND CAST(CASE
              WHEN REGEXP_MATCHES(TRIM(CAST(m.last_order_at AS TEXT)), '^-?[0-9]+$')
              THEN CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS BIGINT)
              WHEN NOT REGEXP_MATCHES(
                TRIM(CAST(m.last_order_at AS TEXT)),
                '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 9, 2) AS INT) <= CASE
                WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
                AND (
                  (
                    CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 4 = 0
                    AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 100 = 0
                  )
                  OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN REGEXP_MATCHES(
                TRIM(CAST(m.last_order_at AS TEXT)),
                '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
              )
              THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
              ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
            END AS TEXT) IS NULL
            THEN 'last_order_at:unix_time;'
            ELSE ''
          END,
          ''
        )
      ) AS TEXT) || ':' || NULLIF(
        CASE
          WHEN (
            NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS TEXT)) <> ''
          )
          AND CASE
            WHEN NOT REGEXP_MATCHES(
              NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''),
              '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
            )
            THEN NULL
            WHEN NULLIF(TRIM(CAST(m.ltv AS TEXT)), '') LIKE '%.%'
            AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')) LIKE '%e%'
            THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS TEXT)), ''), '0'), '.'), ''), '0')
            ELSE NULLIF(TRIM(CAST(m.ltv AS TEXT)), '')
          END IS NULL
          THEN 'ltv:number;'
          ELSE ''
        END || CASE
          WHEN (
            NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS TEXT)) <> ''
          )
          AND CAST(CASE
            WHEN REGEXP_MATCHES(TRIM(CAST(m.last_order_at AS TEXT)), '^-?[0-9]+$')
            THEN CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS BIGINT)
            WHEN NOT REGEXP_MATCHES(
              TRIM(CAST(m.last_order_at AS TEXT)),
              '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
            )
            THEN NULL
            WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 9, 2) AS INT) <= CASE
              WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
              THEN 30
              WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
              AND (
                (
                  CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 4 = 0
                  AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 100 = 0
                )
                OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 1, 4) AS INT) % 400 = 0
              )
              THEN 29
              WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS TEXT)), 6, 2) AS INT) = 2
              THEN 28
              ELSE 31
            END
            THEN NULL
            WHEN REGEXP_MATCHES(
              TRIM(CAST(m.last_order_at AS TEXT)),
              '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
            )
            THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
            ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.last_order_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
          END AS TEXT) IS NULL
          THEN 'last_order_at:unix_time;'
          ELSE ''
        END,
        ''
      )
    END
  ) AS __fingerprint
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
) AS m;

-- order_receipt
SELECT
  CAST(m.order_id AS TEXT) AS __key,
  CAST(m.customer_id AS TEXT) AS __external_id,
  CAST(m.order_id AS TEXT) AS prop__order_id,
  CAST(m.first_name AS TEXT) AS var__first_name,
  CAST(m.order_id AS TEXT) AS var__order_id,
  MD5(
    CASE
      WHEN CAST(m.customer_id AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.customer_id AS TEXT)) AS TEXT) || ':' || CAST(m.customer_id AS TEXT)
    END || CASE
      WHEN CAST(m.order_id AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.order_id AS TEXT)) AS TEXT) || ':' || CAST(m.order_id AS TEXT)
    END || CASE
      WHEN CAST(m.first_name AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.first_name AS TEXT)) AS TEXT) || ':' || CAST(m.first_name AS TEXT)
    END || CASE
      WHEN CAST(m.order_id AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.order_id AS TEXT)) AS TEXT) || ':' || CAST(m.order_id AS TEXT)
    END
  ) AS __fingerprint
FROM (
  SELECT
    o.order_id,
    o.customer_id,
    c.first_name,
    o.total
  FROM shop.orders AS o
  JOIN crm.customers AS c
    ON c.id = o.customer_id
) AS m;

-- orders_placed
SELECT
  CAST(m.order_id AS TEXT) AS __key,
  CAST(m.customer_id AS TEXT) AS __external_id,
  CAST(m.total AS TEXT) AS prop__total,
  CAST(m.currency AS TEXT) AS prop__currency,
  CASE
    WHEN CASE
      WHEN REGEXP_MATCHES(TRIM(CAST(m.placed_at AS TEXT)), '^-?[0-9]+$')
      THEN CAST(TRIM(CAST(m.placed_at AS TEXT)) AS BIGINT)
      WHEN NOT REGEXP_MATCHES(
        TRIM(CAST(m.placed_at AS TEXT)),
        '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
      )
      THEN NULL
      WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 9, 2) AS INT) <= CASE
        WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
        THEN 30
        WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
        AND (
          (
            CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 4 = 0
            AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 100 = 0
          )
          OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 400 = 0
        )
        THEN 29
        WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
        THEN 28
        ELSE 31
      END
      THEN NULL
      WHEN REGEXP_MATCHES(
        TRIM(CAST(m.placed_at AS TEXT)),
        '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
      )
      THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
      ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
    END IS NULL
    THEN NULL
    ELSE STRFTIME(
      MAKE_TIMESTAMP(
        CAST(CASE
          WHEN REGEXP_MATCHES(TRIM(CAST(m.placed_at AS TEXT)), '^-?[0-9]+$')
          THEN CAST(TRIM(CAST(m.placed_at AS TEXT)) AS BIGINT)
          WHEN NOT REGEXP_MATCHES(
            TRIM(CAST(m.placed_at AS TEXT)),
            '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
          )
          THEN NULL
          WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 9, 2) AS INT) <= CASE
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
            THEN 30
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
            AND (
              (
                CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 4 = 0
                AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 100 = 0
              )
              OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 400 = 0
            )
            THEN 29
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
            THEN 28
            ELSE 31
          END
          THEN NULL
          WHEN REGEXP_MATCHES(
            TRIM(CAST(m.placed_at AS TEXT)),
            '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
          )
          THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
          ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
        END AS BIGINT) * 1000000
      ),
      '%Y-%m-%dT%H:%M:%SZ'
    )
  END AS __timestamp,
  MD5(
    CASE
      WHEN CAST(m.customer_id AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.customer_id AS TEXT)) AS TEXT) || ':' || CAST(m.customer_id AS TEXT)
    END || CASE
      WHEN CAST(m.total AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.total AS TEXT)) AS TEXT) || ':' || CAST(m.total AS TEXT)
    END || CASE
      WHEN CAST(m.currency AS TEXT) IS NULL
      THEN '~'
      ELSE CAST(LENGTH(CAST(m.currency AS TEXT)) AS TEXT) || ':' || CAST(m.currency AS TEXT)
    END || CASE
      WHEN CASE
        WHEN CASE
          WHEN REGEXP_MATCHES(TRIM(CAST(m.placed_at AS TEXT)), '^-?[0-9]+$')
          THEN CAST(TRIM(CAST(m.placed_at AS TEXT)) AS BIGINT)
          WHEN NOT REGEXP_MATCHES(
            TRIM(CAST(m.placed_at AS TEXT)),
            '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
          )
          THEN NULL
          WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 9, 2) AS INT) <= CASE
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
            THEN 30
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
            AND (
              (
                CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 4 = 0
                AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 100 = 0
              )
              OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 400 = 0
            )
            THEN 29
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
            THEN 28
            ELSE 31
          END
          THEN NULL
          WHEN REGEXP_MATCHES(
            TRIM(CAST(m.placed_at AS TEXT)),
            '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
          )
          THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
          ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
        END IS NULL
        THEN NULL
        ELSE STRFTIME(
          MAKE_TIMESTAMP(
            CAST(CASE
              WHEN REGEXP_MATCHES(TRIM(CAST(m.placed_at AS TEXT)), '^-?[0-9]+$')
              THEN CAST(TRIM(CAST(m.placed_at AS TEXT)) AS BIGINT)
              WHEN NOT REGEXP_MATCHES(
                TRIM(CAST(m.placed_at AS TEXT)),
                '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 9, 2) AS INT) <= CASE
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
                AND (
                  (
                    CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 4 = 0
                    AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 100 = 0
                  )
                  OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN REGEXP_MATCHES(
                TRIM(CAST(m.placed_at AS TEXT)),
                '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
              )
              THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
              ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
            END AS BIGINT) * 1000000
          ),
          '%Y-%m-%dT%H:%M:%SZ'
        )
      END IS NULL
      THEN '~'
      ELSE CAST(LENGTH(
        CASE
          WHEN CASE
            WHEN REGEXP_MATCHES(TRIM(CAST(m.placed_at AS TEXT)), '^-?[0-9]+$')
            THEN CAST(TRIM(CAST(m.placed_at AS TEXT)) AS BIGINT)
            WHEN NOT REGEXP_MATCHES(
              TRIM(CAST(m.placed_at AS TEXT)),
              '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
            )
            THEN NULL
            WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 9, 2) AS INT) <= CASE
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
              THEN 30
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
              AND (
                (
                  CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 4 = 0
                  AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 100 = 0
                )
                OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 400 = 0
              )
              THEN 29
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
              THEN 28
              ELSE 31
            END
            THEN NULL
            WHEN REGEXP_MATCHES(
              TRIM(CAST(m.placed_at AS TEXT)),
              '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
            )
            THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
            ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
          END IS NULL
          THEN NULL
          ELSE STRFTIME(
            MAKE_TIMESTAMP(
              CAST(CASE
                WHEN REGEXP_MATCHES(TRIM(CAST(m.placed_at AS TEXT)), '^-?[0-9]+$')
                THEN CAST(TRIM(CAST(m.placed_at AS TEXT)) AS BIGINT)
                WHEN NOT REGEXP_MATCHES(
                  TRIM(CAST(m.placed_at AS TEXT)),
                  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
                )
                THEN NULL
                WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 9, 2) AS INT) <= CASE
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
                  THEN 30
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
                  AND (
                    (
                      CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 4 = 0
                      AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 100 = 0
                    )
                    OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 400 = 0
                  )
                  THEN 29
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
                  THEN 28
                  ELSE 31
                END
                THEN NULL
                WHEN REGEXP_MATCHES(
                  TRIM(CAST(m.placed_at AS TEXT)),
                  '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                )
                THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
                ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
              END AS BIGINT) * 1000000
            ),
            '%Y-%m-%dT%H:%M:%SZ'
          )
        END
      ) AS TEXT) || ':' || CASE
        WHEN CASE
          WHEN REGEXP_MATCHES(TRIM(CAST(m.placed_at AS TEXT)), '^-?[0-9]+$')
          THEN CAST(TRIM(CAST(m.placed_at AS TEXT)) AS BIGINT)
          WHEN NOT REGEXP_MATCHES(
            TRIM(CAST(m.placed_at AS TEXT)),
            '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
          )
          THEN NULL
          WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 9, 2) AS INT) <= CASE
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
            THEN 30
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
            AND (
              (
                CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 4 = 0
                AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 100 = 0
              )
              OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 400 = 0
            )
            THEN 29
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
            THEN 28
            ELSE 31
          END
          THEN NULL
          WHEN REGEXP_MATCHES(
            TRIM(CAST(m.placed_at AS TEXT)),
            '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
          )
          THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
          ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
        END IS NULL
        THEN NULL
        ELSE STRFTIME(
          MAKE_TIMESTAMP(
            CAST(CASE
              WHEN REGEXP_MATCHES(TRIM(CAST(m.placed_at AS TEXT)), '^-?[0-9]+$')
              THEN CAST(TRIM(CAST(m.placed_at AS TEXT)) AS BIGINT)
              WHEN NOT REGEXP_MATCHES(
                TRIM(CAST(m.placed_at AS TEXT)),
                '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 9, 2) AS INT) <= CASE
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
                AND (
                  (
                    CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 4 = 0
                    AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 100 = 0
                  )
                  OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 1, 4) AS INT) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS TEXT)), 6, 2) AS INT) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN REGEXP_MATCHES(
                TRIM(CAST(m.placed_at AS TEXT)),
                '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
              )
              THEN CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMPTZ))) AS BIGINT)
              ELSE CAST(FLOOR(EPOCH(TRY_CAST(TRIM(CAST(m.placed_at AS TEXT)) AS TIMESTAMP))) AS BIGINT)
            END AS BIGINT) * 1000000
          ),
          '%Y-%m-%dT%H:%M:%SZ'
        )
      END
    END
  ) AS __fingerprint
FROM (
  SELECT
    *
  FROM shop.orders
) AS m;

