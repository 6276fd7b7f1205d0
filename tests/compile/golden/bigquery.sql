-- customer_profile
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
    THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS STRING)), ''), '0'), '.'), ''), '0')
    ELSE NULLIF(TRIM(CAST(m.ltv AS STRING)), '')
  END AS tag__ltv,
  CAST(CASE
    WHEN REGEXP_CONTAINS(TRIM(CAST(m.last_order_at AS STRING)), '^-?[0-9]+$')
    THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS INT64)
    WHEN NOT REGEXP_CONTAINS(
      TRIM(CAST(m.last_order_at AS STRING)),
      '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
      '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
    )
    THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))) AS INT64)
    ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS DATETIME))) AS INT64)
  END AS STRING) AS tag__last_order_at,
  NULLIF(
    CASE
      WHEN (
        NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS STRING)) <> ''
      )
      AND CASE
        WHEN NOT REGEXP_CONTAINS(
          NULLIF(TRIM(CAST(m.ltv AS STRING)), ''),
          '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
        )
        THEN NULL
        WHEN NULLIF(TRIM(CAST(m.ltv AS STRING)), '') LIKE '%.%'
        AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS STRING)), '')) LIKE '%e%'
        THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS STRING)), ''), '0'), '.'), ''), '0')
        ELSE NULLIF(TRIM(CAST(m.ltv AS STRING)), '')
      END IS NULL
      THEN 'ltv:number;'
      ELSE ''
    END || CASE
      WHEN (
        NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS STRING)) <> ''
      )
      AND CAST(CASE
        WHEN REGEXP_CONTAINS(TRIM(CAST(m.last_order_at AS STRING)), '^-?[0-9]+$')
        THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS INT64)
        WHEN NOT REGEXP_CONTAINS(
          TRIM(CAST(m.last_order_at AS STRING)),
          '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
          '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
        )
        THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))) AS INT64)
        ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS DATETIME))) AS INT64)
      END AS STRING) IS NULL
      THEN 'last_order_at:unix_time;'
      ELSE ''
    END,
    ''
  ) AS __invalid,
  TO_HEX(
    MD5(
      CASE
        WHEN CAST(m.id AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.id AS STRING)) AS STRING) || ':' || CAST(m.id AS STRING)
      END || CASE
        WHEN CAST(m.sf_id AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.sf_id AS STRING)) AS STRING) || ':' || CAST(m.sf_id AS STRING)
      END || CASE
        WHEN CAST(m.email AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.email AS STRING)) AS STRING) || ':' || CAST(m.email AS STRING)
      END || CASE
        WHEN CAST(m.phone AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.phone AS STRING)) AS STRING) || ':' || CAST(m.phone AS STRING)
      END || CASE
        WHEN CAST(m.first_name AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.first_name AS STRING)) AS STRING) || ':' || CAST(m.first_name AS STRING)
      END || CASE
        WHEN CAST(m.plan AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.plan AS STRING)) AS STRING) || ':' || CAST(m.plan AS STRING)
      END || CASE
        WHEN CASE
          WHEN NOT REGEXP_CONTAINS(
            NULLIF(TRIM(CAST(m.ltv AS STRING)), ''),
            '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
          )
          THEN NULL
          WHEN NULLIF(TRIM(CAST(m.ltv AS STRING)), '') LIKE '%.%'
          AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS STRING)), '')) LIKE '%e%'
          THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS STRING)), ''), '0'), '.'), ''), '0')
          ELSE NULLIF(TRIM(CAST(m.ltv AS STRING)), '')
        END IS NULL
        THEN '~'
        ELSE CAST(LENGTH(
          CASE
            WHEN NOT REGEXP_CONTAINS(
              NULLIF(TRIM(CAST(m.ltv AS STRING)), ''),
              '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
            )
            THEN NULL
            WHEN NULLIF(TRIM(CAST(m.ltv AS STRING)), '') LIKE '%.%'
            AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS STRING)), '')) LIKE '%e%'
            THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS STRING)), ''), '0'), '.'), ''), '0')
            ELSE NULLIF(TRIM(CAST(m.ltv AS STRING)), '')
          END
        ) AS STRING) || ':' || CASE
          WHEN NOT REGEXP_CONTAINS(
            NULLIF(TRIM(CAST(m.ltv AS STRING)), ''),
            '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
          )
          THEN NULL
          WHEN NULLIF(TRIM(CAST(m.ltv AS STRING)), '') LIKE '%.%'
          AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS STRING)), '')) LIKE '%e%'
          THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS STRING)), ''), '0'), '.'), ''), '0')
          ELSE NULLIF(TRIM(CAST(m.ltv AS STRING)), '')
        END
      END || CASE
        WHEN CAST(CASE
          WHEN REGEXP_CONTAINS(TRIM(CAST(m.last_order_at AS STRING)), '^-?[0-9]+$')
          THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS INT64)
          WHEN NOT REGEXP_CONTAINS(
            TRIM(CAST(m.last_order_at AS STRING)),
            '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
            '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
          )
          THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))) AS INT64)
          ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS DATETIME))) AS INT64)
        END AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(
          CAST(CASE
            WHEN REGEXP_CONTAINS(TRIM(CAST(m.last_order_at AS STRING)), '^-?[0-9]+$')
            THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS INT64)
            WHEN NOT REGEXP_CONTAINS(
              TRIM(CAST(m.last_order_at AS STRING)),
              '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
              '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
            )
            THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))) AS INT64)
            ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS DATETIME))) AS INT64)
          END AS STRING)
        ) AS STRING) || ':' || CAST(CASE
          WHEN REGEXP_CONTAINS(TRIM(CAST(m.last_order_at AS STRING)), '^-?[0-9]+$')
          THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS INT64)
          WHEN NOT REGEXP_CONTAINS(
            TRIM(CAST(m.last_order_at AS STRING)),
            '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
            '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
          )
          THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))) AS INT64)
          ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS DATETIME))) AS INT64)
        END AS STRING)
      END || CASE
        WHEN NULLIF(
          CASE
            WHEN (
              NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS STRING)) <> ''
            )
            AND CASE
              WHEN NOT REGEXP_CONTAINS(
                NULLIF(TRIM(CAST(m.ltv AS STRING)), ''),
                '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
              )
              THEN NULL
              WHEN NULLIF(TRIM(CAST(m.ltv AS STRING)), '') LIKE '%.%'
              AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS STRING)), '')) LIKE '%e%'
              THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS STRING)), ''), '0'), '.'), ''), '0')
              ELSE NULLIF(TRIM(CAST(m.ltv AS STRING)), '')
            END IS NULL
            THEN 'ltv:number;'
            ELSE ''
          END || CASE
            WHEN (
              NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS STRING)) <> ''
            )
            AND CAST(CASE
              WHEN REGEXP_CONTAINS(TRIM(CAST(m.last_order_at AS STRING)), '^-?[0-9]+$')
              THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS INT64)
              WHEN NOT REGEXP_CONTAINS(
                TRIM(CAST(m.last_order_at AS STRING)),
                '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
                '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
              )
              THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))) AS INT64)
              ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS DATETIME))) AS INT64)
            END AS STRING) IS NULL
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
                NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS STRING)) <> ''
              )
              AND CASE
                WHEN NOT REGEXP_CONTAINS(
                  NULLIF(TRIM(CAST(m.ltv AS STRING)), ''),
                  '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
                )
                THEN NULL
                WHEN NULLIF(TRIM(CAST(m.ltv AS STRING)), '') LIKE '%.%'
                AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS STRING)), '')) LIKE '%e%'
                THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS STRING)), ''), '0'), '.'), ''), '0')
                ELSE NULLIF(TRIM(CAST(m.ltv AS STRING)), '')
              END IS NULL
              THEN 'ltv:number;'
              ELSE ''
            END || CASE
              WHEN (
                NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS STRING)) <> ''
              )
              AND CAST(CASE
                WHEN REGEXP_CONTAINS(TRIM(CAST(m.last_order_at AS STRING)), '^-?[0-9]+$')
                THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS INT64)
                WHEN NOT REGEXP_CONTAINS(
                  TRIM(CAST(m.last_order_at AS STRING)),
                  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
                  '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                )
                THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))) AS INT64)
                ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS DATETIME))) AS INT64)
              END AS STRING) IS NULL
              THEN 'last_order_at:unix_time;'
              ELSE ''
            END,
            ''
          )
        ) AS STRING) || ':' || NULLIF(
          CASE
            WHEN (
              NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS STRING)) <> ''
            )
            AND CASE
              WHEN NOT REGEXP_CONTAINS(
                NULLIF(TRIM(CAST(m.ltv AS STRING)), ''),
                '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
              )
              THEN NULL
              WHEN NULLIF(TRIM(CAST(m.ltv AS STRING)), '') LIKE '%.%'
              AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS STRING)), '')) LIKE '%e%'
              THEN COALESCE(NULLIF(RTRIM(RTRIM(NULLIF(TRIM(CAST(m.ltv AS STRING)), ''), '0'), '.'), ''), '0')
              ELSE NULLIF(TRIM(CAST(m.ltv AS STRING)), '')
            END IS NULL
            THEN 'ltv:number;'
            ELSE ''
          END || CASE
            WHEN (
              NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS STRING)) <> ''
            )
            AND CAST(CASE
              WHEN REGEXP_CONTAINS(TRIM(CAST(m.last_order_at AS STRING)), '^-?[0-9]+$')
              THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS INT64)
              WHEN NOT REGEXP_CONTAINS(
                TRIM(CAST(m.last_order_at AS STRING)),
                '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
                '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
              )
              THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))) AS INT64)
              ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS DATETIME))) AS INT64)
            END AS STRING) IS NULL
            THEN 'last_order_at:unix_time;'
            ELSE ''
          END,
          ''
        )
      END
    )
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
  CAST(m.order_id AS STRING) AS __key,
  CAST(m.customer_id AS STRING) AS __external_id,
  CAST(m.order_id AS STRING) AS prop__order_id,
  CAST(m.first_name AS STRING) AS var__first_name,
  CAST(m.order_id AS STRING) AS var__order_id,
  TO_HEX(
    MD5(
      CASE
        WHEN CAST(m.customer_id AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.customer_id AS STRING)) AS STRING) || ':' || CAST(m.customer_id AS STRING)
      END || CASE
        WHEN CAST(m.order_id AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.order_id AS STRING)) AS STRING) || ':' || CAST(m.order_id AS STRING)
      END || CASE
        WHEN CAST(m.first_name AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.first_name AS STRING)) AS STRING) || ':' || CAST(m.first_name AS STRING)
      END || CASE
        WHEN CAST(m.order_id AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.order_id AS STRING)) AS STRING) || ':' || CAST(m.order_id AS STRING)
      END
    )
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
  CAST(m.order_id AS STRING) AS __key,
  CAST(m.customer_id AS STRING) AS __external_id,
  CAST(m.total AS STRING) AS prop__total,
  CAST(m.currency AS STRING) AS prop__currency,
  CASE
    WHEN CASE
      WHEN REGEXP_CONTAINS(TRIM(CAST(m.placed_at AS STRING)), '^-?[0-9]+$')
      THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS INT64)
      WHEN NOT REGEXP_CONTAINS(
        TRIM(CAST(m.placed_at AS STRING)),
        '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
        '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
      )
      THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))) AS INT64)
      ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS DATETIME))) AS INT64)
    END IS NULL
    THEN NULL
    ELSE FORMAT_DATE(
      '%FT%TZ',
      TIMESTAMP_SECONDS(
        CASE
          WHEN REGEXP_CONTAINS(TRIM(CAST(m.placed_at AS STRING)), '^-?[0-9]+$')
          THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS INT64)
          WHEN NOT REGEXP_CONTAINS(
            TRIM(CAST(m.placed_at AS STRING)),
            '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
            '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
          )
          THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))) AS INT64)
          ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS DATETIME))) AS INT64)
        END
      )
    )
  END AS __timestamp,
  TO_HEX(
    MD5(
      CASE
        WHEN CAST(m.customer_id AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.customer_id AS STRING)) AS STRING) || ':' || CAST(m.customer_id AS STRING)
      END || CASE
        WHEN CAST(m.total AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.total AS STRING)) AS STRING) || ':' || CAST(m.total AS STRING)
      END || CASE
        WHEN CAST(m.currency AS STRING) IS NULL
        THEN '~'
        ELSE CAST(LENGTH(CAST(m.currency AS STRING)) AS STRING) || ':' || CAST(m.currency AS STRING)
      END || CASE
        WHEN CASE
          WHEN CASE
            WHEN REGEXP_CONTAINS(TRIM(CAST(m.placed_at AS STRING)), '^-?[0-9]+$')
            THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS INT64)
            WHEN NOT REGEXP_CONTAINS(
              TRIM(CAST(m.placed_at AS STRING)),
              '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
              '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
            )
            THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))) AS INT64)
            ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS DATETIME))) AS INT64)
          END IS NULL
          THEN NULL
          ELSE FORMAT_DATE(
            '%FT%TZ',
            TIMESTAMP_SECONDS(
              CASE
                WHEN REGEXP_CONTAINS(TRIM(CAST(m.placed_at AS STRING)), '^-?[0-9]+$')
                THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS INT64)
                WHEN NOT REGEXP_CONTAINS(
                  TRIM(CAST(m.placed_at AS STRING)),
                  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
                  '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                )
                THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))) AS INT64)
                ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS DATETIME))) AS INT64)
              END
            )
          )
        END IS NULL
        THEN '~'
        ELSE CAST(LENGTH(
          CASE
            WHEN CASE
              WHEN REGEXP_CONTAINS(TRIM(CAST(m.placed_at AS STRING)), '^-?[0-9]+$')
              THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS INT64)
              WHEN NOT REGEXP_CONTAINS(
                TRIM(CAST(m.placed_at AS STRING)),
                '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
                '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
              )
              THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))) AS INT64)
              ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS DATETIME))) AS INT64)
            END IS NULL
            THEN NULL
            ELSE FORMAT_DATE(
              '%FT%TZ',
              TIMESTAMP_SECONDS(
                CASE
                  WHEN REGEXP_CONTAINS(TRIM(CAST(m.placed_at AS STRING)), '^-?[0-9]+$')
                  THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS INT64)
                  WHEN NOT REGEXP_CONTAINS(
                    TRIM(CAST(m.placed_at AS STRING)),
                    '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
                    '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                  )
                  THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))) AS INT64)
                  ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS DATETIME))) AS INT64)
                END
              )
            )
          END
        ) AS STRING) || ':' || CASE
          WHEN CASE
            WHEN REGEXP_CONTAINS(TRIM(CAST(m.placed_at AS STRING)), '^-?[0-9]+$')
            THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS INT64)
            WHEN NOT REGEXP_CONTAINS(
              TRIM(CAST(m.placed_at AS STRING)),
              '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
              '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
            )
            THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))) AS INT64)
            ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS DATETIME))) AS INT64)
          END IS NULL
          THEN NULL
          ELSE FORMAT_DATE(
            '%FT%TZ',
            TIMESTAMP_SECONDS(
              CASE
                WHEN REGEXP_CONTAINS(TRIM(CAST(m.placed_at AS STRING)), '^-?[0-9]+$')
                THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS INT64)
                WHEN NOT REGEXP_CONTAINS(
                  TRIM(CAST(m.placed_at AS STRING)),
                  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
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
                  '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                )
                THEN CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))) AS INT64)
                ELSE CAST(FLOOR(TIME_TO_UNIX(SAFE_CAST(TRIM(CAST(m.placed_at AS STRING)) AS DATETIME))) AS INT64)
              END
            )
          )
        END
      END
    )
  ) AS __fingerprint
FROM (
  SELECT
    *
  FROM shop.orders
) AS m;

